/* Enforcement: applying the config's filters to each traced call, the
 * decision point of the seed manual's features. At a call it may decide
 * to abort (when actions are enabled) and reports match / abort /
 * would-abort / pslist events; at a return it matches post filters. */
#pragma once

#include <glib.h>
#include "policy/config.h"
#include "output/events/event-sink.h"
#include "trace/record-private.h"
#include "os/linux/linux.h"

typedef struct GtEnforcer GtEnforcer;

/* Gives the guest's process list when a pslist event needs it (array of
 * GtTaskInfo), or NULL. */
typedef GArray *(*GtProcListFn)(gpointer data, GError **error);

GtEnforcer *gt_enforcer_new(void);
void gt_enforcer_free(GtEnforcer *e);

/* Takes ownership of config (may be NULL: no filters) and frees the old. */
void gt_enforcer_set_config(GtEnforcer *e, GtConfig *config);
/* Puts config in force and hands back the previous one (not freed). */
GtConfig *gt_enforcer_swap_config(GtEnforcer *e, GtConfig *config);
const GtConfig *gt_enforcer_config(GtEnforcer *e);
/* Borrows sink (may be NULL: no events). */
void gt_enforcer_set_sink(GtEnforcer *e, GtEventSink *sink, const char *domain);
/* The seed's global action bit (SIGUSR1): while off, abort filters produce
 * would-abort events and the call runs. */
void gt_enforcer_set_actions(GtEnforcer *e, gboolean enabled);
gboolean gt_enforcer_get_actions(GtEnforcer *e);
/* Whether returns of `function` must be trapped for post filters. */
gboolean gt_enforcer_needs_return(GtEnforcer *e, const char *function);
/* Whether a filter for `function` matches on the caller's ancestors: only
 * then are they read. */
gboolean gt_enforcer_needs_ancestors(GtEnforcer *e, const char *function);
/* Whether anything needs the calls decoded (filters or events). */
gboolean gt_enforcer_active(GtEnforcer *e);

/* At a call: FALSE, or TRUE with *retval when the call must be aborted. */
gboolean gt_enforcer_at_call(GtEnforcer *e, const GtRecord *rec, GArray *ancestors,
                             GtProcListFn pslist, gpointer pslist_data, gint64 *retval);
/* At a return (rec has its result). */
void gt_enforcer_at_return(GtEnforcer *e, const GtRecord *rec, GArray *ancestors);
