/* The Xen driver against a fake back end: crafted vm_event requests go
 * through the real ring code; checks the stops reported, the responses
 * (flags, registers, DENY), the patched and restored bytes, background
 * traffic answered without a stop, several held vCPUs, and clean detach. */
#include <string.h>

#include "driver/driver.h"
#include "driver/journal.h"
#include "driver/xen/xen-policy.h"
#include "fake-xen.h"

#define PA(va) (FAKE_TEXT_PA + ((va) - FAKE_TEXT_VA))

typedef struct {
  FakeXen *f;
  GtDriver *d;
} Fx;

static void
fx_setup(Fx *fx, GtXenTrap trap)
{
  fx->f = fake_xen_new();
  g_autoptr(GError) err = NULL;
  fx->d = gt_xen_driver_new(&fake_xen_ops, fx->f, trap, &err);
  g_assert_no_error(err);
  g_assert_nonnull(fx->d);
  g_assert_cmpint(fx->f->paused, ==, 1);  /* open leaves the domain paused */
}

static void
fx_teardown(Fx *fx)
{
  gt_driver_close(fx->d);
  g_assert_true(fx->f->closed);
  g_assert_false(fx->f->monitor_on);
  g_assert_cmpint(fx->f->paused, ==, 0);
  g_assert_cmpuint(fx->f->maps, ==, fx->f->unmaps);
  fake_xen_free(fx->f);
}

/* Open in int3 mode, a breakpoint at each address of bps (0-ended), the
 * domain running: where most tests start. */
static GtDriver *
fx_armed(Fx *fx, const guint64 *bps)
{
  fx_setup(fx, GT_XEN_TRAP_INT3);
  g_autoptr(GError) err = NULL;
  for (; *bps; bps++) {
    g_assert_true(fx->d->ops->insert_bp(fx->d, *bps, &err));
    g_assert_no_error(err);
  }
  g_assert_true(fx->d->ops->resume(fx->d, &err));
  g_assert_no_error(err);
  g_assert_cmpint(fx->f->paused, ==, 0);
  return fx->d;
}

static const guint64 at_func[] = { FAKE_FUNC, 0 };

static void
wait_stop(GtDriver *d, GtStop *stop)
{
  g_autoptr(GError) err = NULL;
  g_assert_true(d->ops->wait(d, 0, stop, &err));
  g_assert_no_error(err);
}

static void
test_int3_entry(void)
{
  Fx fx;
  fx_setup(&fx, GT_XEN_TRAP_INT3);
  GtDriver *d = fx.d;
  g_autoptr(GError) err = NULL;
  g_assert_true(d->ops->insert_bp(d, FAKE_FUNC, &err));
  g_assert_no_error(err);
  g_assert_true(fx.f->monitor_on);
  g_assert_cmpint(fx.f->trap, ==, GT_XEN_TRAP_INT3);
  g_assert_cmphex(fx.f->ram[PA(FAKE_FUNC)], ==, 0xcc);
  /* Reads hide the patch. */
  guint8 b[5];
  g_assert_true(d->ops->read_phys(d, PA(FAKE_FUNC), b, 5, &err));
  g_assert_cmphex(b[0], ==, 0x0f);
  g_assert_cmphex(b[1], ==, 0x1f);

  g_assert_true(d->ops->resume(d, &err));
  g_assert_cmpint(fx.f->paused, ==, 0);
  GtStop stop;
  wait_stop(d, &stop);
  g_assert_cmpint(stop.kind, ==, GT_STOP_NONE);

  /* The guest's own int3 elsewhere: given back, no stop. */
  fake_xen_push(fx.f, VM_EVENT_REASON_SOFTWARE_BREAKPOINT, 1, FAKE_PLAIN, 0);
  wait_stop(d, &stop);
  g_assert_cmpint(stop.kind, ==, GT_STOP_NONE);
  g_assert_cmpuint(fx.f->injects, ==, 1);
  g_assert_false(fx.f->notified);  /* notification taken */
  /* Every wait takes the notification before reading the ring, so the
   * caller's poll on event_fd() sleeps until the next request: no busy
   * window that keeps a dom0 CPU spinning while requests flow. */
  fake_xen_push(fx.f, VM_EVENT_REASON_CPUID, 1, FAKE_PLAIN, 0);
  wait_stop(d, &stop);
  g_assert_false(fx.f->notified);
  vm_event_response_t first;
  g_assert_true(fake_xen_pop(fx.f, &first));
  g_assert_cmpuint(first.reason, ==, VM_EVENT_REASON_SOFTWARE_BREAKPOINT);
  vm_event_response_t rsp;
  g_assert_true(fake_xen_pop(fx.f, &rsp));
  g_assert_cmpuint(rsp.vcpu_id, ==, 1);
  g_assert_cmphex(rsp.flags, ==, VM_EVENT_FLAG_VCPU_PAUSED);

  /* Ours: a stop of vCPU 0 alone (the domain runs on), registers from
   * the request. */
  fake_xen_push(fx.f, VM_EVENT_REASON_SOFTWARE_BREAKPOINT, 0, FAKE_FUNC, 0);
  wait_stop(d, &stop);
  g_assert_cmpint(stop.kind, ==, GT_STOP_BREAKPOINT);
  g_assert_cmpuint(stop.vcpu, ==, 0);
  g_assert_cmphex(stop.rip, ==, FAKE_FUNC);
  g_assert_cmpint(fx.f->paused, ==, 0);
  g_assert_false(fake_xen_pop(fx.f, &rsp));
  GtRegs regs;
  g_assert_true(d->ops->get_regs(d, 0, &regs, &err));
  g_assert_cmphex(regs.r[GT_REG_RIP], ==, FAKE_FUNC);
  g_assert_cmpuint(regs.r[GT_REG_RAX], ==, 39);
  g_assert_true(d->ops->set_reg(d, 0, GT_REG_RIP, FAKE_FUNC + 5, &err));
  g_assert_false(d->ops->set_reg(d, 0, GT_REG_CR3, 0, &err));
  g_assert_error(err, GT_ERROR, GT_ERROR_UNSUPPORTED);
  g_clear_error(&err);
  g_assert_true(d->ops->resume_vcpu(d, 0, &err));
  g_assert_true(fake_xen_pop(fx.f, &rsp));
  g_assert_cmphex(rsp.flags, ==, VM_EVENT_FLAG_VCPU_PAUSED | VM_EVENT_FLAG_SET_REGISTERS);
  g_assert_cmphex(rsp.data.regs.x86.rip, ==, FAKE_FUNC + 5);
  g_assert_cmpuint(rsp.data.regs.x86.rax, ==, 39);
  g_assert_cmpuint(rsp.reason, ==, VM_EVENT_REASON_SOFTWARE_BREAKPOINT);
  g_assert_cmpint(fx.f->paused, ==, 0);
  g_assert_cmpuint(fx.f->running_polls, ==, 0);  /* only the CR trap polls */

  /* remove_bp needs the domain stopped, then restores the byte. */
  g_assert_false(d->ops->remove_bp(d, FAKE_FUNC, &err));
  g_clear_error(&err);
  g_assert_true(d->ops->pause(d, &err));
  wait_stop(d, &stop);
  g_assert_cmpint(stop.kind, ==, GT_STOP_PAUSED);
  g_assert_true(d->ops->remove_bp(d, FAKE_FUNC, &err));
  g_assert_cmphex(fx.f->ram[PA(FAKE_FUNC)], ==, 0x0f);
  fx_teardown(&fx);
}

