/* Helpers of the end-to-end tests. */
#include "e2e-util.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

/* What a failing test prints before it dies (an assertion aborts, g_error
 * traps): the tail of the last booted guest's console and of the stderr of
 * the last tools started. Paths only, read with signal-safe calls. */
#define E2E_TAIL_TOOLS 4
#define E2E_TAIL_BYTES 6000
static char tail_console[PATH_MAX];
static char tail_tools[E2E_TAIL_TOOLS][PATH_MAX];
static unsigned tail_next_tool;

static void
tail_write(const char *s)
{
  for (size_t len = strlen(s); len > 0;) {
    ssize_t n = write(STDERR_FILENO, s, len);
    if (n <= 0)
      return;
    s += n;
    len -= (size_t)n;
  }
}

static void
tail_file(const char *title, const char *path)
{
  if (!path[0])
    return;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return;
  off_t end = lseek(fd, 0, SEEK_END);
  off_t from = end > E2E_TAIL_BYTES ? end - E2E_TAIL_BYTES : 0;
  tail_write("\n----- ");
  tail_write(title);
  tail_write(": ");
  tail_write(path);
  tail_write(from ? " (tail) -----\n" : " -----\n");
  char buf[4096];
  ssize_t n;
  lseek(fd, from, SEEK_SET);
  while ((n = read(fd, buf, sizeof buf)) > 0)
    if (write(STDERR_FILENO, buf, (size_t)n) < 0)
      break;
  close(fd);
}

static void
tail_on_failure(int sig)
{
  for (unsigned i = 0; i < E2E_TAIL_TOOLS; i++) {
    unsigned k = (tail_next_tool + i) % E2E_TAIL_TOOLS;
    tail_file("tool stderr", tail_tools[k]);
  }
  tail_file("guest console", tail_console);
  tail_write("\n");
  signal(sig, SIG_DFL);
  raise(sig);
}

static void
tail_arm(void)
{
  static gboolean armed;
  if (armed)
    return;
  armed = TRUE;
  struct sigaction sa = { .sa_handler = tail_on_failure, .sa_flags = SA_RESETHAND };
  sigemptyset(&sa.sa_mask);
  sigaction(SIGABRT, &sa, NULL);
  sigaction(SIGTRAP, &sa, NULL);
  sigaction(SIGSEGV, &sa, NULL);
}

static void
tail_set(char *slot, const char *path)
{
  g_strlcpy(slot, path, PATH_MAX);
}

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
  tail_arm();
  GkGuest *g = gk_guest_boot(opts, &error);
  g_assert_no_error(error);
  g_autofree char *console = g_build_filename(gk_guest_dir(g), "console.log", NULL);
  tail_set(tail_console, console);
  memset(tail_tools, 0, sizeof tail_tools);
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
e2e_start_guestrace_mode(GkGuest *g, E2eAttach mode, const char *const *extra)
{
  g_autofree char *sysmap = gk_image_sysmap_path();
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_ptr_array_add(argv, (char *)e2e_guestrace_path());
  if (mode == E2E_ATTACH_MAP || mode == E2E_ATTACH_MEMORY) {
    g_ptr_array_add(argv, "--mem");
    g_ptr_array_add(argv, (char *)gk_guest_mem_path(g));
  }
  if (mode == E2E_ATTACH_MAP) {
    g_ptr_array_add(argv, "-m");
    g_ptr_array_add(argv, sysmap);
  }
  for (const char *const *e = extra; e && *e; e++)
    g_ptr_array_add(argv, (char *)*e);
  g_ptr_array_add(argv, (char *)gk_guest_spec(g));
  g_ptr_array_add(argv, NULL);
  return e2e_tool_start(g, (const char *const *)argv->pdata, "guestrace: tracing");
}

E2eTool *
e2e_start_guestrace(GkGuest *g, const char *const *extra)
{
  return e2e_start_guestrace_mode(g, E2E_ATTACH_MAP, extra);
}

E2eTool *
e2e_tool_start(GkGuest *g, const char *const *argv, const char *ready)
{
  static guint n;
  E2eTool *t = g_new0(E2eTool, 1);
  t->stdout_path = g_strdup_printf("%s/tool%u.out", gk_guest_dir(g), n);
  t->stderr_path = g_strdup_printf("%s/tool%u.err", gk_guest_dir(g), n++);
  tail_set(tail_tools[tail_next_tool++ % E2E_TAIL_TOOLS], t->stderr_path);
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

/* The JSON object of one line (after prefix, when prefix is not NULL),
 * NULL when the line holds none; a bad object fails the test. */
static JsonObject *
json_line(const char *text, const char *prefix)
{
  g_autofree char *copy = g_strdup(text);
  char *line = g_strstrip(copy);
  if (prefix) {
    char *p = strstr(line, prefix);
    if (!p)
      return NULL;
    line = p + strlen(prefix);
  }
  if (!*line || line[0] != '{')
    return NULL;
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;
  if (!json_parser_load_from_data(parser, line, -1, &error))
    g_error("bad JSON line '%s': %s", line, error->message);
  return json_object_ref(json_node_get_object(json_parser_get_root(parser)));
}

GPtrArray *
e2e_parse_json_lines(const char *text, const char *prefix)
{
  GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)json_object_unref);
  g_auto(GkLines) it = gk_lines(text, -1);
  for (const char *l; (l = gk_lines_next(&it, NULL));) {
    JsonObject *o = json_line(l, prefix);
    if (o)
      g_ptr_array_add(out, o);
  }
  return out;
}

