/* e2e: the test guest kit itself. Boots the image (KASLR on, 2 CPUs),
 * checks the kallsyms dump (complete, slid against System.map), runs
 * gtw-files and gtw-pslist and checks their logs, and checks that teardown
 * leaves no QEMU process, RAM file or guest dir behind. A second case boots
 * with nokaslr and the hold/release handshake. */
#include "guestkit.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

typedef struct {
  GkGuest *g;
} Holder;

/* Frees the guest even when an assertion aborts the test case. */
static void holder_free(gpointer p)
{
  Holder *h = p;
  gk_guest_free(h->g);
  g_free(h);
}

/* Address of symbol name in a "ADDR TYPE NAME [module]" file, 0 if
 * absent; *count: the number of symbol lines. One linear pass. */
static guint64 sym_addr(const char *text, const char *name, guint *count)
{
  guint64 addr = 0;
  guint n = 0;
  size_t nlen = strlen(name);
  g_auto(GkLines) it = gk_lines(text, -1);
  for (const char *l; (l = gk_lines_next(&it, NULL));) {
    const char *sp1 = strchr(l, ' ');
    const char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    if (!sp2)
      continue;
    n++;
    const char *sym = sp2 + 1;
    if (!addr && strncmp(sym, name, nlen) == 0 &&
        (sym[nlen] == '\0' || sym[nlen] == '\t' || sym[nlen] == ' '))
      addr = g_ascii_strtoull(l, NULL, 16);
  }
  if (count)
    *count = n;
  return addr;
}

static char *read_text(const char *path)
{
  char *text = NULL;
  g_autoptr(GError) err = NULL;
  g_file_get_contents(path, &text, NULL, &err);
  g_assert_no_error(err);
  return text;
}

static void check_slide(GkGuest *g, gboolean expect_slid)
{
  g_autoptr(GError) err = NULL;
  g_autofree char *ks_path = gk_guest_kallsyms_path(g, &err);
  g_assert_no_error(err);
  g_test_message("kallsyms dump complete %.2f s after QEMU start",
                 gk_guest_kallsyms_seconds(g));
  g_autofree char *ks = read_text(ks_path);
  g_autofree char *map_path = gk_image_sysmap_path();
  g_autofree char *map = read_text(map_path);
  guint nsyms = 0;
  guint64 ks_text = sym_addr(ks, "_text", &nsyms);
  guint64 ks_openat = sym_addr(ks, "__x64_sys_openat", NULL);
  guint64 map_text = sym_addr(map, "_text", NULL);
  guint64 map_openat = sym_addr(map, "__x64_sys_openat", NULL);
  g_test_message("kallsyms: %u symbols, _text 0x%" G_GINT64_MODIFIER "x (System.map 0x%"
                 G_GINT64_MODIFIER "x)", nsyms, ks_text, map_text);
  g_assert_cmpuint(nsyms, >, 50000);
  g_assert_cmpuint(ks_openat, !=, 0);
  g_assert_cmpuint(ks_text, !=, 0);
  g_assert_cmpuint(map_text, !=, 0);
  if (expect_slid)
    g_assert_cmpuint(ks_text, !=, map_text);
  else
    g_assert_cmpuint(ks_text, ==, map_text);
  /* One slide for the whole kernel image. */
  g_assert_cmpuint(ks_openat - ks_text, ==, map_openat - map_text);
}

static JsonObject *parse_obj(JsonParser *p, const char *line)
{
  g_autoptr(GError) err = NULL;
  json_parser_load_from_data(p, line, -1, &err);
  g_assert_no_error(err);
  JsonNode *root = json_parser_get_root(p);
  g_assert_true(JSON_NODE_HOLDS_OBJECT(root));
  return json_node_get_object(root);
}

typedef struct {
  const char *name;
  gint64 args[4];     /* integer args; G_MININT64: a string arg (checked apart) */
  const char *str;    /* expected string arg (index 1) or NULL */
  gint64 ret;         /* G_MAXINT64: ret is null, G_MININT64: ret is the pid */
} Expect;

#define S G_MININT64
#define NULLRET G_MAXINT64
#define PIDRET G_MININT64

