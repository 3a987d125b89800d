/* The tracing engine: probes, breakpoints, call/return pairing, hijacking.
 *
 * Calls are caught by a breakpoint on the function's ftrace NOP, passed over
 * by moving RIP (no single-step). Returns are caught only when someone needs
 * them, by redirecting the return address on the guest's kernel stack to a
 * trap address (an unreachable int3 in the dispatcher, see trampoline.h)
 * and putting the real address back in RIP at the trap. The stack slot's
 * address identifies the call: kernel stacks are per thread, so this pairs
 * correctly under nesting, preemption and several vCPUs. Untraced system
 * calls cost no stop at all. */
#pragma once

#include <guestrace/guestrace.h>
#include "vmi/vmi.h"
#include "trace/state.h"
#include "decode/decode.h"

GtEngine *gt_engine_new(GtVmi *vmi, const char *profile, GError **error);
/* The same from a Linux view and syscall metadata (name -> GtSyscallMeta*)
 * the caller already has (tests); takes both. */
GtEngine *gt_engine_new_for(GtVmi *vmi, GtLinux *lx, GHashTable *meta);
void gt_engine_free(GtEngine *e);

GtLinux *gt_engine_linux(GtEngine *e);
GHashTable *gt_engine_syscall_meta(GtEngine *e);

/* Adds consumers to the probe for `name` (created on first use). */
gboolean gt_engine_add(GtEngine *e, const char *name, GtSyscallFunc call_cb,
                       GtSysretFunc ret_cb, void *user_data, gboolean record,
                       GError **error);
gboolean gt_engine_add_all_syscalls(GtEngine *e, GError **error);
guint gt_engine_probe_count(GtEngine *e);

void gt_engine_set_record_cb(GtEngine *e, GtRecordFunc func, gpointer data,
                             GDestroyNotify destroy);
void gt_engine_set_want_results(GtEngine *e, gboolean want);
/* The rendering options records are decoded with (set before start). */
GtDecodeOptions *gt_engine_decode_options(GtEngine *e);
void gt_engine_add_pid_filter(GtEngine *e, gt_pid_t pid);
void gt_engine_add_comm_filter(GtEngine *e, const char *comm);

/* The enforcer (filters, actions, events) this engine consults. */
typedef struct GtEnforcer GtEnforcer;
GtEnforcer *gt_engine_enforcer(GtEngine *e);
typedef struct GtConfig GtConfig;
/* Applies a config (the seed's -c file): traces its Functions (all system
 * calls when it has none) and enforces its filters. Before start this adds
 * probes; while tracing it replaces the config's probes, filters and
 * actions atomically (the guest is paused meanwhile). On success the
 * engine owns config; on failure nothing changed and the caller keeps it. */
gboolean gt_engine_set_config(GtEngine *e, GtConfig *config, GError **error);
/* Why tracing cannot go on after a reload, whatever became of the config:
 * the guest could not be let run again (it stays paused and no stop will
 * ever come); NULL if it runs. */
const GError *gt_engine_halted(GtEngine *e);

/* A reader for user memory the page tables cannot give (a page that is not
 * present: swapped out, or file-backed and never faulted in). It is called
 * below every user-pointer read, only for ranges the user checks allow
 * (below the user-space limit, within one page), after the page tables
 * failed; it returns how many leading bytes of [va, va+len) it read. */
typedef gsize (*GtUserFallbackFn)(gpointer data, GtGuestState *st, const GtUserSpace *space,
                                  guint64 va, void *buf, gsize len);
void gt_engine_set_user_fallback(GtEngine *e, GtUserFallbackFn fn, gpointer data);
/* The engine's default fallback (set by gt_engine_new): what a read fault
 * would map (gt_linux_read_unfaulted), for the process's own task. */
gsize gt_engine_unfaulted_fallback(gpointer data, GtGuestState *st, const GtUserSpace *space,
                                   guint64 va, void *buf, gsize len);

/* Places the breakpoints (guest stopped). On failure nothing is left. */
gboolean gt_engine_start(GtEngine *e, GError **error);
gboolean gt_engine_started(GtEngine *e);
/* Handles one stop; the guest stays stopped until gt_engine_resume(). FALSE
 * on a fatal error. */
gboolean gt_engine_handle_stop(GtEngine *e, const GtStop *stop, GError **error);
gboolean gt_engine_resume(GtEngine *e, GError **error);
/* Pauses the guest, restores every redirected return, removes every
 * breakpoint and lets the guest run. Pending calls are reported without a
 * result. Idempotent. */
gboolean gt_engine_stop(GtEngine *e, GError **error);
guint64 gt_engine_stop_count(GtEngine *e);
/* Median and longest time a stop held the guest, in µs; FALSE if none. */
gboolean gt_engine_stop_times(GtEngine *e, guint64 *median_us, guint64 *worst_us);
