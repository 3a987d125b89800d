/* The fault-injection harness's guest: a tiny Linux on two vCPUs that
 * runs a script of system calls, and the driver connections a tracer (or
 * a recovery) makes to it, each of which can be told to fail its Nth
 * operation of one kind.
 *
 * The guest: tests/unit/linux/fake-guest.c's RAM and page tables, kernel
 * structures in its layout (fg_linux_offsets), a System.map, syscall
 * metadata, five processes with kernel stacks, per-CPU areas, handler
 * code with the ftrace NOP and a dispatcher with an int3 after `ret` (the
 * return trap the engine finds). What the guest writes itself (the return
 * address a `call` pushes, pt_regs, the current task) goes to its RAM and
 * to a shadow copy; what a tracer writes goes to the RAM only, so at the
 * end RAM == shadow says the tracer left nothing behind.
 *
 * The script: calls and returns on tasks and vCPUs. A call enters the
 * handler (a stop if a breakpoint is there); a return executes `ret` on
 * the task's slot: to the real return address (fine), to the trap with a
 * breakpoint on it (a stop), to the trap without one (the guest kernel
 * panics: int3) or anywhere else (corruption). A vCPU the tracer resumed
 * must be where it should. Each of these is a "problem" the harness
 * reports. RELOAD is where the user makes the tracer reload its config
 * (SIGHUP in the CLI). QUIT is where the user stops tracing; the events after it run
 * after the tracer detached (blocked calls returning). An event marked
 * `race` happens while the tracer pauses the guest at the end.
 *
 * The stub breakpoints model QEMU's: they belong to the guest, survive a
 * connection that breaks or is closed without a detach, are all cleared by
 * a detach and by the next connection's attach; a breakpoint hit with no
 * tracer attached freezes the guest. Whenever the guest is let run, a
 * blocked call whose return slot holds the trap address with no
 * breakpoint on the trap is a kernel panic waiting to happen: a problem,
 * whether or not the script then returns through it. */
#pragma once

#include "driver/driver.h"
#include "vmi/vmi.h"

#define FW_NVCPUS 2

typedef enum {
  FW_OP_PAUSE, FW_OP_RESUME, FW_OP_GET_REGS, FW_OP_SET_REG, FW_OP_READ, FW_OP_WRITE,
  FW_OP_INSERT_BP, FW_OP_REMOVE_BP, FW_OP_WAIT, FW_OP_COUNT,
} FwOp;

extern const char *const fw_op_names[FW_OP_COUNT];

typedef enum {
  FW_FAIL_ONCE,   /* the op fails (a refused request, an unreadable page); the
                   * connection lives on */
  FW_FAIL_LOST,   /* the connection breaks at the op: it and every later op
                   * fail, wait() says GT_STOP_LOST */
  FW_FAIL_FROM,   /* the op is refused from then on, every time, while the
                   * connection lives on (a stub that keeps answering E01) */
  FW_FAIL_MODES,
} FwFailMode;

extern const char *const fw_mode_names[FW_FAIL_MODES];

typedef struct FakeWorld FakeWorld;

FakeWorld *fw_new(void);
void fw_free(FakeWorld *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FakeWorld, fw_free)

/* The symbol map and the offsets profile a tracer needs (the profile as
 * the file at `path`, written once). */
const char *fw_sysmap(FakeWorld *w);
void fw_write_profile(const char *path);
/* The system calls traced from the start, NULL-terminated. */
extern const char *const fw_syscalls[];
/* The Functions of each config the script reloads, NULL-terminated. */
extern const char *const fw_configs[];

/* A connection: attaching pauses the guest and clears the stub
 * breakpoints (QEMU on a new debugger). identity names the journal. */
GtDriver *fw_connect(FakeWorld *w, const char *identity);
/* Makes the connection fail its nth (1-based) operation of kind op. */
void fw_conn_fail(GtDriver *d, FwOp op, guint n, FwFailMode mode);
/* Operations of each kind made by the last connection closed. */
const guint *fw_last_counts(FakeWorld *w);
/* The introspection view a tracer builds on a connection (owns d). */
GtVmi *fw_vmi_new(FakeWorld *w, GtDriver *d);

/* Called once when the script reaches QUIT (the tracer should stop). */
void fw_set_quit_hook(FakeWorld *w, void (*hook)(gpointer), gpointer data);
/* Called when the script reaches a reload of config n (fw_configs[n]);
 * the guest waits (the next wait() runs on) until the tracer is back. */
void fw_set_reload_hook(FakeWorld *w, void (*hook)(gpointer, guint n), gpointer data);

/* The guest runs on without a tracer: stopped vCPUs continue, then every
 * event left, until one hits a stub breakpoint (the guest freezes there:
 * returns FALSE) or the script ends (TRUE). */
gboolean fw_run_detached(FakeWorld *w);
/* The rest of the script runs under the next tracer's session (until its
 * end, where the user quits). */
void fw_trace_again(FakeWorld *w);
/* Whether the journal-less end state is clean, else what is wrong: RAM
 * differs from the shadow, a slot holds the trap, a stub breakpoint is
 * left, the guest is frozen, or a problem happened (panic, corruption). */
char *fw_check(FakeWorld *w);
/* The kernel-stack address of the return slot of the process named comm. */
guint64 fw_slot_of(FakeWorld *w, const char *comm);
/* Calls the script makes while a tracer is attached, and of them those
 * whose return comes before QUIT. */
guint fw_script_calls(guint *returned);
