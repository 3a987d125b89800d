/* The tracing engine: probes, breakpoints, starting, stopping and
 * reloading. See engine.h for the method; what happens at each call is in
 * calls.c. */
#include "trace/engine-private.h"
#include "trace/trampoline.h"
#include "driver/journal.h"

#include <string.h>

static void
find_ia32_offsets(GtEngine *e)
{
  static const char *const names[6] = { "bx", "cx", "dx", "si", "di", "bp" };
  GtKernelBtf *btf = gt_linux_btf(e->lx);
  e->ia32_ok = btf != NULL;
  for (guint i = 0; e->ia32_ok && i < 6; i++)
    e->ia32_ok = gt_kbtf_member_offset(btf, "pt_regs", names[i], &e->ia32_off[i], NULL, NULL);
}

/* Where a task's kernel stack is: task_struct.stack, and THREAD_SIZE as the
 * size of union thread_union (BTF), or the extent of init_task's stack
 * between the symbols init_stack and __end_init_task. */
static void
find_stack_layout(GtEngine *e)
{
  GtKernelBtf *btf = gt_linux_btf(e->lx);
  guint size = 0;
  if (btf && gt_kbtf_member_offset(btf, "task_struct", "stack", &e->task_stack_off, NULL, NULL) &&
      gt_kbtf_struct_size(btf, "thread_union", &size, NULL))
    e->thread_size = size;
  guint64 lo = 0, hi = 0;
  if (!e->thread_size && gt_symbols_lookup(e->vmi->syms, "init_stack", &lo) &&
      gt_symbols_lookup(e->vmi->syms, "__end_init_task", &hi) && hi > lo && hi - lo <= (1 << 20))
    e->thread_size = hi - lo;
  if (!e->task_stack_off || !e->thread_size) {
    e->task_stack_off = 0;
    e->thread_size = 0;
    g_debug("no kernel stack layout: return slots are not checked against the task's stack");
  }
}

GtEngine *
gt_engine_new(GtVmi *vmi, const char *profile, GError **error)
{
  g_autoptr(GtLinux) lx = gt_linux_new(vmi->mem, vmi->syms, vmi->kcr3, profile, error);
  if (!lx)
    return NULL;
  g_autoptr(GError) merr = NULL;
  GHashTable *meta = gt_linux_syscall_metadata(lx, &merr);
  if (!meta) {
    g_warning("no syscall metadata from the kernel (%s): arguments are shown unnamed",
              merr->message);
    meta = g_hash_table_new(g_str_hash, g_str_equal);
  }
  return gt_engine_new_for(vmi, g_steal_pointer(&lx), meta);
}

GtEngine *
gt_engine_new_for(GtVmi *vmi, GtLinux *lx, GHashTable *meta)
{
  GtEngine *e = g_new0(GtEngine, 1);
  e->vmi = vmi;
  e->budget = (GtMemBudget){ GT_STOP_BUDGET_READS, GT_STOP_BUDGET_BYTES };
  e->left = e->budget;
  e->stop_us = g_array_new(FALSE, FALSE, sizeof(guint32));
  gt_engine_set_user_fallback(e, gt_engine_unfaulted_fallback, NULL);
  e->lx = lx;
  e->meta = meta;
  e->probes = g_ptr_array_new_with_free_func((GDestroyNotify)gt_probe_free);
  e->by_bp = g_hash_table_new(g_int64_hash, g_int64_equal);
  e->retired = g_ptr_array_new_with_free_func((GDestroyNotify)gt_probe_free);
  e->pending = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL,
                                     (GDestroyNotify)gt_pending_free);
  e->inserted = g_array_new(FALSE, FALSE, sizeof(guint64));
  e->want_results = TRUE;
  gt_decode_options_init(&e->decode_opts);
  e->select = gt_select_new();
  e->enforcer = gt_enforcer_new();
  find_ia32_offsets(e);
  find_stack_layout(e);
  return e;
}

