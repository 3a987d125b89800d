/* A3-style report events (match, abort, would-abort, pslist): the value
 * type, its builders and its two renderings (the old tracer's one-line text
 * form and one JSON object per event). Delivery lives in event-sink.h. */
#pragma once

#include <glib.h>
#include <guestrace/types.h>
#include <guestrace/record.h>

G_BEGIN_DECLS

typedef enum {
  GT_REPORT_MATCH,        /* a filter matched a call */
  GT_REPORT_ABORT,        /* a call was aborted */
  GT_REPORT_WOULD_ABORT,  /* a call would have been aborted (actions off) */
  GT_REPORT_PSLIST,       /* the guest's process list */
  GT_REPORT_DROPPED,      /* `count` events were lost (the spool was full) */
} GtReportType;

typedef struct {
  char *name;             /* "code", "code:signal" */
  char *value;            /* "0xdeadbeef", "SIGSEGV" */
} GtReportArg;

typedef struct {
  gt_pid_t pid;
  gt_pid_t ppid;
  char *name;
} GtReportProc;

typedef struct {
  GtReportType type;
  char *domain;           /* NULL: the sink's domain */
  gint64 ts_ns;           /* wall clock, ns since the epoch (set by _new) */
  gt_pid_t pid;           /* -1 when the event is about no process */
  gt_tid_t tid;
  gt_pid_t ppid;
  char *comm;             /* NULL when the event is about no process */
  char *function;         /* "sys_execve", "do_exit"; NULL for pslist */
  GArray *args;           /* of GtReportArg, in order */
  gboolean has_retval;
  gint64 retval;
  GArray *procs;          /* of GtReportProc (pslist), in order */
  guint64 count;          /* dropped: how many events were lost */
} GtReportEvent;

/* Most processes one pslist event carries; more are silently left out. */
#define GT_REPORT_MAX_PROCS 65536
/* Most arguments one call event carries. */
#define GT_REPORT_MAX_ARGS 64

GtReportEvent *gt_report_event_new(GtReportType type, const char *function);
/* A match/abort/would-abort event for a traced call: function "sys_<name>"
 * for system calls (the record's name otherwise), its process, every
 * argument by the kernel's name with its text, and its result if any. */
GtReportEvent *gt_report_event_new_from_record(GtReportType type, const GtRecord *record);
void gt_report_event_set_domain(GtReportEvent *ev, const char *domain);
void gt_report_event_set_process(GtReportEvent *ev, gt_pid_t pid, gt_tid_t tid,
                                 gt_pid_t ppid, const char *comm);
void gt_report_event_add_arg(GtReportEvent *ev, const char *name, const char *value);
void gt_report_event_set_retval(GtReportEvent *ev, gint64 retval);
void gt_report_event_add_process(GtReportEvent *ev, gt_pid_t pid, gt_pid_t ppid,
                                 const char *name);
void gt_report_event_free(GtReportEvent *ev);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GtReportEvent, gt_report_event_free)

/* "match", "abort", "would-abort", "pslist", "dropped". */
const char *gt_report_type_name(GtReportType type);

/* The manual's text form, one line, no newline:
 *   VMI domain=a3-app type=match sys_execve(code=0xdeadbeef,code:signal=SIGSEGV)
 *   domain=a3-app type=pslist pid=0,ppid=0,name=swapper|pid=1,ppid=0,name=init|
 *   VMI domain=a3-app type=dropped count=1234
 * A call's result, when known, follows as " retval=N". Control bytes,
 * backslashes and invalid UTF-8 are written as \xNN; in process names also
 * ',' and '|', so a guest cannot forge list entries. @domain is used when
 * the event has none. */
char *gt_report_event_format_text(const GtReportEvent *ev, const char *domain);
/* One JSON object on one line: domain, type, ts_ns, pid, tid, ppid, comm,
 * function, args [{name, value}], retval, processes [{pid, ppid, name}],
 * count (dropped events), detail (the text form without its "VMI domain=.. type=.." prefix). */
char *gt_report_event_format_json(const GtReportEvent *ev, const char *domain);
/* The NATS subject "guestrace.<domain>.<type>"; the domain keeps only
 * [A-Za-z0-9_-] (anything else becomes '_'; empty becomes "_"). */
char *gt_report_subject(const char *domain, GtReportType type);

G_END_DECLS
