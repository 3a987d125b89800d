/* Replays vm_event requests recorded from a real Xen 4.17 (the nested test
 * bed, CR trap on getppid; data/cr3-trap-requests.bin, 400 bytes each)
 * through the driver's real ring code with the fake back end. The hook
 * addresses are relocated onto the fake guest's text page. The same
 * traffic is replayed a second time with each hook request turned into a
 * software-breakpoint request, for the int3 path that never reaches Xen
 * under QEMU's SVM emulation. */
#include <string.h>

#include "driver/xen/xen-policy.h"
#include "fake-xen.h"

#define DATA GT_TEST_SRCDIR "/tests/unit/xen/data/cr3-trap-requests.bin"

typedef struct {
  vm_event_request_t *reqs;
  gsize n;
  guint64 entry, ret_trap;  /* recorded hook addresses */
} Recording;

static gboolean
load(Recording *r)
{
  g_autofree char *buf = NULL;
  gsize len = 0;
  if (!g_file_get_contents(DATA, &buf, &len, NULL))
    return FALSE;
  r->n = len / sizeof(vm_event_request_t);
  r->reqs = g_memdup2(buf, r->n * sizeof(vm_event_request_t));
  /* The entry hook: a CR3 "write" of the syscall number (getppid, 110). */
  for (gsize i = 0; i < r->n && !r->entry; i++)
    if (r->reqs[i].u.write_ctrlreg.new_value == 110)
      r->entry = r->reqs[i].data.regs.x86.rip;
  /* The return trap: a kernel rip other than the entry, writing a small
   * value (the returned pid), not a page-table root. */
  for (gsize i = 0; i < r->n && !r->ret_trap; i++) {
    const vm_event_request_t *q = &r->reqs[i];
    if (q->data.regs.x86.rip != r->entry && q->u.write_ctrlreg.new_value < 0x10000 &&
        q->data.regs.x86.rip >> 63)
      r->ret_trap = q->data.regs.x86.rip;
  }
  return TRUE;
}

static void
test_recorded_shape(void)
{
  Recording r = { 0 };
  if (!load(&r)) {
    g_test_skip("no recording at " DATA);
    return;
  }
  g_assert_cmpuint(r.n, >=, 10);
  g_assert_cmphex(r.entry, !=, 0);
  g_assert_cmphex(r.ret_trap, !=, 0);
  for (gsize i = 0; i < r.n; i++) {
    const vm_event_request_t *q = &r.reqs[i];
    g_assert_cmphex(q->version, ==, VM_EVENT_INTERFACE_VERSION);
    g_assert_true(q->flags & VM_EVENT_FLAG_VCPU_PAUSED);
    g_assert_cmpuint(q->reason, ==, VM_EVENT_REASON_WRITE_CTRLREG);
    g_assert_cmpuint(q->u.write_ctrlreg.index, ==, VM_EVENT_X86_CR3);
    g_assert_cmpuint(q->vcpu_id, ==, 0);
  }
  g_free(r.reqs);
}

static void
replay(GtXenTrap trap)
{
  Recording r = { 0 };
  if (!load(&r)) {
    g_test_skip("no recording at " DATA);
    return;
  }
  FakeXen *f = fake_xen_new();
  g_autoptr(GError) err = NULL;
  GtDriver *d = gt_xen_driver_new(&fake_xen_ops, f, trap, &err);
  g_assert_no_error(err);
  g_assert_true(d->ops->insert_bp(d, FAKE_FUNC, &err));
  g_assert_true(d->ops->insert_bp(d, FAKE_PAD, &err));
  g_assert_true(d->ops->resume(d, &err));
  guint hooks = 0, stops = 0, background = 0;
  for (gsize i = 0; i < r.n; i++) {
    vm_event_request_t q = r.reqs[i];
    guint64 rip = q.data.regs.x86.rip;
    gboolean hook = rip == r.entry || rip == r.ret_trap;
    if (hook) {
      hooks++;
      q.data.regs.x86.rip = rip == r.entry ? FAKE_FUNC : FAKE_PAD;
      if (trap == GT_XEN_TRAP_INT3) {
        q.reason = VM_EVENT_REASON_SOFTWARE_BREAKPOINT;
        memset(&q.u, 0, sizeof q.u);
        q.u.software_breakpoint.insn_length = 1;
      }
    } else {
      background++;
    }
    memcpy(RING_GET_REQUEST(&f->front, f->front.req_prod_pvt), &q, sizeof q);
    f->front.req_prod_pvt++;
    RING_PUSH_REQUESTS(&f->front);
    GtStop stop;
    g_assert_true(d->ops->wait(d, 0, &stop, &err));
    g_assert_no_error(err);
    vm_event_response_t rsp;
    if (!hook) {
      g_assert_cmpint(stop.kind, ==, GT_STOP_NONE);
      g_assert_true(fake_xen_pop(f, &rsp));
      g_assert_cmphex(rsp.flags, ==, VM_EVENT_FLAG_VCPU_PAUSED);
      continue;
    }
    g_assert_cmpint(stop.kind, ==, GT_STOP_BREAKPOINT);
    g_assert_cmphex(stop.rip, ==, q.data.regs.x86.rip);
    stops++;
    GtRegs regs;
    g_assert_true(d->ops->get_regs(d, 0, &regs, &err));
    g_assert_cmphex(regs.r[GT_REG_RAX], ==, q.data.regs.x86.rax);
    g_assert_cmphex(regs.r[GT_REG_RSP], ==, q.data.regs.x86.rsp);
    guint64 to = rip == r.entry ? FAKE_FUNC + 5 : 0xffffffff81000042ULL;
    g_assert_true(d->ops->set_reg(d, 0, GT_REG_RIP, to, &err));
    g_assert_true(d->ops->resume(d, &err));
    g_assert_true(fake_xen_pop(f, &rsp));
    guint32 want = VM_EVENT_FLAG_VCPU_PAUSED | VM_EVENT_FLAG_SET_REGISTERS;
    if (trap == GT_XEN_TRAP_CR3)
      want |= VM_EVENT_FLAG_DENY;
    g_assert_cmphex(rsp.flags, ==, want);
    g_assert_cmphex(rsp.data.regs.x86.rip, ==, to);
    g_assert_cmphex(rsp.data.regs.x86.rbx, ==, q.data.regs.x86.rbx);
  }
  g_assert_cmpuint(stops, ==, hooks);
  g_assert_cmpuint(hooks, >=, 2);
  g_assert_cmpuint(background, >=, 1);
  g_test_message("%u hook requests, %u background requests", hooks, background);
  gt_driver_close(d);
  g_assert_cmphex(f->ram[FAKE_TEXT_PA + 0x100], ==, 0x0f);
  g_assert_cmpint(f->paused, ==, 0);
  fake_xen_free(f);
  g_free(r.reqs);
}

static void test_replay_cr3(void) { replay(GT_XEN_TRAP_CR3); }
static void test_replay_int3(void) { replay(GT_XEN_TRAP_INT3); }

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/xen/replay/shape", test_recorded_shape);
  g_test_add_func("/xen/replay/cr3", test_replay_cr3);
  g_test_add_func("/xen/replay/int3", test_replay_int3);
  return g_test_run();
}
