/* End to end: a hostile process (gtw-hostile) passes a mapped kernel
 * address as a file name, a string running into an unmapped page, NULL,
 * control bytes, invalid and valid UTF-8, a 3,000-byte name, an execve with
 * 500 long arguments, a 1 MiB write, and names itself with such bytes.
 * JSON: every line is strict JSON (json-glib and Python), every name gives
 * back the exact bytes passed (per the README's convention: text, or the
 * NAME@b64 member), no kernel byte appears anywhere, envp is exact in
 * JSON and only counted in text.
 * Text: printable ASCII only, one line per call, the name escaped. */
#include "e2e-util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workloads/gtw-hostile.h"

/* The address of linux_banner ("Linux version ...") in the running guest. */
static char *
banner_address(GkGuest *g)
{
  return g_strdup_printf("0x%" G_GINT64_MODIFIER "x", e2e_kallsyms_address(g, "linux_banner"));
}

/* Nothing of the kernel's memory, anywhere. */
static void
assert_no_leak(const char *text)
{
  g_assert_null(strstr(text, "Linux version"));
}

/* One traced run of gtw-hostile on a fresh guest. */
typedef struct {
  GkGuest *g;
  E2eTool *t;
  char *kaddr;   /* linux_banner's address, which the workload passes as a name */
  char *out;     /* guestrace's stdout */
} Hostile;