static void
test_cr3_trap(void)
{
  Fx fx;
  fx_setup(&fx, GT_XEN_TRAP_CR3);
  GtDriver *d = fx.d;
  g_autoptr(GError) err = NULL;
  g_assert_false(d->ops->insert_bp(d, FAKE_PLAIN, &err));
  g_assert_error(err, GT_ERROR, GT_ERROR_UNSUPPORTED);
  g_clear_error(&err);
  g_assert_cmphex(fx.f->ram[PA(FAKE_PLAIN)], ==, 0x48);
  g_assert_true(d->ops->insert_bp(d, FAKE_FUNC, &err));
  g_assert_true(d->ops->insert_bp(d, FAKE_PAD, &err));
  g_assert_false(d->ops->insert_bp(d, FAKE_FUNC + 2, &err));  /* overlaps */
  g_clear_error(&err);
  static const guint8 trap[5] = { 0x0f, 0x22, 0xd8, 0x66, 0x90 };
  g_assert_cmpmem(fx.f->ram + PA(FAKE_FUNC), 5, trap, 5);
  g_assert_cmpmem(fx.f->ram + PA(FAKE_PAD), 3, trap, 3);  /* padding: bare mov */
  g_assert_cmphex(fx.f->ram[PA(FAKE_PAD) + 3], ==, 0xcc);
  g_assert_true(d->ops->resume(d, &err));

  /* A context switch: CR3 write elsewhere, answered at once, unchanged. */
  fake_xen_push(fx.f, VM_EVENT_REASON_WRITE_CTRLREG, 0, FAKE_PLAIN, VM_EVENT_X86_CR3);
  fake_xen_push(fx.f, VM_EVENT_REASON_WRITE_CTRLREG, 1, FAKE_FUNC, VM_EVENT_X86_CR0);
  GtStop stop;
  wait_stop(d, &stop);
  g_assert_cmpint(stop.kind, ==, GT_STOP_NONE);
  vm_event_response_t rsp;
  for (guint i = 0; i < 2; i++) {
    g_assert_true(fake_xen_pop(fx.f, &rsp));
    g_assert_cmphex(rsp.flags, ==, VM_EVENT_FLAG_VCPU_PAUSED);
  }

  /* The hook: DENY + rip moved, after the vCPU stopped running. */
  fx.f->running_left = 3;
  fake_xen_push(fx.f, VM_EVENT_REASON_WRITE_CTRLREG, 1, FAKE_FUNC, VM_EVENT_X86_CR3);
  wait_stop(d, &stop);
  g_assert_cmpint(stop.kind, ==, GT_STOP_BREAKPOINT);
  g_assert_cmpuint(stop.vcpu, ==, 1);
  g_assert_true(d->ops->set_reg(d, 1, GT_REG_RIP, FAKE_FUNC + 5, &err));
  g_assert_true(d->ops->resume(d, &err));
  g_assert_true(fake_xen_pop(fx.f, &rsp));
  g_assert_cmphex(rsp.flags, ==, VM_EVENT_FLAG_VCPU_PAUSED | VM_EVENT_FLAG_DENY |
                  VM_EVENT_FLAG_SET_REGISTERS);
  g_assert_cmpuint(rsp.u.write_ctrlreg.index, ==, VM_EVENT_X86_CR3);
  g_assert_cmphex(rsp.data.regs.x86.rip, ==, FAKE_FUNC + 5);
  g_assert_cmpuint(fx.f->running_left, ==, 0);
  g_assert_cmpuint(fx.f->running_polls, ==, 4);

  /* The return trap, the engine moving rip elsewhere; and a hook left
   * alone by the engine passes like the NOP it replaced. */
  fake_xen_push(fx.f, VM_EVENT_REASON_WRITE_CTRLREG, 0, FAKE_PAD, VM_EVENT_X86_CR3);
  wait_stop(d, &stop);
  g_assert_cmphex(stop.rip, ==, FAKE_PAD);
  g_assert_true(d->ops->set_reg(d, 0, GT_REG_RIP, 0xffffffff81001234ULL, &err));
  g_assert_true(d->ops->resume(d, &err));
  g_assert_true(fake_xen_pop(fx.f, &rsp));
  g_assert_cmphex(rsp.data.regs.x86.rip, ==, 0xffffffff81001234ULL);
  fake_xen_push(fx.f, VM_EVENT_REASON_WRITE_CTRLREG, 0, FAKE_FUNC, VM_EVENT_X86_CR3);
  wait_stop(d, &stop);
  g_assert_true(d->ops->resume(d, &err));
  g_assert_true(fake_xen_pop(fx.f, &rsp));
  g_assert_cmphex(rsp.data.regs.x86.rip, ==, FAKE_FUNC + 5);
  g_assert_true(rsp.flags & VM_EVENT_FLAG_DENY);

  /* Detach restores both patches. */
  gt_driver_close(g_steal_pointer(&fx.d));
  g_assert_cmphex(fx.f->ram[PA(FAKE_FUNC)], ==, 0x0f);
  g_assert_cmphex(fx.f->ram[PA(FAKE_FUNC) + 2], ==, 0x44);
  g_assert_cmphex(fx.f->ram[PA(FAKE_PAD)], ==, 0xcc);
  g_assert_cmphex(fx.f->ram[PA(FAKE_PAD) + 1], ==, 0xcc);
  g_assert_false(fx.f->monitor_on);
  g_assert_cmpint(fx.f->paused, ==, 0);
  fake_xen_free(fx.f);
}