void
gt_engine_free(GtEngine *e)
{
  if (!e)
    return;
  g_clear_error(&e->halted);
  g_hash_table_destroy(e->pending);
  g_hash_table_destroy(e->by_bp);
  g_ptr_array_free(e->probes, TRUE);
  g_ptr_array_free(e->retired, TRUE);
  gt_enforcer_free(e->enforcer);
  g_array_free(e->inserted, TRUE);
  g_hash_table_destroy(e->meta);
  gt_select_free(e->select);
  if (e->stop_procs)
    g_array_unref(e->stop_procs);
  g_array_unref(e->stop_us);
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
const GError *gt_engine_halted(GtEngine *e) { return e->halted; }

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
GtDecodeOptions *gt_engine_decode_options(GtEngine *e) { return &e->decode_opts; }
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
  g_autoptr(GtProbe) p = gt_probe_resolve(e->vmi, e->meta, gt_linux_btf(e->lx), name, error);
  if (!p)
    return FALSE;
  GtProbe *existing = g_hash_table_lookup(e->by_bp, &p->bp);
  if (!existing) {
    existing = g_steal_pointer(&p);
    g_ptr_array_add(e->probes, existing);
    g_hash_table_insert(e->by_bp, &existing->bp, existing);
  }
  if (call_cb || ret_cb) {
    existing->call_cb = call_cb;
    existing->ret_cb = ret_cb;
    existing->user_data = user_data;
  }
  existing->record |= record;
  existing->base = TRUE;
  return TRUE;
}

GtEnforcer *gt_engine_enforcer(GtEngine *e) { return e->enforcer; }

/* The handler symbols of every 64-bit system call the kernel numbers, as a
 * NULL-terminated array. */
static GPtrArray *
all_syscall_symbols(GtEngine *e)
{
  GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init(&it, e->meta);
  while (g_hash_table_iter_next(&it, &key, &value))
    if (((const GtSyscallMeta *)value)->nr >= 0)
      g_ptr_array_add(out, g_strconcat("__x64_sys_", (char *)key, NULL));
  g_ptr_array_add(out, NULL);
  return out;
}

