/* GtRecord: construction and the public getters. */
#include "trace/record-private.h"

#include <time.h>

gint64
gt_now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (gint64)ts.tv_sec * G_GINT64_CONSTANT(1000000000) + ts.tv_nsec;
}

const char *const gt_budget_spent_names[4] = { "args", "out", "ancestors", "processes" };

GtRecord *
gt_record_new(void)
{
  GtRecord *rec = g_new0(GtRecord, 1);
  rec->nr = -1;
  return rec;
}

void
gt_record_free(GtRecord *rec)
{
  if (!rec)
    return;
  for (guint i = 0; i < GT_MAX_ARGS; i++) {
    g_free(rec->args[i].name);
    g_free(rec->args[i].type);
    g_free(rec->args[i].text);
    g_free(rec->args[i].str);
    g_strfreev(rec->args[i].strv);
    g_free(rec->args[i].out);
    g_free(rec->args[i].out_str);
    if (rec->args[i].out_ints)
      g_array_unref(rec->args[i].out_ints);
    if (rec->args[i].decoded)
      json_node_unref(rec->args[i].decoded);
    if (rec->args[i].out_json)
      json_node_unref(rec->args[i].out_json);
  }
  if (rec->fd_paths)
    g_array_unref(rec->fd_paths);
  g_free(rec->name);
  g_free(rec->kernel_name);
  g_free(rec->ret_text);
  if (rec->ret_decoded)
    json_node_unref(rec->ret_decoded);
  g_free(rec);
}

GT_API gint64 gt_record_get_timestamp_ns(const GtRecord *r) { return r->ts_ns; }
GT_API gint64
gt_record_get_duration_ns(const GtRecord *r)
{
  return r->ret_ts_ns ? r->ret_ts_ns - r->ts_ns : 0;
}
GT_API guint gt_record_get_vcpu(const GtRecord *r) { return r->vcpu; }
GT_API gt_pid_t gt_record_get_pid(const GtRecord *r) { return r->pid; }
GT_API gt_tid_t gt_record_get_tid(const GtRecord *r) { return r->tid; }
GT_API gt_pid_t gt_record_get_ppid(const GtRecord *r) { return r->ppid; }
GT_API guint32 gt_record_get_uid(const GtRecord *r) { return r->uid; }
GT_API guint32 gt_record_get_gid(const GtRecord *r) { return r->gid; }
GT_API const char *gt_record_get_comm(const GtRecord *r) { return r->comm; }
GT_API const char *gt_record_get_name(const GtRecord *r) { return r->name; }
GT_API int gt_record_get_nr(const GtRecord *r) { return r->nr; }
GT_API gboolean gt_record_has_result(const GtRecord *r) { return r->has_result; }
GT_API gint64 gt_record_get_result(const GtRecord *r) { return r->result; }
GT_API gboolean gt_record_was_aborted(const GtRecord *r) { return r->aborted; }
GT_API guint gt_record_get_nargs(const GtRecord *r) { return r->nargs; }

GT_API const char *
gt_record_get_arg_name(const GtRecord *r, guint i)
{
  return i < r->nargs ? r->args[i].name : NULL;
}

GT_API guint64
gt_record_get_arg_value(const GtRecord *r, guint i)
{
  return i < r->nargs ? r->args[i].value : 0;
}

GT_API const char *
gt_record_get_arg_text(const GtRecord *r, guint i)
{
  return i < r->nargs ? r->args[i].text : NULL;
}

static void
fd_path_clear(gpointer p)
{
  g_free(((GtRecordFdPath *)p)->what);
}

void
gt_record_note_fd_path(GtRecord *rec, gint fd, const char *what, gsize len, gboolean deleted)
{
  if (!rec->fd_paths) {
    rec->fd_paths = g_array_new(FALSE, TRUE, sizeof(GtRecordFdPath));
    g_array_set_clear_func(rec->fd_paths, fd_path_clear);
  }
  for (guint i = 0; i < rec->fd_paths->len; i++)
    if (g_array_index(rec->fd_paths, GtRecordFdPath, i).fd == fd)
      return;
  GtRecordFdPath e = { fd, g_memdup2(what, len + 1), len, deleted };
  g_array_append_val(rec->fd_paths, e);
}
