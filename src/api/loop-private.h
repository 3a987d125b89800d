/* GtLoop's state, shared by the files of the public API. */
#pragma once

#include <guestrace/guestrace.h>
#include "vmi/vmi.h"
#include "trace/engine.h"
#include "output/events/event-sink.h"

struct _GtLoop {
  char *guest;
  GtVmi *vmi;
  GtEngine *engine;
  GtEventSink *sink;          /* NULL unless events are enabled */
  GMainLoop *main;
  int quit_fd;                /* eventfd: gt_loop_quit is async-signal-safe */
  volatile gint quit_requested;
  GtExitReason reason;
  gboolean lost;              /* the connection to the hypervisor broke */
  GError *error;
  guint more_stops_src;       /* idle source: stops left after a dispatch's budget */
};

/* Stops handled in one dispatch before the main loop runs its other
 * sources: under a flow of stops from several vCPUs with no gap, SIGINT,
 * the --duration timer or a reload (main-loop sources) still act, within
 * 3 x this many stops: the rest of the dispatch under way, one more
 * dispatch before a timer that fell due during it is seen (GLib checks
 * timers against the time its iteration began), one in the iteration that
 * runs the request before its source. The stops left wait in the driver. */
#define GT_LOOP_STOP_BUDGET 64

/* A loop over an attached guest (owned: closed on failure too), with the
 * offsets profile (NULL: the kernel's BTF). gt_loop_new_full attaches and
 * calls it; the fault-injection tests give it a fake driver's guest. */
GtLoop *gt_loop_new_for_vmi(const char *guest, GtVmi *vmi, const char *profile,
                            GError **error);

/* Ends gt_loop_run with error (copied) as what stopped tracing. */
void gt_loop_fail(GtLoop *loop, const GError *error);

/* Flushes and frees the current event sink (if any) and installs sink. */
void gt_loop_replace_sink(GtLoop *loop, GtEventSink *sink);
