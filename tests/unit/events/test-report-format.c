/* Report events: the manual's text form, JSON, escaping, NATS subjects,
 * events from records, the sink's URL rules. */
#include "output/events/report-event.h"
#include "output/events/event-sink.h"
#include "trace/record-private.h"

#include <json-glib/json-glib.h>
#include <string.h>

static void
test_text_match(void)
{
  g_autoptr(GtReportEvent) ev = gt_report_event_new(GT_REPORT_MATCH, "sys_execve");
  gt_report_event_add_arg(ev, "code", "0xdeadbeef");
  gt_report_event_add_arg(ev, "code:signal", "SIGSEGV");
  g_autofree char *t = gt_report_event_format_text(ev, "a3-app");
  g_assert_cmpstr(t, ==, "VMI domain=a3-app type=match sys_execve(code=0xdeadbeef,code:signal=SIGSEGV)");

  ev->type = GT_REPORT_WOULD_ABORT;
  gt_report_event_set_retval(ev, -1);
  g_autofree char *t2 = gt_report_event_format_text(ev, "a3-app");
  g_assert_cmpstr(t2, ==, "VMI domain=a3-app type=would-abort "
                  "sys_execve(code=0xdeadbeef,code:signal=SIGSEGV) retval=-1");

  ev->type = GT_REPORT_ABORT;
  gt_report_event_set_domain(ev, "other");
  g_autofree char *t3 = gt_report_event_format_text(ev, "a3-app");
  g_assert_true(g_str_has_prefix(t3, "VMI domain=other type=abort sys_execve("));
}

static void
test_text_pslist(void)
{
  g_autoptr(GtReportEvent) ev = gt_report_event_new(GT_REPORT_PSLIST, NULL);
  gt_report_event_add_process(ev, 0, 0, "swapper");
  gt_report_event_add_process(ev, 1, 0, "init");
  gt_report_event_add_process(ev, 2, 0, "migration/0");
  g_autofree char *t = gt_report_event_format_text(ev, "a3-app");
  g_assert_cmpstr(t, ==, "domain=a3-app type=pslist pid=0,ppid=0,name=swapper|"
                  "pid=1,ppid=0,name=init|pid=2,ppid=0,name=migration/0|");
}

static void
test_text_hostile(void)
{
  /* A guest-chosen name cannot add lines or list entries. */
  g_autoptr(GtReportEvent) ev = gt_report_event_new(GT_REPORT_PSLIST, NULL);
  gt_report_event_add_process(ev, 7, 1, "a|pid=1,b\n\\\xff\xc3\xa9");
  g_autofree char *t = gt_report_event_format_text(ev, "my vm");
  g_assert_cmpstr(t, ==, "domain=my\\x20vm type=pslist "
                  "pid=7,ppid=1,name=a\\x7cpid=1\\x2cb\\n\\\\\\xff\\xc3\\xa9|");

  g_autoptr(GtReportEvent) m = gt_report_event_new(GT_REPORT_MATCH, "sys_openat");
  gt_report_event_add_arg(m, "filename", "\"/tmp/x\\n\"\r\n");
  g_autofree char *t2 = gt_report_event_format_text(m, "d");
  g_assert_cmpstr(t2, ==, "VMI domain=d type=match sys_openat(filename=\"/tmp/x\\n\"\\r\\n)");
  g_assert_null(strchr(t2, '\n'));
}

static void
test_json(void)
{
  g_autoptr(GtReportEvent) ev = gt_report_event_new(GT_REPORT_MATCH, "sys_openat");
  ev->ts_ns = 1700000000123456789;
  gt_report_event_set_process(ev, 1234, 1235, 1, "ca\nt\xff");
  gt_report_event_add_arg(ev, "filename", "\"/etc/passwd\"");
  gt_report_event_add_arg(ev, "flags", "O_RDONLY");
  gt_report_event_set_retval(ev, 3);
  g_autofree char *j = gt_report_event_format_json(ev, "vm1");
  g_assert_null(strchr(j, '\n'));

  g_autoptr(JsonParser) p = json_parser_new();
  g_assert_true(json_parser_load_from_data(p, j, -1, NULL));
  JsonObject *o = json_node_get_object(json_parser_get_root(p));
  g_assert_cmpstr(json_object_get_string_member(o, "domain"), ==, "vm1");
  g_assert_cmpstr(json_object_get_string_member(o, "type"), ==, "match");
  g_assert_cmpint(json_object_get_int_member(o, "ts_ns"), ==, 1700000000123456789);
  g_assert_cmpint(json_object_get_int_member(o, "pid"), ==, 1234);
  g_assert_cmpint(json_object_get_int_member(o, "tid"), ==, 1235);
  g_assert_cmpint(json_object_get_int_member(o, "ppid"), ==, 1);
  g_assert_cmpstr(json_object_get_string_member(o, "comm"), ==, "ca\nt\xef\xbf\xbd");
  /* Not exact as text: the exact bytes ride along in base64. */
  gsize n = 0;
  g_autofree guchar *exact =
    g_base64_decode(json_object_get_string_member(o, "comm@b64"), &n);
  g_assert_cmpmem(exact, n, "ca\nt\xff", 5);
  g_assert_cmpstr(json_object_get_string_member(o, "function"), ==, "sys_openat");
  g_assert_cmpint(json_object_get_int_member(o, "retval"), ==, 3);
  JsonArray *args = json_object_get_array_member(o, "args");
  g_assert_cmpuint(json_array_get_length(args), ==, 2);
  JsonObject *a1 = json_array_get_object_element(args, 1);
  g_assert_cmpstr(json_object_get_string_member(a1, "name"), ==, "flags");
  g_assert_cmpstr(json_object_get_string_member(a1, "value"), ==, "O_RDONLY");
  g_assert_cmpstr(json_object_get_string_member(o, "detail"), ==,
                  "sys_openat(filename=\"/etc/passwd\",flags=O_RDONLY) retval=3");

  g_autoptr(GtReportEvent) ps = gt_report_event_new(GT_REPORT_PSLIST, NULL);
  gt_report_event_add_process(ps, 1, 0, "init");
  g_autofree char *j2 = gt_report_event_format_json(ps, "vm1");
  g_autoptr(JsonParser) p2 = json_parser_new();
  g_assert_true(json_parser_load_from_data(p2, j2, -1, NULL));
  JsonObject *o2 = json_node_get_object(json_parser_get_root(p2));
  g_assert_false(json_object_has_member(o2, "pid"));
  g_assert_false(json_object_has_member(o2, "function"));
  JsonArray *procs = json_object_get_array_member(o2, "processes");
  g_assert_cmpuint(json_array_get_length(procs), ==, 1);
  g_assert_cmpstr(json_object_get_string_member(json_array_get_object_element(procs, 0), "name"),
                  ==, "init");
  g_assert_cmpstr(json_object_get_string_member(o2, "detail"), ==, "pid=1,ppid=0,name=init|");
}

