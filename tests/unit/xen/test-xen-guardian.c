/* The guardian's Xen path (issue 9), against the fake back end: a CR-trap
 * (or int3) session is killed with vCPUs held on its monitor ring; the
 * guardian, which holds the ring page, restores the bytes from the
 * journal, answers every vCPU with the right registers (those on an entry
 * trap back on the restored instruction with the CR3 write denied, the one
 * on the return trap at the real return address, context switches
 * allowed), turns monitoring off, lets every vCPU run once and tears the
 * ring down. */
#include <string.h>

#include "driver/driver.h"
#include "driver/journal.h"
#include "driver/xen/xen-policy.h"
#include "fake-xen.h"

#define PA(va) (FAKE_TEXT_PA + ((va) - FAKE_TEXT_VA))
#define SLOT_PA 0x14000ULL                    /* frame 20: a kernel stack */
#define SLOT_VA 0xffffc90000003ef8ULL
#define RET_ADDR (FAKE_PLAIN + 0x40)          /* the real return address */
#define USER_RIP 0x400000ULL

static const guint8 NOP5[5] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };
static const guint8 PAD3[3] = { 0xcc, 0xcc, 0xcc };

static GtRegs
regs_at(guint64 rip, guint64 rsp)
{
  GtRegs r;
  memset(&r, 0, sizeof r);
  r.r[GT_REG_RIP] = rip;
  r.r[GT_REG_RSP] = rsp;
  r.r[GT_REG_RAX] = 39;
  r.r[GT_REG_RBX] = 0x1234;
  r.r[GT_REG_CR3] = FAKE_CR3;
  return r;
}

/* The session about to be killed: traps at FAKE_FUNC (entry) and FAKE_PAD
 * (return), a return slot redirected to the return trap, running. */
static GtDriver *
tracer(FakeXen *t, GtXenTrap trap, const char *identity)
{
  g_autoptr(GError) err = NULL;
  GtDriver *d = gt_xen_driver_new(&fake_xen_ops, t, trap, &err);
  g_assert_no_error(err);
  d->identity = g_strdup(identity);
  g_autofree char *report = NULL;
  g_assert_true(gt_driver_attach_journal(d, "xen:t", GT_JOURNAL_TRACE, &report, &err));
  g_assert_true(d->ops->insert_bp(d, FAKE_FUNC, &err));
  g_assert_true(d->ops->insert_bp(d, FAKE_PAD, &err));
  guint64 real = RET_ADDR, ours = FAKE_PAD;
  g_assert_true(gt_journal_note_write(d->journal, GT_JOURNAL_SLOT, SLOT_PA, SLOT_VA, &real,
                                      &ours, 8, &err));
  g_assert_true(d->ops->write_phys(d, SLOT_PA, &ours, 8, &err));
  g_assert_true(d->ops->resume(d, &err));
  g_assert_no_error(err);
  return d;
}

/* SIGKILL: what the hypervisor holds is left as it is (the clone); the
 * dead session's journal stays as it was written. */
static FakeXen *
kill_tracer(GtDriver *d, FakeXen *t)
{
  FakeXen *left = fake_xen_clone(t);
  gt_journal_close(d->journal);
  d->journal = NULL;
  t->alive = FALSE;   /* a dead tracer detaches nothing: its driver only frees */
  gt_driver_close(d);
  fake_xen_free(t);
  return left;
}

static GtDriver *
guardian(FakeXen *g, const char *identity, char **report)
{
  g_autoptr(GError) err = NULL;
  GtDriver *d = gt_xen_driver_new(&fake_xen_ops, g, GT_XEN_TRAP_INT3, &err);
  g_assert_no_error(err);
  g_assert_true(gt_xen_driver_adopt_ring(d, g->ring_page));
  g_assert_true(g->adopted);
  d->identity = g_strdup(identity);
  g_assert_true(gt_driver_attach_journal(d, "xen:t", GT_JOURNAL_REPAIR, report, &err));
  g_assert_no_error(err);
  return d;
}

static void
assert_restored(FakeXen *g)
{
  g_assert_cmpmem(g->ram + PA(FAKE_FUNC), 5, NOP5, 5);
  g_assert_cmpmem(g->ram + PA(FAKE_PAD), 3, PAD3, 3);
  guint64 slot;
  memcpy(&slot, g->ram + SLOT_PA, 8);
  g_assert_cmphex(slot, ==, RET_ADDR);
}