gboolean
gt_engine_add_all_syscalls(GtEngine *e, GError **error)
{
  guint added = 0;
  g_autoptr(GPtrArray) syms = all_syscall_symbols(e);
  for (guint i = 0; syms->pdata[i]; i++) {
    g_autoptr(GError) err = NULL;
    if (gt_engine_add(e, syms->pdata[i], NULL, NULL, NULL, TRUE, &err))
      added++;
    else
      g_debug("not tracing %s: %s", (char *)syms->pdata[i], err->message);
  }
  if (!added)
    g_set_error(error, GT_ERROR, GT_ERROR_NOT_FOUND,
                "the kernel lists no traceable system calls (no syscall tracepoint metadata?)");
  return added > 0;
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
  e->trampoline_in = FALSE;
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
gt_engine_ensure_trap(GtEngine *e, GError **error)
{
  if (e->trampoline_in)
    return TRUE;
  if (!e->trampoline && !gt_trampoline_find(e->vmi, &e->trampoline, error))
    return FALSE;
  if (!insert_bp(e, e->trampoline, error))
    return FALSE;
  e->trampoline_in = TRUE;
  return TRUE;
}

/* Whether any of probes (NULL entries skipped) can have a return trapped. */
static gboolean
any_return_wanted(GtEngine *e, GPtrArray *probes)
{
  for (guint i = 0; i < probes->len; i++)
    if (probes->pdata[i] && gt_engine_return_wanted(e, probes->pdata[i], TRUE, TRUE))
      return TRUE;
  return FALSE;
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
  /* The trap first: a probe must never fire before its return can be
   * caught. Return slots a dead session redirected and recovery could not
   * put back need it too. */
  if ((any_return_wanted(e, e->probes) ||
       gt_journal_slots_in_force(e->vmi->driver->journal)) &&
      !gt_engine_ensure_trap(e, error))
    return FALSE;
  for (guint i = 0; i < e->probes->len; i++) {
    GtProbe *p = e->probes->pdata[i];
    if (!insert_bp(e, p->bp, error)) {
      g_prefix_error(error, "cannot trace %s: ", p->name);
      remove_all_breakpoints(e);
      return FALSE;
    }
  }
  e->started = TRUE;
  return TRUE;
}

gboolean
gt_engine_error_is_fatal(const GError *err)
{
  return err->domain == GT_ERROR &&
         (err->code == GT_ERROR_GUEST_GONE || err->code == GT_ERROR_CONNECT ||
          err->code == GT_ERROR_TIMEOUT || err->code == GT_ERROR_PROTOCOL);
}

/* A vCPU in user mode at one of our addresses (under TCG QEMU matches a
 * breakpoint before the CPU faults on a user jump into kernel text) is not
 * a call: nothing is read or written, the instruction is executed for real
 * (it faults in the guest; the driver steps over its own breakpoint). */
static gboolean
pass_user_stop(GtEngine *e, guint vcpu, guint64 rip, GError **error)
{
  e->user_stops++;
  g_debug("vCPU %u in user mode at %#" G_GINT64_MODIFIER "x: not a call", vcpu, rip);
  GtDriver *d = e->vmi->driver;
  return !d->ops->step || d->ops->step(d, vcpu, error);
}

static gboolean
handle_stop(GtEngine *e, const GtStop *stop, GError **error)
{
  GtDriver *d = e->vmi->driver;
  e->stop_vcpu = stop->vcpu;
  gt_mem_invalidate(e->vmi->mem);
  gt_engine_stop_begin(e);
  GtRegs regs;
  if (!d->ops->get_regs(d, stop->vcpu, &regs, error))
    return FALSE;
  guint64 rip = regs.r[GT_REG_RIP];
  gboolean ours = (e->trampoline_in && rip == e->trampoline) ||
                  g_hash_table_contains(e->by_bp, &rip);
  if (ours && (regs.r[GT_REG_CS] & 3))
    return pass_user_stop(e, stop->vcpu, rip, error);
  if (e->trampoline_in && rip == e->trampoline)
    return gt_engine_handle_return(e, stop->vcpu, &regs, error);
  GtProbe *p = g_hash_table_lookup(e->by_bp, &rip);
  if (p)
    return gt_engine_handle_call(e, p, stop->vcpu, &regs, error);
  /* Not ours (e.g. a pause that raced with a breakpoint): nothing to do. */
  return TRUE;
}

/* Most stop durations kept for the median (later ones count in worst). */
#define STOP_SAMPLES_MAX (1u << 20)

gboolean
gt_engine_handle_stop(GtEngine *e, const GtStop *stop, GError **error)
{
  gint64 t0 = g_get_monotonic_time();
  e->stops++;
  gboolean ok = handle_stop(e, stop, error);
  guint32 us = (guint32)MIN(g_get_monotonic_time() - t0, (gint64)G_MAXUINT32);
  e->stop_worst_us = MAX(e->stop_worst_us, us);
  if (e->stop_us->len < STOP_SAMPLES_MAX)
    g_array_append_val(e->stop_us, us);
  return ok;
}

static gint
cmp_u32(gconstpointer a, gconstpointer b)
{
  guint32 x = *(const guint32 *)a, y = *(const guint32 *)b;
  return x < y ? -1 : x > y;
}

gboolean
gt_engine_stop_times(GtEngine *e, guint64 *median_us, guint64 *worst_us)
{
  if (e->stop_us->len == 0)
    return FALSE;
  g_autoptr(GArray) sorted = g_array_copy(e->stop_us);
  g_array_sort(sorted, cmp_u32);
  *median_us = g_array_index(sorted, guint32, sorted->len / 2);
  *worst_us = e->stop_worst_us;
  return TRUE;
}

/* After a stop: a per-vCPU driver releases that vCPU alone; an all-stop
 * one lets every vCPU run. */
gboolean
gt_engine_resume(GtEngine *e, GError **error)
{
  GtDriver *dr = e->vmi->driver;
  if (dr->ops->resume_vcpu)
    return dr->ops->resume_vcpu(dr, e->stop_vcpu, error);
  return dr->ops->resume(dr, error);
}

/* A vCPU stopped exactly at the trap has popped its slot but not yet been
 * sent back: send it back now, or it would execute int3 once we are gone.
 * FALSE if a vCPU may be left on the trap (its registers cannot be read,
 * or it cannot be sent back): then only recovery can send it back, from
 * its slot's entry in the journal, which must stay. */
static gboolean
unwind_vcpus_at_trap(GtEngine *e)
{
  GtDriver *d = e->vmi->driver;
  gboolean sure = TRUE;
  for (guint cpu = 0; cpu < e->vmi->nvcpus; cpu++) {
    GtRegs regs;
    g_autoptr(GError) err = NULL;
    if (!d->ops->get_regs(d, cpu, &regs, &err)) {
      g_warning("vCPU %u may be on the return trap (cannot read its registers): %s", cpu,
                err->message);
      sure = FALSE;
      continue;
    }
    if (regs.r[GT_REG_RIP] != e->trampoline)
      continue;
    guint64 slot = regs.r[GT_REG_RSP] - 8;
    GtPending *pd = g_hash_table_lookup(e->pending, &slot);
    GtPending left;
    if (!pd && gt_engine_journal_slot(e, slot, &left))
      pd = &left;   /* a return a dead session redirected (recovery could not repair it) */
    if (!pd || !gt_engine_set_reg(e, cpu, GT_REG_RIP, pd->orig_ret, &err)) {
      g_warning("vCPU %u is at the return trap and cannot be sent back: %s", cpu,
                err ? err->message : "no matching call");
      sure = FALSE;
      continue;
    }
    g_autoptr(GError) serr = NULL;
    if (!gt_engine_restore_slot(e, pd, &serr))
      g_warning("vCPU %u: %s", cpu, serr->message);
    if (pd == &left)
      continue;
    g_hash_table_steal(e->pending, &slot);
    gt_engine_finish_pending(e, pd, &regs, TRUE);
    gt_pending_free(pd);
  }
  return sure;
}

/* Pauses a running guest. Breakpoints may have been hit just before the
 * pause (one under all-stop, one per vCPU under per-vCPU stops): each is
 * handled, so no call is lost and a call reaching its return trap is
 * completed. */
static gboolean
pause_and_settle(GtEngine *e, GError **error)
{
  GtDriver *d = e->vmi->driver;
  if (!d->ops->pause(d, error))
    return FALSE;
  for (guint i = 0; i <= e->vmi->nvcpus; i++) {
    GtStop stop;
    g_autoptr(GError) serr = NULL;
    if (!d->ops->wait(d, 0, &stop, &serr) || stop.kind == GT_STOP_NONE)
      break;
    if (stop.kind == GT_STOP_BREAKPOINT && !gt_engine_handle_stop(e, &stop, &serr))
      g_warning("while pausing: %s", serr->message);
  }
  gt_mem_invalidate(e->vmi->mem);
  return TRUE;
}

/* Tries at a request whose failure would hurt the guest: putting a return
 * address back when the tracer stops (a blocked call would return into the
 * trap's int3 after we are gone), letting the guest run after a reload (it
 * would stay paused while the loop waits for its stops). A request the
 * hypervisor refuses once (a busy stub) is retried; errors that mean the
 * connection is gone are not (recovery repairs from the journal). */
#define RESTORE_TRIES 3

static gboolean
restore_slot_retrying(GtEngine *e, const GtPending *pd, GError **error)
{
  for (guint i = 1;; i++) {
    g_autoptr(GError) err = NULL;
    if (gt_engine_restore_slot(e, pd, &err))
      return TRUE;
    if (i == RESTORE_TRIES || gt_engine_error_is_fatal(err)) {
      g_propagate_error(error, g_steal_pointer(&err));
      return FALSE;
    }
  }
}

/* Ends tracing: every vCPU off the trap, every redirected return address
 * back, every breakpoint removed, the guest running. Where one of those
 * cannot be done, what is left must stay safe with nobody attached: while
 * a return slot may still hold the trap address (the journal says so:
 * gt_journal_slots_in_force, the same predicate gt_driver_end uses to
 * abandon rather than detach), the breakpoints stay and the guest stays
 * paused, for the guardian or `guestrace recover` to repair from the
 * journal; FALSE says so. */
gboolean
gt_engine_stop(GtEngine *e, GError **error)
{
  if (!e->started)
    return TRUE;
  GtDriver *d = e->vmi->driver;
  if (!pause_and_settle(e, error))
    return FALSE;
  /* A vCPU that may be on the trap needs its slot's journal entry: then
   * every slot is left to recovery. */
  gboolean sure = !e->trampoline || unwind_vcpus_at_trap(e);
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, e->pending);
  while (g_hash_table_iter_next(&it, NULL, &value)) {
    GtPending *pd = value;
    g_autoptr(GError) err = NULL;
    if (sure && !restore_slot_retrying(e, pd, &err))
      g_warning("cannot restore the return address at %#" G_GINT64_MODIFIER "x (the "
                "journal keeps it for recovery): %s", pd->slot, err->message);
    gt_engine_finish_pending(e, pd, NULL, FALSE);
    g_hash_table_iter_remove(&it);
  }
  e->started = FALSE;
  if (gt_journal_slots_in_force(d->journal)) {
    g_array_set_size(e->inserted, 0);   /* left in place, the trap's above all */
    e->trampoline_in = FALSE;
    g_set_error(error, GT_ERROR, GT_ERROR_FAILED,
                "return addresses still lead to the trap: its breakpoint stays and the "
                "guest stays paused until it is repaired");
    return FALSE;
  }
  remove_all_breakpoints(e);
  return d->ops->resume(d, error);
}