/* The address of "ADDR TYPE NAME" if line is that (symbols of modules,
 * "NAME\t[mod]", are not it). */
static gboolean
ksym_line(const char *line, gsize n, const char *name, guint64 *addr)
{
  const char *end = line + n;
  const char *sp1 = memchr(line, ' ', n);
  const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (gsize)(end - sp1 - 1)) : NULL;
  gsize want = strlen(name);
  if (!sp2 || (gsize)(end - sp2 - 1) != want || memcmp(sp2 + 1, name, want))
    return FALSE;
  *addr = g_ascii_strtoull(line, NULL, 16);
  return TRUE;
}

guint64
e2e_kallsyms_address(GkGuest *g, const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = gk_guest_kallsyms_path(g, &error);
  g_assert_no_error(error);
  g_autofree char *text = NULL;
  gsize len = 0;
  g_assert_true(g_file_get_contents(path, &text, &len, NULL));
  g_auto(GkLines) it = gk_lines(text, (gssize)len);
  gsize n;
  guint64 addr;
  for (const char *l; (l = gk_lines_next(&it, &n));)
    if (ksym_line(l, n, name, &addr))
      return addr;
  g_error("%s is not in the guest's kallsyms", name);
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

/* Every openat the workload logged (its GTWL JSON lines) names a /tmp path
 * that appears in out (what guestrace printed); at least one such open. */
void
e2e_assert_opens_seen(GkGuest *g, const char *out)
{
  g_autoptr(GPtrArray) wl = gk_guest_workload_log(g, "GTWL ");
  guint opens = 0;
  for (guint i = 0; i < wl->len; i++) {
    const char *l = wl->pdata[i];
    if (!strstr(l, "\"syscall\":\"openat\""))
      continue;
    opens++;
    const char *path = strstr(l, "\"/tmp/");
    g_assert_nonnull(path);
    g_autofree char *p = g_strndup(path, strcspn(path + 1, "\"") + 2);
    g_assert_nonnull(strstr(out, p));
  }
  g_assert_cmpuint(opens, >, 0);
}

E2eTool *
e2e_trace_gtw_files(GkGuest *g, char **word)
{
  *word = e2e_random_word();
  const char *argv[] = { e2e_guestrace_path(), "--format", "json", "-e", "openat,write",
                         gk_guest_spec(g), NULL };
  E2eTool *t = e2e_tool_start(g, argv, "guestrace: tracing");
  g_autofree char *cmd = g_strdup_printf("gtw-files %s", *word);
  g_autoptr(GError) error = NULL;
  g_assert_true(gk_guest_run(g, cmd, &error));
  if (!gk_guest_wait_console(g, "GK-RUN-END rc=0", 240, &error)) {
    g_autofree char *con = gk_guest_console(g);
    g_autofree char *terr = e2e_tool_stderr(t);
    g_test_message("console: %s\nguestrace: %s", con, terr);
    g_assert_no_error(error);
  }
  return t;
}

void
e2e_assert_gtw_files_seen(GkGuest *g, const char *out, const char *word)
{
  g_autofree char *want = g_strdup_printf("\"/tmp/%s-a\"", word);
  g_assert_nonnull(strstr(out, want));
  e2e_assert_opens_seen(g, out);
}

/* Runs a tool to completion: its exit status, stderr in *err, stdout in
 * *out when out is not NULL (else dropped, never mixed into the TAP stream). */
int
e2e_run(const char *const *argv, char **out, char **err)
{
  int status = 0;
  g_autoptr(GError) error = NULL;
  g_autofree char *ignored = NULL;
  g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                             out ? out : &ignored, err, &status, &error));
  g_assert_no_error(error);
  g_test_message("guestrace: %s", *err);
  g_assert_true(WIFEXITED(status));
  return WEXITSTATUS(status);
}

/* A refusal as the CLI promises it: exit 2, one line "guestrace: ..." naming
 * the problem (needle). */
void
e2e_assert_one_line_error(int status, const char *err, const char *needle)
{
  g_assert_cmpint(status, ==, 2);
  g_assert_true(g_str_has_prefix(err, "guestrace: "));
  g_assert_nonnull(strstr(err, needle));
  const char *nl = strchr(err, '\n');
  g_assert_true(nl && nl[1] == '\0');
}
