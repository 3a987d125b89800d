/* guestrace [OPTIONS] GUEST: its command line, parsed and checked. */
#pragma once

#include "cli.h"

typedef struct {
  GtCliGuestOpts guest;
  char *output, *format, *config;
  char **traces, **pids, **comms;
  gint duration;
  gint64 count;
  gboolean summary, no_results, no_guardian, fd_paths;
  gboolean events, events_json;
  char *server, *url, *nats, *spool, *spool_max, *domain;
  gint string_size, json_size;
  gint debug, hex;          /* -d and -x given this many times */
  /* Derived by gt_trace_options_parse once the above check out. */
  gboolean json;
  guint64 spool_max_bytes;
  GArray *pid_list;         /* gt_pid_t */
} GtTraceOptions;

/* Parses and checks the command line; returns the GUEST argument, or NULL
 * after printing a one-line problem. */
const char *gt_trace_options_parse(GtTraceOptions *o, int *argc, char ***argv);
void gt_trace_options_clear(GtTraceOptions *o);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(GtTraceOptions, gt_trace_options_clear)