/* ---- configs --------------------------------------------------------- */

/* The probes a config asks for, resolved but not placed. */
static GPtrArray *
resolve_config(GtEngine *e, const GtConfig *config, GError **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)gt_probe_free);
  g_autoptr(GHashTable) seen = g_hash_table_new(g_int64_hash, g_int64_equal);
  const char *const *names = gt_config_functions(config);
  g_autoptr(GPtrArray) all = NULL;
  gboolean everything = names == NULL;
  if (everything) {
    all = all_syscall_symbols(e);
    names = (const char *const *)all->pdata;
  }
  for (const char *const *n = names; *n; n++) {
    g_autoptr(GError) err = NULL;
    GtProbe *p = gt_probe_resolve(e->vmi, e->meta, gt_linux_btf(e->lx), *n, &err);
    if (!p) {
      if (everything) {
        g_debug("not tracing %s: %s", *n, err->message);
        continue;
      }
      g_propagate_prefixed_error(error, g_steal_pointer(&err), "config: ");
      return NULL;
    }
    if (g_hash_table_contains(seen, &p->bp)) {
      gt_probe_free(p);
      continue;
    }
    p->record = TRUE;
    p->from_config = TRUE;
    g_ptr_array_add(out, p);
    g_hash_table_add(seen, &p->bp);
  }
  return g_steal_pointer(&out);
}

