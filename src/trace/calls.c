/* What happens at a traced call and at its return: who called, the
 * arguments, callbacks, filters and actions, the return redirect, and the
 * record. Every decision about one call is made here. */
#include "trace/engine-private.h"
#include "driver/journal.h"
#include "decode/decode.h"

static void
emit(GtEngine *e, GtRecord *rec)
{
  if (e->record_cb)
    e->record_cb(rec, e->record_data);
}

static GtRecord *
build_record(GtGuestState *st, const GtTaskInfo *t)
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
  GtArgReader rd = gt_state_arg_reader(st);
  gt_decode_call(rec, st->probe->meta, st->args, GT_MAX_ARGS, &rd);
  return rec;
}

gboolean
gt_engine_set_reg(GtEngine *e, guint vcpu, gt_reg_name_t reg, guint64 v, GError **error)
{
  GtDriver *d = e->vmi->driver;
  return d->ops->set_reg(d, vcpu, reg, v, error);
}

void
gt_pending_free(GtPending *p)
{
  gt_record_free(p->rec);
  if (p->ancestors)
    g_array_unref(p->ancestors);
  g_free(p);
}

static GArray *
process_list(gpointer data, GError **error)
{
  return gt_engine_stop_processes(data, error);
}

/* The name user space knows for the probe's call ("fstat" for the
 * kernel's newfstat), NULL if the same or not a syscall: a policy filter
 * may name either. */
static const char *
user_name(const GtProbe *p)
{
  const char *u = p->nr >= 0 ? gt_decode_syscall_name(p->nr) : NULL;
  return u && g_strcmp0(u, p->name) ? u : NULL;
}

/* The caller's ancestors, read only when a filter for this call needs
 * them, charged to the stop's budget. */
static GArray *
read_ancestors(GtEngine *e, const GtProbe *p, guint64 task_addr, GtRecord *rec)
{
  if (!gt_enforcer_needs_ancestors(e->enforcer, p->name) &&
      !(user_name(p) && gt_enforcer_needs_ancestors(e->enforcer, user_name(p))))
    return NULL;
  g_autoptr(GError) aerr = NULL;
  gt_engine_meter_begin(e);
  GArray *ancestors = gt_linux_ancestors(e->lx, task_addr, &aerr);
  if (gt_engine_meter_end(e))
    rec->budget_spent |= GT_SPENT_ANCESTORS;
  if (!ancestors)
    g_debug("ancestors of %d: %s", rec->pid, aerr->message);
  return ancestors;
}

/* The kernel functions that call system call handlers: a handler's return
 * address lies in one of them. Hand-written: the kernel describes its
 * dispatchers nowhere (they changed in 4.17, 5.9 and 6.9). */
static const char *const dispatchers[] = {
  "x64_sys_call", "ia32_sys_call", "x32_sys_call", "do_syscall_64", "do_syscall_x64",
  "do_syscall_x32", "do_int80_syscall_32", "__do_fast_syscall_32", "do_fast_syscall_32", NULL,
};

/* Whether the 8 bytes at rsp are the return address of the call stopped at
 * p's breakpoint: rsp inside the current task's kernel stack, and ret an
 * address into the kernel (into a dispatcher for a system call handler).
 * Nothing is written unless this holds. */
static gboolean
slot_ok(GtEngine *e, const GtProbe *p, guint64 task_addr, guint64 rsp, guint64 ret,
        GError **error)
{
  if (e->thread_size) {
    guint64 stack = 0;
    if (!gt_mem_read_u64(e->vmi->mem, e->vmi->kcr3, task_addr + e->task_stack_off, &stack,
                         error))
      return FALSE;
    if (rsp < stack || rsp - stack > e->thread_size - 8) {
      g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
                  "RSP %#" G_GINT64_MODIFIER "x is outside the task's kernel stack", rsp);
      return FALSE;
    }
  }
  guint64 off = 0;
  const char *fn = ret >= 0xffff800000000000ULL ? gt_symbols_name_at(e->vmi->syms, ret, &off)
                                                : NULL;
  if (!fn || (p->abi != GT_ABI_REGS && !g_strv_contains(dispatchers, fn))) {
    g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
                "%#" G_GINT64_MODIFIER "x at RSP is not a return address into %s", ret,
                p->abi != GT_ABI_REGS ? "the system call dispatcher" : "the kernel");
    return FALSE;
  }
  return TRUE;
}