static void
test_subject(void)
{
  g_autofree char *a = gt_report_subject("a3-app", GT_REPORT_WOULD_ABORT);
  g_assert_cmpstr(a, ==, "guestrace.a3-app.would-abort");
  g_autofree char *b = gt_report_subject("vm.1 *>x", GT_REPORT_PSLIST);
  g_assert_cmpstr(b, ==, "guestrace.vm_1___x.pslist");
  g_autofree char *c = gt_report_subject("", GT_REPORT_MATCH);
  g_assert_cmpstr(c, ==, "guestrace._.match");
}

static void
test_from_record(void)
{
  g_autoptr(GtRecord) r = gt_record_new();
  r->pid = 10;
  r->tid = 11;
  r->ppid = 1;
  g_strlcpy(r->comm, "sh", sizeof r->comm);
  r->name = g_strdup("execve");
  r->nr = 59;
  r->nargs = 1;
  r->args[0].name = g_strdup("filename");
  r->args[0].text = g_strdup("\"/bin/nc\"");
  g_autoptr(GtReportEvent) ev = gt_report_event_new_from_record(GT_REPORT_ABORT, r);
  g_autofree char *t = gt_report_event_format_text(ev, "vm");
  g_assert_cmpstr(t, ==, "VMI domain=vm type=abort sys_execve(filename=\"/bin/nc\")");
  g_assert_cmpint(ev->tid, ==, 11);
  g_assert_cmpstr(ev->comm, ==, "sh");

  r->nr = -1;
  g_free(r->name);
  r->name = g_strdup("do_exit");
  r->has_result = TRUE;
  r->result = 0;
  g_autoptr(GtReportEvent) ev2 = gt_report_event_new_from_record(GT_REPORT_MATCH, r);
  g_assert_cmpstr(ev2->function, ==, "do_exit");
  g_assert_true(ev2->has_retval);
}

static void
test_dropped(void)
{
  g_autoptr(GtReportEvent) ev = gt_report_event_new(GT_REPORT_DROPPED, NULL);
  ev->count = 1234;
  g_autofree char *t = gt_report_event_format_text(ev, "vm");
  g_assert_cmpstr(t, ==, "VMI domain=vm type=dropped count=1234");
  g_autofree char *j = gt_report_event_format_json(ev, "vm");
  g_autoptr(JsonParser) p = json_parser_new();
  g_assert_true(json_parser_load_from_data(p, j, -1, NULL));
  JsonObject *o = json_node_get_object(json_parser_get_root(p));
  g_assert_cmpstr(json_object_get_string_member(o, "type"), ==, "dropped");
  g_assert_cmpint(json_object_get_int_member(o, "count"), ==, 1234);
  g_assert_false(json_object_has_member(o, "function"));
  g_autofree char *subject = gt_report_subject("vm", GT_REPORT_DROPPED);
  g_assert_cmpstr(subject, ==, "guestrace.vm.dropped");
}

static void
test_urls(void)
{
  GtEventSinkOptions o = { .host_port = "10.0.0.1:8080" };
  g_autofree char *a = gt_event_sink_http_url(&o);
  g_assert_cmpstr(a, ==, "http://10.0.0.1:8080/");
  o.http_url = "/a3/events";
  g_autofree char *b = gt_event_sink_http_url(&o);
  g_assert_cmpstr(b, ==, "http://10.0.0.1:8080/a3/events");
  o.http_url = "https://a3.example/post";
  g_autofree char *c = gt_event_sink_http_url(&o);
  g_assert_cmpstr(c, ==, "https://a3.example/post");
  GtEventSinkOptions none = { 0 };
  g_assert_null(gt_event_sink_http_url(&none));
  g_autoptr(GError) err = NULL;
  g_assert_null(gt_event_sink_new(&none, &err));
  g_assert_error(err, GT_ERROR, GT_ERROR_INVALID_ARG);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/events/text/match", test_text_match);
  g_test_add_func("/events/text/pslist", test_text_pslist);
  g_test_add_func("/events/text/hostile", test_text_hostile);
  g_test_add_func("/events/json", test_json);
  g_test_add_func("/events/dropped", test_dropped);
  g_test_add_func("/events/subject", test_subject);
  g_test_add_func("/events/from-record", test_from_record);
  g_test_add_func("/events/urls", test_urls);
  return g_test_run();
}