static void
remove_bp(GtEngine *e, guint64 addr)
{
  GtDriver *d = e->vmi->driver;
  g_autoptr(GError) err = NULL;
  if (!d->ops->remove_bp(d, addr, &err))
    g_warning("cannot remove breakpoint at %#" G_GINT64_MODIFIER "x: %s", addr, err->message);
  for (guint i = 0; i < e->inserted->len; i++)
    if (g_array_index(e->inserted, guint64, i) == addr) {
      g_array_remove_index_fast(e->inserted, i);
      break;
    }
}

/* While tracing: place the new probes first (undone if one fails), then
 * take away the config probes the new config does not name. Adopted
 * entries of fresh are set to NULL. */
static gboolean
swap_probes(GtEngine *e, GPtrArray *fresh, GError **error)
{
  g_autoptr(GHashTable) wanted = g_hash_table_new(g_int64_hash, g_int64_equal);
  g_autoptr(GArray) added = g_array_new(FALSE, FALSE, sizeof(guint));
  for (guint i = 0; i < fresh->len; i++) {
    GtProbe *p = fresh->pdata[i];
    g_hash_table_add(wanted, &p->bp);
    if (g_hash_table_contains(e->by_bp, &p->bp))
      continue;
    if (!insert_bp(e, p->bp, error)) {
      g_prefix_error(error, "cannot trace %s: ", p->name);
      for (guint k = 0; k < added->len; k++)
        remove_bp(e, ((GtProbe *)fresh->pdata[g_array_index(added, guint, k)])->bp);
      return FALSE;
    }
    g_array_append_val(added, i);
  }
  /* Committed: nothing below can fail. */
  for (guint i = e->probes->len; i-- > 0;) {
    GtProbe *p = e->probes->pdata[i];
    if (g_hash_table_contains(wanted, &p->bp)) {
      p->from_config = p->record = TRUE;
    } else if (p->from_config && !p->base) {
      remove_bp(e, p->bp);
      g_hash_table_remove(e->by_bp, &p->bp);
      g_ptr_array_add(e->retired, g_ptr_array_steal_index(e->probes, i));
    } else {
      p->from_config = FALSE;
    }
  }
  for (guint k = 0; k < added->len; k++) {
    guint i = g_array_index(added, guint, k);
    GtProbe *p = fresh->pdata[i];
    fresh->pdata[i] = NULL;
    g_ptr_array_add(e->probes, p);
    g_hash_table_insert(e->by_bp, &p->bp, p);
  }
  return TRUE;
}

