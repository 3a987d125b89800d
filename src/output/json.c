/* JSON rendering of a record: one object per call, one line. Every guest
 * string goes through the one escaper (output/json-writer.c): valid JSON
 * whatever the guest wrote, exact bytes recoverable (<guestrace/escape.h>). */
#include "trace/record-private.h"
#include "output/json-writer.h"

#include <string.h>

/* A string's bytes: its recorded length, or up to its NUL. */
static gsize
str_len(const char *s, gsize len)
{
  return len ? len : strlen(s);
}

static void
add_arg(GtJsonWriter *w, const GtRecordArg *a)
{
  if (a->strv) {
    gt_json_strv(w, a->name, (const char *const *)a->strv);
  } else if (a->str) {
    gt_json_bytes(w, a->name, a->str, str_len(a->str, a->str_len));
  } else if (a->is_signed) {
    gt_json_int(w, a->name, a->svalue);
  } else if ((guint64)a->svalue > (guint64)G_MAXINT64) {
    /* Consumers read JSON numbers as signed 64-bit: keep big unsigned
     * values exact as strings. */
    g_autofree char *txt = g_strdup_printf("%" G_GUINT64_FORMAT, (guint64)a->svalue);
    gt_json_string(w, a->name, txt);
  } else {
    gt_json_int(w, a->name, a->svalue);
  }
}

static void
add_out(GtJsonWriter *w, const GtRecordArg *a)
{
  if (a->out_is_int) {
    gt_json_int(w, a->name, a->out_int);
  } else if (a->out_ints) {
    gt_json_begin_array(w, a->name);
    for (guint k = 0; k < a->out_ints->len; k++)
      gt_json_int(w, NULL, g_array_index(a->out_ints, gint64, k));
    gt_json_end_array(w);
  } else if (a->out_str) {
    gt_json_bytes(w, a->name, a->out_str, str_len(a->out_str, a->out_str_len));
  } else {
    gt_json_string(w, a->name, a->out);
  }
}

static void
add_outs(GtJsonWriter *w, const GtRecord *r)
{
  gboolean any_out = FALSE;
  for (guint i = 0; i < r->nargs; i++)
    any_out |= r->args[i].out != NULL;
  if (!any_out)
    return;
  /* Out-parameters as the kernel wrote them back. */
  gt_json_begin_object(w, "out");
  for (guint i = 0; i < r->nargs; i++)
    if (r->args[i].out)
      add_out(w, &r->args[i]);
  gt_json_end_object(w);
}

GT_API char *
gt_record_format_json(const GtRecord *r)
{
  GtJsonWriter w = { 0 };
  gt_json_begin_object(&w, NULL);
  gt_json_int(&w, "ts_ns", r->ts_ns);
  gt_json_int(&w, "vcpu", r->vcpu);
  gt_json_int(&w, "pid", r->pid);
  gt_json_int(&w, "tid", r->tid);
  gt_json_int(&w, "ppid", r->ppid);
  gt_json_int(&w, "uid", r->uid);
  gt_json_int(&w, "gid", r->gid);
  gt_json_string(&w, "comm", r->comm);
  gt_json_string(&w, "syscall", r->name);
  if (r->nr >= 0)
    gt_json_int(&w, "nr", r->nr);
  else
    gt_json_null(&w, "nr");
  gt_json_begin_object(&w, "args");
  for (guint i = 0; i < r->nargs; i++)
    add_arg(&w, &r->args[i]);
  gt_json_end_object(&w);
  add_outs(&w, r);
  if (r->has_result)
    gt_json_int(&w, "ret", r->result);
  else
    gt_json_null(&w, "ret");
  if (r->ret_ts_ns)
    gt_json_int(&w, "duration_ns", r->ret_ts_ns - r->ts_ns);
  if (r->aborted)
    gt_json_bool(&w, "aborted", TRUE);
  gt_json_end_object(&w);
  return gt_json_finish(&w);
}
