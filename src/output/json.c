/* JSON rendering of a record: one object per call, one line. Every guest
 * string goes through the one escaper (output/json-writer.c): valid JSON
 * whatever the guest wrote, exact bytes recoverable (<guestrace/escape.h>). */
#include "trace/record-private.h"
#include "output/json-writer.h"

#include <json-glib/json-glib.h>

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

/* A decoded value (names, flag lists, structs as objects). Depth is
 * bounded by what the decoders build (at most three levels). */
static void
add_node(GtJsonWriter *w, const char *member, JsonNode *n)
{
  switch (JSON_NODE_TYPE(n)) {
  case JSON_NODE_OBJECT: {
    JsonObject *o = json_node_get_object(n);
    g_autoptr(GList) names = json_object_get_members(o);
    gt_json_begin_object(w, member);
    for (GList *l = names; l; l = l->next)
      add_node(w, l->data, json_object_get_member(o, l->data));
    gt_json_end_object(w);
    return;
  }
  case JSON_NODE_ARRAY: {
    JsonArray *a = json_node_get_array(n);
    gt_json_begin_array(w, member);
    for (guint i = 0; i < json_array_get_length(a); i++)
      add_node(w, NULL, json_array_get_element(a, i));
    gt_json_end_array(w);
    return;
  }
  case JSON_NODE_NULL:
    gt_json_null(w, member);
    return;
  case JSON_NODE_VALUE:
    if (json_node_get_value_type(n) == G_TYPE_STRING)
      gt_json_string(w, member, json_node_get_string(n));
    else if (json_node_get_value_type(n) == G_TYPE_BOOLEAN)
      gt_json_bool(w, member, json_node_get_boolean(n));
    else
      gt_json_int(w, member, json_node_get_int(n));
    return;
  }
}

/* What the raw argument values mean, beside them: constant names, flag
 * lists, structs. */
static void
add_decoded(GtJsonWriter *w, const GtRecord *r)
{
  gboolean any = FALSE;
  for (guint i = 0; i < r->nargs; i++)
    any |= r->args[i].decoded != NULL;
  if (!any)
    return;
  gt_json_begin_object(w, "decoded");
  for (guint i = 0; i < r->nargs; i++)
    if (r->args[i].decoded)
      add_node(w, r->args[i].name, r->args[i].decoded);
  gt_json_end_object(w);
}

static void
add_out(GtJsonWriter *w, const GtRecordArg *a)
{
  if (a->out_json) {
    add_node(w, a->name, a->out_json);
  } else if (a->out_is_int) {
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

/* -y: "fd_paths": {"3": "/etc/passwd", "-100": "/tmp"} (keys are the
 * descriptor numbers, -100 is AT_FDCWD), and "fd_deleted": [3] for the
 * ones whose file was unlinked. */
static void
add_fd_paths(GtJsonWriter *w, const GtRecord *r)
{
  if (!r->fd_paths || !r->fd_paths->len)
    return;
  gboolean any_deleted = FALSE;
  gt_json_begin_object(w, "fd_paths");
  for (guint i = 0; i < r->fd_paths->len; i++) {
    const GtRecordFdPath *e = &g_array_index(r->fd_paths, GtRecordFdPath, i);
    char key[16];
    g_snprintf(key, sizeof key, "%d", e->fd);
    gt_json_bytes(w, key, e->what, e->len);
    any_deleted |= e->deleted;
  }
  gt_json_end_object(w);
  if (!any_deleted)
    return;
  gt_json_begin_array(w, "fd_deleted");
  for (guint i = 0; i < r->fd_paths->len; i++) {
    const GtRecordFdPath *e = &g_array_index(r->fd_paths, GtRecordFdPath, i);
    if (e->deleted)
      gt_json_int(w, NULL, e->fd);
  }
  gt_json_end_array(w);
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
  if (r->kernel_name)   /* the kernel's own name when it differs (newfstat) */
    gt_json_string(&w, "kernel_function", r->kernel_name);
  if (r->nr >= 0)
    gt_json_int(&w, "nr", r->nr);
  else
    gt_json_null(&w, "nr");
  gt_json_begin_object(&w, "args");
  for (guint i = 0; i < r->nargs; i++)
    add_arg(&w, &r->args[i]);
  gt_json_end_object(&w);
  add_decoded(&w, r);
  add_outs(&w, r);
  if (r->has_result)
    gt_json_int(&w, "ret", r->result);
  else
    gt_json_null(&w, "ret");
  if (r->has_result && r->ret_decoded)
    add_node(&w, "ret_decoded", r->ret_decoded);
  add_fd_paths(&w, r);
  if (r->ret_ts_ns)
    gt_json_int(&w, "duration_ns", r->ret_ts_ns - r->ts_ns);
  if (r->aborted)
    gt_json_bool(&w, "aborted", TRUE);
  if (r->budget_spent) {
    /* What the stop's read budget left out (README: Bounded work). */
    gt_json_begin_array(&w, "budget_spent");
    for (guint i = 0; i < G_N_ELEMENTS(gt_budget_spent_names); i++)
      if (r->budget_spent & (1u << i))
        gt_json_string(&w, NULL, gt_budget_spent_names[i]);
    gt_json_end_array(&w);
  }
  gt_json_end_object(&w);
  return gt_json_finish(&w);
}
