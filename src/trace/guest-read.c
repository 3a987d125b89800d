/* Reading the calling process's memory and a call's arguments. */
#include "trace/engine-private.h"
#include "trace/user-read.h"

static guint64
state_root(GtGuestState *st, gt_pid_t pid)
{
  if (pid == 0 || (st->task && pid == st->task->pid))
    return st->regs.r[GT_REG_CR3] & GT_PT_ADDR_MASK;
  guint64 task = 0;
  GtTaskInfo info;
  if (!gt_linux_find_process(st->engine->lx, pid, &task, NULL) ||
      !gt_linux_task_info(st->engine->lx, task, &info, NULL) || !info.pgd_pa)
    return 0;
  return info.pgd_pa;
}

/* The caller's task when root is its address space (pages it has not
 * faulted in are then read as a fault would fill them), else 0. */
static guint64
caller_task(GtGuestState *st, guint64 root)
{
  return st->task && root == (st->regs.r[GT_REG_CR3] & GT_PT_ADDR_MASK) ? st->task->addr : 0;
}

gsize
gt_state_read(GtGuestState *st, guint64 va, gt_pid_t pid, void *buf, gsize len)
{
  guint64 root = state_root(st, pid);
  return root ? gt_user_read(st->engine->lx, st->vmi->mem, caller_task(st, root), root, va,
                             buf, len) : 0;
}

char *
gt_state_read_string(GtGuestState *st, guint64 va, gt_pid_t pid, gsize max,
                     gboolean *truncated)
{
  guint64 root = state_root(st, pid);
  return root ? gt_user_read_string(st->engine->lx, st->vmi->mem, caller_task(st, root), root,
                                    va, max, truncated) : NULL;
}

static char *
reader_string(void *ctx, guint64 va, gsize max, gboolean *truncated)
{
  return gt_state_read_string(ctx, va, 0, max, truncated);
}

static gsize
reader_bytes(void *ctx, guint64 va, void *buf, gsize len)
{
  return gt_state_read(ctx, va, 0, buf, len);
}

/* -y: what a descriptor of the calling task is, from the guest's own file
 * table (AT_FDCWD: its working directory). */
static gboolean
reader_describe_fd(void *ctx, gint fd, GString *out, gboolean *deleted)
{
  GtGuestState *st = ctx;
  GtLinux *lx = st->engine->lx;
  if (!st->task || !st->task->addr || !gt_linux_has_fds(lx))
    return FALSE;
  if (fd == -100)
    return gt_linux_cwd_describe(lx, st->task->addr, out, deleted, NULL);
  return fd >= 0 && gt_linux_fd_describe(lx, st->task->addr, fd, out, deleted, NULL);
}

GtArgReader
gt_state_arg_reader(GtGuestState *st)
{
  GtArgReader rd = { reader_string, reader_bytes, st, gt_linux_btf(st->engine->lx),
                     &st->engine->decode_opts, reader_describe_fd };
  return rd;
}

gboolean
gt_engine_read_args(GtEngine *e, GtGuestState *st, GError **error)
{
  const GtRegs *r = &st->regs;
  if (st->probe->abi == GT_ABI_REGS) {
    static const gt_reg_name_t order[6] = {
      GT_REG_RDI, GT_REG_RSI, GT_REG_RDX, GT_REG_RCX, GT_REG_R8, GT_REG_R9,
    };
    for (guint i = 0; i < 6; i++)
      st->args[i] = r->r[order[i]];
    return TRUE;
  }
  /* Since Linux 4.17 the handlers take the saved user registers. */
  const GtLinuxOffsets *o = gt_linux_offsets(e->lx);
  guint off64[6] = { o->regs_di, o->regs_si, o->regs_dx, o->regs_r10, o->regs_r8, o->regs_r9 };
  const guint *off = st->probe->abi == GT_ABI_PTREGS_64 ? off64 : e->ia32_off;
  if (st->probe->abi == GT_ABI_PTREGS_32 && !e->ia32_ok) {
    g_set_error(error, GT_ERROR, GT_ERROR_UNSUPPORTED,
                "no pt_regs layout for 32-bit system call arguments");
    return FALSE;
  }
  guint64 regs_ptr = r->r[GT_REG_RDI];
  for (guint i = 0; i < 6; i++)
    if (!gt_mem_read_u64(e->vmi->mem, e->vmi->kcr3, regs_ptr + off[i], &st->args[i], error))
      return FALSE;
  return TRUE;
}