static void check_files_log(GkGuest *g, const char *r)
{
  g_autofree char *a = g_strdup_printf("/tmp/%s-a", r);
  g_autofree char *missing = g_strdup_printf("/tmp/%s-missing", r);
  const Expect exp[] = {
    { "getpid", { 0 }, NULL, PIDRET },
    { "getppid", { 0 }, NULL, -1 },
    { "getuid", { 0 }, NULL, 0 },
    { "getgid", { 0 }, NULL, 0 },
    { "openat", { -100, S, O_WRONLY | O_CREAT | O_TRUNC, 0644 }, a, 3 },
    { "write", { 3, S, 21 }, "hello from gtw-files\n", 21 },
    { "close", { 3 }, NULL, 0 },
    { "openat", { -100, S, O_RDONLY, 0 }, a, 3 },
    { "read", { 3, S, 64 }, "hello from gtw-files\n", 21 },
    { "close", { 3 }, NULL, 0 },
    { "openat", { -100, S, O_RDONLY, 0 }, missing, -ENOENT },
    { "getpid", { 0 }, NULL, PIDRET },
    { "unlink", { S }, a, 0 },
    { "exit_group", { 0 }, NULL, NULLRET },
  };
  g_autoptr(GPtrArray) log = gk_guest_workload_log(g, "GTWL");
  g_autoptr(JsonParser) p = json_parser_new();
  guint k = 0;
  gint64 pid = -1;
  for (guint i = 0; i < log->len && k < G_N_ELEMENTS(exp); i++) {
    JsonObject *o = parse_obj(p, log->pdata[i]);
    if (g_strcmp0(json_object_get_string_member(o, "comm"), "gtw-files") != 0)
      continue;
    const Expect *e = &exp[k++];
    g_test_message("GTWL %s", (char *)log->pdata[i]);
    g_assert_cmpstr(json_object_get_string_member(o, "syscall"), ==, e->name);
    if (pid < 0)
      pid = json_object_get_int_member(o, "pid");
    g_assert_cmpint(json_object_get_int_member(o, "pid"), ==, pid);
    g_assert_cmpint(json_object_get_int_member(o, "tid"), ==, pid);
    g_assert_cmpint(json_object_get_int_member(o, "uid"), ==, 0);
    g_assert_cmpint(json_object_get_int_member(o, "gid"), ==, 0);
    g_assert_cmpint(json_object_get_int_member(o, "ppid"), >, 1);
    JsonArray *args = json_object_get_array_member(o, "args");
    for (guint j = 0; j < json_array_get_length(args) && j < 4; j++) {
      JsonNode *n = json_array_get_element(args, j);
      if (e->args[j] == S) {
        g_assert_cmpstr(json_node_get_string(n), ==, e->str);
      } else {
        g_assert_cmpint(json_node_get_int(n), ==, e->args[j]);
      }
    }
    JsonNode *ret = json_object_get_member(o, "ret");
    g_assert_nonnull(ret);
    if (e->ret == NULLRET)
      g_assert_true(JSON_NODE_HOLDS_NULL(ret));
    else if (e->ret == PIDRET)
      g_assert_cmpint(json_node_get_int(ret), ==, pid);
    else if (e->ret == -1)   /* getppid: the sh that ran the command line */
      g_assert_cmpint(json_node_get_int(ret), ==, json_object_get_int_member(o, "ppid"));
    else
      g_assert_cmpint(json_node_get_int(ret), ==, e->ret);
  }
  g_assert_cmpuint(k, ==, G_N_ELEMENTS(exp));
}

static void check_pslist(GkGuest *g)
{
  g_autoptr(GPtrArray) ps = gk_guest_workload_log(g, "GTPS");
  g_autoptr(JsonParser) p = json_parser_new();
  gboolean init = FALSE, self = FALSE, kthreadd = FALSE;
  for (guint i = 0; i < ps->len; i++) {
    JsonObject *o = parse_obj(p, ps->pdata[i]);
    gint64 pid = json_object_get_int_member(o, "pid");
    const char *comm = json_object_get_string_member(o, "comm");
    g_assert_cmpuint(strlen(comm), <=, 15);
    if (pid == 1 && strcmp(comm, "init") == 0)
      init = TRUE;
    if (pid == 2 && strcmp(comm, "kthreadd") == 0)
      kthreadd = json_object_get_boolean_member(o, "kthread");
    /* sh execs the last command of the line: its parent may be init. */
    if (strcmp(comm, "gtw-pslist") == 0)
      self = json_object_get_int_member(o, "ppid") >= 1;
  }
  g_test_message("gtw-pslist: %u processes", ps->len);
  g_assert_cmpuint(ps->len, >, 20);
  g_assert_true(init);
  g_assert_true(kthreadd);
  g_assert_true(self);
}

