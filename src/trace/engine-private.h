/* The engine's state, shared by its files: engine.c (probes, start, stop,
 * reload), calls.c (what happens at a call and at a return) and
 * guest-read.c (reading the caller's memory and arguments). */
#pragma once

#include "trace/engine.h"
#include "trace/record-private.h"
#include "decode/decode.h"
#include "policy/select.h"
#include "policy/enforce.h"
#include "policy/config.h"

typedef struct {
  guint64 slot;          /* kernel stack address of the return address */
  guint64 slot_pa;       /* its guest-physical address (journalled) */
  guint64 orig_ret;      /* the real return address */
  GtProbe *probe;
  GtTaskInfo task;
  guint vcpu;
  void *cb_data;         /* what the GtSyscallFunc returned */
  GtRecord *rec;         /* the record being built, or NULL */
  gboolean show;         /* rec goes to the record callback */
  GArray *ancestors;     /* GtTaskInfo, for post filters; NULL if unused */
} GtPending;

struct GtEngine {
  GtVmi *vmi;
  GtLinux *lx;
  GHashTable *meta;             /* name -> GtSyscallMeta* */
  GPtrArray *probes;            /* the live probes; owns them */
  GPtrArray *retired;           /* probes a reload removed; kept for pending returns */
  GHashTable *by_bp;            /* bp address -> GtProbe* */
  GArray *inserted;             /* breakpoint addresses in the guest */
  guint64 trampoline;
  gboolean trampoline_in;       /* its breakpoint is inserted */
  GHashTable *pending;          /* slot -> GtPending* */
  gboolean started;
  GError *halted;         /* see gt_engine_halted() */
  guint64 stops;
  guint stop_vcpu;              /* vCPU of the last stop handled */
  gboolean want_results;
  GtDecodeOptions decode_opts;  /* -s, -x/-xx, -y */
  GtSelect *select;
  GtEnforcer *enforcer;
  GtRecordFunc record_cb;
  gpointer record_data;
  GDestroyNotify record_destroy;
  /* pt_regs offsets of the 32-bit syscall arguments (bx, cx, dx, si, di, bp). */
  guint ia32_off[6];
  gboolean ia32_ok;
  /* Below every user-pointer read (gt_engine_set_user_fallback). */
  GtUserFallbackFn user_fallback;
  gpointer user_fallback_data;
  /* Reads one stop may make beyond the tracer's own (GT_STOP_BUDGET_*),
   * what the current stop has left, and its process list (read at most
   * once per stop; procs_spent: the budget ran out reading it). */
  GtMemBudget budget;
  GtMemBudget left;
  GArray *stop_procs;
  gboolean procs_spent;
  /* How long each stop held the guest (µs), and the longest. */
  GArray *stop_us;
  guint32 stop_worst_us;
  /* The kernel stack of a task: task_struct.stack and THREAD_SIZE; 0 when
   * the kernel does not say (then a slot is not checked against it). */
  guint task_stack_off;
  guint64 thread_size;
  /* Counted, not fatal: calls whose reading failed (record dropped),
   * returns left untrapped because the slot did not look right, stops in
   * user mode at one of our addresses. */
  guint64 dropped, untrapped, user_stops;
};

/* Default read budget of one stop: enough for an execve with 256 arguments
 * of 4 KiB each, bounded so that a hostile guest cannot hold the vCPUs
 * for long (at most this many physical reads at the driver). */
#define GT_STOP_BUDGET_READS 16384
#define GT_STOP_BUDGET_BYTES (4u << 20)

/* Begins a stop: a fresh budget, no process list yet. */
void gt_engine_stop_begin(GtEngine *e);
/* Brackets reads that serve output or filters (decoding, callbacks,
 * ancestors, the process list): they are charged to the stop's budget.
 * _end returns whether the budget ran out inside. */
void gt_engine_meter_begin(GtEngine *e);
gboolean gt_engine_meter_end(GtEngine *e);
/* The process list for this stop, read once (metered); NULL on failure. */
GArray *gt_engine_stop_processes(GtEngine *e, GError **error);

void gt_pending_free(GtPending *p);
/* The one rule for "this call's return is trapped". show: the call is
 * reported; enforce: the enforcer sees it. With both TRUE it answers "can a
 * call of p have its return trapped", which decides whether the trap is
 * placed. */
gboolean gt_engine_return_wanted(GtEngine *e, const GtProbe *p, gboolean show,
                                 gboolean enforce);
/* Puts the real return address back in pd's slot if it still holds the
 * trap, and notes in the journal that the slot is no longer ours. FALSE
 * (the journal keeps it for recovery) if it cannot. */
gboolean gt_engine_restore_slot(GtEngine *e, const GtPending *pd, GError **error);
/* The return a dead session redirected through slot and recovery could
 * not put back, from the journal (as a GtPending without a call): FALSE
 * if the journal lists no such slot for our trap. */
gboolean gt_engine_journal_slot(GtEngine *e, guint64 slot, GtPending *out);
/* Places the return trap if it is not in place (guest stopped). */
gboolean gt_engine_ensure_trap(GtEngine *e, GError **error);
/* Passes a breakpoint without executing anything of ours: over the ftrace
 * NOP, or by stepping the original instruction. */
gboolean gt_engine_pass_bp(GtEngine *e, guint vcpu, const GtProbe *p, GError **error);
/* TRUE when err means the hypervisor (or the guest) is gone, the only
 * errors that end tracing; others cost one call. */
gboolean gt_engine_error_is_fatal(const GError *err);
gboolean gt_engine_set_reg(GtEngine *e, guint vcpu, gt_reg_name_t reg, guint64 v,
                           GError **error);
/* Completes a pending call: return callback, out-parameters, post filters,
 * the record. regs is NULL when the call did not return (quit). */
void gt_engine_finish_pending(GtEngine *e, GtPending *pd, const GtRegs *regs, gboolean returned);
gboolean gt_engine_handle_call(GtEngine *e, GtProbe *p, guint vcpu, const GtRegs *regs,
                               GError **error);
gboolean gt_engine_handle_return(GtEngine *e, guint vcpu, const GtRegs *regs, GError **error);

/* guest-read.c */
gboolean gt_engine_read_args(GtEngine *e, GtGuestState *st, GError **error);
GtArgReader gt_state_arg_reader(GtGuestState *st);
