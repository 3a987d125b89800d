/* libguestrace — trace the system calls of a kernel running in a virtual
 * machine, from outside the machine, by virtual-machine introspection.
 *
 * A program creates a GtLoop for a guest, registers callbacks for kernel
 * functions (system call handlers or any other function), and runs the loop.
 * The loop places breakpoints, and each time the guest calls a traced
 * function it invokes the callback with a GtGuestState describing the call.
 * The loop runs a GLib main loop, so GLib watches and timeouts run beside
 * the tracing. Nothing is installed in the guest, and quitting the loop
 * leaves the guest exactly as it was.
 *
 * Guests are named "qmp:PATH" (a running QEMU's QMP socket, nothing else
 * needed), "libvirt:NAME" or "libvirt+URI:NAME" (a running libvirt QEMU
 * domain, the same through libvirt's monitor passthrough), "qemu:HOST:PORT" (QEMU's gdb stub; give the guest RAM file for
 * speed) or "xen:DOMAIN". Without a symbol map the kernel's own symbols
 * are read from guest memory.
 */
#pragma once

#include <glib.h>
#include <guestrace/types.h>

G_BEGIN_DECLS

/**
 * GtLoop:
 *
 * The guestrace event loop: one per traced guest. Opaque.
 */
typedef struct _GtLoop GtLoop;

/**
 * GtGuestState:
 *
 * The state of the guest at one traced call or return: valid only during
 * the callback it is passed to. Opaque.
 */
typedef struct _GtGuestState GtGuestState;

/**
 * GtSyscallFunc:
 * @state: the guest at the traced call (entry of the kernel function).
 * @pid: the calling process id (thread-group id).
 * @tid: the calling thread id.
 * @user_data: the pointer given to gt_loop_set_cb().
 *
 * Called each time a guest thread enters a traced function. The returned
 * pointer is passed to the matching #GtSysretFunc when the call returns
 * (which then owns it). If the call never returns (exit, exit_group), or
 * no #GtSysretFunc was given, the returned pointer is passed to nobody and
 * should be NULL. Calls still in progress when the loop ends (a read
 * blocked in the guest, say) never reach their #GtSysretFunc either: a
 * program that allocates here keeps track of what it must free then.
 *
 * Returns: a pointer for the matching #GtSysretFunc, or NULL.
 */
typedef void *(*GtSyscallFunc)(GtGuestState *state, gt_pid_t pid, gt_tid_t tid,
                               void *user_data);

/**
 * GtSysretFunc:
 * @state: the guest at the return; gt_guest_get_return_value() gives the
 *   result.
 * @pid: the process id.
 * @tid: the thread id.
 * @user_data: the value the matching #GtSyscallFunc returned; the
 *   implementation frees it if it was allocated.
 *
 * Called each time a traced call returns to its caller.
 */
typedef void (*GtSysretFunc)(GtGuestState *state, gt_pid_t pid, gt_tid_t tid,
                             void *user_data);

/**
 * GtCallbackRegistry:
 * @name: the kernel function (see gt_loop_set_cb()).
 * @syscall_cb: called at each call.
 * @sysret_cb: called at each return, or NULL.
 * @user_data: passed to @syscall_cb.
 *
 * One entry of the array given to gt_loop_set_cbs().
 */
typedef struct {
  const char *name;
  GtSyscallFunc syscall_cb;
  GtSysretFunc sysret_cb;
  void *user_data;
} GtCallbackRegistry;

/**
 * GtLoopOptions:
 * @mem_path: QEMU: the guest RAM file (memory-backend-file with share=on).
 *   Without it memory is read through the gdb stub, which is very slow.
 * @sysmap_path: a System.map (link-time addresses; the KASLR slide is found
 *   from guest memory) or a /proc/kallsyms dump of the running guest.
 * @profile_path: a file of structure offsets for kernels without BTF.
 * @lowmem: QEMU: bytes of guest RAM below 4 GiB, 0 to derive it.
 * @timeout_ms: hypervisor request timeout, 0 for the default (5 s).
 *
 * Options for gt_loop_new_full(). Zero-initialise, then set what you need.
 */
