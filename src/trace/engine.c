/* The tracing engine: what happens at each stop. See engine.h for the
 * method; this file is the decision point of every call and return. */
#include "trace/engine.h"
#include "trace/trampoline.h"
#include "trace/record-private.h"
#include "decode/decode.h"
#include "policy/select.h"

#include <string.h>

typedef struct {
  guint64 slot;          /* kernel stack address of the return address */
  guint64 orig_ret;      /* the real return address */
  GtProbe *probe;
  GtTaskInfo task;
  guint vcpu;
  void *cb_data;         /* what the GtSyscallFunc returned */
  GtRecord *rec;         /* the record being built, or NULL */
} GtPending;

struct GtEngine {
  GtVmi *vmi;
  GtLinux *lx;
  GHashTable *meta;             /* name -> GtSyscallMeta* */
  GPtrArray *probes;            /* owns GtProbe */
  GHashTable *by_bp;            /* bp address -> GtProbe* */
  GHashTable *by_name;          /* name -> GtProbe* */
  GHashTable *pending;          /* slot -> GtPending* */
  GArray *inserted;             /* breakpoint addresses in the guest */
  guint64 trampoline;
  gboolean started;
  guint64 stops;
  gboolean want_results;
  GtSelect *select;
  GtRecordFunc record_cb;
  gpointer record_data;
  GDestroyNotify record_destroy;
  /* pt_regs offsets of the 32-bit syscall arguments (bx, cx, dx, si, di, bp). */
  guint ia32_off[6];
  gboolean ia32_ok;
};

static void
find_ia32_offsets(GtEngine *e)
{
  static const char *const names[6] = { "bx", "cx", "dx", "si", "di", "bp" };
  GtKernelBtf *btf = gt_linux_btf(e->lx);
  e->ia32_ok = btf != NULL;
  for (guint i = 0; e->ia32_ok && i < 6; i++)
    e->ia32_ok = gt_kbtf_member_offset(btf, "pt_regs", names[i], &e->ia32_off[i], NULL, NULL);
}

static void
pending_free(GtPending *p)
{
  gt_record_free(p->rec);
  g_free(p);
}

GtEngine *
gt_engine_new(GtVmi *vmi, const char *profile, GError **error)
{
  g_autoptr(GtLinux) lx = gt_linux_new(vmi->mem, vmi->syms, vmi->kcr3, profile, error);
  if (!lx)
    return NULL;
  GtEngine *e = g_new0(GtEngine, 1);
  e->vmi = vmi;
  e->lx = g_steal_pointer(&lx);
  g_autoptr(GError) merr = NULL;
  e->meta = gt_linux_syscall_metadata(e->lx, &merr);
  if (!e->meta) {
    g_warning("no syscall metadata from the kernel (%s): arguments are shown unnamed",
              merr->message);
    e->meta = g_hash_table_new(g_str_hash, g_str_equal);
  }
  e->probes = g_ptr_array_new_with_free_func((GDestroyNotify)gt_probe_free);
  e->by_bp = g_hash_table_new(g_int64_hash, g_int64_equal);
  e->by_name = g_hash_table_new(g_str_hash, g_str_equal);
  e->pending = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL,
                                     (GDestroyNotify)pending_free);
  e->inserted = g_array_new(FALSE, FALSE, sizeof(guint64));
  e->want_results = TRUE;
  e->select = gt_select_new();
  find_ia32_offsets(e);
  return e;
}

void
gt_engine_free(GtEngine *e)
{
  if (!e)
    return;
  g_hash_table_destroy(e->pending);
  g_hash_table_destroy(e->by_bp);
  g_hash_table_destroy(e->by_name);
  g_ptr_array_free(e->probes, TRUE);
  g_array_free(e->inserted, TRUE);
  g_hash_table_destroy(e->meta);
  gt_select_free(e->select);
  if (e->record_destroy)
    e->record_destroy(e->record_data);
  gt_linux_free(e->lx);
  g_free(e);
}