/* Nothing of the guest left: no QEMU, no RAM file, no dir. */
static void check_gone(pid_t qpid, const char *mem, const char *dir)
{
  g_assert_true(kill(qpid, 0) < 0 && errno == ESRCH);
  g_assert_false(g_file_test(mem, G_FILE_TEST_EXISTS));
  g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
  g_autofree char *prefix = g_strdup_printf("gk-%d-", (int)getpid());
  g_autoptr(GDir) d = g_dir_open("/dev/shm", 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name(d)))
    g_assert_false(g_str_has_prefix(name, prefix));
}

static GkGuest *boot(const GkOptions *o, Holder **holder)
{
  g_autoptr(GError) err = NULL;
  GkGuest *g = gk_guest_boot(o, &err);
  g_assert_no_error(err);
  *holder = g_new0(Holder, 1);
  (*holder)->g = g;
  g_test_queue_destroy(holder_free, *holder);
  g_test_message("boot to GK-READY: %.2f s (spec %s, ram %s)", gk_guest_boot_seconds(g),
                 gk_guest_spec(g), gk_guest_mem_path(g));
  return g;
}

static void test_kaslr_files(void)
{
  g_autofree char *ver = gk_image_kernel_version();
  g_test_message("guest kernel: %s", ver);
  GkOptions o = { .smp = 2 };
  Holder *h;
  GkGuest *g = boot(&o, &h);
  gint64 t0 = g_get_monotonic_time();
  g_assert_cmpfloat(gk_guest_boot_seconds(g), <=, 20.0);
  check_slide(g, TRUE);

  g_autofree char *r = g_strdup_printf("gk%08x", g_random_int());
  g_autofree char *cmd = g_strdup_printf("gtw-files %s; gtw-pslist", r);
  g_autoptr(GError) err = NULL;
  gk_guest_run(g, cmd, &err);
  g_assert_no_error(err);
  gk_guest_wait_console(g, "GK-RUN-END", 120, &err);
  g_assert_no_error(err);
  g_test_message("workload done %.2f s after boot", (g_get_monotonic_time() - t0) / 1e6);
  g_assert_cmpint(gk_guest_run_rc(g), ==, 0);
  check_files_log(g, r);
  check_pslist(g);

  g_assert_true(gk_guest_wait_poweroff(g, 60));
  pid_t qpid = gk_guest_qemu_pid(g);
  g_autofree char *mem = g_strdup(gk_guest_mem_path(g));
  g_autofree char *dir = g_strdup(gk_guest_dir(g));
  g_assert_true(g_file_test(mem, G_FILE_TEST_EXISTS));
  gk_guest_free(g);
  h->g = NULL;
  check_gone(qpid, mem, dir);
}

static void test_nokaslr_hold(void)
{
  GkOptions o = { .nokaslr = TRUE, .hold = TRUE };
  Holder *h;
  GkGuest *g = boot(&o, &h);
  check_slide(g, FALSE);
  g_autoptr(GError) err = NULL;
  gk_guest_run(g, "gtw-hello held", &err);
  g_assert_no_error(err);
  gk_guest_wait_console(g, "GK-RUN-END rc=0", 60, &err);
  g_assert_no_error(err);
  /* Held: the guest stays up until released. */
  g_assert_false(gk_guest_wait_poweroff(g, 1));
  gk_guest_release(g, &err);
  g_assert_no_error(err);
  g_assert_true(gk_guest_wait_poweroff(g, 60));
  pid_t qpid = gk_guest_qemu_pid(g);
  g_autofree char *mem = g_strdup(gk_guest_mem_path(g));
  g_autofree char *dir = g_strdup(gk_guest_dir(g));
  gk_guest_free(g);
  h->g = NULL;
  check_gone(qpid, mem, dir);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/guestkit/kaslr-files-pslist", test_kaslr_files);
  g_test_add_func("/guestkit/nokaslr-hold", test_nokaslr_hold);
  return g_test_run();
}
