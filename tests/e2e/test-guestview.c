/* End to end: what guestrace reads from the guest kernel's own structures
 * for a call, compared with what the workload logged inside the guest.
 * - an execve by a fresh fork child whose path, argv and envp live only in
 *   pages the child never touched (gtw-unfaulted): decoded exactly, from
 *   the page cache, in JSON and in text;
 * - -y: descriptors of a file on / and on /tmp (another mount), a deleted
 *   file, a pipe, a socket, an eventfd, a memfd, /dev/null, a /proc file,
 *   and AT_FDCWD, annotated from the
 *   guest's file table exactly as the guest's own /proc/self/fd/N reads
 *   (gtw-fds logs those links). */
#include "e2e-util.h"

#include <string.h>

/* Runs cmd in a fresh guest under guestrace with extra options; returns
 * guestrace's stdout and the guest's workload log lines (GTWL). */
static char *
run_traced(const char *const *extra, const char *cmd, GPtrArray **log)
{
  g_autoptr(GkGuest) g = e2e_boot();
  g_autoptr(E2eTool) t = e2e_start_guestrace(g, extra);
  g_autoptr(GError) error = NULL;
  g_assert_true(gk_guest_run(g, cmd, &error));
  g_assert_true(gk_guest_wait_console(g, "GK-RUN-END rc=0", 240, &error));
  g_assert_no_error(error);
  g_assert_true(gk_guest_wait_poweroff(g, 60));
  g_assert_cmpint(e2e_tool_finish(t, FALSE, 30), ==, 0);
  g_autofree char *err = e2e_tool_stderr(t);
  g_test_message("guestrace stderr: %s", err);
  *log = gk_guest_workload_log(g, "GTWL ");
  return e2e_tool_stdout(t);
}

/* The workload's "unfaulted_execve" line. */
static JsonObject *
planned_exec(GPtrArray *log, JsonParser **keep)
{
  for (guint i = 0; i < log->len; i++) {
    JsonParser *p = json_parser_new();
    if (json_parser_load_from_data(p, log->pdata[i], -1, NULL)) {
      JsonObject *o = json_node_get_object(json_parser_get_root(p));
      if (o && json_object_has_member(o, "unfaulted_execve")) {
        *keep = p;
        return json_object_get_object_member(o, "unfaulted_execve");
      }
    }
    g_object_unref(p);
  }
  g_assert_not_reached();
  return NULL;
}

static char *
strv_text(JsonArray *a)
{
  GString *s = g_string_new("[");
  for (guint i = 0; i < json_array_get_length(a); i++)
    g_string_append_printf(s, "%s\"%s\"", i ? ", " : "", json_array_get_string_element(a, i));
  g_string_append_c(s, ']');
  return g_string_free(s, FALSE);
}

static void
assert_same_strv(JsonArray *want, JsonArray *got)
{
  g_autofree char *w = strv_text(want);
  g_autofree char *t = strv_text(got);
  g_assert_cmpstr(t, ==, w);
}

static void
test_unfaulted_exec_json(void)
{
  g_autofree char *word = e2e_random_word();
  g_autofree char *cmd = g_strdup_printf("gtw-unfaulted %s", word);
  const char *extra[] = { "--format", "json", "-e", "execve", NULL };
  g_autoptr(GPtrArray) log = NULL;
  g_autofree char *out = run_traced(extra, cmd, &log);
  g_autoptr(JsonParser) keep = NULL;
  JsonObject *plan = planned_exec(log, &keep);
  gint64 pid = json_object_get_int_member(plan, "pid");
  g_autoptr(GPtrArray) tr = e2e_parse_json_lines(out, NULL);
  JsonObject *rec = NULL;
  for (guint i = 0; i < tr->len && !rec; i++) {
    JsonObject *o = tr->pdata[i];
    if (!g_strcmp0(json_object_get_string_member(o, "syscall"), "execve") &&
        json_object_get_int_member(o, "pid") == pid)
      rec = o;
  }
  g_assert_nonnull(rec);
  JsonObject *args = json_object_get_object_member(rec, "args");
  g_autofree char *txt = e2e_json_text(json_object_get_member(rec, "args"));
  g_test_message("child execve: %s", txt);
  g_assert_cmpstr(json_object_get_string_member(args, "filename"), ==,
                  json_object_get_string_member(plan, "path"));
  assert_same_strv(json_object_get_array_member(plan, "argv"),
                   json_object_get_array_member(args, "argv"));
  /* JSON shows envp's strings (text only their count, see the text test):
   * they too are read from the untouched page. */
  assert_same_strv(json_object_get_array_member(plan, "envp"),
                   json_object_get_array_member(args, "envp"));
  /* The argument that straddles two pages is the workload's word. */
  g_assert_cmpstr(json_array_get_string_element(json_object_get_array_member(args, "argv"), 1),
                  ==, word);
}