GtLinux *gt_engine_linux(GtEngine *e) { return e->lx; }
GHashTable *gt_engine_syscall_meta(GtEngine *e) { return e->meta; }
guint gt_engine_probe_count(GtEngine *e) { return e->probes->len; }
guint64 gt_engine_stop_count(GtEngine *e) { return e->stops; }
gboolean gt_engine_started(GtEngine *e) { return e->started; }

void
gt_engine_set_record_cb(GtEngine *e, GtRecordFunc func, gpointer data, GDestroyNotify destroy)
{
  if (e->record_destroy)
    e->record_destroy(e->record_data);
  e->record_cb = func;
  e->record_data = data;
  e->record_destroy = destroy;
}

void gt_engine_set_want_results(GtEngine *e, gboolean want) { e->want_results = want; }
void gt_engine_add_pid_filter(GtEngine *e, gt_pid_t pid) { gt_select_add_pid(e->select, pid); }
void gt_engine_add_comm_filter(GtEngine *e, const char *c) { gt_select_add_comm(e->select, c); }

gboolean
gt_engine_add(GtEngine *e, const char *name, GtSyscallFunc call_cb, GtSysretFunc ret_cb,
              void *user_data, gboolean record, GError **error)
{
  if (e->started) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG,
                "cannot add %s: tracing has started", name);
    return FALSE;
  }
  g_autoptr(GtProbe) p = gt_probe_resolve(e->vmi, e->meta, name, error);
  if (!p)
    return FALSE;
  GtProbe *existing = g_hash_table_lookup(e->by_bp, &p->bp);
  if (!existing) {
    existing = g_steal_pointer(&p);
    g_ptr_array_add(e->probes, existing);
    g_hash_table_insert(e->by_bp, &existing->bp, existing);
    g_hash_table_insert(e->by_name, existing->name, existing);
  }
  if (call_cb || ret_cb) {
    existing->call_cb = call_cb;
    existing->ret_cb = ret_cb;
    existing->user_data = user_data;
  }
  existing->record |= record;
  return TRUE;
}

gboolean
gt_engine_add_all_syscalls(GtEngine *e, GError **error)
{
  GHashTableIter it;
  gpointer key, value;
  guint added = 0;
  g_autoptr(GPtrArray) names = g_ptr_array_new();
  g_hash_table_iter_init(&it, e->meta);
  while (g_hash_table_iter_next(&it, &key, &value)) {
    const GtSyscallMeta *m = value;
    if (m->nr >= 0)
      g_ptr_array_add(names, key);
  }
  if (!names->len) {
    g_set_error(error, GT_ERROR, GT_ERROR_NOT_FOUND,
                "the kernel lists no system calls (no syscall tracepoint metadata)");
    return FALSE;
  }
  for (guint i = 0; i < names->len; i++) {
    g_autofree char *sym = g_strconcat("__x64_sys_", (char *)names->pdata[i], NULL);
    g_autoptr(GError) err = NULL;
    if (gt_engine_add(e, sym, NULL, NULL, NULL, TRUE, &err))
      added++;
    else
      g_debug("not tracing %s: %s", sym, err->message);
  }
  return added > 0;
}

static gboolean
needs_return(GtEngine *e, const GtProbe *p)
{
  return !p->noreturn && (p->ret_cb || (p->record && e->want_results && e->record_cb));
}

static void
remove_all_breakpoints(GtEngine *e)
{
  GtDriver *d = e->vmi->driver;
  for (guint i = 0; i < e->inserted->len; i++) {
    g_autoptr(GError) err = NULL;
    guint64 a = g_array_index(e->inserted, guint64, i);
    if (!d->ops->remove_bp(d, a, &err))
      g_warning("cannot remove breakpoint at %#" G_GINT64_MODIFIER "x: %s", a, err->message);
  }
  g_array_set_size(e->inserted, 0);
}

static gboolean
insert_bp(GtEngine *e, guint64 addr, GError **error)
{
  GtDriver *d = e->vmi->driver;
  if (!d->ops->insert_bp(d, addr, error))
    return FALSE;
  g_array_append_val(e->inserted, addr);
  return TRUE;
}

