/* The HTTP event sink against a real server process (a Python script that
 * appends each POST body to a file): N events, the server killed, M more
 * (they spool), the server restarted, flush: all N+M exactly once, in
 * order. Then the tracer quits while the server is down and a new sink
 * delivers what the old one spooled; JSON mode; and a spool at its size
 * bound: the oldest events kept, the rest counted in one `dropped` event. */
#include "output/events/event-sink.h"
#include "server-util.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

typedef struct {
  char *out, *port_file;
  GSubprocess *proc;
  guint16 port;
} Server;

static void
server_start(Server *s, const char *dir, guint16 port)
{
  g_autofree char *script = g_build_filename(GT_EVENTS_SRCDIR, "http-event-server.py", NULL);
  g_autofree char *port_arg = g_strdup_printf("%u", port);
  if (!s->out) {
    s->out = g_build_filename(dir, "received.txt", NULL);
    s->port_file = g_build_filename(dir, "port", NULL);
  }
  g_unlink(s->port_file);
  const char *argv[] = { "python3", script, "--port", port_arg, "--out", s->out,
                         "--port-file", s->port_file, NULL };
  s->proc = ev_spawn(argv);
  g_autofree char *p = ev_wait_file(s->port_file, 10000);
  s->port = (guint16)g_ascii_strtoull(p, NULL, 10);
  g_assert_cmpuint(s->port, >, 0);
}

static void
server_kill(Server *s)
{
  ev_kill(s->proc);
  g_clear_object(&s->proc);
}

static GtReportEvent *
event(guint i)
{
  GtReportType types[] = { GT_REPORT_MATCH, GT_REPORT_ABORT, GT_REPORT_WOULD_ABORT,
                           GT_REPORT_PSLIST };
  GtReportType t = types[i % 4];
  GtReportEvent *ev = gt_report_event_new(t, t == GT_REPORT_PSLIST ? NULL : "sys_execve");
  g_autofree char *n = g_strdup_printf("%u", i);
  if (t == GT_REPORT_PSLIST) {
    gt_report_event_add_process(ev, 1, 0, "init");
    gt_report_event_add_process(ev, (gt_pid_t)i + 100, 1, n);
  } else {
    gt_report_event_add_arg(ev, "seq", n);
    gt_report_event_add_arg(ev, "code:signal", "SIGSEGV");
  }
  return ev;
}

static void
post_range(GtEventSink *sink, guint from, guint to)
{
  for (guint i = from; i < to; i++) {
    g_autoptr(GtReportEvent) ev = event(i);
    gt_event_sink_post(sink, ev);
  }
}

static void
expect_received(const Server *s, guint n, const char *domain)
{
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(s->out, &text, NULL, NULL));
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  g_assert_cmpuint(g_strv_length(lines), ==, n + 1);  /* the last one is empty */
  for (guint i = 0; i < n; i++) {
    g_autoptr(GtReportEvent) ev = event(i);
    g_autofree char *want = gt_report_event_format_text(ev, domain);
    g_assert_cmpstr(lines[i], ==, want);
  }
}

static void
wait_spooled(GtEventSink *sink, guint n)
{
  GtEventSinkStats st;
  for (int i = 0; i < 500; i++) {
    gt_event_sink_get_stats(sink, &st);
    if (st.spooled >= n && st.queued == 0)
      return;
    g_usleep(10000);
  }
  g_error("only %u of %u events spooled", st.spooled, n);
}

static GtEventSink *
sink_new_bounded(const char *dir, guint16 port, const char *spool_name, gboolean json,
                 guint64 spool_max)
{
  g_autofree char *hp = g_strdup_printf("127.0.0.1:%u", port);
  g_autofree char *spool = g_build_filename(dir, spool_name, NULL);
  GtEventSinkOptions o = {
    .domain = "vm-1", .host_port = hp, .spool_path = spool, .json = json,
    .backoff_min_ms = 20, .backoff_max_ms = 300, .spool_max_bytes = spool_max,
  };
  g_autoptr(GError) err = NULL;
  GtEventSink *sink = gt_event_sink_new(&o, &err);
  g_assert_no_error(err);
  return sink;
}

static GtEventSink *
sink_new(const char *dir, guint16 port, const char *spool_name, gboolean json)
{
  return sink_new_bounded(dir, port, spool_name, json, 0);
}

static void
restart_body(const char *dir)
{
  const guint N = 50, M = 60, K = 5;
  Server s = { 0 };
  server_start(&s, dir, 0);
  GtEventSink *sink = sink_new(dir, s.port, "spool", FALSE);

  post_range(sink, 0, N);
  g_assert_true(gt_event_sink_flush(sink, 10000));
  expect_received(&s, N, "vm-1");

  server_kill(&s);
  post_range(sink, N, N + M);
  wait_spooled(sink, M);
  g_autofree char *spool = g_build_filename(dir, "spool", NULL);
  g_assert_cmpuint(ev_count_lines(spool), ==, M);
  g_assert_false(gt_event_sink_flush(sink, 100));

  server_start(&s, dir, s.port);
  g_assert_true(gt_event_sink_flush(sink, 15000));
  expect_received(&s, N + M, "vm-1");
  g_assert_cmpuint(ev_count_lines(spool), ==, 0);
  GtEventSinkStats st;
  gt_event_sink_get_stats(sink, &st);
  g_assert_cmpuint(st.posted, ==, N + M);
  g_assert_cmpuint(st.delivered, ==, N + M);
  g_assert_cmpuint(st.spooled, ==, 0);

  /* The tracer quits while the server is down: the next run delivers. */
  server_kill(&s);
  post_range(sink, N + M, N + M + K);
  gt_event_sink_free(sink);
  g_assert_cmpuint(ev_count_lines(spool), ==, K);
  server_start(&s, dir, s.port);
  sink = sink_new(dir, s.port, "spool", FALSE);
  post_range(sink, N + M + K, N + M + 2 * K);
  g_assert_true(gt_event_sink_flush(sink, 15000));
  expect_received(&s, N + M + 2 * K, "vm-1");
  gt_event_sink_free(sink);
  server_kill(&s);
  g_free(s.out);
  g_free(s.port_file);
}

