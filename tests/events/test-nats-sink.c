/* The NATS event sink against a real nats-server (JetStream on, storing
 * "guestrace.>" in a stream): a plain subscriber receives every event on
 * guestrace.<domain>.<type>; the server is stopped, more events spool,
 * the server restarts, and the stream then holds all N+M events exactly
 * once, in order. (The stream, not a plain subscriber, checks the restart:
 * a plain subscriber may reconnect after the sink and miss messages, which
 * core NATS does not keep.) */
#include "output/events/event-sink.h"
#include "server-util.h"

#include <nats/nats.h>
#include <string.h>

typedef struct {
  GSubprocess *proc;
  guint16 port;
  char *store;
  char *url;
} Nats;

static void
nats_start(Nats *n)
{
  g_autofree char *port = g_strdup_printf("%u", n->port);
  const char *argv[] = { "nats-server", "-a", "127.0.0.1", "-p", port, "-js", "-sd", n->store,
                         NULL };
  n->proc = ev_spawn(argv);
}

static void
nats_stop(Nats *n)
{
  /* SIGTERM: a clean shutdown, so JetStream has stored what it acknowledged. */
  g_subprocess_send_signal(n->proc, SIGTERM);
  g_subprocess_wait(n->proc, NULL, NULL);
  g_clear_object(&n->proc);
}

static natsConnection *
connect_client(const char *url)
{
  natsOptions *o = NULL;
  g_assert_cmpint(natsOptions_Create(&o), ==, NATS_OK);
  natsOptions_SetURL(o, url);
  natsOptions_SetMaxReconnect(o, -1);
  natsOptions_SetReconnectWait(o, 20);
  natsConnection *nc = NULL;
  for (int i = 0; i < 250 && !nc; i++) {
    if (natsConnection_Connect(&nc, o) != NATS_OK) {
      nc = NULL;
      g_usleep(20000);
    }
  }
  natsOptions_Destroy(o);
  g_assert_nonnull(nc);
  return nc;
}

