/* One task_struct read into a GtTaskInfo (ids, credentials, name, address
 * space), and the chain of its ancestors. */
#include <string.h>
#include <guestrace/types.h>
#include "os/linux/linux-private.h"

static gboolean
read_u32(GtLinux *lx, guint64 va, const char *what, guint64 task, guint32 *out,
         GError **error)
{
  g_autoptr(GError) local = NULL;
  if (!gt_mem_read_u32(lx->mem, lx->kcr3, va, out, &local)) {
    g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
                "task 0x%" G_GINT64_MODIFIER "x: cannot read %s: %s", task, what,
                local->message);
    return FALSE;
  }
  return TRUE;
}

/* Copies a task name exactly: every byte up to the first NUL within
 * GT_TASK_COMM_LEN (a guest may leave none). A process chooses its own
 * name (prctl PR_SET_NAME), so it is evidence: outputs escape it, nothing
 * here rewrites it. */
static void
copy_comm(char dst[GT_TASK_COMM_LEN + 1], const guint8 src[GT_TASK_COMM_LEN])
{
  gsize i;
  for (i = 0; i < GT_TASK_COMM_LEN && src[i] != '\0'; i++)
    dst[i] = (char)src[i];
  dst[i] = '\0';
}

/* mm->pgd as a physical address, through the kernel's page tables. */
static gboolean
read_pgd(GtLinux *lx, guint64 task, guint64 mm, guint64 *pgd_pa, GError **error)
{
  guint64 pgd;
  g_autoptr(GError) local = NULL;
  if (!gt_linux_read_kptr(lx, mm + lx->off.mm_pgd, "mm->pgd", &pgd, &local) ||
      !gt_mem_translate(lx->mem, lx->kcr3, pgd, pgd_pa, &local)) {
    g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
                "task 0x%" G_GINT64_MODIFIER "x: %s", task, local->message);
    return FALSE;
  }
  return TRUE;
}

gboolean
gt_linux_task_info(GtLinux *lx, guint64 task, GtTaskInfo *out, GError **error)
{
  const GtLinuxOffsets *o = &lx->off;
  GtTaskInfo info = { .addr = task };
  guint32 pid, tgid, flags, ppid;
  if (!gt_linux_is_kernel_addr(task)) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG,
                "0x%" G_GINT64_MODIFIER "x is not a kernel address", task);
    return FALSE;
  }
  if (!read_u32(lx, task + o->task_pid, "pid", task, &pid, error) ||
      !read_u32(lx, task + o->task_tgid, "tgid", task, &tgid, error) ||
      !read_u32(lx, task + o->task_flags, "flags", task, &flags, error))
    return FALSE;
  info.tid = (gint32) pid;
  info.pid = (gint32) tgid;

  g_autoptr(GError) local = NULL;
  guint64 parent, cred;
  if (!gt_linux_read_kptr(lx, task + o->task_real_parent, "real_parent", &parent, &local) ||
      !read_u32(lx, parent + o->task_tgid, "the parent's tgid", task, &ppid, &local) ||
      !gt_linux_read_kptr(lx, task + o->task_real_cred, "real_cred", &cred, &local) ||
      !read_u32(lx, cred + o->cred_uid, "uid", task, &info.uid, &local) ||
      !read_u32(lx, cred + o->cred_gid, "gid", task, &info.gid, &local) ||
      !read_u32(lx, cred + o->cred_euid, "euid", task, &info.euid, &local) ||
      !read_u32(lx, cred + o->cred_egid, "egid", task, &info.egid, &local)) {
    g_set_error(error, GT_ERROR, GT_ERROR_MEMORY, "task 0x%" G_GINT64_MODIFIER "x: %s",
                task, local->message);
    return FALSE;
  }
  info.ppid = (gint32) ppid;

  guint8 comm[GT_TASK_COMM_LEN];
  if (!gt_mem_read(lx->mem, lx->kcr3, task + o->task_comm, comm, sizeof comm, &local)) {
    g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
                "task 0x%" G_GINT64_MODIFIER "x: cannot read comm: %s", task,
                local->message);
    return FALSE;
  }
  copy_comm(info.comm, comm);

  guint64 mm = 0;
  if (!gt_mem_read_u64(lx->mem, lx->kcr3, task + o->task_mm, &mm, &local)) {
    g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
                "task 0x%" G_GINT64_MODIFIER "x: cannot read mm: %s", task, local->message);
    return FALSE;
  }
  /* A kernel thread has no mm of its own (one borrowing a user mm with
   * kthread_use_mm still has PF_KTHREAD). */
  info.kthread = mm == 0 || (flags & GT_PF_KTHREAD) != 0;
  if (mm != 0) {
    if (!gt_linux_is_kernel_addr(mm) || (mm & 7) != 0) {
      g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
                  "task 0x%" G_GINT64_MODIFIER "x: mm 0x%" G_GINT64_MODIFIER
                  "x is not a kernel pointer", task, mm);
      return FALSE;
    }
    if (!read_pgd(lx, task, mm, &info.pgd_pa, error))
      return FALSE;
  }
  *out = info;
  return TRUE;
}

GArray *
gt_linux_ancestors(GtLinux *lx, guint64 task, GError **error)
{
  g_autoptr(GArray) out = g_array_new(FALSE, TRUE, sizeof(GtTaskInfo));
  g_autoptr(GHashTable) seen = g_hash_table_new(g_int64_hash, g_int64_equal);
  guint64 cur = task;
  /* Keys point into this array: one slot per step, never reallocated. */
  guint64 keys[GT_LINUX_MAX_ANCESTORS + 1];
  keys[0] = task;
  g_hash_table_add(seen, &keys[0]);
  for (guint step = 1; ; step++) {
    guint64 parent;
    if (!gt_linux_read_kptr(lx, cur + lx->off.task_real_parent, "real_parent", &parent,
                            error))
      return NULL;
    if (parent == cur)
      break;                          /* init_task is its own parent */
    if (g_hash_table_contains(seen, &parent)) {
      g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
                  "task 0x%" G_GINT64_MODIFIER "x: its ancestors form a loop at 0x%"
                  G_GINT64_MODIFIER "x", task, parent);
      return NULL;
    }
    if (step > GT_LINUX_MAX_ANCESTORS) {
      g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
                  "task 0x%" G_GINT64_MODIFIER "x has more than %d ancestors", task,
                  GT_LINUX_MAX_ANCESTORS);
      return NULL;
    }
    keys[step] = parent;
    g_hash_table_add(seen, &keys[step]);
    GtTaskInfo info;
    if (!gt_linux_task_info(lx, parent, &info, error))
      return NULL;
    g_array_append_val(out, info);
    if (info.tid == 0)
      break;                          /* the idle task: the root */
    cur = parent;
  }
  return g_steal_pointer(&out);
}