typedef struct {
  const char *mem_path;
  const char *sysmap_path;
  const char *profile_path;
  guint64 lowmem;
  int timeout_ms;
  /*< private >*/
  gpointer reserved[8];
} GtLoopOptions;

/**
 * gt_loop_new:
 * @guest: "qmp:PATH", "libvirt:NAME", "libvirt+URI:NAME", "qemu:HOST:PORT" or
 *   "xen:DOMAIN".
 *
 * Attaches to a guest. Options come from the environment: GUESTRACE_MEM
 * (guest RAM file), GUESTRACE_SYSMAP (System.map or kallsyms dump),
 * GUESTRACE_PROFILE (offsets profile). Errors are printed with g_warning().
 * The guest is paused until gt_loop_run() starts.
 *
 * Returns: (transfer full) (nullable): a new loop, or NULL on error.
 */
GT_API GtLoop *gt_loop_new(const char *guest);

/**
 * gt_loop_new_full:
 * @guest: "qmp:PATH", "libvirt:NAME", "libvirt+URI:NAME", "qemu:HOST:PORT" or
 *   "xen:DOMAIN".
 * @options: (nullable): options, or NULL for the environment's.
 * @error: return location for a #GError.
 *
 * Like gt_loop_new(), with explicit options and error reporting.
 *
 * Returns: (transfer full) (nullable): a new loop, or NULL with @error set.
 */
GT_API GtLoop *gt_loop_new_full(const char *guest, const GtLoopOptions *options,
                                GError **error);

/**
 * gt_loop_get_ostype:
 * @loop: a #GtLoop.
 *
 * Returns: the guest's operating system.
 */
GT_API GtOSType gt_loop_get_ostype(GtLoop *loop);

/**
 * gt_loop_set_cb:
 * @loop: a #GtLoop.
 * @kernel_func: a system call ("openat", "sys_openat", "__x64_sys_openat",
 *   "__ia32_sys_openat" for the 32-bit entry) or any kernel function
 *   ("do_exit").
 * @syscall_cb: called at each call.
 * @sysret_cb: (nullable): called at each return; NULL traps no returns.
 * @user_data: passed to @syscall_cb.
 *
 * Traces @kernel_func. May be called before gt_loop_run() only.
 *
 * Returns: TRUE on success, FALSE if the function is unknown or cannot be
 *   traced (a warning says why).
 */
GT_API gboolean gt_loop_set_cb(GtLoop *loop, const char *kernel_func,
                               GtSyscallFunc syscall_cb, GtSysretFunc sysret_cb,
                               void *user_data);

/**
 * gt_loop_set_cb_full:
 * @loop: a #GtLoop.
 * @kernel_func: as for gt_loop_set_cb().
 * @syscall_cb: called at each call.
 * @sysret_cb: (nullable): called at each return.
 * @user_data: passed to @syscall_cb.
 * @error: return location for a #GError.
 *
 * gt_loop_set_cb() with error reporting.
 *
 * Returns: TRUE on success.
 */
GT_API gboolean gt_loop_set_cb_full(GtLoop *loop, const char *kernel_func,
                                    GtSyscallFunc syscall_cb, GtSysretFunc sysret_cb,
                                    void *user_data, GError **error);

/**
 * gt_loop_set_cbs:
 * @loop: a #GtLoop.
 * @callbacks: an array terminated by an entry whose fields are all NULL.
 *
 * Calls gt_loop_set_cb() for each entry.
 *
 * Returns: the number of entries that were set.
 */
GT_API int gt_loop_set_cbs(GtLoop *loop, const GtCallbackRegistry callbacks[]);

/**
 * gt_loop_add_watch:
 * @channel: a GIOChannel.
 * @condition: the condition to watch for.
 * @func: called when @condition is met.
 * @user_data: passed to @func.
 *
 * Adds a watch to the main context that gt_loop_run() runs.
 *
 * Returns: the event source id.
 */