static GtReportEvent *
event(guint i)
{
  GtReportType t = (GtReportType)(i % 4);
  GtReportEvent *ev = gt_report_event_new(t, t == GT_REPORT_PSLIST ? NULL : "sys_execve");
  g_autofree char *n = g_strdup_printf("%u", i);
  if (t == GT_REPORT_PSLIST)
    gt_report_event_add_process(ev, (gt_pid_t)i, 1, n);
  else
    gt_report_event_add_arg(ev, "seq", n);
  ev->ts_ns = i;
  /* Two guests share one stream. */
  if (i % 3 == 0)
    gt_report_event_set_domain(ev, "web.vm 2");
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
expect_msg(natsSubscription *sub, guint i)
{
  natsMsg *m = NULL;
  natsStatus s = natsSubscription_NextMsg(&m, sub, 10000);
  if (s != NATS_OK)
    g_error("event %u: %s", i, natsStatus_GetText(s));
  g_autoptr(GtReportEvent) ev = event(i);
  g_autofree char *want = gt_report_event_format_json(ev, "vm-1");
  g_autofree char *subject = gt_report_subject(ev->domain ? ev->domain : "vm-1", ev->type);
  g_assert_cmpstr(natsMsg_GetSubject(m), ==, subject);
  g_autofree char *data = g_strndup(natsMsg_GetData(m), (gsize)natsMsg_GetDataLength(m));
  g_assert_cmpstr(data, ==, want);
  natsMsg_Destroy(m);
}

static void
expect_no_more(natsSubscription *sub)
{
  natsMsg *m = NULL;
  g_assert_cmpint(natsSubscription_NextMsg(&m, sub, 300), ==, NATS_TIMEOUT);
}

static void
body(const char *dir)
{
  const guint N = 40, M = 30;
  Nats n = { .port = ev_free_port() };
  n.store = g_build_filename(dir, "js", NULL);
  n.url = g_strdup_printf("nats://127.0.0.1:%u", n.port);
  nats_start(&n);

  natsConnection *nc = connect_client(n.url);
  jsCtx *js = NULL;
  g_assert_cmpint(natsConnection_JetStream(&js, nc, NULL), ==, NATS_OK);
  jsStreamConfig sc;
  jsStreamConfig_Init(&sc);
  const char *subjects[] = { "guestrace.>" };
  sc.Name = "GUESTRACE";
  sc.Subjects = subjects;
  sc.SubjectsLen = 1;
  sc.Storage = js_FileStorage;
  jsStreamInfo *si = NULL;
  jsErrCode jerr = 0;
  g_assert_cmpint(js_AddStream(&si, js, &sc, NULL, &jerr), ==, NATS_OK);
  jsStreamInfo_Destroy(si);
  natsSubscription *live = NULL;
  g_assert_cmpint(natsConnection_SubscribeSync(&live, nc, "guestrace.>"), ==, NATS_OK);
  g_assert_cmpint(natsConnection_Flush(nc), ==, NATS_OK);

  g_autofree char *spool = g_build_filename(dir, "spool", NULL);
  GtEventSinkOptions o = {
    .domain = "vm-1", .nats_url = n.url, .spool_path = spool, .json = TRUE,
    .backoff_min_ms = 20, .backoff_max_ms = 300,
  };
  g_autoptr(GError) err = NULL;
  GtEventSink *sink = gt_event_sink_new(&o, &err);
  g_assert_no_error(err);

  post_range(sink, 0, N);
  g_assert_true(gt_event_sink_flush(sink, 10000));
  for (guint i = 0; i < N; i++)
    expect_msg(live, i);
  expect_no_more(live);

  nats_stop(&n);
  post_range(sink, N, N + M);
  GtEventSinkStats st;
  for (int i = 0; i < 500; i++) {
    gt_event_sink_get_stats(sink, &st);
    if (st.spooled >= M && st.queued == 0)
      break;
    g_usleep(10000);
  }
  g_assert_cmpuint(st.spooled, ==, M);
  g_autofree char *nspool = g_strconcat(spool, ".nats", NULL);
  g_assert_cmpuint(ev_count_lines(nspool), ==, M);

  nats_start(&n);
  g_assert_true(gt_event_sink_flush(sink, 20000));
  gt_event_sink_get_stats(sink, &st);
  g_assert_cmpuint(st.delivered, ==, N + M);
  g_assert_cmpuint(ev_count_lines(nspool), ==, 0);

  /* The stream survived the restart: read it all from the start. */
  for (int i = 0; i < 250 && natsConnection_Status(nc) != NATS_CONN_STATUS_CONNECTED; i++)
    g_usleep(20000);
  natsSubscription *all = NULL;
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = "GUESTRACE";
  g_assert_cmpint(js_SubscribeSync(&all, js, "guestrace.>", NULL, &so, &jerr), ==, NATS_OK);
  for (guint i = 0; i < N + M; i++) {
    natsMsg *m = NULL;
    natsStatus s = natsSubscription_NextMsg(&m, all, 10000);
    if (s != NATS_OK)
      g_error("stream event %u: %s", i, natsStatus_GetText(s));
    g_autoptr(GtReportEvent) ev = event(i);
    g_autofree char *want = gt_report_event_format_json(ev, "vm-1");
    g_autofree char *data = g_strndup(natsMsg_GetData(m), (gsize)natsMsg_GetDataLength(m));
    g_assert_cmpstr(data, ==, want);
    natsMsg_Ack(m, NULL);
    natsMsg_Destroy(m);
  }
  expect_no_more(all);

  gt_event_sink_free(sink);
  natsSubscription_Destroy(all);
  natsSubscription_Destroy(live);
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
  nats_stop(&n);
  nats_CloseAndWait(5000);
  g_free(n.store);
  g_free(n.url);
}

static void
test_restart(void)
{
  ev_run_isolated("/events/nats/server-restart", body);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_autofree char *server = g_find_program_in_path("nats-server");
  if (!server) {
    g_test_skip("nats-server is not installed");
    return g_test_run();
  }
  g_test_add_func("/events/nats/server-restart", test_restart);
  return g_test_run();
}
