/* Renderings of report events: the old tracer's one-line text form, one
 * JSON object per event (json-glib), and the NATS subject. */
#include "output/events/report-event.h"

#include <json-glib/json-glib.h>
#include <string.h>

/* Appends @str with control bytes, DEL, invalid UTF-8 and the bytes in
 * @extra written as \xNN (and '\\' too when @backslash). Hand-written:
 * g_strescape() uses octal, escapes all non-ASCII and cannot take a set of
 * extra separators. The result never contains a newline, so one event is
 * always one line in the spool and on the wire. */
static void
append_escaped(GString *s, const char *str, const char *extra, gboolean backslash)
{
  const char *p = str ? str : "";
  const char *end = p + strlen(p);
  while (p < end) {
    guchar c = (guchar)*p;
    if (c >= 0x80) {
      gunichar u = g_utf8_get_char_validated(p, end - p);
      if (u != (gunichar)-1 && u != (gunichar)-2) {
        const char *next = g_utf8_next_char(p);
        g_string_append_len(s, p, next - p);
        p = next;
        continue;
      }
    }
    if (c < 0x20 || c == 0x7f || c >= 0x80 || (backslash && c == '\\') ||
        (c && strchr(extra, c)))
      g_string_append_printf(s, "\\x%02x", c);
    else
      g_string_append_c(s, (char)c);
    p++;
  }
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

/* json-glib writes strings as given: make them valid UTF-8 first. */
static void
add_string(JsonBuilder *b, const char *member, const char *value)
{
  g_autofree char *valid = g_utf8_make_valid(value ? value : "", -1);
  if (member)
    json_builder_set_member_name(b, member);
  json_builder_add_string_value(b, valid);
}

static void
add_int(JsonBuilder *b, const char *member, gint64 value)
{
  json_builder_set_member_name(b, member);
  json_builder_add_int_value(b, value);
}

char *
gt_report_event_format_json(const GtReportEvent *ev, const char *domain)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  add_string(b, "domain", pick_domain(ev, domain));
  add_string(b, "type", gt_report_type_name(ev->type));
  add_int(b, "ts_ns", ev->ts_ns);
  if (ev->comm) {
    add_int(b, "pid", ev->pid);
    add_int(b, "tid", ev->tid);
    add_int(b, "ppid", ev->ppid);
    add_string(b, "comm", ev->comm);
  }
  if (ev->type != GT_REPORT_PSLIST) {
    add_string(b, "function", ev->function ? ev->function : "?");
    json_builder_set_member_name(b, "args");
    json_builder_begin_array(b);
    for (guint i = 0; i < ev->args->len; i++) {
      const GtReportArg *a = &g_array_index(ev->args, GtReportArg, i);
      json_builder_begin_object(b);
      add_string(b, "name", a->name);
      add_string(b, "value", a->value);
      json_builder_end_object(b);
    }
    json_builder_end_array(b);
    if (ev->has_retval)
      add_int(b, "retval", ev->retval);
  } else {
    json_builder_set_member_name(b, "processes");
    json_builder_begin_array(b);
    for (guint i = 0; i < ev->procs->len; i++) {
      const GtReportProc *p = &g_array_index(ev->procs, GtReportProc, i);
      json_builder_begin_object(b);
      add_int(b, "pid", p->pid);
      add_int(b, "ppid", p->ppid);
      add_string(b, "name", p->name);
      json_builder_end_object(b);
    }
    json_builder_end_array(b);
  }
  GString *detail = g_string_new(NULL);
  append_detail(detail, ev);
  add_string(b, "detail", detail->str);
  g_string_free(detail, TRUE);
  json_builder_end_object(b);

  g_autoptr(JsonNode) root = json_builder_get_root(b);
  g_autoptr(JsonGenerator) gen = json_generator_new();
  json_generator_set_pretty(gen, FALSE);
  json_generator_set_root(gen, root);
  return json_generator_to_data(gen, NULL);
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