/* Two vCPUs hit breakpoints together: one stop each, in turn; a vCPU not
 * yet reported stays held across resume. */
static void
test_two_held(void)
{
  Fx fx;
  GtDriver *d = fx_armed(&fx, at_func);
  g_autoptr(GError) err = NULL;
  fake_xen_push(fx.f, VM_EVENT_REASON_SOFTWARE_BREAKPOINT, 0, FAKE_FUNC, 0);
  fake_xen_push(fx.f, VM_EVENT_REASON_SOFTWARE_BREAKPOINT, 1, FAKE_FUNC, 0);
  GtStop stop;
  wait_stop(d, &stop);
  g_assert_cmpint(stop.kind, ==, GT_STOP_BREAKPOINT);
  g_assert_cmpuint(stop.vcpu, ==, 0);
  g_assert_true(d->ops->set_reg(d, 0, GT_REG_RIP, FAKE_FUNC + 5, &err));
  g_assert_true(d->ops->resume(d, &err));
  vm_event_response_t rsp;
  g_assert_true(fake_xen_pop(fx.f, &rsp));
  g_assert_cmpuint(rsp.vcpu_id, ==, 0);
  g_assert_false(fake_xen_pop(fx.f, &rsp));
  wait_stop(d, &stop);
  g_assert_cmpint(stop.kind, ==, GT_STOP_BREAKPOINT);
  g_assert_cmpuint(stop.vcpu, ==, 1);
  /* Quit while vCPU 1 is held: close answers it (rip untouched: the
   * restored byte runs again), with events off, and lets it run before
   * the ring goes (fake_xen_free checks no answer was lost). */
  gt_driver_close(g_steal_pointer(&fx.d));
  g_assert_cmpuint(fx.f->settles, ==, 1);
  g_assert_true(fake_xen_pop(fx.f, &rsp));
  g_assert_cmpuint(rsp.vcpu_id, ==, 1);
  g_assert_cmphex(rsp.flags, ==, VM_EVENT_FLAG_VCPU_PAUSED);
  g_assert_cmphex(fx.f->ram[PA(FAKE_FUNC)], ==, 0x0f);
  g_assert_cmpint(fx.f->paused, ==, 0);
  fake_xen_free(fx.f);
}

/* pause() while requests wait on the ring: ours held and reported, the
 * others answered; registers of a free vCPU come from the back end. */
static void
test_pause_drains(void)
{
  Fx fx;
  GtDriver *d = fx_armed(&fx, at_func);
  g_autoptr(GError) err = NULL;
  fake_xen_push(fx.f, VM_EVENT_REASON_CPUID, 0, FAKE_PLAIN, 0);
  fake_xen_push(fx.f, VM_EVENT_REASON_SOFTWARE_BREAKPOINT, 1, FAKE_FUNC, 0);
  g_assert_true(d->ops->pause(d, &err));
  GtStop stop;
  wait_stop(d, &stop);
  g_assert_cmpint(stop.kind, ==, GT_STOP_BREAKPOINT);
  g_assert_cmpuint(stop.vcpu, ==, 1);
  vm_event_response_t rsp;
  g_assert_true(fake_xen_pop(fx.f, &rsp));
  g_assert_cmpuint(rsp.reason, ==, VM_EVENT_REASON_CPUID);
  GtRegs regs;
  g_assert_true(d->ops->get_regs(d, 0, &regs, &err));
  g_assert_cmphex(regs.r[GT_REG_RIP], ==, 0x400000);
  g_assert_true(d->ops->set_reg(d, 0, GT_REG_RAX, 7, &err));
  g_assert_cmpuint(fx.f->regs[0].r[GT_REG_RAX], ==, 7);
  fx_teardown(&fx);
}