/* Reads the return address at rsp, checks it (slot_ok) and remembers it. */
static gboolean
read_return(GtEngine *e, const GtProbe *p, guint64 task_addr, guint64 rsp, guint64 *ret,
            GError **error)
{
  return gt_mem_read_u64(e->vmi->mem, e->vmi->kcr3, rsp, ret, error) &&
         slot_ok(e, p, task_addr, rsp, *ret, error);
}

/* Abort: return to the caller at once with the chosen value, as if the
 * function's first instruction were `ret`. */
static gboolean
hijack(GtEngine *e, guint vcpu, guint64 rsp, guint64 ret_addr, gint64 value, GError **error)
{
  return gt_engine_set_reg(e, vcpu, GT_REG_RAX, (guint64)value, error) &&
         gt_engine_set_reg(e, vcpu, GT_REG_RSP, rsp + 8, error) &&
         gt_engine_set_reg(e, vcpu, GT_REG_RIP, ret_addr, error);
}

gboolean
gt_engine_pass_bp(GtEngine *e, guint vcpu, const GtProbe *p, GError **error)
{
  GtDriver *d = e->vmi->driver;
  if (p->skip)
    return gt_engine_set_reg(e, vcpu, GT_REG_RIP, p->bp + p->skip, error);
  /* Execute the instruction under the breakpoint (the driver passes over
   * its own breakpoint). The guest stays stopped throughout. */
  return d->ops->step(d, vcpu, error);
}

gboolean
gt_engine_return_wanted(GtEngine *e, const GtProbe *p, gboolean show, gboolean enforce)
{
  if (p->noreturn)
    return FALSE;
  gboolean has_result = !(p->meta && p->meta->returns_void);
  return p->ret_cb || (show && p->record && e->record_cb && e->want_results && has_result) ||
         (enforce && p->record &&
          (gt_enforcer_needs_return(e->enforcer, p->name) ||
           (user_name(p) && gt_enforcer_needs_return(e->enforcer, user_name(p)))));
}

/* A problem with one call (unreadable memory, a torn task list, a slot
 * that does not look right): counted and said, rarely; tracing goes on. */
static void
count_problem(GtEngine *e, guint64 *counter, const char *what, const GtProbe *p, GError *err)
{
  (*counter)++;
  if (*counter <= 10 || (*counter & (*counter - 1)) == 0)
    g_warning("%s at %s (%" G_GUINT64_FORMAT " so far): %s", what, p->name, *counter,
              err->message);
}

/* Redirects the return of the call at rsp to the trap. *pd_out is the
 * pending call, or NULL if the return is not trapped (said, counted). FALSE
 * only on a fatal error. */
static gboolean
redirect_return(GtEngine *e, const GtProbe *p, guint64 task_addr, guint64 rsp,
                GtPending **pd_out, GError **error)
{
  *pd_out = NULL;
  g_autoptr(GError) err = NULL;
  guint64 ret = 0;
  if (!gt_engine_ensure_trap(e, &err) || !read_return(e, p, task_addr, rsp, &ret, &err)) {
    if (gt_engine_error_is_fatal(err)) {
      g_propagate_error(error, g_steal_pointer(&err));
      return FALSE;
    }
    count_problem(e, &e->untrapped, "return not trapped", p, err);
    return TRUE;
  }
  g_assert(e->trampoline != 0);
  guint64 pa = 0;
  if (!gt_mem_translate(e->vmi->mem, e->vmi->kcr3, rsp, &pa, error))
    return FALSE;
  /* Written down first: a crash after this line is repaired from it. */
  GtDriver *d = e->vmi->driver;
  if (!gt_journal_note_write(d->journal, GT_JOURNAL_SLOT, pa, rsp, &ret, &e->trampoline, 8,
                             error) ||
      !gt_mem_write_phys(e->vmi->mem, pa, &e->trampoline, 8, error))
    return FALSE;
  GtPending *pd = g_new0(GtPending, 1);
  pd->slot = rsp;
  pd->slot_pa = pa;
  pd->orig_ret = ret;
  pd->probe = (GtProbe *)p;
  *pd_out = pd;
  return TRUE;
}

