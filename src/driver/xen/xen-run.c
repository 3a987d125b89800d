/* Stops and responses: maps the vm_event ring onto the per-vCPU model
 * (the default) or the all-stop one (GT_XEN_STOP=domain).
 * Background requests (the guest's own CR3 writes while the CR trap is
 * armed, foreign events) are answered at once without stopping anything.
 * A request at one of our breakpoints holds its vCPU (Xen paused it, and
 * only it) and is reported as a stop; the other vCPUs run on. Registers of
 * a held vCPU are the request's, and set_reg edits the response
 * (SET_REGISTERS), so an entry breakpoint is passed by moving RIP, without
 * single-stepping. resume_vcpu() answers that vCPU's request alone;
 * requests of several vCPUs are answered independently, in any order.
 * pause() pauses the domain (for breakpoint changes); resume() answers the
 * reported requests and unpauses it. A held vCPU not yet reported stays
 * held and is reported by the next wait(). All-stop pauses the domain at
 * every stop and resume_vcpu() then unpauses it. */
#include <string.h>

#include "driver/xen/xen-private.h"
#include "driver/journal.h"

#define RUNNING_POLL_LIMIT_US (2 * G_USEC_PER_SEC)
#define ALIVE_CHECK_MS 1000
/* wait() never spins: every call takes the event channel's notification
 * (poll with no timeout) before it reads the ring, so a request arriving
 * after that read notifies again and the caller sleeps in poll() on
 * event_fd() until Xen notifies. Watching the ring in a busy window after
 * each request instead (the notification left pending, so event_fd() stayed
 * readable) kept a dom0 CPU spinning while requests flowed: in the nested
 * bed, whose dom0 and domU share two emulated CPUs, it starved the traced
 * domU (19 instead of 220 traced calls/s under load, 3 calls in 25 s of the
 * two-vCPU threaded workload). */

gboolean
xen_check_stopped(XenDriver *x, const char *what, GError **error)
{
  if (x->gone) {
    g_set_error(error, GT_ERROR, GT_ERROR_GUEST_GONE, "the domain is gone");
    return FALSE;
  }
  if (x->running) {
    g_set_error(error, GT_ERROR, GT_ERROR_FAILED, "cannot %s while the domain runs: pause it",
                what);
    return FALSE;
  }
  return TRUE;
}

/* Xen marks a deferred CR write to be done (or denied) only after it has
 * put the request on the ring; an answer processed before the vCPU left
 * the emulation path would be lost. Wait until it is descheduled. */
static void
wait_not_running(XenDriver *x, guint vcpu)
{
  gint64 end = g_get_monotonic_time() + RUNNING_POLL_LIMIT_US;
  for (guint spins = 0;; spins++) {
    gboolean running = FALSE;
    if (!x->be_ops->vcpu_running(x->be, vcpu, &running, NULL) || !running)
      return;
    if (g_get_monotonic_time() > end) {
      g_warning("xen: vCPU %u still running after 2 s; answering anyway", vcpu);
      return;
    }
    if (spins > 1000)
      g_usleep(50);
  }
}

gboolean
xen_answer(XenDriver *x, guint vcpu, GError **error)
{
  XenSlot *s = &x->slots[vcpu];
  struct vm_event_regs_x86 r = s->req.data.regs.x86;
  gboolean cr_trap = s->req.reason == VM_EVENT_REASON_WRITE_CTRLREG;
  gboolean set = s->regs_dirty || cr_trap;
  if (s->regs_dirty)
    gt_xen_regs_to_event(&s->regs, &r);
  else if (cr_trap)
    r.rip += xen_bp_len(x, r.rip) ? xen_bp_len(x, r.rip) : 5;  /* pass it like a NOP */
  if (cr_trap)
    wait_not_running(x, vcpu);
  vm_event_response_t rsp;
  gt_xen_response(&s->req, set ? &r : NULL, cr_trap, &rsp);
  if (!gt_xen_ring_put(&x->ring, &rsp, error))
    return FALSE;
  memset(s, 0, sizeof *s);
  return TRUE;
}

