/* The Xen driver: attaches to a domain through a back end (xen-hw.c, or a
 * fake one in tests), turns the monitor ring on at the first breakpoint,
 * and detaches cleanly: every patched byte restored, every held vCPU
 * answered, monitoring disabled, the ring torn down, the domain unpaused.
 *
 * Guest spec: xen:DOMAIN[,trap=int3|cr3] (DOMAIN is a name or an id); the
 * environment variable GT_XEN_TRAP gives the default trap method, and
 * GT_XEN_RECORD=FILE writes the first vm_event requests, raw, to FILE (the
 * recordings that tests/unit/xen replays).
 *
 * Every patched byte is journalled before it is written (journal.h), so
 * a tracer killed with SIGKILL leaves its original bytes behind, and the
 * next attach (the guardian, `guestrace recover`) writes them back before
 * anything else. The vCPUs a dead monitor left waiting on its ring can be
 * released only by the guardian, which holds the ring page (xen-guard.c)
 * and answers them (xen-adopt.c); a plain attach or `recover` cannot, and
 * its repair report says so (repair_caveat). */
#include <errno.h>
#include <string.h>

#include "driver/xen/xen-private.h"
#include "driver/journal.h"

static guint
xen_vcpu_count(GtDriver *d)
{
  return ((XenDriver *)d)->nvcpu;
}

static int
xen_event_fd(GtDriver *d)
{
  XenDriver *x = (XenDriver *)d;
  return x->be_ops->event_fd(x->be);
}

static gboolean
ring_up(XenDriver *x, GError **error)
{
  if (x->ring_up)
    return TRUE;
  void *page = x->be_ops->monitor_enable(x->be, x->trap, error);
  if (!page)
    return FALSE;
  gt_xen_ring_init(&x->ring, page, XC_PAGE_SIZE, TRUE);
  gt_xen_ring_mark(&x->ring);   /* for the guardian: this ring is guestrace's */
  x->ring_up = TRUE;
  return TRUE;
}

static gboolean
insert_bp(GtDriver *d, guint64 va, GError **error)
{
  XenDriver *x = (XenDriver *)d;
  if (!xen_check_stopped(x, "insert a breakpoint", error) || !ring_up(x, error))
    return FALSE;
  return xen_insert_bp(d, va, error);
}

/* Detach from a live domain: with it paused, put every byte back, stop
 * new events, answer every held and queued request; then let every vCPU
 * run once before the ring goes, or Xen frees the answers it has not
 * applied yet (xen-backend.h, unpause_settled): a vCPU answered while
 * paused would resume three bytes into the restored instruction, or keep
 * the previous task's CR3. */
static void
detach_live(XenDriver *x)
{
  g_autoptr(GError) err = NULL;
  if (x->running && !xen_pause(&x->parent, &err))
    g_warning("xen: cannot pause before detaching: %s", err->message);
  g_clear_error(&err);
  /* A request still on the ring (all-stop: put between a wait's drain and
   * its pause) is classified while the breakpoints are known: one at our
   * trap is held and answered as such (DENY), never allowed plainly,
   * which would load RAX into CR3. */
  if (!x->adopted && !xen_drain(x, &err))
    g_warning("xen: detach: %s", err->message);
  xen_send_back_from_return_trap(x);   /* while the traps are known */
  xen_restore_all_bps(x);
  xen_adopt_ready(x);
  if (x->ring_up)
    x->be_ops->monitor_events_off(x->be);
  if (x->adopted) {
    if (x->ring_up)
      xen_answer_adopted(x);   /* the guardian: every vCPU once (xen-adopt.c) */
  } else {
    xen_release_all(x);
  }
  g_clear_error(&err);
  /* Never a pause we do not hold (the pause above may have failed). */
  if (!x->running && !xen_release_domain(x, x->ring_up, &err))
    g_warning("xen: detach: %s", err->message);
  else if (x->stuck >= 0)
    g_warning("xen: vCPU %d did not run within 2 s of being answered; Xen may drop its last "
              "answer (registers, CR3 write) with the ring", x->stuck);
  x->running = TRUE;
}