static void
test_unfaulted_exec_text(void)
{
  g_autofree char *word = e2e_random_word();
  g_autofree char *cmd = g_strdup_printf("gtw-unfaulted %s", word);
  const char *extra[] = { "-e", "execve", NULL };
  g_autoptr(GPtrArray) log = NULL;
  g_autofree char *out = run_traced(extra, cmd, &log);
  g_autoptr(JsonParser) keep = NULL;
  JsonObject *plan = planned_exec(log, &keep);
  g_autofree char *want = g_strdup_printf(
    "execve(\"/bin/gtw-hello\", [\"gtw-hello\", \"%s\"], %#" G_GINT64_MODIFIER "x /* 1 var */)",
    word, (guint64)json_object_get_int_member(plan, "envp_addr"));
  g_test_message("guestrace output:\n%s", out);
  g_assert_nonnull(strstr(out, want));
}

/* strace's form of a /proc link: "(deleted)" after the closing bracket. */
static char *
annotated(const char *link)
{
  if (g_str_has_suffix(link, " (deleted)"))
    return g_strdup_printf("<%.*s>(deleted)", (int)(strlen(link) - 10), link);
  return g_strdup_printf("<%s>", link);
}

static void
test_fd_paths(void)
{
  g_autofree char *word = e2e_random_word();
  g_autofree char *cmd = g_strdup_printf("cd /tmp && gtw-fds %s", word);
  const char *extra[] = { "-y", "--comm", "gtw-fds", "-e", "openat,close", NULL };
  g_autoptr(GPtrArray) log = NULL;
  g_autofree char *out = run_traced(extra, cmd, &log);
  g_test_message("guestrace output:\n%s", out);
  gint64 pid = -1;
  guint links = 0;
  g_autofree char *cwd = NULL;
  g_autoptr(GPtrArray) want = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < log->len; i++) {
    g_autoptr(JsonParser) p = json_parser_new();
    g_assert_true(json_parser_load_from_data(p, log->pdata[i], -1, NULL));
    JsonObject *o = json_node_get_object(json_parser_get_root(p));
    if (json_object_has_member(o, "syscall") && pid < 0)
      pid = json_object_get_int_member(o, "pid");
    if (json_object_has_member(o, "cwd"))
      cwd = g_strdup(json_object_get_string_member(json_object_get_object_member(o, "cwd"),
                                                   "link"));
    if (!json_object_has_member(o, "fdlink"))
      continue;
    JsonObject *f = json_object_get_object_member(o, "fdlink");
    g_autofree char *ann = annotated(json_object_get_string_member(f, "link"));
    g_ptr_array_add(want, g_strdup_printf("close(%" G_GINT64_FORMAT "%s) = 0",
                                          json_object_get_int_member(f, "fd"), ann));
    links++;
  }
  g_assert_cmpuint(links, ==, 10);
  g_assert_nonnull(cwd);
  g_autofree char *at = g_strdup_printf("openat(AT_FDCWD<%s>, ", cwd);
  g_ptr_array_add(want, g_steal_pointer(&at));
  g_autofree char *prefix = g_strdup_printf("[pid %" G_GINT64_FORMAT " gtw-fds] ", pid);
  /* One pass over the lines, each line checked against every entry. */
  g_autofree gboolean *found = g_new0(gboolean, want->len);
  g_auto(GkLines) it = gk_lines(out, -1);
  for (const char *l; (l = gk_lines_next(&it, NULL));) {
    if (!g_str_has_prefix(l, prefix))
      continue;
    for (guint i = 0; i < want->len; i++)
      found[i] = found[i] || strstr(l, want->pdata[i]);
  }
  for (guint i = 0; i < want->len; i++)
    if (!found[i])
      g_test_message("missing: %s%s", prefix, (char *)want->pdata[i]);
  for (guint i = 0; i < want->len; i++)
    g_assert_true(found[i]);
  /* The kinds the workload made, as the guest named them. */
  const char *kinds[] = { "<pipe:[", "<socket:[", "<anon_inode:[eventfd]>", "(deleted)",
                          "</bin/gtw-hello>", "</memfd:gtw-memfd>(deleted)", "</dev/null>",
                          "/status>", NULL };
  for (guint i = 0; kinds[i]; i++)
    g_assert_nonnull(strstr(out, kinds[i]));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/guestview/unfaulted-exec-json", test_unfaulted_exec_json);
  g_test_add_func("/guestview/unfaulted-exec-text", test_unfaulted_exec_text);
  g_test_add_func("/guestview/fd-paths", test_fd_paths);
  return g_test_run();
}
