/* gt_guest_recover: attach, repair from the journal, detach. */
#include <guestrace/guestrace.h>
#include "driver/driver.h"

GT_API gboolean
gt_guest_recover(const char *guest, const GtLoopOptions *options, char **report,
                 GError **error)
{
  g_return_val_if_fail(guest != NULL, FALSE);
  GtDriverOptions dopts = { 0 };
  if (options) {
    dopts.mem_path = options->mem_path;
    dopts.lowmem = options->lowmem;
    dopts.timeout_ms = options->timeout_ms;
  }
  g_autofree char *what = NULL;
  /* Strict: what could not be repaired fails it, each change named. */
  GtDriver *d = gt_driver_open_recovered(guest, &dopts, TRUE, &what, error);
  if (!d)
    return FALSE;
  gt_driver_close(d);   /* detaches: the guest runs on */
  if (report)
    *report = g_steal_pointer(&what);
  return TRUE;
}
