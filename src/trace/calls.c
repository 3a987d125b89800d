/* What happens at a traced call and at its return: who called, the
 * arguments, callbacks, filters and actions, the return redirect, and the
 * record. Every decision about one call is made here. */
#include "trace/engine-private.h"

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

/* The caller's ancestors, read only when a filter for this call needs
 * them, charged to the stop's budget. */
static GArray *
read_ancestors(GtEngine *e, const GtProbe *p, guint64 task_addr, GtRecord *rec)
{
  if (!gt_enforcer_needs_ancestors(e->enforcer, p->name))
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

/* Abort: return to the caller at once with the chosen value, as if the
 * function's first instruction were `ret`. */
static gboolean
hijack(GtEngine *e, guint vcpu, guint64 rsp, gint64 value, GError **error)
{
  guint64 ret_addr = 0;
  return gt_mem_read_u64(e->vmi->mem, e->vmi->kcr3, rsp, &ret_addr, error) &&
         gt_engine_set_reg(e, vcpu, GT_REG_RAX, (guint64)value, error) &&
         gt_engine_set_reg(e, vcpu, GT_REG_RSP, rsp + 8, error) &&
         gt_engine_set_reg(e, vcpu, GT_REG_RIP, ret_addr, error);
}

/* Executes the instruction under a breakpoint (the driver passes over its
 * own breakpoint). The guest stays stopped throughout. */
static gboolean
step_over(GtEngine *e, guint vcpu, GError **error)
{
  GtDriver *d = e->vmi->driver;
  return d->ops->step(d, vcpu, error);
}

gboolean
gt_engine_handle_call(GtEngine *e, GtProbe *p, guint vcpu, const GtRegs *regs, GError **error)
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
      !gt_engine_read_args(e, &st, error)) {
    g_prefix_error(error, "at %s on vCPU %u: ", p->name, vcpu);
    return FALSE;
  }
  st.task = &task;

  gt_engine_meter_begin(e);
  void *cb_data = p->call_cb ? p->call_cb(&st, task.pid, task.tid, p->user_data) : NULL;
  gboolean show = p->record && e->record_cb && gt_select_match(e->select, &task);
  gboolean enforce = p->record && gt_enforcer_active(e->enforcer);
  g_autoptr(GtRecord) rec = show || enforce ? build_record(&st, &task) : NULL;
  if (gt_engine_meter_end(e) && rec)
    rec->budget_spent |= GT_SPENT_ARGS;
  g_autoptr(GArray) ancestors = NULL;
  if (enforce) {
    ancestors = read_ancestors(e, p, task_addr, rec);
    gint64 value = 0;
    if (gt_enforcer_at_call(e->enforcer, rec, ancestors, process_list, e, &value) &&
        !st.hijack) {
      st.hijack = TRUE;
      st.hijack_value = value;
    }
    if (e->procs_spent)
      rec->budget_spent |= GT_SPENT_PROCESSES;
  }
  guint64 rsp = regs->r[GT_REG_RSP];

  if (st.hijack) {
    if (!hijack(e, vcpu, rsp, st.hijack_value, error))
      return FALSE;
    st.is_return = TRUE;
    st.retval = st.hijack_value;
    st.event.kind = GT_EVENT_RETURN;
    if (p->ret_cb)
      p->ret_cb(&st, task.pid, task.tid, cb_data);
    if (rec && show) {
      rec->has_result = TRUE;
      rec->result = st.hijack_value;
      rec->aborted = TRUE;
      rec->ret_ts_ns = gt_now_ns();
      emit(e, rec);
    }
    return TRUE;
  }

  gboolean has_result = !(p->meta && p->meta->returns_void);
  gboolean want_ret = !p->noreturn &&
                      (p->ret_cb || (show && e->want_results && has_result) ||
                       (enforce && gt_enforcer_needs_return(e->enforcer, p->name)));
  if (want_ret) {
    GtPending *pd = g_new0(GtPending, 1);
    pd->slot = rsp;
    pd->probe = p;
    pd->task = task;
    pd->vcpu = vcpu;
    pd->cb_data = cb_data;
    pd->show = show;
    if (!gt_mem_read_u64(e->vmi->mem, e->vmi->kcr3, rsp, &pd->orig_ret, error) ||
        !gt_mem_write(e->vmi->mem, e->vmi->kcr3, rsp, &e->trampoline, 8, error)) {
      g_free(pd);
      return FALSE;
    }
    pd->rec = g_steal_pointer(&rec);
    pd->ancestors = g_steal_pointer(&ancestors);
    if (g_hash_table_contains(e->pending, &pd->slot))
      g_warning("return slot %#" G_GINT64_MODIFIER "x reused before its return", rsp);
    g_hash_table_replace(e->pending, &pd->slot, pd);
  } else if (rec && show) {
    emit(e, rec);
  }
  if (p->skip)
    return gt_engine_set_reg(e, vcpu, GT_REG_RIP, p->bp + p->skip, error);
  return step_over(e, vcpu, error);
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
gt_engine_handle_return(GtEngine *e, guint vcpu, const GtRegs *regs, GError **error)
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
  if (!gt_engine_set_reg(e, vcpu, GT_REG_RIP, pd->orig_ret, error))
    return FALSE;
  g_hash_table_steal(e->pending, &slot);
  gt_engine_finish_pending(e, pd, regs, TRUE);
  gt_pending_free(pd);
  return TRUE;
}