static gboolean
notify(XenDriver *x, GError **error)
{
  gt_xen_ring_push(&x->ring);
  return x->be_ops->notify(x->be, error);
}

/* One request from the ring. *answered counts responses put. */
static gboolean
handle_request(XenDriver *x, const vm_event_request_t *req, guint *answered, GError **error)
{
  x->events++;
  if (x->record && x->recorded < XEN_RECORD_MAX && fwrite(req, sizeof *req, 1, x->record) == 1)
    x->recorded++;
  GtXenAction act = gt_xen_classify(req, x->trap, xen_is_bp, x);
  if (act == GT_XEN_ACT_BAD) {
    g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL,
                "vm_event request of interface version %#x, expected %#x", req->version,
                VM_EVENT_INTERFACE_VERSION);
    return FALSE;
  }
  if (req->vcpu_id >= x->nvcpu) {
    g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL, "vm_event request for vCPU %u of %u",
                req->vcpu_id, x->nvcpu);
    return FALSE;
  }
  XenSlot *s = &x->slots[req->vcpu_id];
  if (act == GT_XEN_ACT_STOP && !s->held) {
    s->held = TRUE;
    s->reported = FALSE;
    s->regs_dirty = FALSE;
    s->req = *req;
    gt_xen_regs_from_event(&req->data.regs.x86, &s->regs);
    return TRUE;
  }
  if (act == GT_XEN_ACT_STOP)
    g_warning("xen: second request for held vCPU %u; allowing it", req->vcpu_id);
  if (act == GT_XEN_ACT_REINJECT) {
    g_autoptr(GError) err = NULL;
    if (!x->be_ops->inject_bp(x->be, req->vcpu_id, req->u.software_breakpoint.insn_length,
                              &err))
      g_warning("xen: cannot give vCPU %u its own #BP back: %s", req->vcpu_id, err->message);
  }
  vm_event_response_t rsp;
  gt_xen_response(req, NULL, FALSE, &rsp);
  if (!gt_xen_ring_put(&x->ring, &rsp, error))
    return FALSE;
  (*answered)++;
  return TRUE;
}

/* Take every request on the ring: answer background ones, hold ours. */
gboolean
xen_drain(XenDriver *x, GError **error)
{
  if (!x->ring_up)
    return TRUE;
  guint answered = 0;
  vm_event_request_t req;
  /* Bounded: the ring holds at most RING_SIZE requests at once. */
  for (guint n = 0; n < 4 * RING_SIZE(&x->ring.back) && gt_xen_ring_get(&x->ring, &req); n++)
    if (!handle_request(x, &req, &answered, error))
      return FALSE;
  return answered ? notify(x, error) : TRUE;
}

static int
unreported(XenDriver *x)
{
  for (guint v = 0; v < x->nvcpu; v++)
    if (x->slots[v].held && !x->slots[v].reported)
      return (int)v;
  return -1;
}

static void
report(XenDriver *x, guint v, GtStop *stop)
{
  x->slots[v].reported = TRUE;
  stop->kind = GT_STOP_BREAKPOINT;
  stop->vcpu = v;
  stop->rip = x->slots[v].regs.r[GT_REG_RIP];
}

/* Our pause of the whole domain goes in the journal (journal.h says why
 * after it is taken and before it is dropped): Xen counts it with the
 * toolstack's, and a tracer killed while holding it would leave the
 * domain paused; recovery drops it (xen_drop_dead_pause). */
static void
note_pause(XenDriver *x, gboolean paused)
{
  g_autoptr(GError) err = NULL;
  if (!gt_journal_note_pause(x->parent.journal, paused, &err))
    g_warning("xen: %s", err->message);
}

gboolean
xen_hold_domain(XenDriver *x, GError **error)
{
  if (!x->be_ops->pause(x->be, error))
    return FALSE;
  x->running = FALSE;
  note_pause(x, TRUE);
  return TRUE;
}