GT_API guint gt_loop_add_watch(GIOChannel *channel, GIOCondition condition,
                               GIOFunc func, gpointer user_data);

/**
 * gt_loop_start:
 * @loop: a #GtLoop.
 * @error: return location for a #GError.
 *
 * Places every breakpoint, so that tracing starts with the next
 * gt_loop_run(). Optional: gt_loop_run() starts the loop if needed. Use it
 * to report errors before running, or to know when tracing is in place.
 *
 * Returns: TRUE on success; on failure the guest is left as it was.
 */
GT_API gboolean gt_loop_start(GtLoop *loop, GError **error);

/**
 * gt_loop_get_probe_count:
 * @loop: a #GtLoop.
 *
 * Returns: the number of kernel functions traced.
 */
GT_API guint gt_loop_get_probe_count(GtLoop *loop);

/**
 * gt_loop_run:
 * @loop: a #GtLoop.
 *
 * Traces until gt_loop_quit() is called or the guest goes away. On return
 * every breakpoint is removed, every changed guest location restored and
 * the guest runs uninstrumented.
 */
GT_API void gt_loop_run(GtLoop *loop);

/**
 * gt_loop_quit:
 * @loop: a #GtLoop.
 *
 * Makes gt_loop_run() return. Safe to call from a callback, another thread
 * or a POSIX signal handler (it is async-signal-safe).
 */
GT_API void gt_loop_quit(GtLoop *loop);

/**
 * gt_loop_close:
 * @loop: (nullable): a #GtLoop.
 * @error: return location for a #GError.
 *
 * Removes all instrumentation (if still present), detaches from the guest,
 * which keeps running, and frees @loop. Where a change to the guest cannot
 * be undone (a redirected return address cannot be written back, the
 * connection to the hypervisor is lost), the guest is not let run into it:
 * the breakpoints that catch it stay, the guest is left held (QEMU: the
 * connection is closed without a detach; the VM stays stopped, or stops at
 * one of them) and the journal keeps what is left, for the guardian, the
 * next attach or gt_guest_recover() to repair.
 *
 * Returns: TRUE if the guest was left as it was found (the clean end);
 *   FALSE with @error saying what is left in it otherwise.
 */
GT_API gboolean gt_loop_close(GtLoop *loop, GError **error);

/**
 * gt_loop_free:
 * @loop: (nullable): a #GtLoop.
 *
 * gt_loop_close() with nobody told what is left.
 */
GT_API void gt_loop_free(GtLoop *loop);

/**
 * gt_guest_recover:
 * @guest: "qemu:HOST:PORT" or "xen:DOMAIN".
 * @options: (nullable): only @mem_path, @lowmem and @timeout_ms are used.
 * @report: (out) (optional) (nullable) (transfer full): what was repaired,
 *   NULL when there was nothing to repair.
 * @error: return location for a #GError.
 *
 * Repairs what a tracer that died without cleaning up left in @guest, from
 * the journal it kept (redirected return addresses, patched code bytes,
 * vCPUs stopped on the return trap), and detaches: the guest runs on.
 * Every attach (gt_loop_new_full()) does this first anyway; this does only
 * that.
 *
 * Returns: TRUE if the guest could be attached and everything repaired;
 *   FALSE with @error naming each change that could not be repaired (the
 *   journal keeps them for the next try). A return address that still
 *   leads to the trap keeps the guest stopped meanwhile (it is not let run
 *   into the trap with nobody to catch it); other changes let it run on.
 */
GT_API gboolean gt_guest_recover(const char *guest, const GtLoopOptions *options,
                                 char **report, GError **error);

/**
 * GtGuard:
 *
 * What a guardian process takes from a guest before a tracer attaches, so
 * that it can put the guest back if the tracer dies without detaching
 * (see gt_guard_new()).
 */
typedef struct _GtGuard GtGuard;

