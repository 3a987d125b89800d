/* Fuzz target: the task walkers over guest memory the guest controls
 * (linux-world.h): the process list from init_task, each task's details,
 * its ancestors, a process by pid, the current task of a vCPU. Every walk
 * must end within its bound whatever the lists look like (cycles, lists
 * that never return to init_task, pointers outside the kernel). */
#include "fuzz-common.h"
#include "linux-world.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  g_autoptr(GtLinux) lx = fuzz_linux_world(data, size);
  g_autoptr(GArray) list = gt_linux_process_list(lx, NULL);
  if (list) {
    g_assert(list->len <= GT_LINUX_MAX_TASKS + 1);
    for (guint i = 0; i < list->len && i < 8; i++) {
      const GtTaskInfo *t = &g_array_index(list, GtTaskInfo, i);
      g_assert(t->comm[GT_TASK_COMM_LEN] == '\0');
      GtTaskInfo info;
      gt_linux_task_info(lx, t->addr, &info, NULL);
      g_autoptr(GArray) up = gt_linux_ancestors(lx, t->addr, NULL);
      if (up)
        g_assert(up->len <= GT_LINUX_MAX_ANCESTORS + 1);
    }
  }
  guint64 task;
  gt_linux_find_process(lx, 1, &task, NULL);
  gt_linux_find_process(lx, 100, &task, NULL);
  if (gt_linux_current_task(lx, FUZZ_GS_BASE, &task, NULL)) {
    GtTaskInfo info;
    gt_linux_task_info(lx, task, &info, NULL);
  }
  return 0;
}
