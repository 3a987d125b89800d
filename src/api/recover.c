/* gt_guest_recover: attach, repair from the journal, detach; and the
 * guardian's GtGuard, the same with what it took before the tracer
 * attached (driver.h, gt_driver_guard_new). */
#include <guestrace/guestrace.h>
#include "driver/driver.h"

#include <unistd.h>

struct _GtGuard {
  char *guest;
  GtDriverOptions dopts;
  char *mem_path;
  GtXenGuard *xen;
};

static void
driver_options(const GtLoopOptions *options, GtDriverOptions *dopts)
{
  *dopts = (GtDriverOptions){ 0 };
  if (options) {
    dopts->mem_path = options->mem_path;
    dopts->lowmem = options->lowmem;
    dopts->timeout_ms = options->timeout_ms;
  }
}

static gboolean
recover(const char *guest, const GtDriverOptions *dopts, char **report, GError **error)
{
  g_autofree char *what = NULL;
  /* Strict: what could not be repaired fails it, each change named. */
  GtDriver *d = gt_driver_open_recovered(guest, dopts, GT_JOURNAL_REPAIR, &what, error);
  if (!d)
    return FALSE;
  /* Something was repaired: that the guest runs again is checked where
   * the hypervisor can leave vCPUs out of a repair's reach. */
  gboolean runs = !what || !d->ops->verify_runs || d->ops->verify_runs(d, error);
  gt_driver_close(d);   /* detaches: the guest runs on */
  if (!runs) {
    g_prefix_error(error, "%s; but ", what);
    return FALSE;
  }
  if (report)
    *report = g_steal_pointer(&what);
  return TRUE;
}

GT_API gboolean
gt_guest_recover(const char *guest, const GtLoopOptions *options, char **report,
                 GError **error)
{
  g_return_val_if_fail(guest != NULL, FALSE);
  GtDriverOptions dopts;
  driver_options(options, &dopts);
  return recover(guest, &dopts, report, error);
}

GT_API GtGuard *
gt_guard_new(const char *guest, const GtLoopOptions *options, GError **error)
{
  return gt_guard_new_for(guest, options, getppid(), error);
}

GT_API GtGuard *
gt_guard_new_for(const char *guest, const GtLoopOptions *options, GPid tracer,
                 GError **error)
{
  g_return_val_if_fail(guest != NULL, NULL);
  GError *local = NULL;
  GtXenGuard *xen = gt_driver_guard_new(guest, tracer, &local);
  if (local) {
    g_propagate_error(error, local);
    return NULL;
  }
  GtGuard *g = g_new0(GtGuard, 1);
  g->guest = g_strdup(guest);
  driver_options(options, &g->dopts);
  g->mem_path = g_strdup(g->dopts.mem_path);
  g->dopts.mem_path = g->mem_path;
  g->dopts.xen_guard = g->xen = xen;
  return g;
}

GT_API gboolean
gt_guard_repair(GtGuard *guard, char **report, GError **error)
{
  g_return_val_if_fail(guard != NULL, FALSE);
  return recover(guard->guest, &guard->dopts, report, error);
}

GT_API void
gt_guard_free(GtGuard *guard)
{
  if (!guard)
    return;
  gt_xen_guard_free(guard->xen);
  g_free(guard->mem_path);
  g_free(guard->guest);
  g_free(guard);
}
