/* JSON rendering of a record: one object per call, with json-glib. */
#include "trace/record-private.h"

#include <json-glib/json-glib.h>

static void
add_arg(JsonBuilder *b, const GtRecordArg *a)
{
  json_builder_set_member_name(b, a->name);
  if (a->strv) {
    json_builder_begin_array(b);
    for (char **p = a->strv; *p; p++)
      json_builder_add_string_value(b, *p);
    json_builder_end_array(b);
  } else if (a->str) {
    json_builder_add_string_value(b, a->str);
  } else if (a->is_signed) {
    json_builder_add_int_value(b, a->svalue);
  } else if ((guint64)a->svalue > (guint64)G_MAXINT64) {
    /* JSON numbers are signed 64-bit in json-glib: keep big unsigned values
     * exact as strings. */
    g_autofree char *txt = g_strdup_printf("%" G_GUINT64_FORMAT, (guint64)a->svalue);
    json_builder_add_string_value(b, txt);
  } else {
    json_builder_add_int_value(b, a->svalue);
  }
}

GT_API char *
gt_record_format_json(const GtRecord *r)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "ts_ns");
  json_builder_add_int_value(b, r->ts_ns);
  json_builder_set_member_name(b, "vcpu");
  json_builder_add_int_value(b, r->vcpu);
  json_builder_set_member_name(b, "pid");
  json_builder_add_int_value(b, r->pid);
  json_builder_set_member_name(b, "tid");
  json_builder_add_int_value(b, r->tid);
  json_builder_set_member_name(b, "ppid");
  json_builder_add_int_value(b, r->ppid);
  json_builder_set_member_name(b, "uid");
  json_builder_add_int_value(b, r->uid);
  json_builder_set_member_name(b, "gid");
  json_builder_add_int_value(b, r->gid);
  json_builder_set_member_name(b, "comm");
  json_builder_add_string_value(b, r->comm);
  json_builder_set_member_name(b, "syscall");
  json_builder_add_string_value(b, r->name);
  json_builder_set_member_name(b, "nr");
  if (r->nr >= 0)
    json_builder_add_int_value(b, r->nr);
  else
    json_builder_add_null_value(b);
  json_builder_set_member_name(b, "args");
  json_builder_begin_object(b);
  for (guint i = 0; i < r->nargs; i++)
    add_arg(b, &r->args[i]);
  json_builder_end_object(b);
  gboolean any_out = FALSE;
  for (guint i = 0; i < r->nargs; i++)
    any_out |= r->args[i].out != NULL;
  if (any_out) {
    /* Out-parameters as the kernel wrote them back. */
    json_builder_set_member_name(b, "out");
    json_builder_begin_object(b);
    for (guint i = 0; i < r->nargs; i++) {
      const GtRecordArg *a = &r->args[i];
      if (!a->out)
        continue;
      json_builder_set_member_name(b, a->name);
      if (a->out_is_int) {
        json_builder_add_int_value(b, a->out_int);
      } else if (a->out_ints) {
        json_builder_begin_array(b);
        for (guint k = 0; k < a->out_ints->len; k++)
          json_builder_add_int_value(b, g_array_index(a->out_ints, gint64, k));
        json_builder_end_array(b);
      } else {
        json_builder_add_string_value(b, a->out_str ? a->out_str : a->out);
      }
    }
    json_builder_end_object(b);
  }
  json_builder_set_member_name(b, "ret");
  if (r->has_result)
    json_builder_add_int_value(b, r->result);
  else
    json_builder_add_null_value(b);
  if (r->ret_ts_ns) {
    json_builder_set_member_name(b, "duration_ns");
    json_builder_add_int_value(b, r->ret_ts_ns - r->ts_ns);
  }
  if (r->aborted) {
    json_builder_set_member_name(b, "aborted");
    json_builder_add_boolean_value(b, TRUE);
  }
  json_builder_end_object(b);
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  return json_to_string(root, FALSE);
}