static void
test_restart(void)
{
  ev_run_isolated("/events/http/server-restart", restart_body);
}

static void
json_body(const char *dir)
{
  Server s = { 0 };
  server_start(&s, dir, 0);
  GtEventSink *sink = sink_new(dir, s.port, "spool-json", TRUE);
  post_range(sink, 0, 4);
  g_assert_true(gt_event_sink_flush(sink, 10000));
  gt_event_sink_free(sink);
  server_kill(&s);
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(s.out, &text, NULL, NULL));
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  g_assert_cmpuint(g_strv_length(lines), ==, 5);
  const char *types[] = { "match", "abort", "would-abort", "pslist" };
  for (guint i = 0; i < 4; i++) {
    g_autoptr(JsonParser) p = json_parser_new();
    g_assert_true(json_parser_load_from_data(p, lines[i], -1, NULL));
    JsonObject *o = json_node_get_object(json_parser_get_root(p));
    g_assert_cmpstr(json_object_get_string_member(o, "domain"), ==, "vm-1");
    g_assert_cmpstr(json_object_get_string_member(o, "type"), ==, types[i]);
  }
  g_free(s.out);
  g_free(s.port_file);
}

static void
test_json(void)
{
  ev_run_isolated("/events/http/json", json_body);
}

/* The server is down while 40 events come and the spool holds 4 KiB: the
 * file never grows past it; once the server is back it gets the events
 * that fit, in order, and one `dropped` event counting the rest. */
static void
spool_full_body(const char *dir)
{
  const guint N = 40;
  const guint64 bound = 4096;
  Server s = { 0 };
  server_start(&s, dir, 0);
  server_kill(&s);
  GtEventSink *sink = sink_new_bounded(dir, s.port, "spool-full", TRUE, bound);
  post_range(sink, 0, N);
  GtEventSinkStats st;
  for (int i = 0; i < 500; i++) {
    gt_event_sink_get_stats(sink, &st);
    if (st.queued == 0 && st.spooled + st.dropped == N)
      break;
    g_usleep(10000);
  }
  g_assert_cmpuint(st.spooled + st.dropped, ==, N);
  g_assert_cmpuint(st.dropped, >, 0);
  g_autofree char *spool = g_build_filename(dir, "spool-full", NULL);
  GStatBuf sb;
  g_assert_cmpint(g_stat(spool, &sb), ==, 0);
  g_assert_cmpint(sb.st_size, <=, (gint64)bound);
  guint kept = st.spooled;

  server_start(&s, dir, s.port);
  g_assert_true(gt_event_sink_flush(sink, 15000));
  gt_event_sink_free(sink);
  server_kill(&s);
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(s.out, &text, NULL, NULL));
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  g_assert_cmpuint(g_strv_length(lines), ==, kept + 2);   /* + dropped + empty */
  guint seq = 0, dropped_events = 0;
  for (guint i = 0; i < kept + 1; i++) {
    g_autoptr(JsonParser) p = json_parser_new();
    g_assert_true(json_parser_load_from_data(p, lines[i], -1, NULL));
    JsonObject *o = json_node_get_object(json_parser_get_root(p));
    if (g_str_equal(json_object_get_string_member(o, "type"), "dropped")) {
      g_assert_cmpint(json_object_get_int_member(o, "count"), ==, N - kept);
      g_assert_cmpstr(json_object_get_string_member(o, "domain"), ==, "vm-1");
      dropped_events++;
      continue;
    }
    g_autoptr(GtReportEvent) ev = event(seq++);
    g_autofree char *want = gt_report_event_format_json(ev, "vm-1");
    /* ts_ns differs: compare the detail, which names the sequence number. */
    g_autoptr(JsonParser) wp = json_parser_new();
    g_assert_true(json_parser_load_from_data(wp, want, -1, NULL));
    JsonObject *w = json_node_get_object(json_parser_get_root(wp));
    g_assert_cmpstr(json_object_get_string_member(o, "detail"), ==,
                    json_object_get_string_member(w, "detail"));
  }
  g_assert_cmpuint(dropped_events, ==, 1);
  g_assert_cmpuint(seq, ==, kept);
  g_free(s.out);
  g_free(s.port_file);
}

static void
test_spool_full(void)
{
  ev_run_isolated("/events/http/spool-full", spool_full_body);
}

int
main(int argc, char **argv)
{
  g_setenv("no_proxy", "127.0.0.1", TRUE);
  g_setenv("NO_PROXY", "127.0.0.1", TRUE);
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/events/http/server-restart", test_restart);
  g_test_add_func("/events/http/json", test_json);
  g_test_add_func("/events/http/spool-full", test_spool_full);
  return g_test_run();
}
