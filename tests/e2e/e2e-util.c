/* Helpers of the end-to-end tests. */
#include "e2e-util.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

GkGuest *
e2e_boot(void)
{
  GkOptions opts = { 0 };
  return e2e_boot_with(&opts);
}

GkGuest *
e2e_boot_with(const GkOptions *opts)
{
  g_autoptr(GError) error = NULL;
  GkGuest *g = gk_guest_boot(opts, &error);
  g_assert_no_error(error);
  g_autofree char *ver = gk_image_kernel_version();
  g_test_message("guest kernel %s", ver);
  g_autofree char *ks = gk_guest_kallsyms_path(g, &error);
  g_assert_no_error(error);
  return g;
}

const char *
e2e_guestrace_path(void)
{
  const char *p = g_getenv("GT_GUESTRACE");
  g_assert_nonnull(p);
  return p;
}

const char *
e2e_example_path(void)
{
  const char *p = g_getenv("GT_EXAMPLE_OPEN_READ");
  g_assert_nonnull(p);
  return p;
}

E2eTool *
e2e_tool_start(GkGuest *g, const char *const *argv, const char *ready)
{
  static guint n;
  E2eTool *t = g_new0(E2eTool, 1);
  t->stdout_path = g_strdup_printf("%s/tool%u.out", gk_guest_dir(g), n);
  t->stderr_path = g_strdup_printf("%s/tool%u.err", gk_guest_dir(g), n++);
  g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_set_stdout_file_path(l, t->stdout_path);
  g_subprocess_launcher_set_stderr_file_path(l, t->stderr_path);
  g_autoptr(GError) error = NULL;
  g_autofree char *cmd = g_strjoinv(" ", (char **)argv);
  g_test_message("starting: %s", cmd);
  t->proc = g_subprocess_launcher_spawnv(l, argv, &error);
  g_assert_no_error(error);
  for (int i = 0; i < 600; i++) {
    g_autofree char *err = NULL;
    if (g_file_get_contents(t->stderr_path, &err, NULL, NULL) && strstr(err, ready))
      return t;
    if (!g_subprocess_get_identifier(t->proc)) {
      g_test_message("tool stderr: %s", err ? err : "");
      g_error("tool exited before it was ready");
    }
    g_usleep(100 * 1000);
  }
  g_error("tool not ready after 60 s");
  return NULL;
}

int
e2e_tool_finish(E2eTool *t, gboolean interrupt, int timeout_s)
{
  if (interrupt)
    g_subprocess_send_signal(t->proc, SIGINT);
  /* GSubprocess reaps its child in GLib's worker thread: poll. */
  gint64 deadline = g_get_monotonic_time() + (gint64)timeout_s * G_USEC_PER_SEC;
  while (g_subprocess_get_identifier(t->proc) && g_get_monotonic_time() < deadline)
    g_usleep(50 * 1000);
  if (g_subprocess_get_identifier(t->proc)) {
    g_subprocess_force_exit(t->proc);
    g_subprocess_wait(t->proc, NULL, NULL);
    g_autofree char *err = e2e_tool_stderr(t);
    g_test_message("tool stderr: %s", err);
    g_error("tool did not exit within %d s", timeout_s);
  }
  g_subprocess_wait(t->proc, NULL, NULL);
  int status = g_subprocess_get_exit_status(t->proc);
  if (status != 0) {
    g_autofree char *err = e2e_tool_stderr(t);
    g_test_message("tool exited with %d; its stderr: %s", status, err);
  }
  return status;
}

char *
e2e_tool_stdout(E2eTool *t)
{
  char *s = NULL;
  g_file_get_contents(t->stdout_path, &s, NULL, NULL);
  return s ? s : g_strdup("");
}

char *
e2e_tool_stderr(E2eTool *t)
{
  char *s = NULL;
  g_file_get_contents(t->stderr_path, &s, NULL, NULL);
  return s ? s : g_strdup("");
}

void
e2e_tool_free(E2eTool *t)
{
  if (!t)
    return;
  if (t->proc && g_subprocess_get_identifier(t->proc)) {
    g_subprocess_force_exit(t->proc);
    g_subprocess_wait(t->proc, NULL, NULL);
  }
  g_clear_object(&t->proc);
  g_free(t->stdout_path);
  g_free(t->stderr_path);
  g_free(t);
}

GPtrArray *
e2e_parse_json_lines(const char *text, const char *prefix)
{
  GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)json_object_unref);
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (char **l = lines; *l; l++) {
    char *line = g_strstrip(*l);
    if (prefix) {
      char *p = strstr(line, prefix);
      if (!p)
        continue;
      line = p + strlen(prefix);
    }
    if (!*line || line[0] != '{')
      continue;
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) error = NULL;
    if (!json_parser_load_from_data(parser, line, -1, &error))
      g_error("bad JSON line '%s': %s", line, error->message);
    g_ptr_array_add(out, json_object_ref(json_node_get_object(json_parser_get_root(parser))));
  }
  return out;
}

GPtrArray *
e2e_parse_json_lines_array(GPtrArray *lines)
{
  g_autoptr(GString) all = g_string_new(NULL);
  for (guint i = 0; i < lines->len; i++)
    g_string_append_printf(all, "%s\n", (char *)lines->pdata[i]);
  return e2e_parse_json_lines(all->str, NULL);
}

char *
e2e_random_word(void)
{
  return g_strdup_printf("r%08x", g_random_int());
}

char *
e2e_json_text(JsonNode *node)
{
  if (!node || JSON_NODE_HOLDS_NULL(node))
    return g_strdup("null");
  if (JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_STRING)
    return g_strdup(json_node_get_string(node));
  return json_to_string(node, FALSE);
}
