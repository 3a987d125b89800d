/* The process list: a walk over init_task.tasks (every thread-group leader,
 * the idle task first), bounded by GT_LINUX_MAX_TASKS and cycle-checked, and
 * lookups of a process by pid over it. */
#include <guestrace/types.h>
#include "os/linux/linux-private.h"

/* The task_struct addresses on init_task's list, in list order, init_task
 * first. Any unreadable or non-kernel pointer, a loop that does not come
 * back to init_task, or too many entries end the walk with an error. */
/* The cycle check keys a hash set on guest pointers stored in host ones. */
G_STATIC_ASSERT(sizeof(gsize) >= sizeof(guint64));

static GArray *
walk_tasks(GtLinux *lx, GError **error)
{
  const guint64 toff = lx->off.task_tasks;
  const guint64 head = lx->init_task + toff;
  g_autoptr(GArray) tasks = g_array_new(FALSE, FALSE, sizeof(guint64));
  g_autoptr(GHashTable) seen = g_hash_table_new(g_direct_hash, g_direct_equal);
  g_array_append_val(tasks, lx->init_task);

  guint64 node;
  if (!gt_linux_read_kptr(lx, head, "init_task.tasks.next", &node, error))
    return NULL;
  while (node != head) {
    if (tasks->len >= GT_LINUX_MAX_TASKS) {
      g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
                  "the task list has more than %d entries (or loops)", GT_LINUX_MAX_TASKS);
      return NULL;
    }
    gpointer key = GSIZE_TO_POINTER((gsize) node);
    if (g_hash_table_contains(seen, key)) {
      g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
                  "the task list loops at 0x%" G_GINT64_MODIFIER "x without coming "
                  "back to init_task", node);
      return NULL;
    }
    g_hash_table_add(seen, key);
    guint64 task = node - toff;
    g_array_append_val(tasks, task);
    g_autoptr(GError) local = NULL;
    if (!gt_linux_read_kptr(lx, node, "tasks.next", &node, &local)) {
      g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
                  "task list broken after task 0x%" G_GINT64_MODIFIER "x (entry %u): %s",
                  task, tasks->len - 1, local->message);
      return NULL;
    }
  }
  return g_steal_pointer(&tasks);
}

GArray *
gt_linux_process_list(GtLinux *lx, GError **error)
{
  g_autoptr(GArray) tasks = walk_tasks(lx, error);
  if (tasks == NULL)
    return NULL;
  g_autoptr(GArray) out = g_array_sized_new(FALSE, TRUE, sizeof(GtTaskInfo), tasks->len);
  for (guint i = 0; i < tasks->len; i++) {
    GtTaskInfo info;
    if (!gt_linux_task_info(lx, g_array_index(tasks, guint64, i), &info, error))
      return NULL;
    g_array_append_val(out, info);
  }
  return g_steal_pointer(&out);
}

gboolean
gt_linux_find_process(GtLinux *lx, gint32 pid, guint64 *task, GError **error)
{
  g_autoptr(GArray) tasks = walk_tasks(lx, error);
  if (tasks == NULL)
    return FALSE;
  for (guint i = 0; i < tasks->len; i++) {
    guint64 t = g_array_index(tasks, guint64, i);
    guint32 tgid;
    /* A task we cannot read is skipped: it cannot be the one asked for. */
    if (!gt_mem_read_u32(lx->mem, lx->kcr3, t + lx->off.task_tgid, &tgid, NULL))
      continue;
    if ((gint32) tgid == pid) {
      *task = t;
      return TRUE;
    }
  }
  g_set_error(error, GT_ERROR, GT_ERROR_NOT_FOUND, "no process with pid %d", pid);
  return FALSE;
}