static void
assert_detached(FakeXen *g)
{
  g_assert_cmphex(g->vm_paused, ==, 0);     /* every vCPU released */
  g_assert_false(g->events_on);
  g_assert_false(g->monitor_on);            /* the ring torn down */
  g_assert_cmpuint(g->settles, ==, 1);      /* after every vCPU ran once */
  g_assert_cmpint(g->paused, ==, 0);
  g_assert_true(g->closed);
}

static void
test_cr3_dead_ring(void)
{
  FakeXen *t = fake_xen_new();
  t->nvcpus = 4;
  GtDriver *d = tracer(t, GT_XEN_TRAP_CR3, "xen-test-guardian-cr3");
  /* vCPU 0 on the entry trap, vCPU 1 on the return trap, vCPU 2 a
   * context switch: the tracer takes all three, holds 0 and 1 and answers
   * 2, whose response lands in vCPU 0's request slot. */
  GtRegs r0 = regs_at(FAKE_FUNC, 0xffffc90000003f00ULL);
  GtRegs r1 = regs_at(FAKE_PAD, SLOT_VA + 8);
  GtRegs r2 = regs_at(FAKE_PLAIN, 0xffffc90000005f00ULL);
  fake_xen_push_regs(t, VM_EVENT_REASON_WRITE_CTRLREG, 0, &r0, VM_EVENT_X86_CR3);
  fake_xen_push_regs(t, VM_EVENT_REASON_WRITE_CTRLREG, 1, &r1, VM_EVENT_X86_CR3);
  fake_xen_push_regs(t, VM_EVENT_REASON_WRITE_CTRLREG, 2, &r2, VM_EVENT_X86_CR3);
  GtStop stop;
  g_autoptr(GError) err = NULL;
  g_assert_true(d->ops->wait(d, 0, &stop, &err));
  g_assert_cmpint(stop.kind, ==, GT_STOP_BREAKPOINT);
  g_assert_cmphex(t->vm_paused, ==, 0x3);
  /* vCPU 3's context switch comes in; nobody reads it. */
  GtRegs r3 = regs_at(FAKE_PLAIN + 0x10, 0xffffc90000007f00ULL);
  fake_xen_push_regs(t, VM_EVENT_REASON_WRITE_CTRLREG, 3, &r3, VM_EVENT_X86_CR3);
  /* The vCPUs as Xen has them: each mov to CR3 completed, its write
   * deferred (RIP 3 bytes on); vCPU 2 runs on in user mode. */
  t->regs[0] = regs_at(FAKE_FUNC + 3, r0.r[GT_REG_RSP]);
  t->regs[1] = regs_at(FAKE_PAD + 3, SLOT_VA + 8);
  t->regs[2] = regs_at(USER_RIP, 0x7ffc0000);
  t->regs[3] = regs_at(FAKE_PLAIN + 0x13, r3.r[GT_REG_RSP]);
  FakeXen *g = kill_tracer(d, t);

  g_autofree char *report = NULL;
  GtDriver *gd = guardian(g, "xen-test-guardian-cr3", &report);
  g_assert_nonnull(report);
  g_assert_nonnull(strstr(report, "8 code bytes restored"));
  g_assert_nonnull(strstr(report, "1 return addresses restored"));
  g_assert_nonnull(strstr(report, "ring held are answered"));
  g_assert_null(strstr(report, "xl destroy"));
  assert_restored(g);
  g_assert_cmphex(g->vm_paused, ==, 0xb);   /* nothing answered before the bytes */
  gt_driver_close(gd);
  assert_detached(g);

  const vm_event_response_t *a = &g->applied[0];
  g_assert_cmphex(a->flags, ==, VM_EVENT_FLAG_VCPU_PAUSED | VM_EVENT_FLAG_DENY |
                                VM_EVENT_FLAG_SET_REGISTERS);
  g_assert_cmpuint(a->reason, ==, VM_EVENT_REASON_WRITE_CTRLREG);
  g_assert_cmpuint(a->u.write_ctrlreg.index, ==, VM_EVENT_X86_CR3);
  g_assert_cmphex(a->data.regs.x86.rip, ==, FAKE_FUNC);    /* the restored NOP */
  g_assert_cmphex(a->data.regs.x86.rax, ==, 39);
  g_assert_cmphex(a->data.regs.x86.rbx, ==, 0x1234);
  g_assert_cmphex(a->data.regs.x86.rsp, ==, r0.r[GT_REG_RSP]);
  a = &g->applied[1];
  g_assert_cmphex(a->flags, ==, VM_EVENT_FLAG_VCPU_PAUSED | VM_EVENT_FLAG_DENY |
                                VM_EVENT_FLAG_SET_REGISTERS);
  g_assert_cmphex(a->data.regs.x86.rip, ==, RET_ADDR);     /* the real return */
  g_assert_cmphex(a->data.regs.x86.rsp, ==, SLOT_VA + 8);
  a = &g->applied[3];
  g_assert_cmphex(a->flags, ==, VM_EVENT_FLAG_VCPU_PAUSED);  /* allowed, untouched */
  g_assert_cmpuint(g->ignored, ==, 1);      /* vCPU 2 was not held */
  fake_xen_free(g);
}