static void
hostile_clear(Hostile *h)
{
  g_clear_pointer(&h->t, e2e_tool_free);
  g_clear_pointer(&h->g, gk_guest_free);
  g_clear_pointer(&h->kaddr, g_free);
  g_clear_pointer(&h->out, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Hostile, hostile_clear)

/* Boots, traces gtw-hostile to the end with guestrace --format format;
 * neither guestrace's stdout nor its stderr holds a byte of the kernel's. */
static void
hostile_run(Hostile *h, const char *format)
{
  h->g = e2e_boot();
  g_autofree char *sysmap = gk_image_sysmap_path();
  const char *argv[] = {
    e2e_guestrace_path(), "--mem", gk_guest_mem_path(h->g), "-m", sysmap, "--format", format,
    "-e", "openat,execve,write,getpid", gk_guest_spec(h->g), NULL,
  };
  h->t = e2e_tool_start(h->g, argv, "guestrace: tracing");
  h->kaddr = banner_address(h->g);
  g_autofree char *cmd = g_strdup_printf("gtw-hostile %s", h->kaddr);
  g_autoptr(GError) error = NULL;
  g_assert_true(gk_guest_run(h->g, cmd, &error));
  g_assert_true(gk_guest_wait_console(h->g, "GK-RUN-END", 600, &error));
  g_assert_true(gk_guest_wait_poweroff(h->g, 60));
  g_assert_cmpint(e2e_tool_finish(h->t, FALSE, 60), ==, 0);
  h->out = e2e_tool_stdout(h->t);
  g_autofree char *err = e2e_tool_stderr(h->t);
  assert_no_leak(h->out);
  assert_no_leak(err);
}

/* The exact bytes of member m of o, per the convention. */
static GBytes *
exact(JsonObject *o, const char *m)
{
  g_autofree char *b64 = g_strconcat(m, "@b64", NULL);
  if (json_object_has_member(o, b64)) {
    gsize n = 0;
    guchar *raw = g_base64_decode(json_object_get_string_member(o, b64), &n);
    return g_bytes_new_take(raw, n);
  }
  JsonNode *n = json_object_get_member(o, m);
  if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
    return NULL;
  const char *s = json_node_get_string(n);
  return g_bytes_new(s, strlen(s));
}

static GBytes *
unhex(const char *hex)
{
  gsize n = strlen(hex) / 2;
  guint8 *b = g_malloc(n + 1);
  for (gsize i = 0; i < n; i++)
    b[i] = (guint8)(g_ascii_xdigit_value(hex[2 * i]) << 4 | g_ascii_xdigit_value(hex[2 * i + 1]));
  return g_bytes_new_take(b, n);
}

static void
assert_bytes(GBytes *got, GBytes *want)
{
  g_assert_nonnull(got);
  g_assert_cmpmem(g_bytes_get_data(got, NULL), g_bytes_get_size(got),
                  g_bytes_get_data(want, NULL), g_bytes_get_size(want));
}

/* Every "@b64" member anywhere: decoded, no kernel bytes either. */
static void
assert_no_leak_b64(JsonNode *n)
{
  if (JSON_NODE_HOLDS_OBJECT(n)) {
    JsonObject *o = json_node_get_object(n);
    g_autoptr(GList) names = json_object_get_members(o);
    for (GList *l = names; l; l = l->next) {
      JsonNode *v = json_object_get_member(o, l->data);
      if (g_str_has_suffix(l->data, "@b64") && JSON_NODE_HOLDS_VALUE(v)) {
        gsize len = 0;
        g_autofree guchar *raw = g_base64_decode(json_node_get_string(v), &len);
        g_assert_null(g_strstr_len((const char *)raw, (gssize)len, "Linux version"));
      }
      assert_no_leak_b64(v);
    }
  } else if (JSON_NODE_HOLDS_ARRAY(n)) {
    JsonArray *a = json_node_get_array(n);
    for (guint i = 0; i < json_array_get_length(a); i++)
      assert_no_leak_b64(json_array_get_element(a, i));
  }
}

/* The records of pid for call, in order. */
static GPtrArray *
records(GPtrArray *tr, gint64 pid, const char *call)
{
  GPtrArray *out = g_ptr_array_new();
  for (guint i = 0; i < tr->len; i++) {
    JsonObject *o = tr->pdata[i];
    if (json_object_get_int_member(o, "pid") == pid &&
        !g_strcmp0(json_object_get_string_member(o, "syscall"), call))
      g_ptr_array_add(out, o);
  }
  return out;
}

static void
check_openat(GPtrArray *opens, guint *next, JsonObject *c, const char *kaddr)
{
  const char *name = json_object_get_string_member(c, "case");
  g_assert_cmpuint(*next, <, opens->len);
  JsonObject *args = json_object_get_object_member(opens->pdata[(*next)++], "args");
  g_autoptr(GBytes) want = unhex(json_object_get_string_member(c, "hex"));
  g_autoptr(GBytes) got = exact(args, "filename");
  g_test_message("case %s", name);
  if (!strcmp(name, "kernel")) {
    /* The address, never what is there. */
    g_assert_true(!got || g_bytes_get_size(got) < 24);
    JsonNode *v = json_object_get_member(args, "filename");
    g_assert_true(JSON_NODE_HOLDS_VALUE(v));
    if (json_node_get_value_type(v) != G_TYPE_STRING)
      g_assert_cmphex((guint64)json_node_get_int(v), ==, g_ascii_strtoull(kaddr, NULL, 0));
  } else if (!strcmp(name, "null")) {
    g_assert_null(got);
    g_assert_cmpint(json_object_get_int_member(args, "filename"), ==, 0);
  } else if (!strcmp(name, "unmapped")) {
    /* The readable part, or the address: never bytes from elsewhere. */
    if (got) {
      g_assert_cmpuint(g_bytes_get_size(got), <=, g_bytes_get_size(want));
      g_assert_cmpmem(g_bytes_get_data(got, NULL), g_bytes_get_size(got),
                      g_bytes_get_data(want, NULL), g_bytes_get_size(got));
    }
  } else {
    assert_bytes(got, want);
  }
}

static void
check_execve(JsonObject *rec)
{
  JsonObject *args = json_object_get_object_member(rec, "args");
  JsonArray *argv = json_object_get_array_member(args, "argv");
  guint n = json_array_get_length(argv);
  g_test_message("execve: %u of %d arguments shown", n, EXEC_ARGS);
  g_assert_cmpuint(n, >=, 200);
  g_assert_false(json_object_has_member(args, "argv@b64"));
  char want[EXEC_ARG_LEN + 1];
  for (guint k = 0; k < n; k++) {
    exec_arg(want, (int)k);
    g_assert_cmpstr(json_array_get_string_element(argv, k), ==, want);
  }
  /* JSON shows envp: exact, escape sequence included. */
  JsonArray *envp = json_object_get_array_member(args, "envp");
  g_assert_cmpuint(json_array_get_length(envp), ==, 1);
  g_assert_cmpstr(json_array_get_string_element(envp, 0), ==, "GTHX_ENV=\x1b]0;title\x07");
}

static void
check_write(JsonObject *rec)
{
  JsonObject *args = json_object_get_object_member(rec, "args");
  g_autoptr(GBytes) got = exact(args, "buf");
  g_assert_nonnull(got);
  gsize n = g_bytes_get_size(got);
  g_test_message("write: %" G_GSIZE_FORMAT " bytes of 1 MiB shown", n);
  g_assert_cmpuint(n, >=, 32);
  const guint8 *p = g_bytes_get_data(got, NULL);
  for (gsize i = 0; i < n; i++)
    g_assert_cmpuint(p[i], ==, write_byte(i));
  g_assert_cmpint(json_object_get_int_member(rec, "ret"), ==, 1 << 20);
}

/* Python's json module reads every line too, as strict UTF-8. */
static void
python_parses(const char *path)
{
  const char *argv[] = {
    "python3", "-c",
    "import json,sys\n"
    "lines=open(sys.argv[1],'rb').read().decode('utf-8','strict').splitlines()\n"
    "[json.loads(l) for l in lines if l]\n",
    path, NULL,
  };
  int status = -1;
  g_autoptr(GError) error = NULL;
  g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                             NULL, &status, &error));
  g_assert_true(g_spawn_check_wait_status(status, NULL));
}

