/* libguestrace — the config-driven tracer of the seed manual: a config file
 * of Functions, Filter and ProcessListNames lines, abort actions, the global
 * action switch, and event reporting to event servers (HTTP and NATS). */
#pragma once

#include <glib.h>
#include <guestrace/types.h>

G_BEGIN_DECLS

typedef struct _GtLoop GtLoop;

/**
 * gt_loop_set_config:
 * @loop: a #GtLoop.
 * @path: the config file.
 * @error: return location for a #GError.
 *
 * Loads a config file and puts it in force: its Functions are traced (every
 * system call when it has none), its Filters decide which calls are matched
 * or aborted. Before tracing starts this adds probes; while tracing (call it
 * from the main loop, not from a traced-call callback) it replaces every
 * probe, filter and action of the previous config atomically. A config
 * with any error (named by file and line) changes nothing.
 *
 * Returns: TRUE if the config is in force.
 */
GT_API gboolean gt_loop_set_config(GtLoop *loop, const char *path, GError **error);

/**
 * gt_loop_get_config_notes:
 * @loop: a #GtLoop.
 *
 * Returns: (transfer none): notes about the config in force, e.g. old
 *   function names mapped to this kernel's ("sys_waitpid is wait4"); a
 *   NULL-terminated array, empty when there is nothing to say.
 */
GT_API const char *const *gt_loop_get_config_notes(GtLoop *loop);

/**
 * gt_loop_set_actions_enabled:
 * @loop: a #GtLoop.
 * @enabled: the global action switch (initially on).
 *
 * While off, matching abort filters report `would-abort` and the call runs.
 */
GT_API void gt_loop_set_actions_enabled(GtLoop *loop, gboolean enabled);
/** Whether the global action switch is on. */
GT_API gboolean gt_loop_get_actions_enabled(GtLoop *loop);

/**
 * GtEventOptions:
 * @domain: the name events carry (default: the guest's name).
 * @http_url: POST URL of the event server (the seed's -u).
 * @host_port: "host:port" of the event server (the seed's -w).
 * @nats_url: a NATS server ("nats://127.0.0.1:4222"); events are published
 *   on guestrace.DOMAIN.TYPE.
 * @spool_path: where undelivered events wait while a server is down.
 * @json: send JSON objects instead of the manual's text form.
 * @spool_max_bytes: bound on each spool file (0: 1 GiB, a day of a busy
 *   guest). When it is full, new events are dropped, counted, and reported
 *   by one `dropped` event with their count once the server is back.
 *
 * Where events go. Zero-initialise, then set what you need.
 */
typedef struct {
  const char *domain;
  const char *http_url;
  const char *host_port;
  const char *nats_url;
  const char *spool_path;
  gboolean json;
  guint64 spool_max_bytes;
  /*< private >*/
  gpointer reserved[7];
} GtEventOptions;

/**
 * gt_loop_enable_events:
 * @loop: a #GtLoop.
 * @options: the event servers.
 * @error: return location for a #GError.
 *
 * Reports match, abort, would-abort and pslist events. Delivery never
 * stalls the guest: events queue in memory, spill to the spool file while a
 * server is down, and are delivered in order once it is back.
 *
 * Returns: TRUE on success.
 */
GT_API gboolean gt_loop_enable_events(GtLoop *loop, const GtEventOptions *options,
                                      GError **error);

G_END_DECLS