static void
test_bad_requests(void)
{
  Fx fx;
  GtDriver *d = fx_armed(&fx, at_func);
  g_autoptr(GError) err = NULL;
  fake_xen_push(fx.f, VM_EVENT_REASON_SOFTWARE_BREAKPOINT, 5, FAKE_FUNC, 0);  /* no vCPU 5 */
  GtStop stop;
  g_assert_false(d->ops->wait(d, 0, &stop, &err));
  g_assert_error(err, GT_ERROR, GT_ERROR_PROTOCOL);
  g_clear_error(&err);
  /* A corrupt producer index is refused, not walked. */
  fx.f->front.sring->req_prod += 100000;
  g_test_expect_message("guestrace", G_LOG_LEVEL_WARNING, "*producer index is corrupt*");
  g_assert_true(d->ops->wait(d, 0, &stop, &err));
  g_assert_cmpint(stop.kind, ==, GT_STOP_NONE);
  g_test_assert_expected_messages();
  fx.f->front.sring->req_prod -= 100000;
  /* Memory beyond RAM fails cleanly. */
  guint8 b[4];
  g_assert_false(d->ops->read_phys(d, FAKE_FRAMES * 4096ULL - 2, b, 4, &err));
  g_assert_error(err, GT_ERROR, GT_ERROR_MEMORY);
  g_clear_error(&err);
  /* The domain goes away. */
  fx.f->alive = FALSE;
  g_assert_true(d->ops->wait(d, 0, &stop, &err));
  g_assert_cmpint(stop.kind, ==, GT_STOP_GONE);
  gt_driver_close(g_steal_pointer(&fx.d));
  fake_xen_free(fx.f);
}

static gboolean
never(void *ctx, guint64 va)
{
  return FALSE;
}

static gboolean
always(void *ctx, guint64 va)
{
  return TRUE;
}

static void
test_policy(void)
{
  vm_event_request_t req;
  memset(&req, 0, sizeof req);
  req.version = VM_EVENT_INTERFACE_VERSION;
  req.reason = VM_EVENT_REASON_SOFTWARE_BREAKPOINT;
  g_assert_cmpint(gt_xen_classify(&req, GT_XEN_TRAP_INT3, always, NULL), ==, GT_XEN_ACT_STOP);
  g_assert_cmpint(gt_xen_classify(&req, GT_XEN_TRAP_INT3, never, NULL), ==,
                  GT_XEN_ACT_REINJECT);
  g_assert_cmpint(gt_xen_classify(&req, GT_XEN_TRAP_CR3, always, NULL), ==,
                  GT_XEN_ACT_REINJECT);
  req.reason = VM_EVENT_REASON_WRITE_CTRLREG;
  req.u.write_ctrlreg.index = VM_EVENT_X86_CR3;
  g_assert_cmpint(gt_xen_classify(&req, GT_XEN_TRAP_CR3, always, NULL), ==, GT_XEN_ACT_STOP);
  g_assert_cmpint(gt_xen_classify(&req, GT_XEN_TRAP_INT3, always, NULL), ==,
                  GT_XEN_ACT_ALLOW);
  req.version = 6;
  g_assert_cmpint(gt_xen_classify(&req, GT_XEN_TRAP_CR3, always, NULL), ==, GT_XEN_ACT_BAD);
  /* Register round trip. */
  GtRegs r;
  memset(&r, 0, sizeof r);
  for (guint i = 0; i <= GT_REG_RFLAGS; i++)
    r.r[i] = 0x1000 + i;
  struct vm_event_regs_x86 x;
  memset(&x, 0, sizeof x);
  gt_xen_regs_to_event(&r, &x);
  GtRegs back;
  gt_xen_regs_from_event(&x, &back);
  for (guint i = 0; i <= GT_REG_RFLAGS; i++)
    g_assert_cmphex(back.r[i], ==, 0x1000 + i);
}

/* Per-vCPU stops: calls and returns of two vCPUs interleaved (call on 0,
 * call on 1 while 0 is still held, return on 1, release 0, return on 0).
 * Each request is answered on its own, in the order the tracer releases
 * them, with its own vCPU's registers; the domain is never paused. */
