/* Fuzz target: report events (match, abort, pslist, dropped) carrying
 * guest-chosen strings (comm, argument texts, process names, the domain),
 * in both renderings. The JSON event must parse, and each rendering must
 * be one line without a raw control byte (a guest must not be able to
 * forge a second event or reach a terminal). Input: parts split by
 * "\n--\n": domain, comm, argument values, process names, each taken as
 * raw bytes; the first byte of the input picks the event type. */
#include "fuzz-common.h"

#include <string.h>
#include <json-glib/json-glib.h>

#include "output/events/report-event.h"

static void
check_line(const char *s)
{
  for (const char *p = s; *p; p++)
    g_assert((guchar)*p >= 0x20 && *p != 0x7f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size == 0)
    return 0;
  static const GtReportType types[] = { GT_REPORT_MATCH, GT_REPORT_ABORT,
                                        GT_REPORT_WOULD_ABORT, GT_REPORT_PSLIST,
                                        GT_REPORT_DROPPED };
  GtReportType type = types[data[0] % G_N_ELEMENTS(types)];
  g_auto(GStrv) parts = gt_fuzz_split(data + 1, size - 1, 6, NULL);
  guint n = g_strv_length(parts);
  const char *domain = parts[0];
  g_autoptr(GtReportEvent) ev = gt_report_event_new(type, n > 2 ? parts[2] : "sys_openat");
  if (n > 1)
    gt_report_event_set_process(ev, 100, 101, 1, parts[1]);
  for (guint i = 3; i < n; i++) {
    gt_report_event_add_arg(ev, parts[i], parts[i]);
    gt_report_event_add_process(ev, (gt_pid_t)i, 1, parts[i]);
  }
  gt_report_event_set_retval(ev, -2);
  ev->count = size;
  g_autofree char *text = gt_report_event_format_text(ev, domain);
  check_line(text);
  g_autofree char *json = gt_report_event_format_json(ev, domain);
  check_line(json);
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;
  if (!json_parser_load_from_data(parser, json, -1, &error)) {
    g_printerr("not JSON (%s): %s\n", error->message, json);
    g_assert_not_reached();
  }
  g_autofree char *subject = gt_report_subject(domain, type);
  check_line(subject);
  g_assert(strchr(subject, ' ') == NULL && strchr(subject, '\t') == NULL);
  return 0;
}