/* settled: wait until every vCPU has run once (detach, xen-backend.h);
 * x->stuck then says which did not in time (-1: none). FALSE only if the
 * domain could not be unpaused. */
gboolean
xen_release_domain(XenDriver *x, gboolean settled, GError **error)
{
  note_pause(x, FALSE);
  x->stuck = -1;
  gboolean ok = settled ? x->be_ops->unpause_settled(x->be, &x->stuck, error)
                        : x->be_ops->unpause(x->be, error);
  if (!ok) {
    note_pause(x, TRUE);
    return FALSE;
  }
  x->running = TRUE;
  return TRUE;
}

/* GtDriverOps.drop_dead_pause: the journal says a dead session held one. */
gboolean
xen_drop_dead_pause(GtDriver *d, GError **error)
{
  XenDriver *x = (XenDriver *)d;
  return x->be_ops->unpause(x->be, error);
}

/* GtDriverOps.after_recovery: the pause open took, now that the journal
 * holds what a dead session left and no longer lists its pause. */
void
xen_after_recovery(GtDriver *d)
{
  XenDriver *x = (XenDriver *)d;
  if (!x->running && !x->gone)
    note_pause(x, TRUE);
}

static gboolean
mark_gone(XenDriver *x, GtStop *stop)
{
  x->gone = TRUE;
  x->running = FALSE;
  stop->kind = GT_STOP_GONE;
  return TRUE;
}

gboolean
xen_wait(GtDriver *d, int timeout_ms, GtStop *stop, GError **error)
{
  XenDriver *x = (XenDriver *)d;
  memset(stop, 0, sizeof *stop);
  if (x->gone)
    return mark_gone(x, stop);
  if (!x->running) {
    int v = unreported(x);
    if (x->has_pending) {
      *stop = x->pending;
      x->has_pending = FALSE;
    } else if (v >= 0) {
      report(x, (guint)v, stop);
    }
    return TRUE;
  }
  gint64 deadline = timeout_ms < 0 ? -1 : g_get_monotonic_time() + (gint64)timeout_ms * 1000;
  gboolean fired = FALSE;
  if (!x->be_ops->wait_event(x->be, 0, &fired, error))
    return FALSE;
  for (;;) {
    if (!xen_drain(x, error))
      return FALSE;
    int v = unreported(x);
    if (v >= 0) {
      if (x->all_stop && !xen_hold_domain(x, error))
        return FALSE;
      report(x, (guint)v, stop);
      return TRUE;
    }
    int left = ALIVE_CHECK_MS;
    if (deadline >= 0) {
      gint64 now = g_get_monotonic_time();
      /* A notification taken shows the domain alive: no hypercall. */
      if (now >= deadline)
        return fired || x->be_ops->alive(x->be) ? TRUE : mark_gone(x, stop);
      left = (int)MIN((deadline - now + 999) / 1000, ALIVE_CHECK_MS);
    }
    if (!x->be_ops->wait_event(x->be, left, &fired, error))
      return FALSE;
    if (!fired && !x->be_ops->alive(x->be))
      return mark_gone(x, stop);
  }
}

gboolean
xen_pause(GtDriver *d, GError **error)
{
  XenDriver *x = (XenDriver *)d;
  if (!x->running)
    return TRUE;
  if (!xen_hold_domain(x, error))
    return FALSE;
  if (!xen_drain(x, error))
    return FALSE;
  if (unreported(x) < 0) {
    /* Nothing of ours is held: report the pause itself. */
    GtRegs regs;
    memset(&x->pending, 0, sizeof x->pending);
    x->pending.kind = GT_STOP_PAUSED;
    if (xen_get_regs(d, 0, &regs, NULL))
      x->pending.rip = regs.r[GT_REG_RIP];
    x->has_pending = TRUE;
  }
  return TRUE;
}