gboolean
gt_engine_restore_slot(GtEngine *e, const GtPending *pd, GError **error)
{
  guint64 cur = 0;
  if (!gt_mem_read_phys(e->vmi->mem, pd->slot_pa, &cur, 8, error))
    return FALSE;
  if (cur == e->trampoline &&
      !gt_mem_write_phys(e->vmi->mem, pd->slot_pa, &pd->orig_ret, 8, error))
    return FALSE;
  return gt_journal_note_undone(e->vmi->driver->journal, pd->slot_pa, error);
}

/* Who called and with what: the task and the arguments. */
static gboolean
read_call(GtEngine *e, GtGuestState *st, GtTaskInfo *task, guint64 *task_addr, GError **error)
{
  const GtRegs *regs = &st->regs;
  guint64 gs = (regs->r[GT_REG_CS] & 3) ? regs->r[GT_REG_KERNEL_GS_BASE]
                                        : regs->r[GT_REG_GS_BASE];
  return gt_linux_current_task(e->lx, gs, task_addr, error) &&
         gt_linux_task_info(e->lx, *task_addr, task, error) && gt_engine_read_args(e, st, error);
}

/* Whether this stop is a call whose return is trapped already: its slot
 * still holds the return trap, so no return address was pushed there since
 * it was redirected: the same call frame, its breakpoint reported again
 * (seen on a 5.10 guest under TCG: pid 1's call, right after attach).
 * Redirecting it again would save the trap as the return address, and the
 * guest would later execute the trap's int3 with no one to catch it. */
static gboolean
already_trapped(GtEngine *e, const GtRegs *regs)
{
  guint64 rsp = regs->r[GT_REG_RSP], cur = 0;
  return e->trampoline && g_hash_table_contains(e->pending, &rsp) &&
         gt_mem_read_u64(e->vmi->mem, e->vmi->kcr3, rsp, &cur, NULL) && cur == e->trampoline;
}

static void
emit_aborted(GtEngine *e, GtRecord *rec, gint64 value)
{
  rec->has_result = TRUE;
  rec->result = value;
  rec->aborted = TRUE;
  rec->ret_ts_ns = gt_now_ns();
  emit(e, rec);
}

/* The abort filters' verdict at a call, into st (a callback may have
 * asked for an abort already); the ancestors read for it, which the
 * record keeps. */
static GArray *
enforce_at_call(GtEngine *e, GtProbe *p, GtGuestState *st, guint64 task_addr, GtRecord *rec)
{
  GArray *ancestors = read_ancestors(e, p, task_addr, rec);
  gint64 value = 0;
  if (gt_enforcer_at_call(e->enforcer, rec, ancestors, process_list, e, &value) &&
      !st->hijack) {
    st->hijack = TRUE;
    st->hijack_value = value;
  }
  if (e->procs_spent)
    rec->budget_spent |= GT_SPENT_PROCESSES;
  return ancestors;
}

/* Aborts the call st stopped at: it returns at once with st->hijack_value
 * and its return callback runs. *aborted FALSE when its return address cannot be read: then the
 * call runs (counted), as it would untraced. */
