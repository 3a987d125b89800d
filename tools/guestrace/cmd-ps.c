/* guestrace ps GUEST: the guest's process list, read from outside. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

int
gt_cmd_ps(int argc, char **argv)
{
  g_auto(GtCliGuestOpts) gopts = { 0 };
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "One JSON object per process", NULL },
    { NULL },
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("GUEST - list the processes of a guest");
  gt_cli_add_guest_options(ctx, &gopts);
  g_option_context_add_main_entries(ctx, entries, NULL);
  const char *guest = gt_cli_parse(ctx, &argc, &argv);
  if (!guest)
    return GT_EXIT_USAGE;
  GtLoop *loop = gt_cli_open(guest, &gopts);
  if (!loop)
    return GT_EXIT_USAGE;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) procs = gt_loop_list_processes(loop, &error);
  g_autoptr(GError) left = NULL;
  if (!gt_loop_close(loop, &left))
    gt_cli_error("%s", left->message);   /* a dead session's, recovery could not repair */
  if (!procs) {
    gt_cli_error("%s", error->message);
    return GT_EXIT_RUNTIME;
  }
  if (left)
    return GT_EXIT_RUNTIME;
  if (!json)
    printf("%7s %7s %6s %6s %s\n", "PID", "PPID", "UID", "GID", "COMM");
  for (guint i = 0; i < procs->len; i++) {
    const GtProcess *p = &g_array_index(procs, GtProcess, i);
    gsize clen = strnlen(p->comm, sizeof p->comm);
    if (json) {
      /* The process names itself: its bytes go out per the JSON
       * convention of <guestrace/escape.h>. */
      gboolean exact = TRUE;
      g_autofree char *comm = gt_escape_json(p->comm, clen, &exact);
      g_autofree char *b64 = exact ? NULL : g_base64_encode((const guchar *)p->comm, clen);
      printf("{\"pid\":%d,\"ppid\":%d,\"uid\":%u,\"gid\":%u,\"comm\":%s", p->pid, p->ppid,
             p->uid, p->gid, comm);
      if (b64)
        printf(",\"comm@b64\":\"%s\"", b64);
      printf("}\n");
    } else {
      g_autofree char *comm = gt_escape_text(p->comm, clen, GT_ESCAPE_OCTAL);
      printf("%7d %7d %6u %6u %s\n", p->pid, p->ppid, p->uid, p->gid, comm);
    }
  }
  return GT_EXIT_OK;
}