/**
 * gt_guard_new:
 * @guest: the guest the tracer is about to attach to (as gt_loop_new()).
 * @options: (nullable): only @mem_path, @lowmem and @timeout_ms are used.
 * @error: return location for a #GError.
 *
 * Prepares to repair @guest. Call it before the tracer attaches, from
 * another process that outlives the tracer: the calling process's parent
 * is taken for the tracer (gt_guard_new_for() names it). On Xen it maps
 * the domain's monitor ring page, which is out of anyone's reach once the
 * tracer has enabled the ring: then the vCPUs a killed tracer left waiting
 * on its ring can be answered. Other hypervisors need nothing.
 *
 * Returns: (transfer full) (nullable): a guard, or NULL with @error set.
 */
GT_API GtGuard *gt_guard_new(const char *guest, const GtLoopOptions *options, GError **error);

/**
 * gt_guard_new_for:
 * @guest: as gt_guard_new().
 * @options: (nullable): as gt_guard_new().
 * @tracer: the process id of the tracer this guard is for.
 * @error: return location for a #GError.
 *
 * gt_guard_new() for the tracer @tracer. On Xen the guard also marks the
 * guest as watched, until it is freed: once @tracer has died, any other
 * process that attaches to the guest (gt_loop_new_full(),
 * gt_guest_recover(), another guard) first waits, up to 30 s, until this
 * guard is freed, so that the journal's changes are still there for
 * gt_guard_repair() to tell which vCPUs sit on the dead tracer's traps.
 * @tracer's own attach never waits.
 *
 * Returns: (transfer full) (nullable): a guard, or NULL with @error set.
 */
GT_API GtGuard *gt_guard_new_for(const char *guest, const GtLoopOptions *options, GPid tracer,
                                 GError **error);

/**
 * gt_guard_repair:
 * @guard: a #GtGuard.
 * @report: (out) (optional) (nullable) (transfer full): what was repaired,
 *   as gt_guest_recover().
 * @error: return location for a #GError.
 *
 * The tracer died: gt_guest_recover() with what @guard holds. On Xen it
 * also answers every vCPU the dead tracer's monitor ring held (those on
 * its traps sent back to the restored code), turns monitoring off and
 * tears the ring down.
 *
 * Returns: as gt_guest_recover().
 */
GT_API gboolean gt_guard_repair(GtGuard *guard, char **report, GError **error);

/**
 * gt_guard_free:
 * @guard: (nullable): a #GtGuard.
 *
 * Lets go of what @guard holds.
 */
GT_API void gt_guard_free(GtGuard *guard);

/**
 * GtExitReason:
 * @GT_EXIT_NONE: the loop has not run.
 * @GT_EXIT_QUIT: gt_loop_quit() was called.
 * @GT_EXIT_GUEST_GONE: the guest powered off or its hypervisor went away.
 * @GT_EXIT_ERROR: an error stopped tracing; see gt_loop_get_error().
 *
 * Why gt_loop_run() returned.
 */
typedef enum {
  GT_EXIT_NONE,
  GT_EXIT_QUIT,
  GT_EXIT_GUEST_GONE,
  GT_EXIT_ERROR,
} GtExitReason;

/**
 * gt_loop_get_exit_reason:
 * @loop: a #GtLoop.
 *
 * Returns: why the last gt_loop_run() returned.
 */
GT_API GtExitReason gt_loop_get_exit_reason(GtLoop *loop);

/**
 * gt_loop_get_error:
 * @loop: a #GtLoop.
 *
 * Returns: (nullable) (transfer none): the error that stopped tracing.
 */
GT_API const GError *gt_loop_get_error(GtLoop *loop);

/**
 * gt_loop_get_stop_count:
 * @loop: a #GtLoop.
 *
 * Returns: how many times the guest stopped for the tracer.
 */
GT_API guint64 gt_loop_get_stop_count(GtLoop *loop);

