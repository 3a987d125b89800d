/* The public API of configs, actions and events. */
#include <guestrace/guestrace.h>
#include "api/loop-private.h"
#include "policy/config.h"
#include "policy/enforce.h"
#include "output/events/event-sink.h"

GT_API gboolean
gt_loop_set_config(GtLoop *loop, const char *path, GError **error)
{
  g_autoptr(GtConfig) config = gt_config_load(path, error);
  if (!config)
    return FALSE;
  gboolean ok = gt_engine_set_config(loop->engine, config, error);
  if (ok)
    g_steal_pointer(&config);   /* the engine owns it now */
  if (gt_engine_halted(loop->engine))
    gt_loop_fail(loop, gt_engine_halted(loop->engine));
  return ok;
}

GT_API const char *const *
gt_loop_get_config_notes(GtLoop *loop)
{
  static const char *const none[] = { NULL };
  const GtConfig *c = gt_enforcer_config(gt_engine_enforcer(loop->engine));
  return c ? gt_config_notes(c) : none;
}

GT_API void
gt_loop_set_actions_enabled(GtLoop *loop, gboolean enabled)
{
  gt_enforcer_set_actions(gt_engine_enforcer(loop->engine), enabled);
}

GT_API gboolean
gt_loop_get_actions_enabled(GtLoop *loop)
{
  return gt_enforcer_get_actions(gt_engine_enforcer(loop->engine));
}

GT_API gboolean
gt_loop_enable_events(GtLoop *loop, const GtEventOptions *options, GError **error)
{
  g_autofree char *domain = g_strdup(options->domain ? options->domain : loop->guest);
  GtEventSinkOptions so = {
    .domain = domain,
    .http_url = options->http_url,
    .host_port = options->host_port,
    .nats_url = options->nats_url,
    .spool_path = options->spool_path,
    .json = options->json,
    .spool_max_bytes = options->spool_max_bytes,
  };
  GtEventSink *sink = gt_event_sink_new(&so, error);
  if (!sink)
    return FALSE;
  gt_loop_replace_sink(loop, sink);
  gt_enforcer_set_sink(gt_engine_enforcer(loop->engine), sink, domain);
  return TRUE;
}
