/* guestrace ps GUEST: the guest's process list, read from outside. */
#include "cli.h"

#include <json-glib/json-glib.h>
#include <stdio.h>

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
  gt_loop_free(loop);
  if (!procs) {
    gt_cli_error("%s", error->message);
    return GT_EXIT_RUNTIME;
  }
  if (!json)
    printf("%7s %7s %6s %6s %s\n", "PID", "PPID", "UID", "GID", "COMM");
  for (guint i = 0; i < procs->len; i++) {
    const GtProcess *p = &g_array_index(procs, GtProcess, i);
    if (json) {
      g_autoptr(JsonBuilder) b = json_builder_new();
      json_builder_begin_object(b);
      json_builder_set_member_name(b, "pid");
      json_builder_add_int_value(b, p->pid);
      json_builder_set_member_name(b, "ppid");
      json_builder_add_int_value(b, p->ppid);
      json_builder_set_member_name(b, "uid");
      json_builder_add_int_value(b, p->uid);
      json_builder_set_member_name(b, "gid");
      json_builder_add_int_value(b, p->gid);
      json_builder_set_member_name(b, "comm");
      json_builder_add_string_value(b, p->comm);
      json_builder_end_object(b);
      g_autoptr(JsonNode) root = json_builder_get_root(b);
      g_autofree char *line = json_to_string(root, FALSE);
      printf("%s\n", line);
    } else {
      printf("%7d %7d %6u %6u %s\n", p->pid, p->ppid, p->uid, p->gid, p->comm);
    }
  }
  return GT_EXIT_OK;
}
