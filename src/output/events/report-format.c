/* Renderings of report events: the old tracer's one-line text form, one
 * JSON object per event (json-glib), and the NATS subject. */
#include "output/events/report-event.h"

#include "escape/escape.h"
#include "output/json-writer.h"

#include <string.h>

/* Appends @str through the one escaper (\xNN form, as the old tracer's
 * events did) with the bytes in @extra escaped too, so a guest string can
 * neither break the line nor fake a separator. */
static void
append_escaped(GString *s, const char *str, const char *extra, gboolean backslash)
{
  g_autofree char *special = g_strconcat(extra, backslash ? "\\" : "", NULL);
  const char *p = str ? str : "";
  gt_escape_append_text(s, p, strlen(p), GT_ESCAPE_HEX_CHARS, special);
}

/* The part after "type=..": "sys_execve(a=1,b=2) retval=0" or the list. */
static void
append_detail(GString *s, const GtReportEvent *ev)
{
  if (ev->type == GT_REPORT_PSLIST) {
    for (guint i = 0; i < ev->procs->len; i++) {
      const GtReportProc *p = &g_array_index(ev->procs, GtReportProc, i);
      g_string_append_printf(s, "pid=%d,ppid=%d,name=", p->pid, p->ppid);
      append_escaped(s, p->name, ",|", TRUE);
      g_string_append_c(s, '|');
    }
    return;
  }
  if (ev->type == GT_REPORT_DROPPED) {
    g_string_append_printf(s, "count=%" G_GUINT64_FORMAT, ev->count);
    return;
  }
  append_escaped(s, ev->function ? ev->function : "?", "(), ", TRUE);
  g_string_append_c(s, '(');
  for (guint i = 0; i < ev->args->len; i++) {
    const GtReportArg *a = &g_array_index(ev->args, GtReportArg, i);
    if (i)
      g_string_append_c(s, ',');
    append_escaped(s, a->name, "", FALSE);
    g_string_append_c(s, '=');
    append_escaped(s, a->value, "", FALSE);
  }
  g_string_append_c(s, ')');
  if (ev->has_retval)
    g_string_append_printf(s, " retval=%" G_GINT64_FORMAT, ev->retval);
}

static const char *
pick_domain(const GtReportEvent *ev, const char *domain)
{
  if (ev->domain)
    return ev->domain;
  return domain ? domain : "";
}

char *
gt_report_event_format_text(const GtReportEvent *ev, const char *domain)
{
  GString *s = g_string_new(NULL);
  /* The manual shows call events with a "VMI " prefix and pslist events
   * without one; both are kept exactly. */
  if (ev->type != GT_REPORT_PSLIST)
    g_string_append(s, "VMI ");
  g_string_append(s, "domain=");
  append_escaped(s, pick_domain(ev, domain), " ", TRUE);
  g_string_append_printf(s, " type=%s ", gt_report_type_name(ev->type));
  append_detail(s, ev);
  return g_string_free(s, FALSE);
}

char *
gt_report_event_format_json(const GtReportEvent *ev, const char *domain)
{
  GtJsonWriter w = { 0 };
  gt_json_begin_object(&w, NULL);
  gt_json_string(&w, "domain", pick_domain(ev, domain));
  gt_json_string(&w, "type", gt_report_type_name(ev->type));
  gt_json_int(&w, "ts_ns", ev->ts_ns);
  if (ev->comm) {
    gt_json_int(&w, "pid", ev->pid);
    gt_json_int(&w, "tid", ev->tid);
    gt_json_int(&w, "ppid", ev->ppid);
    gt_json_string(&w, "comm", ev->comm);
  }
  if (ev->type == GT_REPORT_DROPPED) {
    gt_json_int(&w, "count", (gint64)MIN(ev->count, (guint64)G_MAXINT64));
  } else if (ev->type != GT_REPORT_PSLIST) {
    gt_json_string(&w, "function", ev->function ? ev->function : "?");
    gt_json_begin_array(&w, "args");
    for (guint i = 0; i < ev->args->len; i++) {
      const GtReportArg *a = &g_array_index(ev->args, GtReportArg, i);
      gt_json_begin_object(&w, NULL);
      gt_json_string(&w, "name", a->name);
      gt_json_string(&w, "value", a->value);
      gt_json_end_object(&w);
    }
    gt_json_end_array(&w);
    if (ev->has_retval)
      gt_json_int(&w, "retval", ev->retval);
  } else {
    gt_json_begin_array(&w, "processes");
    for (guint i = 0; i < ev->procs->len; i++) {
      const GtReportProc *p = &g_array_index(ev->procs, GtReportProc, i);
      gt_json_begin_object(&w, NULL);
      gt_json_int(&w, "pid", p->pid);
      gt_json_int(&w, "ppid", p->ppid);
      gt_json_string(&w, "name", p->name);
      gt_json_end_object(&w);
    }
    gt_json_end_array(&w);
  }
  g_autoptr(GString) detail = g_string_new(NULL);
  append_detail(detail, ev);
  gt_json_bytes(&w, "detail", detail->str, detail->len);
  gt_json_end_object(&w);
  return gt_json_finish(&w);
}

char *
gt_report_subject(const char *domain, GtReportType type)
{
  GString *s = g_string_new("guestrace.");
  gsize start = s->len;
  for (const char *p = domain ? domain : ""; *p; p++)
    g_string_append_c(s, g_ascii_isalnum(*p) || *p == '_' || *p == '-' ? *p : '_');
  if (s->len == start)
    g_string_append_c(s, '_');
  g_string_append_printf(s, ".%s", gt_report_type_name(type));
  return g_string_free(s, FALSE);
}