static void
test_per_vcpu_interleaved(void)
{
  Fx fx;
  static const guint64 at_func_pad[] = { FAKE_FUNC, FAKE_PAD, 0 };
  GtDriver *d = fx_armed(&fx, at_func_pad);
  g_autoptr(GError) err = NULL;
  guint pauses = fx.f->pauses;
  static const struct {
    guint vcpu;
    guint64 rip, new_rip;
    gboolean release;     /* answered at once, or later */
  } seq[] = {
    { 0, FAKE_FUNC, FAKE_FUNC + 5, FALSE },         /* call on 0, held */
    { 1, FAKE_FUNC, FAKE_FUNC + 5, TRUE },          /* call on 1 */
    { 1, FAKE_PAD, 0xffffffff81000111ULL, TRUE },   /* return on 1 */
  };
  GtStop stop;
  vm_event_response_t rsp;
  for (guint i = 0; i < G_N_ELEMENTS(seq); i++) {
    fake_xen_push(fx.f, VM_EVENT_REASON_SOFTWARE_BREAKPOINT, seq[i].vcpu, seq[i].rip, 0);
    wait_stop(d, &stop);
    g_assert_cmpint(stop.kind, ==, GT_STOP_BREAKPOINT);
    g_assert_cmpuint(stop.vcpu, ==, seq[i].vcpu);
    g_assert_cmphex(stop.rip, ==, seq[i].rip);
    GtRegs regs;
    g_assert_true(d->ops->get_regs(d, stop.vcpu, &regs, &err));  /* while others run */
    g_assert_cmphex(regs.r[GT_REG_RIP], ==, seq[i].rip);
    g_assert_true(d->ops->set_reg(d, stop.vcpu, GT_REG_RIP, seq[i].new_rip, &err));
    g_assert_no_error(err);
    if (!seq[i].release) {
      g_assert_false(fake_xen_pop(fx.f, &rsp));
      continue;
    }
    g_assert_true(d->ops->resume_vcpu(d, stop.vcpu, &err));
    g_assert_true(fake_xen_pop(fx.f, &rsp));
    g_assert_cmpuint(rsp.vcpu_id, ==, seq[i].vcpu);
    g_assert_cmphex(rsp.data.regs.x86.rip, ==, seq[i].new_rip);
    g_assert_false(fake_xen_pop(fx.f, &rsp));   /* vCPU 0 still held */
  }
  /* vCPU 0 kept its own registers while vCPU 1 came and went. */
  GtRegs r0;
  g_assert_true(d->ops->get_regs(d, 0, &r0, &err));
  g_assert_cmphex(r0.r[GT_REG_RIP], ==, FAKE_FUNC + 5);
  g_assert_true(d->ops->resume_vcpu(d, 0, &err));
  g_assert_true(fake_xen_pop(fx.f, &rsp));
  g_assert_cmpuint(rsp.vcpu_id, ==, 0);
  g_assert_cmphex(rsp.data.regs.x86.rip, ==, FAKE_FUNC + 5);
  /* Return on 0. */
  fake_xen_push(fx.f, VM_EVENT_REASON_SOFTWARE_BREAKPOINT, 0, FAKE_PAD, 0);
  wait_stop(d, &stop);
  g_assert_cmpuint(stop.vcpu, ==, 0);
  g_assert_cmphex(stop.rip, ==, FAKE_PAD);
  g_assert_true(d->ops->set_reg(d, 0, GT_REG_RIP, 0xffffffff81000222ULL, &err));
  g_assert_true(d->ops->resume_vcpu(d, 0, &err));
  g_assert_true(fake_xen_pop(fx.f, &rsp));
  g_assert_cmpuint(rsp.vcpu_id, ==, 0);
  g_assert_cmphex(rsp.data.regs.x86.rip, ==, 0xffffffff81000222ULL);
  g_assert_false(fake_xen_pop(fx.f, &rsp));
  wait_stop(d, &stop);
  g_assert_cmpint(stop.kind, ==, GT_STOP_NONE);
  g_assert_cmpuint(fx.f->pauses, ==, pauses);   /* no domain pause at all */
  g_assert_cmpint(fx.f->paused, ==, 0);
  /* Releasing a vCPU that is not held does nothing. */
  g_assert_true(d->ops->resume_vcpu(d, 1, &err));
  g_assert_false(fake_xen_pop(fx.f, &rsp));
  g_assert_false(d->ops->resume_vcpu(d, 7, &err));
  g_clear_error(&err);
  fx_teardown(&fx);
}

/* A config reload while requests of two vCPUs wait on the ring, as the
 * engine does it: pause (the domain), take every held stop in turn, change
 * the breakpoints (refused while the domain runs), resume. Each request is
 * reported once and answered once: none lost, none doubled. */
static void
test_reload_with_pending(void)
{
  Fx fx;
  GtDriver *d = fx_armed(&fx, at_func);
  g_autoptr(GError) err = NULL;
  fake_xen_push(fx.f, VM_EVENT_REASON_SOFTWARE_BREAKPOINT, 1, FAKE_FUNC, 0);
  fake_xen_push(fx.f, VM_EVENT_REASON_SOFTWARE_BREAKPOINT, 0, FAKE_FUNC, 0);
  /* Breakpoint bytes never change while the domain runs. */
  g_assert_false(d->ops->insert_bp(d, FAKE_PLAIN, &err));
  g_clear_error(&err);
  g_assert_cmphex(fx.f->ram[PA(FAKE_PLAIN)], !=, 0xcc);
  g_assert_true(d->ops->pause(d, &err));
  g_assert_cmpint(fx.f->paused, ==, 1);
  gboolean seen[FAKE_VCPUS] = { FALSE };
  for (guint i = 0; i < FAKE_VCPUS; i++) {
    GtStop stop;
    wait_stop(d, &stop);
    g_assert_cmpint(stop.kind, ==, GT_STOP_BREAKPOINT);
    g_assert_false(seen[stop.vcpu]);
    seen[stop.vcpu] = TRUE;
    g_assert_true(d->ops->set_reg(d, stop.vcpu, GT_REG_RIP, FAKE_FUNC + 5, &err));
  }
  GtStop stop;
  wait_stop(d, &stop);
  g_assert_cmpint(stop.kind, ==, GT_STOP_NONE);
  vm_event_response_t rsp;
  g_assert_false(fake_xen_pop(fx.f, &rsp));    /* nothing answered while paused */
  /* The swap. */
  g_assert_true(d->ops->remove_bp(d, FAKE_FUNC, &err));
  g_assert_true(d->ops->insert_bp(d, FAKE_PLAIN, &err));
  g_assert_no_error(err);
  g_assert_cmphex(fx.f->ram[PA(FAKE_FUNC)], ==, 0x0f);
  g_assert_cmphex(fx.f->ram[PA(FAKE_PLAIN)], ==, 0xcc);
  g_assert_true(d->ops->resume(d, &err));
  g_assert_cmpint(fx.f->paused, ==, 0);
  gboolean answered[FAKE_VCPUS] = { FALSE };
  for (guint i = 0; i < FAKE_VCPUS; i++) {
    g_assert_true(fake_xen_pop(fx.f, &rsp));
    g_assert_false(answered[rsp.vcpu_id]);
    answered[rsp.vcpu_id] = TRUE;
    g_assert_cmphex(rsp.data.regs.x86.rip, ==, FAKE_FUNC + 5);
  }
  g_assert_false(fake_xen_pop(fx.f, &rsp));
  wait_stop(d, &stop);
  g_assert_cmpint(stop.kind, ==, GT_STOP_NONE);   /* nothing reported twice */
  fx_teardown(&fx);
}

/* All-stop (GT_XEN_STOP=domain): the domain is paused at each stop and
 * resumed after. */
