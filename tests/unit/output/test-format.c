/* Text and JSON renderings of records. */
#include "trace/record-private.h"

#include <json-glib/json-glib.h>
#include <string.h>

static GtRecord *
sample(void)
{
  GtRecord *r = gt_record_new();
  r->ts_ns = 1700000000123456789;
  r->vcpu = 1;
  r->pid = 1234;
  r->tid = 1234;
  r->ppid = 1;
  r->uid = 1000;
  r->gid = 100;
  g_strlcpy(r->comm, "cat", sizeof r->comm);
  r->name = g_strdup("openat");
  r->nr = 257;
  r->nargs = 3;
  const char *names[] = { "dfd", "filename", "flags" };
  const char *texts[] = { "AT_FDCWD", "\"/etc/passwd\"", "O_RDONLY" };
  for (guint i = 0; i < 3; i++) {
    r->args[i].name = g_strdup(names[i]);
    r->args[i].text = g_strdup(texts[i]);
    r->args[i].is_signed = TRUE;
  }
  r->args[0].svalue = -100;
  r->args[1].str = g_strdup("/etc/passwd");
  r->args[2].svalue = 0;
  return r;
}

static void
test_text(void)
{
  g_autoptr(GtRecord) r = sample();
  r->has_result = TRUE;
  r->result = 3;
  g_autofree char *a = gt_record_format_text(r);
  g_assert_cmpstr(a, ==, "[pid 1234 cat] openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY) = 3");
  r->result = -2;
  g_autofree char *b = gt_record_format_text(r);
  g_assert_cmpstr(b, ==, "[pid 1234 cat] openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY) = -1 ENOENT (No such file or directory)");
  r->has_result = FALSE;
  r->tid = 1240;
  g_autofree char *c = gt_record_format_text(r);
  g_assert_cmpstr(c, ==, "[pid 1234/1240 cat] openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY) = ?");
  r->has_result = TRUE;
  r->result = -13;
  r->aborted = TRUE;
  g_autofree char *d = gt_record_format_text(r);
  g_assert_true(g_str_has_suffix(d, "= -1 EACCES (Permission denied) (aborted by guestrace)"));
}

static void
test_json(void)
{
  g_autoptr(GtRecord) r = sample();
  r->has_result = TRUE;
  r->result = 3;
  g_autofree char *s = gt_record_format_json(r);
  g_autoptr(JsonParser) p = json_parser_new();
  g_assert_true(json_parser_load_from_data(p, s, -1, NULL));
  JsonObject *o = json_node_get_object(json_parser_get_root(p));
  g_assert_cmpint(json_object_get_int_member(o, "ts_ns"), ==, 1700000000123456789);
  g_assert_cmpint(json_object_get_int_member(o, "pid"), ==, 1234);
  g_assert_cmpint(json_object_get_int_member(o, "tid"), ==, 1234);
  g_assert_cmpint(json_object_get_int_member(o, "ppid"), ==, 1);
  g_assert_cmpint(json_object_get_int_member(o, "uid"), ==, 1000);
  g_assert_cmpint(json_object_get_int_member(o, "gid"), ==, 100);
  g_assert_cmpint(json_object_get_int_member(o, "vcpu"), ==, 1);
  g_assert_cmpstr(json_object_get_string_member(o, "comm"), ==, "cat");
  g_assert_cmpstr(json_object_get_string_member(o, "syscall"), ==, "openat");
  g_assert_cmpint(json_object_get_int_member(o, "nr"), ==, 257);
  g_assert_cmpint(json_object_get_int_member(o, "ret"), ==, 3);
  JsonObject *args = json_object_get_object_member(o, "args");
  g_assert_cmpint(json_object_get_int_member(args, "dfd"), ==, -100);
  g_assert_cmpstr(json_object_get_string_member(args, "filename"), ==, "/etc/passwd");
  g_assert_cmpint(json_object_get_int_member(args, "flags"), ==, 0);
  r->has_result = FALSE;
  g_autofree char *n = gt_record_format_json(r);
  g_assert_nonnull(strstr(n, "\"ret\":null"));
}

/* Exact bytes of member @m of @o under the JSON convention. */
static GBytes *
exact_member(JsonObject *o, const char *m)
{
  g_autofree char *b64 = g_strconcat(m, "@b64", NULL);
  gsize n = 0;
  if (json_object_has_member(o, b64)) {
    guchar *raw = g_base64_decode(json_object_get_string_member(o, b64), &n);
    return g_bytes_new_take(raw, n);
  }
  const char *s = json_object_get_string_member(o, m);
  return g_bytes_new(s, strlen(s));
}

/* A process naming itself with control bytes and invalid UTF-8, a buffer
 * holding NULs: the text is one printable line, the JSON parses and gives
 * back every byte. */
static void
test_hostile(void)
{
  g_autoptr(GtRecord) r = sample();
  g_strlcpy(r->comm, "\"a\n\x1b[2J\x01\x1f\xff\xc3\xa9", sizeof r->comm);
  g_free(r->args[1].str);
  r->args[1].str = g_memdup2("x\0y\xfe", 5);
  r->args[1].str_len = 4;
  g_free(r->args[2].text);
  r->args[2].text = g_strdup("raw\ntext\x1b");  /* a decoder's mistake */
  g_autofree char *t = gt_record_format_text(r);
  for (const guchar *p = (const guchar *)t; *p; p++)
    g_assert_true(*p >= 0x20 && *p < 0x7f);
  g_assert_cmpstr(t, ==, "[pid 1234 \\\"a\\n\\33[2J\\1\\37\\377\\303\\251] openat(AT_FDCWD, "
                  "\"/etc/passwd\", raw\\ntext\\33) = ?");
  g_autofree char *j = gt_record_format_json(r);
  g_autoptr(JsonParser) p = json_parser_new();
  g_assert_true(json_parser_load_from_data(p, j, -1, NULL));
  JsonObject *o = json_node_get_object(json_parser_get_root(p));
  g_autoptr(GBytes) comm = exact_member(o, "comm");
  g_assert_cmpmem(g_bytes_get_data(comm, NULL), g_bytes_get_size(comm), r->comm, strlen(r->comm));
  g_autoptr(GBytes) buf = exact_member(json_object_get_object_member(o, "args"), "filename");
  g_assert_false(json_object_has_member(o, "budget_spent"));
  g_assert_cmpmem(g_bytes_get_data(buf, NULL), g_bytes_get_size(buf), "x\0y\xfe", 4);
}

/* A record the read budget cut says what is missing, in both forms. */
static void
test_budget_spent(void)
{
  g_autoptr(GtRecord) r = sample();
  r->budget_spent = GT_SPENT_ARGS | GT_SPENT_ANCESTORS;
  g_autofree char *t = gt_record_format_text(r);
  g_assert_true(g_str_has_suffix(t, " = ? <read budget spent: args ancestors>"));
  g_autofree char *j = gt_record_format_json(r);
  g_assert_nonnull(strstr(j, ",\"budget_spent\":[\"args\",\"ancestors\"]"));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/output/text", test_text);
  g_test_add_func("/output/json", test_json);
  g_test_add_func("/output/hostile", test_hostile);
  g_test_add_func("/output/budget-spent", test_budget_spent);
  return g_test_run();
}