static void
test_json(void)
{
  g_auto(Hostile) h = { 0 };
  hostile_run(&h, "json");
  const char *out = h.out;
  g_auto(GkLines) it = gk_lines(out, -1);
  for (const char *l; (l = gk_lines_next(&it, NULL));)
    g_assert_true(!*l || *l == '{');
  g_assert_true(g_utf8_validate(out, -1, NULL));
  python_parses(h.t->stdout_path);
  g_autoptr(GPtrArray) tr = e2e_parse_json_lines(out, NULL);
  for (guint i = 0; i < tr->len; i++) {
    g_autoptr(JsonNode) n = json_node_init_object(json_node_alloc(), tr->pdata[i]);
    assert_no_leak_b64(n);
  }

  g_autoptr(GPtrArray) log = gk_guest_workload_log(h.g, "GTHX ");
  g_autoptr(GPtrArray) cases = e2e_parse_json_lines_array(log);
  g_assert_cmpuint(cases->len, ==, 11);
  gint64 pid = json_object_get_int_member(cases->pdata[0], "pid");
  g_autoptr(GPtrArray) opens = records(tr, pid, "openat");
  guint next = 0;
  for (guint i = 0; i < cases->len; i++) {
    JsonObject *c = cases->pdata[i];
    const char *call = json_object_get_string_member(c, "call");
    if (!strcmp(call, "openat")) {
      check_openat(opens, &next, c, h.kaddr);
    } else if (!strcmp(call, "execve")) {
      /* The last one: the shell's execve of gtw-hostile came first. */
      g_autoptr(GPtrArray) ex = records(tr, pid, "execve");
      g_assert_cmpuint(ex->len, >=, 1);
      check_execve(ex->pdata[ex->len - 1]);
    } else if (!strcmp(call, "write")) {
      g_autoptr(GPtrArray) w = records(tr, pid, "write");
      JsonObject *big = NULL;
      for (guint k = 0; k < w->len; k++)
        if (json_object_get_int_member(json_object_get_object_member(w->pdata[k], "args"),
                                       "count") == 1 << 20)
          big = w->pdata[k];
      g_assert_nonnull(big);
      check_write(big);
    } else {
      /* The process's own name, exact, on the call after it set it. */
      g_autoptr(GPtrArray) gp = records(tr, pid, "getpid");
      g_assert_cmpuint(gp->len, >=, 1);
      g_autoptr(GBytes) got = exact(gp->pdata[gp->len - 1], "comm");
      g_autoptr(GBytes) want = unhex(json_object_get_string_member(c, "hex"));
      assert_bytes(got, want);
    }
  }
}

static void
test_text(void)
{
  g_auto(Hostile) h = { 0 };
  hostile_run(&h, "text");
  const char *out = h.out;
  /* Printable ASCII only; one line per call, each a record. */
  guint n = 0;
  g_auto(GkLines) it = gk_lines(out, -1);
  for (const char *l; (l = gk_lines_next(&it, NULL));) {
    if (!*l)
      continue;
    n++;
    for (const guchar *p = (const guchar *)l; *p; p++)
      g_assert_true(*p >= 0x20 && *p < 0x7f);
    g_assert_true(g_str_has_prefix(l, "[pid "));
  }
  g_assert_cmpuint(n, >, 12);
  /* Text shows envp's count only (and then does not read its strings). */
  g_assert_null(strstr(out, "GTHX_ENV"));
  g_assert_nonnull(strstr(out, " /* 1 var */) = -1 ENOENT"));
  /* The name the process gave itself, escaped as strace escapes. */
  g_assert_nonnull(strstr(out, " \\\"a\\n\\t\\33[2J\\1\\37\\377\\303\\251z] getpid()"));
  g_assert_nonnull(strstr(out, "\"/tmp/a\\nb\\tc\\33[31md\\1e\\37f\\177\""));
  /* The kernel address as strace shows a pointer it cannot read. */
  g_autofree char *shown = g_strdup_printf("openat(AT_FDCWD, %s,", h.kaddr);
  g_assert_nonnull(strstr(out, shown));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/hostile/json", test_json);
  g_test_add_func("/hostile/text", test_text);
  return g_test_run();
}
