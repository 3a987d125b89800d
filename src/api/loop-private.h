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
};

/* A loop over an attached guest (owned: closed on failure too), with the
 * offsets profile (NULL: the kernel's BTF). gt_loop_new_full attaches and
 * calls it; the fault-injection tests give it a fake driver's guest. */
GtLoop *gt_loop_new_for_vmi(const char *guest, GtVmi *vmi, const char *profile,
                            GError **error);

/* Ends gt_loop_run with error (copied) as what stopped tracing. */
void gt_loop_fail(GtLoop *loop, const GError *error);

/* Flushes and frees the current event sink (if any) and installs sink. */
void gt_loop_replace_sink(GtLoop *loop, GtEventSink *sink);