static void
test_all_stop_mode(void)
{
  g_setenv("GT_XEN_STOP", "domain", TRUE);
  Fx fx;
  GtDriver *d = fx_armed(&fx, at_func);
  g_unsetenv("GT_XEN_STOP");
  g_autoptr(GError) err = NULL;
  fake_xen_push(fx.f, VM_EVENT_REASON_SOFTWARE_BREAKPOINT, 1, FAKE_FUNC, 0);
  GtStop stop;
  wait_stop(d, &stop);
  g_assert_cmpuint(stop.vcpu, ==, 1);
  g_assert_cmpint(fx.f->paused, ==, 1);
  g_assert_true(d->ops->resume_vcpu(d, 1, &err));
  g_assert_cmpint(fx.f->paused, ==, 0);
  vm_event_response_t rsp;
  g_assert_true(fake_xen_pop(fx.f, &rsp));
  g_assert_cmpuint(rsp.vcpu_id, ==, 1);
  fx_teardown(&fx);
}

/* Per-vCPU stops are the default (GT_XEN_STOP unset); an unknown
 * GT_XEN_STOP is refused with a message naming it, before the domain is
 * paused. */
static void
test_stop_model_env(void)
{
  g_unsetenv("GT_XEN_STOP");
  Fx fx;
  GtDriver *d = fx_armed(&fx, at_func);
  g_autoptr(GError) err = NULL;
  fake_xen_push(fx.f, VM_EVENT_REASON_SOFTWARE_BREAKPOINT, 0, FAKE_FUNC, 0);
  GtStop stop;
  wait_stop(d, &stop);
  g_assert_cmpint(stop.kind, ==, GT_STOP_BREAKPOINT);
  g_assert_cmpint(fx.f->paused, ==, 0);   /* no domain pause per stop */
  g_assert_true(d->ops->resume_vcpu(d, 0, &err));
  fx_teardown(&fx);

  g_setenv("GT_XEN_STOP", "all", TRUE);
  FakeXen *f = fake_xen_new();
  g_autoptr(GError) bad = NULL;
  g_assert_null(gt_xen_driver_new(&fake_xen_ops, f, GT_XEN_TRAP_INT3, &bad));
  g_assert_error(bad, GT_ERROR, GT_ERROR_INVALID_ARG);
  g_assert_nonnull(strstr(bad->message, "GT_XEN_STOP=all"));
  g_assert_true(f->closed);
  g_assert_cmpint(f->paused, ==, 0);
  fake_xen_free(f);
  g_setenv("GT_XEN_STOP", "vcpu", TRUE);
}

/* A session dies with its CR trap patched in: the next attach repairs the
 * bytes from the journal and its report says what it cannot undo on Xen
 * (vCPUs held by the dead ring), never a bare "repaired". */
static void
test_repair_report_caveat(void)
{
  Fx fx;
  fx_setup(&fx, GT_XEN_TRAP_CR3);
  fx.d->identity = g_strdup("xen-test-caveat");
  g_autofree char *report = NULL;
  g_autoptr(GError) err = NULL;
  g_assert_true(gt_driver_attach_journal(fx.d, "xen:t", GT_JOURNAL_TRACE, &report, &err));
  g_assert_null(report);
  guint8 orig[5], ours[5];
  memcpy(orig, fx.f->ram + PA(FAKE_FUNC), 5);
  g_assert_true(fx.d->ops->insert_bp(fx.d, FAKE_FUNC, &err));
  memcpy(ours, fx.f->ram + PA(FAKE_FUNC), 5);
  g_assert_true(memcmp(orig, ours, 5) != 0);
  /* Death: the journal is left as it is; the detach's repair is undone. */
  gt_journal_close(fx.d->journal);
  fx.d->journal = NULL;
  fx_teardown(&fx);

  fx_setup(&fx, GT_XEN_TRAP_CR3);
  fx.f->paused++;   /* the dead session's pause, which Xen keeps */
  memcpy(fx.f->ram + PA(FAKE_FUNC), ours, 5);
  fx.d->identity = g_strdup("xen-test-caveat");
  g_assert_true(gt_driver_attach_journal(fx.d, "xen:t", GT_JOURNAL_TRACE, &report, &err));
  g_assert_no_error(err);
  g_assert_nonnull(report);
  g_assert_nonnull(strstr(report, "5 code bytes restored"));
  g_assert_nonnull(strstr(report, "stay paused"));
  g_assert_nonnull(strstr(report, "xl destroy"));
  g_assert_nonnull(strstr(report, "the dead session's pause of the guest dropped"));
  g_assert_cmpint(fx.f->paused, ==, 1);   /* only ours */
  g_assert_cmpmem(fx.f->ram + PA(FAKE_FUNC), 5, orig, 5);
  /* Whether the domain runs after the repair is measured (recover fails
   * on it): here vCPU 1 stays held by the dead ring. */
  fx.f->stuck = 1u << 1;
  g_assert_false(fx.d->ops->verify_runs(fx.d, &err));
  g_assert_nonnull(strstr(err->message, "vCPU 1 "));
  g_assert_nonnull(strstr(err->message, "xl destroy"));
  g_clear_error(&err);
  g_assert_cmpint(fx.f->paused, ==, 0);
  gt_driver_close(fx.d);
  g_assert_cmpint(fx.f->paused, ==, 0);
  fake_xen_free(fx.f);
}

/* A session killed while it held its pause of the domain (at open, around
 * breakpoint changes, at every all-stop stop) leaves that pause in Xen,
 * which counts it with the toolstack's: the journal has it, and the next
 * attach drops exactly that one. A session killed while the domain ran
 * leaves no pause, and the next attach drops none (an administrator's
 * `xl pause` stays). */
