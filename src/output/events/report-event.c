/* The report event value type: construction and freeing. */
#include "output/events/report-event.h"

static void
clear_arg(gpointer p)
{
  GtReportArg *a = p;
  g_free(a->name);
  g_free(a->value);
}

static void
clear_proc(gpointer p)
{
  GtReportProc *pr = p;
  g_free(pr->name);
}

GtReportEvent *
gt_report_event_new(GtReportType type, const char *function)
{
  GtReportEvent *ev = g_new0(GtReportEvent, 1);
  ev->type = type;
  ev->ts_ns = g_get_real_time() * 1000;
  ev->pid = -1;
  ev->tid = -1;
  ev->ppid = -1;
  ev->function = g_strdup(function);
  ev->args = g_array_new(FALSE, TRUE, sizeof(GtReportArg));
  g_array_set_clear_func(ev->args, clear_arg);
  ev->procs = g_array_new(FALSE, TRUE, sizeof(GtReportProc));
  g_array_set_clear_func(ev->procs, clear_proc);
  return ev;
}

GtReportEvent *
gt_report_event_new_from_record(GtReportType type, const GtRecord *r)
{
  const char *name = gt_record_get_name(r);
  g_autofree char *fn = gt_record_get_nr(r) >= 0 ? g_strconcat("sys_", name, NULL)
                                                 : g_strdup(name);
  GtReportEvent *ev = gt_report_event_new(type, fn);
  gt_report_event_set_process(ev, gt_record_get_pid(r), gt_record_get_tid(r),
                              gt_record_get_ppid(r), gt_record_get_comm(r));
  guint n = gt_record_get_nargs(r);
  for (guint i = 0; i < n; i++)
    gt_report_event_add_arg(ev, gt_record_get_arg_name(r, i), gt_record_get_arg_text(r, i));
  if (gt_record_has_result(r))
    gt_report_event_set_retval(ev, gt_record_get_result(r));
  return ev;
}

void
gt_report_event_set_domain(GtReportEvent *ev, const char *domain)
{
  g_free(ev->domain);
  ev->domain = g_strdup(domain);
}

void
gt_report_event_set_process(GtReportEvent *ev, gt_pid_t pid, gt_tid_t tid, gt_pid_t ppid,
                            const char *comm)
{
  ev->pid = pid;
  ev->tid = tid;
  ev->ppid = ppid;
  g_free(ev->comm);
  ev->comm = g_strdup(comm ? comm : "");
}

void
gt_report_event_add_arg(GtReportEvent *ev, const char *name, const char *value)
{
  if (ev->args->len >= GT_REPORT_MAX_ARGS)
    return;
  GtReportArg a = { g_strdup(name ? name : "?"), g_strdup(value ? value : "") };
  g_array_append_val(ev->args, a);
}

void
gt_report_event_set_retval(GtReportEvent *ev, gint64 retval)
{
  ev->has_retval = TRUE;
  ev->retval = retval;
}

void
gt_report_event_add_process(GtReportEvent *ev, gt_pid_t pid, gt_pid_t ppid, const char *name)
{
  if (ev->procs->len >= GT_REPORT_MAX_PROCS)
    return;
  GtReportProc p = { pid, ppid, g_strdup(name ? name : "") };
  g_array_append_val(ev->procs, p);
}

void
gt_report_event_free(GtReportEvent *ev)
{
  if (!ev)
    return;
  g_free(ev->domain);
  g_free(ev->comm);
  g_free(ev->function);
  g_array_unref(ev->args);
  g_array_unref(ev->procs);
  g_free(ev);
}

const char *
gt_report_type_name(GtReportType type)
{
  switch (type) {
  case GT_REPORT_MATCH: return "match";
  case GT_REPORT_ABORT: return "abort";
  case GT_REPORT_WOULD_ABORT: return "would-abort";
  case GT_REPORT_PSLIST: return "pslist";
  case GT_REPORT_DROPPED: return "dropped";
  }
  return "unknown";
}