/* What both ends share: the mapped frames, the back end, the memory. */
static void
xen_free(XenDriver *x)
{
  xen_frames_clear(x);
  x->be_ops->close(x->be);
  if (x->record)
    fclose(x->record);
  g_hash_table_unref(x->bps);
  g_free(x->slots);
  g_free(x);
}

static gboolean
xen_gone(GtDriver *d)
{
  return ((XenDriver *)d)->gone;
}

static void
xen_close(GtDriver *d)
{
  XenDriver *x = (XenDriver *)d;
  if (x->gone)
    gt_journal_forget(d->journal);   /* the domain shut down */
  if (!x->gone && x->be_ops->alive(x->be))
    detach_live(x);
  if (x->ring_up)
    x->be_ops->monitor_disable(x->be);
  xen_free(x);
}

/* Leave the domain as a killed tracer would, for the guardian to take
 * over (xen-adopt.c): some return slot may still hold the trap, so the
 * patched bytes and the monitor ring stay. Held vCPUs are answered with
 * what the engine decided (one sent back from the return trap must be sent
 * before we go) and our pause of the domain is dropped, so that what is
 * left is the state the guardian is proven on (a tracer killed while the
 * domain ran): a vCPU that reaches a trap waits on the ring for it. */
static void
xen_abandon(GtDriver *d)
{
  XenDriver *x = (XenDriver *)d;
  g_autoptr(GError) err = NULL;
  xen_send_back_from_return_trap(x);
  if (!x->gone && x->be_ops->alive(x->be) && !xen_resume(d, &err))
    g_warning("xen: cannot let the domain run before leaving it to the guardian: %s",
              err->message);
  xen_free(x);
}

/* GtDriverOps.verify_runs: a repair without the guardian cannot answer a
 * dead tracer's monitor ring (the caveat below), so whether the domain runs
 * after it is measured, not assumed: unpaused, each vCPU must enter the
 * guest within 2 s (hw_unpause_settled; one paused by an administrator is
 * not waited for). */
static gboolean
xen_verify_runs(GtDriver *d, GError **error)
{
  XenDriver *x = (XenDriver *)d;
  if (x->adopted || x->gone || x->running)
    return TRUE;
  if (!xen_release_domain(x, TRUE, error))
    return FALSE;
  if (x->stuck < 0)
    return TRUE;
  g_set_error(error, GT_ERROR, GT_ERROR_FAILED,
              "vCPU %d of the domain did not run within 2 s of the repair: the dead "
              "session's monitor ring holds it (Xen keeps it paused, and no other process "
              "can answer that ring); only `xl destroy` ends it", x->stuck);
  return FALSE;
}

#define XEN_OPS_COMMON \
  .name = "xen", \
  .close = xen_close, \
  .abandon = xen_abandon, \
  .gone = xen_gone, \
  .vcpu_count = xen_vcpu_count, \
  .pause = xen_pause, \
  .resume = xen_resume, \
  .resume_vcpu = xen_resume_vcpu, \
  .get_regs = xen_get_regs, \
  .set_reg = xen_set_reg, \
  .read_phys = xen_read_phys, \
  .write_phys = xen_write_phys, \
  .insert_bp = insert_bp, \
  .remove_bp = xen_remove_bp, \
  .wait = xen_wait, \
  .event_fd = xen_event_fd, \
  .adopt = xen_adopt, \
  .drop_dead_pause = xen_drop_dead_pause, \
  .after_recovery = xen_after_recovery

static const GtDriverOps xen_ops = {
  XEN_OPS_COMMON,
  .verify_runs = xen_verify_runs,
  /* Xen 4.17 (tests/xen/README.md, "Hazard: SIGKILL"): vCPUs waiting on a
   * dead tracer's monitor ring stay paused, and no other process can map
   * that ring to answer them. Seen in the nested bed: bytes repaired, domU
   * stuck. */
  .repair_caveat = "but vCPUs the dead session's monitor ring holds stay paused (Xen keeps "
                   "them; no other process can answer that ring): if the domain does not run "
                   "on, only `xl destroy` ends it",
};

/* The guardian holding the dead tracer's ring page (xen-guard.c,
 * xen-adopt.c): it answers those vCPUs itself when it detaches. */
static const GtDriverOps xen_guardian_ops = {
  XEN_OPS_COMMON,
  .repair_caveat = "the vCPUs the dead session's monitor ring held are answered (sent "
                   "back to the restored code), then monitoring is turned off and the ring "
                   "torn down",
};

