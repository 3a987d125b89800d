/* libguestrace — decoded call records: the library's ready-made view of a
 * traced call (who, what, arguments decoded by the kernel's own argument
 * names, result), with strace-like text and JSON renderings. Tools that only
 * want to report calls use this instead of raw callbacks. */
#pragma once

#include <glib.h>
#include <guestrace/types.h>
#include <guestrace/escape.h>

G_BEGIN_DECLS

typedef struct _GtLoop GtLoop;

/**
 * GtRecord:
 *
 * One traced call, reported exactly once: after it returned, or at the call
 * if it never returns. Valid only during the #GtRecordFunc. Opaque.
 */
typedef struct _GtRecord GtRecord;

/**
 * GtRecordFunc:
 * @record: the call.
 * @user_data: the data given to gt_loop_set_record_cb().
 *
 * Receives every traced call.
 */
typedef void (*GtRecordFunc)(const GtRecord *record, gpointer user_data);

/**
 * gt_loop_trace:
 * @loop: a #GtLoop, not yet started.
 * @name: a system call or kernel function, as for gt_loop_set_cb().
 * @error: return location for a #GError.
 *
 * Traces @name and reports its calls as records.
 *
 * Returns: TRUE on success.
 */
GT_API gboolean gt_loop_trace(GtLoop *loop, const char *name, GError **error);

/**
 * gt_loop_trace_all_syscalls:
 * @loop: a #GtLoop, not yet started.
 * @error: return location for a #GError.
 *
 * Traces every 64-bit system call the guest kernel has.
 *
 * Returns: TRUE on success.
 */
GT_API gboolean gt_loop_trace_all_syscalls(GtLoop *loop, GError **error);

/**
 * gt_loop_set_record_cb:
 * @loop: a #GtLoop.
 * @func: called for every record.
 * @user_data: passed to @func.
 * @destroy: (nullable): frees @user_data with the loop.
 *
 * May be called while tracing: calls in flight are reported through the
 * new callback, and the return trap is placed at the next stop if results
 * now need it (a call whose return cannot be trapped is reported without
 * its result, never with a wrong one).
 */
GT_API void gt_loop_set_record_cb(GtLoop *loop, GtRecordFunc func, gpointer user_data,
                                  GDestroyNotify destroy);

/**
 * gt_loop_set_want_results:
 * @loop: a #GtLoop.
 * @want: whether records need results (default TRUE).
 *
 * Without results no return is trapped: one stop per call instead of two.
 * May be called while tracing: it applies to the next calls; returns
 * already redirected are still caught.
 */
GT_API void gt_loop_set_want_results(GtLoop *loop, gboolean want);

/**
 * gt_loop_set_string_size:
 * @loop: a #GtLoop, not yet started.
 * @text_size: bytes of a string or buffer shown in text records before
 *   "..." (strace's -s; default 32). Paths are never cut.
 * @json_size: bytes of a string or buffer kept in JSON records (default
 *   4096; at most 1 MiB are ever read).
 */
GT_API void gt_loop_set_string_size(GtLoop *loop, guint text_size, gsize json_size);

/**
 * gt_loop_set_string_style:
 * @loop: a #GtLoop, not yet started.
 * @style: how text records write bytes that are not printable ASCII
 *   (#GT_ESCAPE_OCTAL, strace's default; #GT_ESCAPE_HEX_NONASCII for -x;
 *   #GT_ESCAPE_HEX_ALL for -xx).
 */
GT_API void gt_loop_set_string_style(GtLoop *loop, GtEscapeStyle style);

/**
 * gt_loop_set_show_fd_paths:
 * @loop: a #GtLoop, not yet started.
 * @show: annotate descriptors with what they are, like strace -y:
 *   `read(3</etc/passwd>, ...)`, `AT_FDCWD</tmp>`, sockets as
 *   `socket:[ino]`; read from the guest's own file table at the call.
 */
GT_API void gt_loop_set_show_fd_paths(GtLoop *loop, gboolean show);

