/* Event sink: reports A3-style events (match, abort, would-abort, pslist)
 * to event servers without ever stalling the tracer. Each destination
 * (HTTP POST, NATS) has its own channel: post() formats and enqueues; a
 * worker thread delivers in order with retries and backoff (100 ms .. 5 s);
 * while a server is down, events spill to a spool file and are delivered
 * from it first, in order, when it is back.
 *
 * Guarantees: in order; nothing lost across a server restart or a clean
 * tracer exit (what is still undelivered at gt_event_sink_free() is kept
 * in the spool and delivered by the next sink with the same spool path);
 * no duplicates in the normal case. Each spool file has a size bound: when
 * it is full, new events are dropped, counted, and reported by one
 * `dropped` event (type=dropped count=N) once the server takes events
 * again. At-least-once, not exactly-once: after
 * a tracer crash the spool is delivered again from its start, and an event
 * whose acknowledgement was lost (HTTP reply, NATS flush) is sent again. */
#pragma once

#include <glib.h>
#include "output/events/report-event.h"

G_BEGIN_DECLS

typedef struct GtEventSink GtEventSink;

typedef struct {
  const char *domain;      /* guest name ("a3-app"); NULL: "guestrace" */
  const char *http_url;    /* -u: the POST URL; a bare path ("/a3") joins host_port */
  const char *host_port;   /* -w host:port: POST to http://host:port/ */
  const char *nats_url;    /* "nats://127.0.0.1:4222": subject guestrace.<domain>.<type> */
  const char *spool_path;  /* HTTP spool; NATS uses <path>.nats. NULL: in the user's
                            * cache dir, guestrace/events-<domain>.spool */
  gboolean json;           /* JSON objects instead of the manual's text form */
  guint queue_cap;         /* events held in memory per destination; 0: 10000 */
  guint backoff_min_ms;    /* 0: 100 */
  guint backoff_max_ms;    /* 0: 5000 */
  guint64 spool_max_bytes; /* bound on each spool file; 0: GT_SPOOL_DEFAULT_MAX_BYTES */
} GtEventSinkOptions;

typedef struct {
  guint64 posted, delivered, failures, dropped;
  guint queued, spooled;
  gboolean down;
} GtEventSinkStats;

/* Fails (GT_ERROR_INVALID_ARG) without any destination, on a bad URL, or
 * when the spool is locked by another guestrace. Does not fail when a
 * server is down: events wait for it. */
GtEventSink *gt_event_sink_new(const GtEventSinkOptions *options, GError **error);
/* Formats @event now (the caller keeps it) and enqueues it for every
 * destination. Never blocks on the network or the disk. */
void gt_event_sink_post(GtEventSink *sink, const GtReportEvent *event);
/* Waits up to @timeout_ms for every destination to deliver everything
 * queued or spooled (retrying at once). TRUE if all was delivered. */
gboolean gt_event_sink_flush(GtEventSink *sink, int timeout_ms);
/* Counters summed over destinations. */
void gt_event_sink_get_stats(GtEventSink *sink, GtEventSinkStats *out);
/* Stops the workers; what is undelivered stays in the spool for next time.
 * Call gt_event_sink_flush() first to deliver on quit. */
void gt_event_sink_free(GtEventSink *sink);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GtEventSink, gt_event_sink_free)

/* The HTTP URL the options mean, or NULL if none (exposed for tests). */
char *gt_event_sink_http_url(const GtEventSinkOptions *options);

G_END_DECLS