/* Answer the reported request of vcpu, if any. *answered counts it. */
static gboolean
release(XenDriver *x, guint vcpu, guint *answered, GError **error)
{
  if (!x->slots[vcpu].held || !x->slots[vcpu].reported)
    return TRUE;
  if (!xen_answer(x, vcpu, error))
    return FALSE;
  (*answered)++;
  return TRUE;
}

gboolean
xen_resume_vcpu(GtDriver *d, guint vcpu, GError **error)
{
  XenDriver *x = (XenDriver *)d;
  if (vcpu >= x->nvcpu) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG, "no vCPU %u", vcpu);
    return FALSE;
  }
  if (x->gone) {
    g_set_error(error, GT_ERROR, GT_ERROR_GUEST_GONE, "the domain is gone");
    return FALSE;
  }
  /* All-stop: the domain was paused for this stop, and is unpaused. A
   * domain paused by pause() stays paused. */
  if (x->all_stop)
    return xen_resume(d, error);
  guint answered = 0;
  return release(x, vcpu, &answered, error) && (!answered || notify(x, error));
}

gboolean
xen_resume(GtDriver *d, GError **error)
{
  XenDriver *x = (XenDriver *)d;
  if (x->gone) {
    g_set_error(error, GT_ERROR, GT_ERROR_GUEST_GONE, "the domain is gone");
    return FALSE;
  }
  guint answered = 0;
  for (guint v = 0; v < x->nvcpu; v++)
    if (!release(x, v, &answered, error))
      return FALSE;
  if (answered && !notify(x, error))
    return FALSE;
  if (x->running)
    return TRUE;
  x->has_pending = FALSE;
  return xen_release_domain(x, FALSE, error);
}

void
xen_release_all(XenDriver *x)
{
  guint answered = 0;
  for (guint v = 0; x->ring_up && v < x->nvcpu; v++) {
    g_autoptr(GError) err = NULL;
    if (!x->slots[v].held)
      continue;
    if (xen_answer(x, v, &err))
      answered++;
    else
      g_critical("xen: cannot release vCPU %u: %s", v, err->message);
  }
  if (answered)
    notify(x, NULL);
}

gboolean
xen_get_regs(GtDriver *d, guint vcpu, GtRegs *regs, GError **error)
{
  XenDriver *x = (XenDriver *)d;
  if (vcpu >= x->nvcpu) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG, "no vCPU %u", vcpu);
    return FALSE;
  }
  if (x->slots[vcpu].held && !x->gone) {
    *regs = x->slots[vcpu].regs;   /* held: its own, while the others run */
    return TRUE;
  }
  if (!xen_check_stopped(x, "read registers", error))
    return FALSE;
  return x->be_ops->get_regs(x->be, vcpu, regs, error);
}

gboolean
xen_set_reg(GtDriver *d, guint vcpu, gt_reg_name_t reg, guint64 value, GError **error)
{
  XenDriver *x = (XenDriver *)d;
  if (vcpu >= x->nvcpu || (guint)reg >= GT_REG_COUNT) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG, "no vCPU %u or register %u", vcpu,
                (guint)reg);
    return FALSE;
  }
  XenSlot *s = &x->slots[vcpu];
  if (!s->held && !xen_check_stopped(x, "write registers", error))
    return FALSE;
  if (s->held) {
    if (x->gone) {
      g_set_error(error, GT_ERROR, GT_ERROR_GUEST_GONE, "the domain is gone");
      return FALSE;
    }
    if (!gt_xen_reg_settable(reg)) {
      g_set_error(error, GT_ERROR, GT_ERROR_UNSUPPORTED,
                  "a vm_event response can set only general registers, rflags and rip");
      return FALSE;
    }
    s->regs.r[reg] = value;
    s->regs_dirty = TRUE;
    return TRUE;
  }
  GtRegs regs;
  if (!x->be_ops->get_regs(x->be, vcpu, &regs, error))
    return FALSE;
  regs.r[reg] = value;
  return x->be_ops->set_regs(x->be, vcpu, &regs, error);
}
