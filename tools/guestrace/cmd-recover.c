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
  if (!gt_cli_recover(guest, mem, 0, &error)) {
    gt_cli_error("%s", error->message);
    return GT_EXIT_RUNTIME;
  }
  return GT_EXIT_OK;
}