/* The dead tracer had handled vCPU 1's return already: it put the slot's
 * own bytes back and journalled that, but died before it answered. The
 * guardian takes the real return address from the slot `ret` popped. */
static void
test_returned_already(void)
{
  const guint64 stack_va = FAKE_TEXT_VA + 0x5000, slot_va = stack_va + 0xef8;
  const guint64 slot_pa = 21 * 4096 + 0xef8;
  FakeXen *t = fake_xen_new();
  fake_xen_map(t, stack_va, 21);
  GtDriver *d = tracer(t, GT_XEN_TRAP_CR3, "xen-test-guardian-returned");
  guint64 real = RET_ADDR, ours = FAKE_PAD;
  g_autoptr(GError) err = NULL;
  g_assert_true(gt_journal_note_write(d->journal, GT_JOURNAL_SLOT, slot_pa, slot_va, &real,
                                      &ours, 8, &err));
  g_assert_true(d->ops->write_phys(d, slot_pa, &ours, 8, &err));
  GtRegs r1 = regs_at(FAKE_PAD, slot_va + 8);
  fake_xen_push_regs(t, VM_EVENT_REASON_WRITE_CTRLREG, 1, &r1, VM_EVENT_X86_CR3);
  t->regs[1] = regs_at(FAKE_PAD + 3, slot_va + 8);
  /* What the engine does at the return stop before it answers. */
  g_assert_true(d->ops->write_phys(d, slot_pa, &real, 8, &err));
  g_assert_true(gt_journal_note_undone(d->journal, slot_pa, &err));
  FakeXen *g = kill_tracer(d, t);
  g_autofree char *report = NULL;
  GtDriver *gd = guardian(g, "xen-test-guardian-returned", &report);
  gt_driver_close(gd);
  assert_detached(g);
  g_assert_cmphex(g->applied[1].flags, ==, VM_EVENT_FLAG_VCPU_PAUSED | VM_EVENT_FLAG_DENY |
                                           VM_EVENT_FLAG_SET_REGISTERS);
  g_assert_cmphex(g->applied[1].data.regs.x86.rip, ==, RET_ADDR);
  g_assert_cmphex(g->applied[1].data.regs.x86.rsp, ==, slot_va + 8);
  fake_xen_free(g);
}