/**
 * gt_loop_set_envp_strings:
 * @loop: a #GtLoop, not yet started.
 * @read: read execve's environment strings (the default: JSON records show
 *   them); FALSE reads only their count, which is all text records show.
 */
GT_API void gt_loop_set_envp_strings(GtLoop *loop, gboolean read);

/**
 * gt_loop_add_pid_filter:
 * @loop: a #GtLoop.
 * @pid: a process id.
 *
 * Reports only calls of @pid and its threads (repeatable: any of them).
 */
GT_API void gt_loop_add_pid_filter(GtLoop *loop, gt_pid_t pid);

/**
 * gt_loop_add_comm_filter:
 * @loop: a #GtLoop.
 * @comm: a process name.
 *
 * Reports only calls of processes named @comm (repeatable: any of them).
 */
GT_API void gt_loop_add_comm_filter(GtLoop *loop, const char *comm);

/** Host time of the call, ns since the epoch. */
GT_API gint64 gt_record_get_timestamp_ns(const GtRecord *record);
/** Host time from the call to its return (0 if it did not return). */
GT_API gint64 gt_record_get_duration_ns(const GtRecord *record);
/** The vCPU that made the call. */
GT_API guint gt_record_get_vcpu(const GtRecord *record);
/** The calling process (thread-group id). */
GT_API gt_pid_t gt_record_get_pid(const GtRecord *record);
/** The calling thread. */
GT_API gt_tid_t gt_record_get_tid(const GtRecord *record);
/** The parent of the calling process. */
GT_API gt_pid_t gt_record_get_ppid(const GtRecord *record);
/** The caller's real user id at the call. */
GT_API guint32 gt_record_get_uid(const GtRecord *record);
/** The caller's real group id at the call. */
GT_API guint32 gt_record_get_gid(const GtRecord *record);
/**
 * gt_record_get_comm:
 * @record: the call.
 *
 * Returns: the calling thread's name: its exact bytes (up to 16, the
 * kernel's TASK_COMM_LEN), chosen by the process: escape before display
 * (gt_escape_text()).
 */
GT_API const char *gt_record_get_comm(const GtRecord *record);
/** The function's name without prefix ("openat", "do_exit"). */
GT_API const char *gt_record_get_name(const GtRecord *record);
/** The system call number, or -1 for a kernel function. */
GT_API int gt_record_get_nr(const GtRecord *record);
/** Whether the call returned (FALSE for exit, exit_group, or untrapped). */
GT_API gboolean gt_record_has_result(const GtRecord *record);
/** The result (negative errno on failure); see gt_record_has_result(). */
GT_API gint64 gt_record_get_result(const GtRecord *record);
/** Whether the call was aborted by hijacking its return. */
GT_API gboolean gt_record_was_aborted(const GtRecord *record);
/** How many arguments the function takes (0..6). */
GT_API guint gt_record_get_nargs(const GtRecord *record);
/** The kernel's name of argument @index ("filename"), or "argN". */
GT_API const char *gt_record_get_arg_name(const GtRecord *record, guint index);
/** Argument @index as a raw 64-bit value. */
GT_API guint64 gt_record_get_arg_value(const GtRecord *record, guint index);
/** The argument rendered as text (strings quoted, flags by name). */
GT_API const char *gt_record_get_arg_text(const GtRecord *record, guint index);

/**
 * gt_record_format_text:
 * @record: a record.
 *
 * Renders @record like strace:
 * `[pid 1234 cat] openat(AT_FDCWD, "/etc/passwd", O_RDONLY) = 3`.
 *
 * Returns: (transfer full): a newly allocated line without newline.
 */
GT_API char *gt_record_format_text(const GtRecord *record);

/**
 * gt_record_format_json:
 * @record: a record.
 *
 * Renders @record as one JSON object (see the README for its fields).
 *
 * Returns: (transfer full): a newly allocated line without newline.
 */
GT_API char *gt_record_format_json(const GtRecord *record);

G_END_DECLS
