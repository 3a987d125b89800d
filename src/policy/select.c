/* Selection by process id and process name. */
#include "policy/select.h"

struct GtSelect {
  GArray *pids;
  GPtrArray *comms;
};

GtSelect *
gt_select_new(void)
{
  GtSelect *s = g_new0(GtSelect, 1);
  s->pids = g_array_new(FALSE, FALSE, sizeof(gt_pid_t));
  s->comms = g_ptr_array_new_with_free_func(g_free);
  return s;
}

void
gt_select_free(GtSelect *s)
{
  if (!s)
    return;
  g_array_free(s->pids, TRUE);
  g_ptr_array_free(s->comms, TRUE);
  g_free(s);
}

void gt_select_add_pid(GtSelect *s, gt_pid_t pid) { g_array_append_val(s->pids, pid); }

void
gt_select_add_comm(GtSelect *s, const char *comm)
{
  /* The kernel keeps 15 characters of a name. */
  g_ptr_array_add(s->comms, g_strndup(comm, 15));
}

gboolean
gt_select_match(const GtSelect *s, const GtTaskInfo *task)
{
  if (!s->pids->len && !s->comms->len)
    return TRUE;
  for (guint i = 0; i < s->pids->len; i++)
    if (g_array_index(s->pids, gt_pid_t, i) == task->pid)
      return TRUE;
  for (guint i = 0; i < s->comms->len; i++)
    if (g_str_equal(s->comms->pdata[i], task->comm))
      return TRUE;
  return FALSE;
}
