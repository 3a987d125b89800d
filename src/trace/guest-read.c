/* Reading guest memory for a stop: user pointers (the caller's or another
 * process's, with the user checks and the fallback reader), kernel memory
 * explicitly, and a call's arguments. */
#include "trace/engine-private.h"

/* The address space of pid as seen from st: the caller's own from CR3,
 * another process's from its task, looked up once per state. */
static const GtUserSpace *
user_space(GtGuestState *st, gt_pid_t pid, GtUserSpace *caller)
{
  if (pid == 0 || (st->task && pid == st->task->pid)) {
    caller->pid = st->task ? st->task->pid : 0;
    caller->task = st->task ? st->task->addr : 0;
    caller->root = st->regs.r[GT_REG_CR3] & GT_PT_ADDR_MASK;
    return caller;
  }
  if (st->other.pid != pid) {
    GtUserSpace sp = { .pid = pid };
    GtTaskInfo info;
    if (gt_linux_find_process(st->engine->lx, pid, &sp.task, NULL) &&
        gt_linux_task_info(st->engine->lx, sp.task, &info, NULL))
      sp.root = info.pgd_pa;
    st->other = sp;
  }
  return &st->other;
}

typedef struct {
  GtGuestState *st;
  const GtUserSpace *space;
} UserReader;

/* The page tables first; what they cannot give (a page not present), the
 * fallback reader, one page at a time; then the page tables again. */
static gsize
user_read(void *ctx, guint64 va, void *buf, gsize len, GError **error)
{
  UserReader *r = ctx;
  GtEngine *e = r->st->engine;
  GtMem *mem = r->st->vmi->mem;
  guint8 *out = buf;
  if (!r->space->root) {
    g_set_error(error, GT_ERROR, GT_ERROR_MEMORY, "process %d has no address space",
                r->space->pid);
    return 0;
  }
  g_autoptr(GError) local = NULL;
  gsize got = gt_mem_read_user(mem, r->space->root, va, out, len, &local);
  guint64 limit = gt_mem_user_limit(mem);
  while (got < len && e->user_fallback && va + got < limit && va + got >= va) {
    guint64 cur = va + got;
    gsize page = MIN(len - got, 4096 - (cur & 4095));
    page = (gsize)MIN((guint64)page, limit - cur);
    gsize n = e->user_fallback(e->user_fallback_data, r->st, r->space, cur, out + got, page);
    got += MIN(n, page);
    if (n < page)
      break;
    g_clear_error(&local);
    got += gt_mem_read_user(mem, r->space->root, va + got, out + got, len - got, &local);
  }
  if (got < len && local)
    g_propagate_error(error, g_steal_pointer(&local));
  return got;
}

gsize
gt_state_read_user(GtGuestState *st, guint64 va, gt_pid_t pid, void *buf, gsize len)
{
  GtUserSpace caller;
  UserReader r = { st, user_space(st, pid, &caller) };
  return user_read(&r, va, buf, len, NULL);
}

char *
gt_state_read_user_string(GtGuestState *st, guint64 va, gt_pid_t pid, gsize max,
                          gboolean *truncated)
{
  GtUserSpace caller;
  UserReader r = { st, user_space(st, pid, &caller) };
  return gt_read_string_with(user_read, &r, va, max, truncated, NULL);
}

gsize
gt_state_read_kernel(GtGuestState *st, guint64 va, void *buf, gsize len)
{
  return gt_mem_read_partial(st->vmi->mem, st->vmi->kcr3, va, buf, len);
}

char *
gt_state_read_kernel_string(GtGuestState *st, guint64 va, gsize max, gboolean *truncated)
{
  return gt_mem_read_string(st->vmi->mem, st->vmi->kcr3, va, max, truncated, NULL);
}

void
gt_engine_stop_begin(GtEngine *e)
{
  e->left = e->budget;
  g_clear_pointer(&e->stop_procs, g_array_unref);
  e->procs_spent = FALSE;
}

void
gt_engine_meter_begin(GtEngine *e)
{
  gt_mem_meter_begin(e->vmi->mem, &e->left);
}

gboolean
gt_engine_meter_end(GtEngine *e)
{
  return gt_mem_meter_end(e->vmi->mem, &e->left);
}

GArray *
gt_engine_stop_processes(GtEngine *e, GError **error)
{
  if (!e->stop_procs && !e->procs_spent) {
    gt_engine_meter_begin(e);
    e->stop_procs = gt_linux_process_list(e->lx, error);
    e->procs_spent = gt_engine_meter_end(e);
    return e->stop_procs ? g_array_ref(e->stop_procs) : NULL;
  }
  if (!e->stop_procs)
    g_set_error_literal(error, GT_ERROR, GT_ERROR_MEMORY,
                        "the read budget of this stop is spent");
  return e->stop_procs ? g_array_ref(e->stop_procs) : NULL;
}

/* The default fallback: what a read fault would map for a page the
 * process has not faulted in (a file VMA's page from the page cache, zeros
 * in an anonymous VMA; os/linux/uaccess.c). */
gsize
gt_engine_unfaulted_fallback(gpointer data, GtGuestState *st, const GtUserSpace *space,
                             guint64 va, void *buf, gsize len)
{
  if (!space->task)
    return 0;
  return gt_linux_read_unfaulted(st->engine->lx, space->task, space->root, va, buf, len, NULL)
           ? len : 0;
}

void
gt_engine_set_user_fallback(GtEngine *e, GtUserFallbackFn fn, gpointer data)
{
  e->user_fallback = fn;
  e->user_fallback_data = data;
}

/* Decoders read user pointers only: every pointer argument of a system
 * call is one, and a kernel pointer there is what the kernel refuses. */
static char *
reader_string(void *ctx, guint64 va, gsize max, gboolean *truncated)
{
  return gt_state_read_user_string(ctx, va, 0, max, truncated);
}

static gsize
reader_bytes(void *ctx, guint64 va, void *buf, gsize len)
{
  return gt_state_read_user(ctx, va, 0, buf, len);
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
                     &st->engine->decode_opts, reader_describe_fd, st->user_sp };
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
  /* The user stack pointer: rt_sigreturn's signal frame sits there. */
  if (st->probe->abi == GT_ABI_PTREGS_64 &&
      !gt_mem_read_u64(e->vmi->mem, e->vmi->kcr3, regs_ptr + o->regs_sp, &st->user_sp, NULL))
    st->user_sp = 0;
  return TRUE;
}