static gboolean
abort_call(GtEngine *e, GtProbe *p, GtGuestState *st, guint64 task_addr, void *cb_data,
           gboolean *aborted, GError **error)
{
  guint64 rsp = st->regs.r[GT_REG_RSP], ret_addr = 0;
  g_autoptr(GError) herr = NULL;
  if (!read_return(e, p, task_addr, rsp, &ret_addr, &herr)) {
    if (gt_engine_error_is_fatal(herr)) {
      g_propagate_error(error, g_steal_pointer(&herr));
      return FALSE;
    }
    count_problem(e, &e->untrapped, "call not aborted", p, herr);
    st->hijack = FALSE;
    return TRUE;
  }
  if (!hijack(e, st->event.vcpu, rsp, ret_addr, st->hijack_value, error))
    return FALSE;
  *aborted = TRUE;
  st->is_return = TRUE;
  st->retval = st->hijack_value;
  st->event.kind = GT_EVENT_RETURN;
  if (p->ret_cb)
    p->ret_cb(st, st->task->pid, st->task->tid, cb_data);
  return TRUE;
}

gboolean
gt_engine_handle_call(GtEngine *e, GtProbe *p, guint vcpu, const GtRegs *regs, GError **error)
{
  if (already_trapped(e, regs)) {
    g_debug("%s on vCPU %u: its return is trapped already (the same call)", p->name, vcpu);
    return gt_engine_pass_bp(e, vcpu, p, error);
  }
  GtGuestState st = {
    .engine = e, .vmi = e->vmi, .probe = p, .regs = *regs,
    .event = { GT_EVENT_CALL, p->func, vcpu },
  };
  GtTaskInfo task = { 0 };
  guint64 task_addr = 0;
  g_autoptr(GError) rerr = NULL;
  if (!read_call(e, &st, &task, &task_addr, &rerr)) {
    g_prefix_error(&rerr, "at %s on vCPU %u: ", p->name, vcpu);
    if (gt_engine_error_is_fatal(rerr)) {
      g_propagate_error(error, g_steal_pointer(&rerr));
      return FALSE;
    }
    count_problem(e, &e->dropped, "call dropped", p, rerr);
    return gt_engine_pass_bp(e, vcpu, p, error);
  }
  st.task = &task;

  gt_engine_meter_begin(e);
  void *cb_data = p->call_cb ? p->call_cb(&st, task.pid, task.tid, p->user_data) : NULL;
  gboolean show = p->record && e->record_cb && gt_select_match(e->select, &task);
  gboolean enforce = p->record && gt_enforcer_active(e->enforcer);
  g_autoptr(GtRecord) rec = show || enforce ? build_record(&st, &task) : NULL;
  if (gt_engine_meter_end(e) && rec)
    rec->budget_spent |= GT_SPENT_ARGS;
  g_autoptr(GArray) ancestors = enforce ? enforce_at_call(e, p, &st, task_addr, rec) : NULL;
  guint64 rsp = regs->r[GT_REG_RSP];
  if (st.hijack) {
    gboolean aborted = FALSE;
    if (!abort_call(e, p, &st, task_addr, cb_data, &aborted, error))
      return FALSE;
    if (aborted) {
      if (rec && show)
        emit_aborted(e, rec, st.hijack_value);
      return TRUE;
    }
  }

  GtPending *pd = NULL;
  if (gt_engine_return_wanted(e, p, show, enforce) &&
      !redirect_return(e, p, task_addr, rsp, &pd, error))
    return FALSE;
  if (pd) {
    pd->task = task;
    pd->vcpu = vcpu;
    pd->cb_data = cb_data;
    pd->show = show;
    pd->rec = g_steal_pointer(&rec);
    pd->ancestors = g_steal_pointer(&ancestors);
    if (g_hash_table_contains(e->pending, &pd->slot))
      g_warning("return slot %#" G_GINT64_MODIFIER "x reused before its return", rsp);
    g_hash_table_replace(e->pending, &pd->slot, pd);
  } else if (rec && show) {
    emit(e, rec);
  }
  return gt_engine_pass_bp(e, vcpu, p, error);
}