static void
killed_holding(gboolean paused_at_death)
{
  Fx fx;
  fx_armed(&fx, at_func);
  g_autoptr(GError) err = NULL;
  fx.d->identity = g_strdup("xen-test-dead-pause");
  g_autofree char *report = NULL;
  g_assert_true(gt_driver_attach_journal(fx.d, "xen:t", GT_JOURNAL_TRACE, &report, &err));
  if (paused_at_death)
    g_assert_true(fx.d->ops->pause(fx.d, &err));
  g_assert_no_error(err);
  int left = fx.f->paused;
  g_assert_cmpint(left, ==, paused_at_death ? 1 : 0);
  gt_journal_close(fx.d->journal);   /* SIGKILL: the journal stays as written */
  fx.d->journal = NULL;
  fx.f->alive = FALSE;               /* ... and nothing is detached */
  gt_driver_close(fx.d);
  FakeXen *dead = fx.f;

  fx_setup(&fx, GT_XEN_TRAP_INT3);
  fx.f->paused += left + 1;          /* the dead session's, and an administrator's */
  fx.d->identity = g_strdup("xen-test-dead-pause");
  g_clear_pointer(&report, g_free);
  g_assert_true(gt_driver_attach_journal(fx.d, "xen:t", GT_JOURNAL_TRACE, &report, &err));
  g_assert_no_error(err);
  g_assert_cmpint(fx.f->paused, ==, 2);   /* ours and the administrator's */
  g_assert_true(paused_at_death == (report && strstr(report, "pause of the guest dropped")));
  g_assert_true(fx.d->ops->verify_runs(fx.d, &err));   /* every vCPU runs */
  g_assert_no_error(err);
  g_assert_cmpint(fx.f->paused, ==, 1);   /* the administrator's */
  gt_driver_close(fx.d);
  g_assert_cmpint(fx.f->paused, ==, 1);   /* the administrator's stays */
  fx.f->paused = 0;
  fake_xen_free(fx.f);
  dead->paused = 0;
  fake_xen_free(dead);
}

static void
test_killed_paused(void)
{
  killed_holding(TRUE);
}

static void
test_killed_running(void)
{
  killed_holding(FALSE);
}

/* A session that must leave a return slot to recovery abandons the domain
 * (gt_driver_end): the trap bytes and the ring stay for the guardian, the
 * vCPU it had sent back from the return trap is answered before it goes,
 * and the domain is not left paused by us. */
static void
test_abandon(void)
{
  static const guint64 at_func_pad[] = { FAKE_FUNC, FAKE_PAD, 0 };
  Fx fx;
  GtDriver *d = fx_armed(&fx, at_func_pad);
  g_autoptr(GError) err = NULL;
  fake_xen_push(fx.f, VM_EVENT_REASON_SOFTWARE_BREAKPOINT, 1, FAKE_PAD, 0);
  GtStop stop;
  wait_stop(d, &stop);
  g_assert_cmpint(stop.kind, ==, GT_STOP_BREAKPOINT);
  g_assert_true(d->ops->pause(d, &err));
  g_assert_true(d->ops->set_reg(d, 1, GT_REG_RIP, FAKE_PLAIN, &err));
  g_assert_nonnull(d->ops->abandon);
  d->ops->abandon(g_steal_pointer(&fx.d));
  g_assert_true(fx.f->closed);
  g_assert_cmpint(fx.f->paused, ==, 0);
  g_assert_true(fx.f->monitor_on);
  g_assert_true(fx.f->events_on);
  g_assert_cmphex(fx.f->ram[PA(FAKE_FUNC)], ==, 0xcc);
  g_assert_cmphex(fx.f->ram[PA(FAKE_PAD)], ==, 0xcc);
  vm_event_response_t rsp;
  g_assert_true(fake_xen_pop(fx.f, &rsp));
  g_assert_cmpuint(rsp.vcpu_id, ==, 1);
  g_assert_cmphex(rsp.data.regs.x86.rip, ==, FAKE_PLAIN);
  g_assert_false(fake_xen_pop(fx.f, &rsp));
  fx.f->answered = 0;   /* the guardian's detach lets it run; not modelled here */
  fake_xen_free(fx.f);
}

/* A hook request still on the ring when the session detaches from a
 * paused domain (all-stop: put between a wait's drain and its pause) is
 * answered as a hook (DENY: the patched mov never loads RAX into CR3),
 * not allowed plainly. */
static void
test_detach_classifies_queued(void)
{
  Fx fx;
  fx_setup(&fx, GT_XEN_TRAP_CR3);
  GtDriver *d = fx.d;
  g_autoptr(GError) err = NULL;
  g_assert_true(d->ops->insert_bp(d, FAKE_FUNC, &err));
  g_assert_true(d->ops->resume(d, &err));
  g_assert_true(d->ops->pause(d, &err));
  fake_xen_push(fx.f, VM_EVENT_REASON_WRITE_CTRLREG, 0, FAKE_FUNC, VM_EVENT_X86_CR3);
  gt_driver_close(g_steal_pointer(&fx.d));
  vm_event_response_t rsp;
  g_assert_true(fake_xen_pop(fx.f, &rsp));
  g_assert_cmpuint(rsp.vcpu_id, ==, 0);
  g_assert_true(rsp.flags & VM_EVENT_FLAG_DENY);
  g_assert_cmphex(fx.f->ram[PA(FAKE_FUNC) + 1], ==, 0x1f);   /* the NOP is back */
  g_assert_cmpint(fx.f->paused, ==, 0);
  fake_xen_free(fx.f);
}

/* A vCPU held on the return trap that the engine never sent on (its
 * request still on the ring at detach, or one the engine could not
 * finish) goes to its real return address, never into the padding: from
 * the slot `ret` popped once the slot is back, from the journal while it
 * still holds the trap. Both trap kinds. */
#define RT_STACK_VA (FAKE_TEXT_VA + 0x5000)
#define RT_SLOT_VA (RT_STACK_VA + 0xef8)
#define RT_SLOT_PA (21 * 4096 + 0xef8)
#define RT_REAL (FAKE_PLAIN + 0x40)

