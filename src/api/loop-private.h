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

/* Flushes and frees the current event sink (if any) and installs sink. */
void gt_loop_replace_sink(GtLoop *loop, GtEventSink *sink);