gboolean
gt_engine_start(GtEngine *e, GError **error)
{
  if (e->started)
    return TRUE;
  if (!e->probes->len) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG, "nothing to trace");
    return FALSE;
  }
  gboolean any_return = FALSE;
  for (guint i = 0; i < e->probes->len; i++)
    any_return |= needs_return(e, e->probes->pdata[i]);
  if (any_return && !gt_trampoline_find(e->vmi, &e->trampoline, error))
    return FALSE;
  for (guint i = 0; i < e->probes->len; i++) {
    GtProbe *p = e->probes->pdata[i];
    if (!insert_bp(e, p->bp, error)) {
      g_prefix_error(error, "cannot trace %s: ", p->name);
      remove_all_breakpoints(e);
      return FALSE;
    }
  }
  if (any_return && !insert_bp(e, e->trampoline, error)) {
    remove_all_breakpoints(e);
    return FALSE;
  }
  e->started = TRUE;
  return TRUE;
}

/* ---- reading the caller's memory ---------------------------------------- */

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

gsize
gt_state_read(GtGuestState *st, guint64 va, gt_pid_t pid, void *buf, gsize len)
{
  guint64 root = state_root(st, pid);
  return root ? gt_mem_read_partial(st->vmi->mem, root, va, buf, len) : 0;
}