static void
detach_on_return_trap(GtXenTrap trap, gboolean slot_restored)
{
  Fx fx;
  fx_setup(&fx, trap);
  fake_xen_map(fx.f, RT_STACK_VA, 21);
  GtDriver *d = fx.d;
  g_autoptr(GError) err = NULL;
  d->identity = g_strdup_printf("xen-test-return-trap-%d-%d", trap, slot_restored);
  g_autofree char *report = NULL;
  g_assert_true(gt_driver_attach_journal(d, "xen:t", GT_JOURNAL_TRACE, &report, &err));
  g_assert_true(d->ops->insert_bp(d, FAKE_PAD, &err));
  guint64 real = RT_REAL, ours = FAKE_PAD;
  g_assert_true(gt_journal_note_write(d->journal, GT_JOURNAL_SLOT, RT_SLOT_PA, RT_SLOT_VA,
                                      &real, &ours, 8, &err));
  g_assert_true(d->ops->write_phys(d, RT_SLOT_PA, &ours, 8, &err));
  g_assert_true(d->ops->resume(d, &err));
  GtRegs r = { 0 };
  r.r[GT_REG_RIP] = FAKE_PAD;
  r.r[GT_REG_RSP] = RT_SLOT_VA + 8;
  r.r[GT_REG_CR3] = FAKE_CR3;
  gboolean cr = trap == GT_XEN_TRAP_CR3;
  fake_xen_push_regs(fx.f, cr ? VM_EVENT_REASON_WRITE_CTRLREG : VM_EVENT_REASON_SOFTWARE_BREAKPOINT,
                     1, &r, cr ? VM_EVENT_X86_CR3 : 0);
  g_assert_true(d->ops->pause(d, &err));   /* takes the request off the ring */
  if (slot_restored) {   /* what the engine's stop does to every slot */
    g_assert_true(d->ops->write_phys(d, RT_SLOT_PA, &real, 8, &err));
    g_assert_true(gt_journal_note_undone(d->journal, RT_SLOT_PA, &err));
  } else {
    /* The engine took the stop and could not finish it: the slot stays
     * redirected, so the driver is abandoned (to the guardian) and
     * answers the vCPUs the engine was given. */
    GtStop stop = { 0 };
    wait_stop(d, &stop);
    g_assert_cmpuint(stop.vcpu, ==, 1);
    g_assert_cmphex(stop.rip, ==, FAKE_PAD);
  }
  g_assert_no_error(err);
  gt_driver_close(g_steal_pointer(&fx.d));
  vm_event_response_t rsp;
  g_assert_true(fake_xen_pop(fx.f, &rsp));
  g_assert_cmpuint(rsp.vcpu_id, ==, 1);
  g_assert_true(rsp.flags & VM_EVENT_FLAG_SET_REGISTERS);
  g_assert_cmphex(rsp.data.regs.x86.rip, ==, RT_REAL);
  g_assert_cmphex(rsp.data.regs.x86.rsp, ==, RT_SLOT_VA + 8);
  g_assert_cmphex(fx.f->ram[PA(FAKE_PAD)], ==, slot_restored ? 0xcc : 0x0f);
  g_assert_cmpint(fx.f->paused, ==, 0);
  if (!slot_restored) {   /* left for the guardian, who restores from the journal */
    g_assert_true(fx.f->monitor_on);
    fx.f->monitor_on = FALSE;
  }
  fake_xen_free(fx.f);
}

static void
test_detach_return_trap_restored_cr3(void)
{
  detach_on_return_trap(GT_XEN_TRAP_CR3, TRUE);
}

static void
test_detach_return_trap_journal_cr3(void)
{
  detach_on_return_trap(GT_XEN_TRAP_CR3, FALSE);
}

static void
test_detach_return_trap_restored_int3(void)
{
  detach_on_return_trap(GT_XEN_TRAP_INT3, TRUE);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_setenv("GT_XEN_STOP", "vcpu", TRUE);   /* per-vCPU stops unless a test says otherwise */
  g_autofree char *jdir = g_dir_make_tmp("gt-xen-journal-XXXXXX", NULL);
  g_setenv("GUESTRACE_JOURNAL_DIR", jdir, TRUE);
  g_test_add_func("/xen/policy", test_policy);
  g_test_add_func("/xen/int3-entry", test_int3_entry);
  g_test_add_func("/xen/cr3-trap", test_cr3_trap);
  g_test_add_func("/xen/two-held", test_two_held);
  g_test_add_func("/xen/per-vcpu-interleaved", test_per_vcpu_interleaved);
  g_test_add_func("/xen/reload-with-pending", test_reload_with_pending);
  g_test_add_func("/xen/all-stop-mode", test_all_stop_mode);
  g_test_add_func("/xen/stop-model-env", test_stop_model_env);
  g_test_add_func("/xen/repair-report-caveat", test_repair_report_caveat);
  g_test_add_func("/xen/pause-drains", test_pause_drains);
  g_test_add_func("/xen/killed/paused", test_killed_paused);
  g_test_add_func("/xen/killed/running", test_killed_running);
  g_test_add_func("/xen/bad-requests", test_bad_requests);
  g_test_add_func("/xen/abandon", test_abandon);
  g_test_add_func("/xen/detach-classifies-queued", test_detach_classifies_queued);
  g_test_add_func("/xen/detach-return-trap/restored-cr3", test_detach_return_trap_restored_cr3);
  g_test_add_func("/xen/detach-return-trap/journal-cr3", test_detach_return_trap_journal_cr3);
  g_test_add_func("/xen/detach-return-trap/restored-int3",
                  test_detach_return_trap_restored_int3);
  return g_test_run();
}
