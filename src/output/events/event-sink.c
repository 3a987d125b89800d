/* The event sink: formats events and fans them out to one channel per
 * destination (HTTP, NATS). See event-sink.h. */
#include "output/events/event-sink.h"
#include "output/events/event-channel.h"
#include "output/events/event-transports.h"
#include "output/events/event-spool.h"

#include <guestrace/types.h>
#include <string.h>

struct GtEventSink {
  char *domain;
  gboolean json;
  GtEventChannel *http;
  GtEventChannel *nats;
};

char *
gt_event_sink_http_url(const GtEventSinkOptions *o)
{
  const char *u = o->http_url && *o->http_url ? o->http_url : NULL;
  const char *hp = o->host_port && *o->host_port ? o->host_port : NULL;
  if (u && (!hp || u[0] != '/'))
    return g_strdup(u);
  if (hp)
    return g_strdup_printf("http://%s%s", hp, u ? u : "/");
  return NULL;
}

static char *
default_spool(const char *domain)
{
  GString *safe = g_string_new(NULL);
  for (const char *p = domain; *p; p++)
    g_string_append_c(safe, g_ascii_isalnum(*p) || *p == '-' || *p == '_' ? *p : '_');
  g_autofree char *name = g_strdup_printf("events-%s.spool", safe->str);
  g_string_free(safe, TRUE);
  return g_build_filename(g_get_user_cache_dir(), "guestrace", name, NULL);
}

/* The `dropped` event, formatted as the sink formats every event. */
static char *
dropped_line(guint64 count, gpointer user)
{
  GtEventSink *s = user;
  g_autoptr(GtReportEvent) ev = gt_report_event_new(GT_REPORT_DROPPED, NULL);
  ev->count = count;
  g_autofree char *payload = s->json ? gt_report_event_format_json(ev, s->domain)
                                     : gt_report_event_format_text(ev, s->domain);
  g_autofree char *subject = gt_report_subject(s->domain, ev->type);
  return g_strconcat(subject, "\t", payload, NULL);
}

GtEventSink *
gt_event_sink_new(const GtEventSinkOptions *o, GError **error)
{
  g_autofree char *url = gt_event_sink_http_url(o);
  if (!url && !(o->nats_url && *o->nats_url)) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG,
                "events: no event server given (host:port, URL or NATS URL)");
    return NULL;
  }
  g_autoptr(GtEventSink) s = g_new0(GtEventSink, 1);
  s->domain = g_strdup(o->domain && *o->domain ? o->domain : "guestrace");
  s->json = o->json;
  g_autofree char *spool = o->spool_path ? g_strdup(o->spool_path) : default_spool(s->domain);
  GtEventChannelConfig cfg = {
    .queue_cap = o->queue_cap,
    .backoff_min_ms = o->backoff_min_ms,
    .backoff_max_ms = o->backoff_max_ms,
    .spool_max_bytes = o->spool_max_bytes,
    .dropped_line = dropped_line,
    .dropped_user = s,
  };
  if (url) {
    GtEventTransport tr;
    if (!gt_http_transport_init(&tr, url, s->json ? "application/json" : "text/plain",
                                error))
      return NULL;
    cfg.spool_path = spool;
    s->http = gt_event_channel_new(&cfg, &tr, error);
    if (!s->http)
      return NULL;
  }
  if (o->nats_url && *o->nats_url) {
    GtEventTransport tr;
    if (!gt_nats_transport_init(&tr, o->nats_url, error))
      return NULL;
    g_autofree char *nspool = g_strconcat(spool, ".nats", NULL);
    cfg.spool_path = nspool;
    gpointer impl = tr.impl;
    s->nats = gt_event_channel_new(&cfg, &tr, error);
    if (!s->nats)
      return NULL;
    gt_nats_transport_set_channel(impl, s->nats);
  }
  return g_steal_pointer(&s);
}

void
gt_event_sink_post(GtEventSink *s, const GtReportEvent *ev)
{
  g_autofree char *payload = s->json ? gt_report_event_format_json(ev, s->domain)
                                     : gt_report_event_format_text(ev, s->domain);
  g_autofree char *subject = gt_report_subject(ev->domain ? ev->domain : s->domain, ev->type);
  gsize len = strlen(subject) + 1 + strlen(payload);
  if (len >= GT_SPOOL_MAX_LINE || strchr(payload, '\n')) {
    g_message("events: dropping a %s event of %" G_GSIZE_FORMAT " bytes",
              gt_report_type_name(ev->type), len);
    return;
  }
  char *line = g_strconcat(subject, "\t", payload, NULL);
  if (s->http && s->nats)
    gt_event_channel_push(s->nats, g_strdup(line));
  else if (s->nats) {
    gt_event_channel_push(s->nats, line);
    return;
  }
  gt_event_channel_push(s->http, line);
}

gboolean
gt_event_sink_flush(GtEventSink *s, int timeout_ms)
{
  gint64 deadline = g_get_monotonic_time() + (gint64)MAX(timeout_ms, 0) * 1000;
  gboolean ok = TRUE;
  if (s->http)
    ok = gt_event_channel_flush(s->http, timeout_ms) && ok;
  if (s->nats) {
    gint64 left = MAX((deadline - g_get_monotonic_time()) / 1000, 0);
    ok = gt_event_channel_flush(s->nats, (int)left) && ok;
  }
  return ok;
}

void
gt_event_sink_get_stats(GtEventSink *s, GtEventSinkStats *out)
{
  memset(out, 0, sizeof *out);
  GtEventChannel *chans[] = { s->http, s->nats };
  for (guint i = 0; i < G_N_ELEMENTS(chans); i++) {
    if (!chans[i])
      continue;
    GtEventChannelStats st;
    gt_event_channel_get_stats(chans[i], &st);
    out->posted += st.posted;
    out->delivered += st.delivered;
    out->failures += st.failures;
    out->dropped += st.dropped;
    out->queued += st.queued;
    out->spooled += st.spooled;
    out->down |= st.down;
  }
}

void
gt_event_sink_free(GtEventSink *s)
{
  if (!s)
    return;
  gt_event_channel_free(s->http);
  gt_event_channel_free(s->nats);
  g_free(s->domain);
  g_free(s);
}