/**
 * gt_loop_get_stop_times:
 * @loop: a #GtLoop.
 * @median_us: (out): the median time one stop held the guest, in µs.
 * @worst_us: (out): the longest, in µs.
 *
 * How long the tracer kept the guest's vCPUs waiting per stop: from the
 * stop's arrival to the end of its handling (decoding, filters, callbacks),
 * bounded by the per-stop read budget.
 *
 * Returns: FALSE if the guest never stopped.
 */
GT_API gboolean gt_loop_get_stop_times(GtLoop *loop, guint64 *median_us, guint64 *worst_us);

/* ---- The guest at a call ---------------------------------------------- */

/**
 * gt_guest_get_register:
 * @state: the guest state passed to a callback.
 * @name: a register.
 *
 * Returns: the register's value on the vCPU that made the call.
 */
GT_API gt_reg_t gt_guest_get_register(GtGuestState *state, gt_reg_name_t name);

/**
 * gt_guest_get_string:
 * @state: the guest state passed to a callback.
 * @vaddr: a user-space address (a user pointer, as a system call gets it).
 * @pid: the process whose address space holds @vaddr; 0 for the calling
 *   process.
 *
 * Reads a NUL-terminated string of at most 4096 bytes of user memory, with
 * the checks the kernel makes on a user pointer: nothing at or above the
 * user-space limit (0x00007ffffffff000, or 0x00fffffffffff000 under 5-level
 * paging) is read, nor any page whose translation lacks the user bit at
 * some level. A user pointer to kernel memory therefore reads nothing. The
 * process's address space is looked up once per @state. Reads count
 * against the stop's read budget. For kernel memory use
 * gt_guest_get_kernel_string().
 *
 * Returns: (transfer full) (nullable): the string (free with g_free()), or
 *   NULL if not even its first byte can be read.
 */
GT_API char *gt_guest_get_string(GtGuestState *state, gt_addr_t vaddr, gt_pid_t pid);

/**
 * gt_guest_get_bytes:
 * @state: the guest state passed to a callback.
 * @vaddr: a user-space address.
 * @pid: as for gt_guest_get_string().
 * @len: how many bytes (at most 1 MiB).
 *
 * Reads user memory with the checks of gt_guest_get_string().
 *
 * Returns: (transfer full) (nullable): the bytes, or NULL if any of them
 *   cannot be read.
 */
GT_API GBytes *gt_guest_get_bytes(GtGuestState *state, gt_addr_t vaddr, gt_pid_t pid,
                                  gsize len);

/**
 * gt_guest_get_argv:
 * @state: the guest state passed to a callback.
 * @vaddr: the user-space address of a NULL-terminated array of string
 *   pointers (as execve's argv).
 * @pid: as for gt_guest_get_string().
 *
 * Reads at most 256 strings of at most 4096 bytes each, the array and every
 * string with the user checks of gt_guest_get_string().
 *
 * Returns: (transfer full) (nullable): a NULL-terminated array (free with
 *   g_strfreev()), or NULL if the array cannot be read.
 */
GT_API char **gt_guest_get_argv(GtGuestState *state, gt_addr_t vaddr, gt_pid_t pid);

/**
 * gt_guest_get_kernel_string:
 * @state: the guest state passed to a callback.
 * @vaddr: a kernel virtual address.
 *
 * Reads a NUL-terminated string of at most 4096 bytes of kernel memory
 * through the kernel's page tables, without the user checks. Never pass a
 * pointer a process gave: that is what gt_guest_get_string() is for.
 *
 * Returns: (transfer full) (nullable): the string (free with g_free()), or
 *   NULL if not even its first byte can be read.
 */
GT_API char *gt_guest_get_kernel_string(GtGuestState *state, gt_addr_t vaddr);

/**
 * gt_guest_get_kernel_bytes:
 * @state: the guest state passed to a callback.
 * @vaddr: a kernel virtual address.
 * @len: how many bytes (at most 1 MiB).
 *
 * Reads kernel memory as gt_guest_get_kernel_string() does.
 *
 * Returns: (transfer full) (nullable): the bytes, or NULL if any of them
 *   cannot be read.
 */