gboolean
gt_engine_set_config(GtEngine *e, GtConfig *config, GError **error)
{
  /* Every name is resolved before anything changes. */
  g_autoptr(GPtrArray) fresh = resolve_config(e, config, error);
  if (!fresh)
    return FALSE;
  if (!e->started) {
    for (guint i = 0; i < fresh->len; i++) {
      GtProbe *p = fresh->pdata[i];
      GtProbe *old = g_hash_table_lookup(e->by_bp, &p->bp);
      if (old) {
        old->record = old->from_config = TRUE;
        continue;
      }
      fresh->pdata[i] = NULL;
      g_ptr_array_add(e->probes, p);
      g_hash_table_insert(e->by_bp, &p->bp, p);
    }
    gt_config_free(gt_enforcer_swap_config(e->enforcer, config));
    return TRUE;
  }
  GtDriver *d = e->vmi->driver;
  if (!pause_and_settle(e, error))
    return FALSE;
  /* The new config decides which returns are trapped: put it in force
   * first, and back out if the probes cannot be placed. */
  GtConfig *old = gt_enforcer_swap_config(e->enforcer, config);
  gboolean ok = ((!any_return_wanted(e, e->probes) && !any_return_wanted(e, fresh)) ||
                 gt_engine_ensure_trap(e, error)) &&
                swap_probes(e, fresh, error);
  if (ok)
    gt_config_free(old);
  else
    gt_enforcer_swap_config(e->enforcer, old);  /* config goes back to the caller */
  g_autoptr(GError) rerr = NULL;
  for (guint i = 1; !d->ops->resume(d, &rerr); i++) {
    if (i == RESTORE_TRIES || gt_engine_error_is_fatal(rerr)) {
      /* The config is in force (ok) and the engine owns it: that is not a
       * failure of the reload, whose caller would free it. */
      g_clear_error(&e->halted);
      e->halted = g_error_new(GT_ERROR, GT_ERROR_FAILED, "cannot let the guest run after "
                              "the reload: %s", rerr->message);
      break;
    }
    g_clear_error(&rerr);
  }
  return ok;
}