/* The int3 trap: RIP stays on the int3; the same answers without DENY. */
static void
test_int3_dead_ring(void)
{
  FakeXen *t = fake_xen_new();
  GtDriver *d = tracer(t, GT_XEN_TRAP_INT3, "xen-test-guardian-int3");
  GtRegs r0 = regs_at(FAKE_FUNC, 0xffffc90000003f00ULL);
  GtRegs r1 = regs_at(FAKE_PAD, SLOT_VA + 8);
  fake_xen_push_regs(t, VM_EVENT_REASON_SOFTWARE_BREAKPOINT, 0, &r0, 0);
  fake_xen_push_regs(t, VM_EVENT_REASON_SOFTWARE_BREAKPOINT, 1, &r1, 0);
  t->regs[0] = r0;
  t->regs[1] = r1;
  FakeXen *g = kill_tracer(d, t);   /* dies before it read the ring */

  g_autofree char *report = NULL;
  GtDriver *gd = guardian(g, "xen-test-guardian-int3", &report);
  g_assert_nonnull(strstr(report, "2 code bytes restored"));
  assert_restored(g);
  gt_driver_close(gd);
  assert_detached(g);
  g_assert_cmphex(g->applied[0].flags, ==, VM_EVENT_FLAG_VCPU_PAUSED |
                                           VM_EVENT_FLAG_SET_REGISTERS);
  g_assert_cmphex(g->applied[0].data.regs.x86.rip, ==, FAKE_FUNC);
  g_assert_cmphex(g->applied[1].flags, ==, VM_EVENT_FLAG_VCPU_PAUSED |
                                           VM_EVENT_FLAG_SET_REGISTERS);
  g_assert_cmphex(g->applied[1].data.regs.x86.rip, ==, RET_ADDR);
  fake_xen_free(g);
}

/* A page that is not a ring guestrace enabled (the tracer died before it
 * armed a trap, or another monitor's) is never taken over. */
static void
test_unmarked_page(void)
{
  FakeXen *f = fake_xen_new();
  g_autoptr(GError) err = NULL;
  GtDriver *d = gt_xen_driver_new(&fake_xen_ops, f, GT_XEN_TRAP_CR3, &err);
  g_assert_false(gt_xen_driver_adopt_ring(d, f->ring_page));
  g_assert_false(f->adopted);
  gt_driver_close(d);
  g_assert_cmpint(f->paused, ==, 0);
  fake_xen_free(f);
}

/* Without the dead session's journal (no identity here; in real life a
 * journal that cannot be opened) the guardian leaves the ring as it is:
 * answering blind would send a vCPU on the return trap into the padding,
 * and monitoring off would leave the patched mov live. */
static void
test_no_journal(void)
{
  FakeXen *t = fake_xen_new();
  GtDriver *d = tracer(t, GT_XEN_TRAP_CR3, "xen-test-guardian-nojournal");
  GtRegs r1 = regs_at(FAKE_PAD, SLOT_VA + 8);
  fake_xen_push_regs(t, VM_EVENT_REASON_WRITE_CTRLREG, 1, &r1, VM_EVENT_X86_CR3);
  t->regs[1] = regs_at(FAKE_PAD + 3, SLOT_VA + 8);
  FakeXen *g = kill_tracer(d, t);
  g_autoptr(GError) err = NULL;
  GtDriver *gd = gt_xen_driver_new(&fake_xen_ops, g, GT_XEN_TRAP_INT3, &err);
  g_assert_true(gt_xen_driver_adopt_ring(gd, g->ring_page));
  g_test_expect_message("guestrace", G_LOG_LEVEL_WARNING, "*journal was not read*");
  gt_driver_close(gd);
  g_test_assert_expected_messages();
  g_assert_cmphex(g->vm_paused, ==, 0x2);   /* still held, for the next try */
  g_assert_true(g->events_on);
  g_assert_true(g->monitor_on);
  g_assert_cmpint(g->paused, ==, 0);
  /* The next try, with the journal, repairs it all. */
  g_autofree char *report = NULL;
  gd = guardian(g, "xen-test-guardian-nojournal", &report);
  assert_restored(g);
  gt_driver_close(gd);
  assert_detached(g);
  g_assert_cmphex(g->applied[1].data.regs.x86.rip, ==, RET_ADDR);
  fake_xen_free(g);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_setenv("GT_XEN_STOP", "vcpu", TRUE);
  g_autofree char *jdir = g_dir_make_tmp("gt-xen-guardian-XXXXXX", NULL);
  g_setenv("GUESTRACE_JOURNAL_DIR", jdir, TRUE);
  g_test_add_func("/xen/guardian/cr3-dead-ring", test_cr3_dead_ring);
  g_test_add_func("/xen/guardian/int3-dead-ring", test_int3_dead_ring);
  g_test_add_func("/xen/guardian/returned-already", test_returned_already);
  g_test_add_func("/xen/guardian/unmarked-page", test_unmarked_page);
  g_test_add_func("/xen/guardian/no-journal", test_no_journal);
  return g_test_run();
}