GT_API GBytes *gt_guest_get_kernel_bytes(GtGuestState *state, gt_addr_t vaddr, gsize len);

/**
 * gt_guest_get_arg:
 * @state: the guest state passed to a #GtSyscallFunc.
 * @index: 0..5.
 *
 * The system call's argument @index as the calling program passed it. For
 * system call handlers of Linux 4.17 and later this reads the saved user
 * registers (struct pt_regs), not RDI/RSI; for other kernel functions it
 * reads the x86-64 calling-convention registers.
 *
 * Returns: the argument (0 if it cannot be read).
 */
GT_API gt_reg_t gt_guest_get_arg(GtGuestState *state, guint index);

/**
 * gt_guest_get_syscall_name:
 * @state: the guest state passed to a callback.
 *
 * Returns: (transfer none): the traced function's name without prefix
 *   ("openat", "do_exit").
 */
GT_API const char *gt_guest_get_syscall_name(GtGuestState *state);

/**
 * gt_guest_get_syscall_nr:
 * @state: the guest state passed to a callback.
 *
 * Returns: the system call number, or -1 for a kernel function.
 */
GT_API int gt_guest_get_syscall_nr(GtGuestState *state);

/**
 * gt_guest_get_return_value:
 * @state: the guest state passed to a #GtSysretFunc.
 *
 * Returns: the call's result (negative errno on failure).
 */
GT_API gint64 gt_guest_get_return_value(GtGuestState *state);

/**
 * gt_guest_get_process_name:
 * @state: the guest state passed to a callback.
 *
 * Returns: (transfer none): the calling thread's name (comm): its exact
 * bytes up to the first NUL (at most 16, the kernel's TASK_COMM_LEN). The
 * process chose them: escape before display (gt_escape_text()).
 */
GT_API const char *gt_guest_get_process_name(GtGuestState *state);

/**
 * gt_guest_get_ppid:
 * @state: the guest state passed to a callback.
 *
 * Returns: the parent process id.
 */
GT_API gt_pid_t gt_guest_get_ppid(GtGuestState *state);

/**
 * gt_guest_get_uid:
 * @state: the guest state passed to a callback.
 *
 * Returns: the real user id of the caller.
 */
GT_API guint32 gt_guest_get_uid(GtGuestState *state);

/**
 * gt_guest_get_gid:
 * @state: the guest state passed to a callback.
 *
 * Returns: the real group id of the caller.
 */
GT_API guint32 gt_guest_get_gid(GtGuestState *state);

/**
 * gt_guest_get_euid:
 * @state: the guest state passed to a callback.
 *
 * Returns: the effective user id of the caller.
 */
GT_API guint32 gt_guest_get_euid(GtGuestState *state);

/**
 * gt_guest_get_vcpu:
 * @state: the guest state passed to a callback.
 *
 * Returns: the index of the vCPU that made the call.
 */
GT_API guint gt_guest_get_vcpu(GtGuestState *state);

/**
 * gt_guest_hijack_return:
 * @state: the guest state passed to a #GtSyscallFunc.
 * @retval: the value the caller sees (e.g. -13 for EACCES).
 *
 * Aborts the call: its body never runs, and it returns @retval at once. The
 * #GtSysretFunc is still called, with @retval as the result.
 */
GT_API void gt_guest_hijack_return(GtGuestState *state, gint64 retval);

/* ---- The project's own VMI handle (the seed's libvmi accessors) -------- */

/**
 * GtVmi:
 *
 * The introspection handle of a guest: memory and symbols. Opaque.
 */
typedef struct _GtVmi GtVmi;

/**
 * GtEvent:
 *
 * The event that made the loop call a callback. Opaque.
 */
typedef struct _GtEvent GtEvent;

/**
 * gt_guest_get_vmi_instance:
 * @state: the guest state passed to a callback.
 *
 * Returns: (transfer none): the guest's #GtVmi.
 */
