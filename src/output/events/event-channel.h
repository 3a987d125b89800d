/* An event channel: an in-order, never-blocking delivery queue in front of
 * one transport (HTTP or NATS). push() only appends to memory; a sender
 * thread delivers with retries and exponential backoff; a spiller thread
 * moves events to the spool file while the transport is down or when the
 * memory queue is full. Order: spool (older) before memory (newer). The
 * spool has a size bound: events that do not fit are dropped (the newest:
 * what was stored first is kept), counted, and reported by one `dropped`
 * event once the server takes events again. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A line is "<subject>\t<payload>": the subject (no tab) names where the
 * event goes (NATS); the payload is what is sent. Neither has a newline. */
typedef struct {
  const char *name;   /* for messages: "http", "nats" */
  guint max_batch;    /* most lines per deliver() call */
  /* Delivers lines[0..n) in order; returns how many, from the first, were
   * delivered. Must return within a few seconds, and soon once *cancel is
   * non-zero (read it with g_atomic_int_get). */
  guint (*deliver)(gpointer impl, char *const *lines, guint n, const gint *cancel);
  void (*destroy)(gpointer impl);
  gpointer impl;
} GtEventTransport;

typedef struct {
  const char *spool_path;    /* required */
  guint queue_cap;           /* events in memory before spilling; 0: 10000 */
  guint backoff_min_ms;      /* first retry delay; 0: 100 */
  guint backoff_max_ms;      /* longest retry delay; 0: 5000 */
  guint spill_interval_ms;   /* fsync batching while down; 0: 200 */
  guint64 spool_max_bytes;   /* bound on the spool file; 0: GT_SPOOL_DEFAULT_MAX_BYTES */
  /* The line (as pushed) of an event saying @count events were dropped;
   * NULL: drops are only counted. Sent once the server takes events again,
   * before anything else. */
  char *(*dropped_line)(guint64 count, gpointer user);
  gpointer dropped_user;
} GtEventChannelConfig;

typedef struct {
  guint64 posted;     /* accepted by push() */
  guint64 delivered;  /* confirmed by the transport */
  guint64 spilled;    /* written to the spool (an event may be counted twice) */
  guint64 dropped;    /* lost: memory at cap + max(cap, 10000) with the spool
                       * failing, or the spool at its size bound */
  guint64 reported;   /* of those, how many a delivered `dropped` event counts */
  guint64 failures;   /* failed delivery attempts */
  guint queued;       /* in memory now */
  guint spooled;      /* pending in the spool now */
  gboolean down;      /* the last attempt failed */
} GtEventChannelStats;

typedef struct GtEventChannel GtEventChannel;

/* Takes ownership of @transport (destroyed with the channel, or on error).
 * Events left in the spool by an earlier run are delivered first. */
GtEventChannel *gt_event_channel_new(const GtEventChannelConfig *config,
                                     const GtEventTransport *transport, GError **error);
/* Never blocks on I/O. Takes ownership of @line. */
void gt_event_channel_push(GtEventChannel *c, char *line);
/* Retry now (e.g. the transport knows the server is back). */
void gt_event_channel_kick(GtEventChannel *c);
/* Waits up to @timeout_ms until everything is delivered; TRUE if it is. */
gboolean gt_event_channel_flush(GtEventChannel *c, int timeout_ms);
void gt_event_channel_get_stats(GtEventChannel *c, GtEventChannelStats *out);
/* Stops the threads (cancelling a delivery in progress) and writes what is
 * still undelivered to the spool, for the next run. */
void gt_event_channel_free(GtEventChannel *c);

G_END_DECLS
