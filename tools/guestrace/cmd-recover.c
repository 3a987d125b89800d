/* guestrace recover GUEST: repair what a dead guestrace left in a guest
 * (from the journal it kept) and leave the guest running. Nothing else. */
#include "cli.h"

#include <stdio.h>

gboolean
gt_cli_recover(const char *guest, const char *mem, int timeout_ms, GError **error)
{
  GtLoopOptions opts = { 0 };
  opts.mem_path = mem;
  opts.timeout_ms = timeout_ms;
  g_autofree char *report = NULL;
  if (!gt_guest_recover(guest, &opts, &report, error))
    return FALSE;
  if (report)
    gt_cli_error("%s", report);
  else
    gt_cli_error("%s: nothing to repair", guest);
  return TRUE;
}

/* A stub that takes the connection but does not answer has another
 * debugger: QEMU serves one at a time and queues the next. Right after a
 * tracer was killed that is its guardian, repairing; once it is done the
 * stub answers us. Tried again for this long (each try waits out the
 * request timeout); a stub that refuses the connection (nobody listens)
 * fails at once. */
#define BUSY_FOR_MS 30000

static gboolean
recover_when_free(const char *guest, const char *mem, GError **error)
{
  gint64 until = g_get_monotonic_time() + BUSY_FOR_MS * (gint64)1000;
  for (guint tries = 0;; tries++) {
    g_autoptr(GError) err = NULL;
    if (gt_cli_recover(guest, mem, 0, &err))
      return TRUE;
    if (!g_error_matches(err, GT_ERROR, GT_ERROR_TIMEOUT) || g_get_monotonic_time() > until) {
      g_propagate_error(error, g_steal_pointer(&err));
      return FALSE;
    }
    if (!tries)
      gt_cli_error("%s does not answer (another debugger, such as a guardian repairing it, "
                   "may hold it): trying again for up to %d s", guest, BUSY_FOR_MS / 1000);
  }
}

int
gt_cmd_recover(int argc, char **argv)
{
  g_auto(GtCliGuestOpts) gopts = { 0 };
  g_autoptr(GOptionContext) ctx = g_option_context_new(
    "GUEST - repair what a guestrace that died left in a guest, and leave it running");
  gt_cli_add_guest_options(ctx, &gopts);
  const char *guest = gt_cli_parse(ctx, &argc, &argv);
  if (!guest)
    return GT_EXIT_USAGE;
  g_autoptr(GError) error = NULL;
  const char *mem = gopts.mem ? gopts.mem : g_getenv("GUESTRACE_MEM");
  if (!recover_when_free(guest, mem, &error)) {
    gt_cli_error("%s", error->message);
    return GT_EXIT_RUNTIME;
  }
  return GT_EXIT_OK;
}