GT_API GtVmi *gt_guest_get_vmi_instance(GtGuestState *state);

/**
 * gt_guest_get_vmi_event:
 * @state: the guest state passed to a callback.
 *
 * Returns: (transfer none): the event behind the callback.
 */
GT_API GtEvent *gt_guest_get_vmi_event(GtGuestState *state);

/**
 * gt_vmi_read_va:
 * @vmi: a #GtVmi.
 * @vaddr: a guest virtual address.
 * @pid: the address space (0: kernel).
 * @buf: where to store the bytes.
 * @len: how many bytes.
 * @error: return location for a #GError.
 *
 * Returns: TRUE if all @len bytes were read.
 */
GT_API gboolean gt_vmi_read_va(GtVmi *vmi, gt_addr_t vaddr, gt_pid_t pid, void *buf,
                               gsize len, GError **error);

/**
 * gt_vmi_read_pa:
 * @vmi: a #GtVmi.
 * @paddr: a guest physical address.
 * @buf: where to store the bytes.
 * @len: how many bytes.
 * @error: return location for a #GError.
 *
 * Returns: TRUE if all @len bytes were read.
 */
GT_API gboolean gt_vmi_read_pa(GtVmi *vmi, gt_addr_t paddr, void *buf, gsize len,
                               GError **error);

/**
 * gt_vmi_translate_kv2p:
 * @vmi: a #GtVmi.
 * @vaddr: a kernel virtual address.
 * @paddr: (out): its physical address.
 *
 * Returns: TRUE if @vaddr is mapped.
 */
GT_API gboolean gt_vmi_translate_kv2p(GtVmi *vmi, gt_addr_t vaddr, gt_addr_t *paddr);

/**
 * gt_vmi_lookup_symbol:
 * @vmi: a #GtVmi.
 * @name: a kernel symbol.
 * @addr: (out): its run-time address (KASLR applied).
 *
 * Returns: TRUE if the symbol exists.
 */
GT_API gboolean gt_vmi_lookup_symbol(GtVmi *vmi, const char *name, gt_addr_t *addr);

/**
 * GtEventKind:
 * @GT_EVENT_CALL: a traced function was entered.
 * @GT_EVENT_RETURN: a traced function returned.
 */
typedef enum {
  GT_EVENT_CALL,
  GT_EVENT_RETURN,
} GtEventKind;

/**
 * gt_event_get_kind:
 * @event: a #GtEvent.
 *
 * Returns: whether this is a call or a return.
 */
GT_API GtEventKind gt_event_get_kind(GtEvent *event);

/**
 * gt_event_get_address:
 * @event: a #GtEvent.
 *
 * Returns: the address of the traced function.
 */
GT_API gt_addr_t gt_event_get_address(GtEvent *event);

/**
 * gt_event_get_vcpu:
 * @event: a #GtEvent.
 *
 * Returns: the vCPU that stopped.
 */
GT_API guint gt_event_get_vcpu(GtEvent *event);

/* ---- Processes ---------------------------------------------------------- */

/**
 * GtProcess:
 * @pid: process id.
 * @ppid: parent process id.
 * @uid: real user id.
 * @gid: real group id.
 * @comm: the process name: its exact bytes up to a NUL (at most 16, the
 *   kernel's TASK_COMM_LEN), chosen by the process: escape before display.
 *
 * One process of the guest.
 */
typedef struct {
  gt_pid_t pid;
  gt_pid_t ppid;
  guint32 uid;
  guint32 gid;
  char comm[17];
} GtProcess;

/**
 * gt_loop_list_processes:
 * @loop: a #GtLoop (not running).
 * @error: return location for a #GError.
 *
 * Reads the guest's process list (pid 0 included).
 *
 * Returns: (transfer full) (nullable): an array of #GtProcess.
 */
GT_API GArray *gt_loop_list_processes(GtLoop *loop, GError **error);

G_END_DECLS

#include <guestrace/record.h>
#include <guestrace/escape.h>
#include <guestrace/policy.h>