gboolean
gt_xen_driver_adopt_ring(GtDriver *d, void *page)
{
  XenDriver *x = (XenDriver *)d;
  if (x->ring_up || !gt_xen_ring_marked(page))
    return FALSE;
  x->be_ops->monitor_adopt(x->be, page);
  gt_xen_ring_adopt(&x->ring, page, XC_PAGE_SIZE);
  x->ring_up = TRUE;
  x->adopted = TRUE;
  d->ops = &xen_guardian_ops;
  return TRUE;
}

GtDriver *
gt_xen_driver_new(const GtXenBackendOps *ops, void *be, GtXenTrap trap, GError **error)
{
  guint n = ops->vcpu_count(be);
  if (n == 0 || n > XEN_MAX_VCPUS) {
    g_set_error(error, GT_ERROR, GT_ERROR_UNSUPPORTED, "domain has %u vCPUs", n);
    ops->close(be);
    return NULL;
  }
  /* Per-vCPU stops by default (GT_XEN_STOP=vcpu); GT_XEN_STOP=domain
   * pauses the domain at every stop, the all-stop fallback. */
  const char *stop = g_getenv("GT_XEN_STOP");
  if (stop && *stop && !g_str_equal(stop, "vcpu") && !g_str_equal(stop, "domain")) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG,
                "GT_XEN_STOP=%s: expected vcpu or domain", stop);
    ops->close(be);
    return NULL;
  }
  if (!ops->pause(be, error)) {
    ops->close(be);
    return NULL;
  }
  XenDriver *x = g_new0(XenDriver, 1);
  x->parent.ops = &xen_ops;
  x->be_ops = ops;
  x->be = be;
  x->trap = trap;
  x->nvcpu = n;
  x->slots = g_new0(XenSlot, n);
  x->stuck = -1;
  x->bps = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free);
  x->all_stop = g_strcmp0(stop, "domain") == 0;
  const char *rec = g_getenv("GT_XEN_RECORD");
  if (rec && *rec && !(x->record = fopen(rec, "wb")))
    g_warning("xen: cannot record requests to %s: %s", rec, g_strerror(errno));
  return &x->parent;
}

static gboolean
parse_trap(const char *s, GtXenTrap *trap, GError **error)
{
  if (g_str_equal(s, "int3"))
    *trap = GT_XEN_TRAP_INT3;
  else if (g_str_equal(s, "cr3"))
    *trap = GT_XEN_TRAP_CR3;
  else {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG,
                "unknown Xen trap method '%s': expected int3 or cr3", s);
    return FALSE;
  }
  return TRUE;
}

GtDriver *
gt_xen_driver_open(const char *spec, const GtDriverOptions *opts, GError **error)
{
  g_auto(GStrv) parts = g_strsplit(spec, ",", 8);
  GtXenTrap trap = GT_XEN_TRAP_INT3;
  const char *env = g_getenv("GT_XEN_TRAP");
  if (env && *env && !parse_trap(env, &trap, error))
    return NULL;
  if (!parts[0] || !*parts[0]) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG, "bad guest 'xen:%s'", spec);
    return NULL;
  }
  for (guint i = 1; parts[i]; i++) {
    if (g_str_has_prefix(parts[i], "trap=")) {
      if (!parse_trap(parts[i] + 5, &trap, error))
        return NULL;
    } else {
      g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG,
                  "unknown option '%s' in xen:%s (known: trap=int3|cr3)", parts[i], spec);
      return NULL;
    }
  }
  const GtXenBackendOps *ops = NULL;
  void *be = gt_xen_hw_open(parts[0], &ops, error);
  if (!be)
    return NULL;
  char *identity = gt_xen_hw_identity(be);
  GtDriver *d = gt_xen_driver_new(ops, be, trap, error);
  if (!d) {
    g_free(identity);
    return NULL;
  }
  d->identity = identity;
  void *page = opts ? gt_xen_guard_page(opts->xen_guard) : NULL;
  if (page && !gt_xen_driver_adopt_ring(d, page))
    g_message("xen guardian: the ring page it holds is not a ring guestrace enabled (the "
              "tracer died before it armed a trap?): restoring bytes only");
  return d;
}