void
gt_engine_finish_pending(GtEngine *e, GtPending *pd, const GtRegs *regs, gboolean returned)
{
  GtGuestState st = {
    .engine = e, .vmi = e->vmi, .probe = pd->probe, .task = &pd->task,
    .is_return = TRUE, .event = { GT_EVENT_RETURN, pd->probe->func, pd->vcpu },
  };
  if (returned) {
    st.regs = *regs;
    st.retval = gt_syscall_meta_result(pd->probe->meta, regs->r[GT_REG_RAX]);
  }
  gt_engine_meter_begin(e);
  if (returned && pd->probe->ret_cb)
    pd->probe->ret_cb(&st, pd->task.pid, pd->task.tid, pd->cb_data);
  if (returned && pd->rec) {
    pd->rec->has_result = TRUE;
    pd->rec->result = st.retval;
    pd->rec->ret_ts_ns = gt_now_ns();
    GtArgReader rd = gt_state_arg_reader(&st);
    gt_decode_return(pd->rec, &rd);
  }
  if (gt_engine_meter_end(e) && pd->rec)
    pd->rec->budget_spent |= GT_SPENT_OUT;
  if (!pd->rec)
    return;
  if (returned)
    gt_enforcer_at_return(e->enforcer, pd->rec, pd->ancestors);
  if (pd->show)
    emit(e, pd->rec);
}

gboolean
gt_engine_journal_slot(GtEngine *e, guint64 slot, GtPending *out)
{
  guint64 pa = 0, ours = 0, orig = 0;
  if (!e->trampoline || !gt_mem_translate(e->vmi->mem, e->vmi->kcr3, slot, &pa, NULL) ||
      !gt_journal_slot_redirect(e->vmi->driver->journal, pa, slot, &ours, &orig) ||
      ours != e->trampoline)
    return FALSE;
  *out = (GtPending){ .slot = slot, .slot_pa = pa, .orig_ret = orig };
  return TRUE;
}

/* A return through a slot that a dead session redirected and recovery
 * could not put back (the journal still lists it): sent on to its real
 * return address, and the slot repaired now. */
static gboolean
return_left_by_dead_session(GtEngine *e, guint vcpu, guint64 slot, GError **error)
{
  GtPending pd;
  if (!gt_engine_journal_slot(e, slot, &pd)) {
    g_set_error(error, GT_ERROR, GT_ERROR_FAILED,
                "return trap hit on vCPU %u with no matching call (slot %#"
                G_GINT64_MODIFIER "x)", vcpu, slot);
    return FALSE;
  }
  if (!gt_engine_set_reg(e, vcpu, GT_REG_RIP, pd.orig_ret, error))
    return FALSE;
  g_autoptr(GError) serr = NULL;
  if (!gt_engine_restore_slot(e, &pd, &serr))
    g_warning("return slot %#" G_GINT64_MODIFIER "x left by a dead session: %s", slot,
              serr->message);
  else
    g_message("a call whose return a dead session redirected has returned: sent on to %#"
              G_GINT64_MODIFIER "x, its slot %#" G_GINT64_MODIFIER "x repaired", pd.orig_ret,
              slot);
  return TRUE;
}

gboolean
gt_engine_handle_return(GtEngine *e, guint vcpu, const GtRegs *regs, GError **error)
{
  /* The trap is reached by `ret`, which popped the redirected slot. */
  guint64 slot = regs->r[GT_REG_RSP] - 8;
  GtPending *pd = g_hash_table_lookup(e->pending, &slot);
  if (!pd)
    return return_left_by_dead_session(e, vcpu, slot, error);
  if (!gt_engine_set_reg(e, vcpu, GT_REG_RIP, pd->orig_ret, error))
    return FALSE;
  /* The popped slot still holds the trap: the stack gets its own bytes
   * back (the vCPU is stopped; nothing else uses its stack). */
  g_autoptr(GError) serr = NULL;
  if (!gt_engine_restore_slot(e, pd, &serr))
    g_warning("after the return at %s: %s", pd->probe->name, serr->message);
  g_hash_table_steal(e->pending, &slot);
  gt_engine_finish_pending(e, pd, regs, TRUE);
  gt_pending_free(pd);
  return TRUE;
}