char *
gt_state_read_string(GtGuestState *st, guint64 va, gt_pid_t pid, gsize max,
                     gboolean *truncated)
{
  guint64 root = state_root(st, pid);
  return root ? gt_mem_read_string(st->vmi->mem, root, va, max, truncated, NULL) : NULL;
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

/* ---- calls and returns --------------------------------------------------- */

static gboolean
read_args(GtEngine *e, GtGuestState *st, GError **error)
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

static void
emit(GtEngine *e, GtRecord *rec)
{
  if (e->record_cb)
    e->record_cb(rec, e->record_data);
}

static GtRecord *
build_record(GtEngine *e, GtGuestState *st, const GtTaskInfo *t)
{
  GtRecord *rec = gt_record_new();
  rec->ts_ns = gt_now_ns();
  rec->vcpu = st->event.vcpu;
  rec->pid = t->pid;
  rec->tid = t->tid;
  rec->ppid = t->ppid;
  rec->uid = t->uid;
  rec->gid = t->gid;
  g_strlcpy(rec->comm, t->comm, sizeof rec->comm);
  rec->name = g_strdup(st->probe->name);
  rec->nr = st->probe->nr;
  GtArgReader rd = { reader_string, reader_bytes, st };
  gt_decode_call(rec, st->probe->meta, st->args, GT_MAX_ARGS, &rd);
  return rec;
}

static gboolean
set_reg(GtEngine *e, guint vcpu, gt_reg_name_t reg, guint64 v, GError **error)
{
  GtDriver *d = e->vmi->driver;
  return d->ops->set_reg(d, vcpu, reg, v, error);
}

static gboolean
resume(GtEngine *e, GError **error)
{
  GtDriver *d = e->vmi->driver;
  return d->ops->resume(d, error);
}

static gboolean
handle_call(GtEngine *e, GtProbe *p, guint vcpu, const GtRegs *regs, GError **error)
{
  GtGuestState st = {
    .engine = e, .vmi = e->vmi, .probe = p, .regs = *regs,
    .event = { GT_EVENT_CALL, p->func, vcpu },
  };
  GtTaskInfo task = { 0 };
  guint64 task_addr = 0;
  guint64 gs = (regs->r[GT_REG_CS] & 3) ? regs->r[GT_REG_KERNEL_GS_BASE]
                                        : regs->r[GT_REG_GS_BASE];
  if (!gt_linux_current_task(e->lx, gs, &task_addr, error) ||
      !gt_linux_task_info(e->lx, task_addr, &task, error) ||
      !read_args(e, &st, error)) {
    g_prefix_error(error, "at %s on vCPU %u: ", p->name, vcpu);
    return FALSE;
  }
  st.task = &task;

  void *cb_data = p->call_cb ? p->call_cb(&st, task.pid, task.tid, p->user_data) : NULL;
  gboolean selected = p->record && e->record_cb && gt_select_match(e->select, &task);
  g_autoptr(GtRecord) rec = selected ? build_record(e, &st, &task) : NULL;
  guint64 rsp = regs->r[GT_REG_RSP];

  if (st.hijack) {
    /* Abort: return to the caller at once with the chosen value, as if the
     * function's first instruction were `ret`. */
    guint64 ret_addr = 0;
    if (!gt_mem_read_u64(e->vmi->mem, e->vmi->kcr3, rsp, &ret_addr, error) ||
        !set_reg(e, vcpu, GT_REG_RAX, (guint64)st.hijack_value, error) ||
        !set_reg(e, vcpu, GT_REG_RSP, rsp + 8, error) ||
        !set_reg(e, vcpu, GT_REG_RIP, ret_addr, error))
      return FALSE;
    st.is_return = TRUE;
    st.retval = st.hijack_value;
    st.event.kind = GT_EVENT_RETURN;
    if (p->ret_cb)
      p->ret_cb(&st, task.pid, task.tid, cb_data);
    if (rec) {
      rec->has_result = TRUE;
      rec->result = st.hijack_value;
      rec->aborted = TRUE;
      rec->ret_ts_ns = gt_now_ns();
      emit(e, rec);
    }
    return TRUE;
  }

  gboolean want_ret = !p->noreturn && (p->ret_cb || (rec && e->want_results));
  if (want_ret) {
    GtPending *pd = g_new0(GtPending, 1);
    pd->slot = rsp;
    pd->probe = p;
    pd->task = task;
    pd->vcpu = vcpu;
    pd->cb_data = cb_data;
    if (!gt_mem_read_u64(e->vmi->mem, e->vmi->kcr3, rsp, &pd->orig_ret, error) ||
        !gt_mem_write(e->vmi->mem, e->vmi->kcr3, rsp, &e->trampoline, 8, error)) {
      g_free(pd);
      return FALSE;
    }
    pd->rec = g_steal_pointer(&rec);
    if (g_hash_table_contains(e->pending, &pd->slot))
      g_warning("return slot %#" G_GINT64_MODIFIER "x reused before its return", rsp);
    g_hash_table_replace(e->pending, &pd->slot, pd);
  } else if (rec) {
    emit(e, rec);
  }
  return set_reg(e, vcpu, GT_REG_RIP, p->bp + p->skip, error);
}

static void
finish_pending(GtEngine *e, GtPending *pd, const GtRegs *regs, gboolean returned)
{
  if (returned && pd->probe->ret_cb) {
    GtGuestState st = {
      .engine = e, .vmi = e->vmi, .probe = pd->probe, .regs = *regs, .task = &pd->task,
      .is_return = TRUE, .retval = (gint64)regs->r[GT_REG_RAX],
      .event = { GT_EVENT_RETURN, pd->probe->func, pd->vcpu },
    };
    pd->probe->ret_cb(&st, pd->task.pid, pd->task.tid, pd->cb_data);
  }
  if (pd->rec) {
    if (returned) {
      pd->rec->has_result = TRUE;
      pd->rec->result = (gint64)regs->r[GT_REG_RAX];
      pd->rec->ret_ts_ns = gt_now_ns();
      GtGuestState st = {
        .engine = e, .vmi = e->vmi, .probe = pd->probe, .regs = *regs, .task = &pd->task,
      };
      GtArgReader rd = { reader_string, reader_bytes, &st };
      gt_decode_return(pd->rec, &rd);
    }
    emit(e, pd->rec);
  }
}

static gboolean
handle_return(GtEngine *e, guint vcpu, const GtRegs *regs, GError **error)
{
  /* The trap is reached by `ret`, which popped the redirected slot. */
  guint64 slot = regs->r[GT_REG_RSP] - 8;
  GtPending *pd = g_hash_table_lookup(e->pending, &slot);
  if (!pd) {
    g_set_error(error, GT_ERROR, GT_ERROR_FAILED,
                "return trap hit on vCPU %u with no matching call (slot %#"
                G_GINT64_MODIFIER "x)", vcpu, slot);
    return FALSE;
  }
  if (!set_reg(e, vcpu, GT_REG_RIP, pd->orig_ret, error))
    return FALSE;
  g_hash_table_steal(e->pending, &slot);
  finish_pending(e, pd, regs, TRUE);
  pending_free(pd);
  return TRUE;
}

gboolean
gt_engine_handle_stop(GtEngine *e, const GtStop *stop, GError **error)
{
  GtDriver *d = e->vmi->driver;
  e->stops++;
  gt_mem_invalidate(e->vmi->mem);
  GtRegs regs;
  if (!d->ops->get_regs(d, stop->vcpu, &regs, error))
    return FALSE;
  guint64 rip = regs.r[GT_REG_RIP];
  if (e->trampoline && rip == e->trampoline)
    return handle_return(e, stop->vcpu, &regs, error);
  GtProbe *p = g_hash_table_lookup(e->by_bp, &rip);
  if (p)
    return handle_call(e, p, stop->vcpu, &regs, error);
  /* Not ours (e.g. a pause that raced with a breakpoint): nothing to do. */
  return TRUE;
}

gboolean
gt_engine_resume(GtEngine *e, GError **error)
{
  return resume(e, error);
}

/* A vCPU stopped exactly at the trap has popped its slot but not yet been
 * sent back: send it back now, or it would execute int3 once we are gone. */
static void
unwind_vcpus_at_trap(GtEngine *e)
{
  GtDriver *d = e->vmi->driver;
  for (guint cpu = 0; cpu < e->vmi->nvcpus; cpu++) {
    GtRegs regs;
    if (!d->ops->get_regs(d, cpu, &regs, NULL) || regs.r[GT_REG_RIP] != e->trampoline)
      continue;
    guint64 slot = regs.r[GT_REG_RSP] - 8;
    GtPending *pd = g_hash_table_lookup(e->pending, &slot);
    g_autoptr(GError) err = NULL;
    if (!pd || !set_reg(e, cpu, GT_REG_RIP, pd->orig_ret, &err)) {
      g_critical("vCPU %u is at the return trap and cannot be sent back: %s", cpu,
                 err ? err->message : "no matching call");
      continue;
    }
    g_hash_table_steal(e->pending, &slot);
    finish_pending(e, pd, &regs, TRUE);
    pending_free(pd);
  }
}

gboolean
gt_engine_stop(GtEngine *e, GError **error)
{
  if (!e->started)
    return TRUE;
  GtDriver *d = e->vmi->driver;
  if (!d->ops->pause(d, error))
    return FALSE;
  /* A breakpoint may have been hit just before the pause: handle it, so a
   * call reaching its return trap is completed and reported. */
  GtStop stop;
  g_autoptr(GError) serr = NULL;
  if (d->ops->wait(d, 0, &stop, &serr) && stop.kind == GT_STOP_BREAKPOINT &&
      !gt_engine_handle_stop(e, &stop, &serr))
    g_warning("while stopping: %s", serr->message);
  gt_mem_invalidate(e->vmi->mem);
  if (e->trampoline)
    unwind_vcpus_at_trap(e);
  /* Put every redirected return address back. */
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, e->pending);
  while (g_hash_table_iter_next(&it, NULL, &value)) {
    GtPending *pd = value;
    guint64 cur = 0;
    g_autoptr(GError) err = NULL;
    if (gt_mem_read_u64(e->vmi->mem, e->vmi->kcr3, pd->slot, &cur, &err) &&
        cur == e->trampoline &&
        !gt_mem_write(e->vmi->mem, e->vmi->kcr3, pd->slot, &pd->orig_ret, 8, &err))
      g_critical("cannot restore the return address at %#" G_GINT64_MODIFIER "x: %s",
                 pd->slot, err->message);
    finish_pending(e, pd, NULL, FALSE);
    g_hash_table_iter_remove(&it);
  }
  remove_all_breakpoints(e);
  e->started = FALSE;
  return resume(e, error);
}
