/* The fault-injection harness's guest (see fault-world.h). */
#include "fault-world-private.h"

#include <stdio.h>
#include <string.h>
#include <guestrace/types.h>

#define RAM_MIB 4
#define USER_VA 0x400000ULL
#define USER_PA (2ULL << 20)
#define USER_STACK (USER_VA + 0x1ff000)
#define STACK_SIZE 0x4000
#define PCPU_CURRENT 0x40           /* per-CPU offset of current_task */
#define KERNEL_CS 0x10
#define NOP5_LEN 5

/* The system calls of the script, with the kernel's metadata for them. */
enum { SYS_READ, SYS_WRITE, SYS_OPENAT, SYS_GETPID, SYS_NANOSLEEP, NSYS };
typedef struct {
  const char *name;
  gint32 nr;
  guint nargs;
  const char *types[4], *args[4];
} Sys;
static const Sys syscalls[NSYS] = {
  { "read", 0, 3, { "unsigned int", "char *", "size_t" }, { "fd", "buf", "count" } },
  { "write", 1, 3, { "unsigned int", "const char *", "size_t" }, { "fd", "buf", "count" } },
  { "openat", 257, 4, { "int", "const char *", "int", "umode_t" },
    { "dfd", "filename", "flags", "mode" } },
  { "getpid", 39, 0, { NULL }, { NULL } },
  { "clock_nanosleep", 230, 4,
    { "const clockid_t", "int", "const struct __kernel_timespec *", "struct __kernel_timespec *" },
    { "which_clock", "flags", "rqtp", "rmtp" } },
};
const char *const fw_syscalls[] = { "read", "write", "openat", "getpid", NULL };

const char *const fw_mode_names[FW_FAIL_MODES] = { "refused once", "connection lost",
                                                    "refused from then on" };

const char *const fw_op_names[FW_OP_COUNT] = {
  "pause", "resume", "get_regs", "set_reg", "read", "write", "insert_bp", "remove_bp", "wait",
};

/* The processes: one task each, with a kernel stack. */
enum { T_CAT, T_SLEEP, T_SH, T_TAIL, T_DATE, NTASKS };
static const struct { gint32 pid; const char *comm; } task_specs[NTASKS] = {
  { 100, "cat" }, { 101, "sleep" }, { 102, "sh" }, { 103, "tail" }, { 104, "date" },
};

typedef enum { EV_CALL, EV_RETURN, EV_RELOAD, EV_QUIT } EvKind;
typedef struct {
  EvKind kind;
  guint vcpu, task;
  gint sys;
  guint64 args[4];
  gint64 result;          /* EV_RETURN: the result; EV_RELOAD: the config */
  gboolean race;          /* happens while the tracer pauses at the end */
} Event;

#define UBUF(n) (USER_VA + 0x1000 * (n))
#define UPATH (USER_VA + 0x100)
/* The script. The tracer starts with read, write, openat and getpid; the
 * first reload adds clock_nanosleep, the second takes it away while
 * sleep's call on it is pending. Pending at QUIT: cat's read (it returns
 * after the tracer is gone), tail's read (it returns while the tracer
 * pauses to stop). */
static const Event script[] = {
  { EV_CALL, 0, T_CAT, SYS_READ, { 0, UBUF(1), 64 } },
  { EV_RELOAD, .result = 0 },
  { EV_CALL, 1, T_SLEEP, SYS_NANOSLEEP, { 1, 0, UBUF(2), 0 } },
  { EV_CALL, 0, T_SH, SYS_OPENAT, { (guint64)-100, UPATH, 0, 0 } },
  { EV_RETURN, 0, T_SH, .result = 3 },
  { EV_CALL, 0, T_SH, SYS_GETPID },
  { EV_RETURN, 0, T_SH, .result = 102 },
  { EV_CALL, 1, T_TAIL, SYS_READ, { 3, UBUF(3), 16 } },
  { EV_RELOAD, .result = 1 },
  { EV_RETURN, 1, T_SLEEP, .result = 0 },
  { EV_CALL, 1, T_DATE, SYS_WRITE, { 1, UBUF(4), 5 } },
  { EV_RETURN, 1, T_DATE, .result = 5 },
  { EV_QUIT },
  { EV_RETURN, 1, T_TAIL, .result = 16, .race = TRUE },
  { EV_RETURN, 0, T_CAT, .result = 10 },
  { EV_CALL, 0, T_SH, SYS_GETPID },
  { EV_RETURN, 0, T_SH, .result = 102 },
};

/* The configs of the reloads: their Functions. */
const char *const fw_configs[] = { "clock_nanosleep", "openat", NULL };

guint
fw_script_calls(guint *returned)
{
  guint calls = 0, ret = 0;
  for (guint i = 0; script[i].kind != EV_QUIT; i++) {
    calls += script[i].kind == EV_CALL;
    ret += script[i].kind == EV_RETURN;
  }
  *returned = ret;
  return calls;
}

typedef struct {
  guint64 task, ptregs, slot, ret;
  gboolean in_call;
  gint64 result;
} Task;

typedef enum { VC_FREE, VC_AT_CALL, VC_AT_TRAP } VcState;
typedef struct {
  GtRegs regs;
  VcState state;
  guint task;
  guint64 func;           /* the handler of the call at VC_AT_CALL */
} Vcpu;

struct FakeWorld {
  FakeGuest *fg;
  guint8 *shadow;         /* RAM as the guest alone made it */
  char *sysmap;
  guint64 func[NSYS], trap, user_root, pcpu[FW_NVCPUS];
  Task tasks[NTASKS];
  Vcpu vcpu[FW_NVCPUS];
  GHashTable *bps;        /* stub breakpoints (guint64 set) */
  guint next;             /* next event */
  gboolean running, quit_seen, detached, frozen;
  GQueue stops;           /* vCPUs stopped at a breakpoint, not yet reported */
  guint idle_waits;       /* waits in a row that found the guest paused */
  GString *problems;
  void (*quit_hook)(gpointer);
  gpointer quit_data;
  void (*reload_hook)(gpointer, guint);
  gpointer reload_data;
  guint last_counts[FW_OP_COUNT];
};

static void G_GNUC_PRINTF(2, 3)
problem(FakeWorld *w, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_string_append_vprintf(w->problems, fmt, ap);
  va_end(ap);
  g_string_append(w->problems, "; ");
}

/* ---- the guest's own memory ---------------------------------------------- */

static void
guest_put(FakeWorld *w, guint64 va, const void *data, gsize len)
{
  memcpy(fg_ptr(w->fg, va), data, len);
  memcpy(w->shadow + (va - FG_KBASE), data, len);
}

static void
guest_put_u64(FakeWorld *w, guint64 va, guint64 v)
{
  guest_put(w, va, &v, 8);
}

static guint64
live_u64(FakeWorld *w, guint64 va)
{
  guint64 v;
  memcpy(&v, fg_ptr(w->fg, va), 8);
  return v;
}

/* ---- building it -------------------------------------------------------- */

/* Handlers (ftrace NOP, ret), x64_sys_call (which calls them: the return
 * address), do_syscall_64 (ret; int3: the return trap). */
static guint64
put_text(FakeWorld *w, GString *map)
{
  static const guint8 handler[] = { 0x0f, 0x1f, 0x44, 0x00, 0x00, 0xc3 };
  guint64 text = fg_alloc(w->fg, 0x2000);
  for (guint i = 0; i < NSYS; i++) {
    w->func[i] = text + 0x40 * i;
    memcpy(fg_ptr(w->fg, w->func[i]), handler, sizeof handler);
    g_string_append_printf(map, "%016" G_GINT64_MODIFIER "x T __x64_sys_%s\n", w->func[i],
                           syscalls[i].name);
  }
  guint64 x64_sys_call = text + 0x400, do_syscall_64 = text + 0x800;
  g_string_append_printf(map, "%016" G_GINT64_MODIFIER "x T x64_sys_call\n", x64_sys_call);
  g_string_append_printf(map, "%016" G_GINT64_MODIFIER "x T do_syscall_64\n", do_syscall_64);
  guint8 *d = fg_ptr(w->fg, do_syscall_64);
  d[0] = 0xc3;
  d[1] = 0xcc;
  w->trap = do_syscall_64 + 1;
  memset(fg_ptr(w->fg, do_syscall_64 + 2), 0x90, 0x1000 - 2);
  return x64_sys_call + 0x20;
}

static void
put_metadata(FakeWorld *w, GString *map)
{
  guint64 ptrs = fg_alloc(w->fg, 8 * NSYS);
  for (guint i = 0; i < NSYS; i++) {
    const Sys *s = &syscalls[i];
    g_autofree char *name = g_strconcat("sys_", s->name, NULL);
    fg_put_u64(w->fg, ptrs + 8 * i,
               fg_new_syscall_meta(w->fg, name, s->nr, s->nargs, s->types, s->args));
  }
  g_string_append_printf(map, "%016" G_GINT64_MODIFIER "x D __start_syscalls_metadata\n"
                         "%016" G_GINT64_MODIFIER "x D __stop_syscalls_metadata\n",
                         ptrs, ptrs + 8 * NSYS);
}

static void
put_tasks(FakeWorld *w, GString *map, guint64 ret)
{
  FakeGuest *fg = w->fg;
  guint64 root_cred = fg_new_cred(fg, 0, 0, 0, 0), user_cred = fg_new_cred(fg, 1000, 1000, 1000, 1000);
  guint64 mm = fg_alloc(fg, 0x100);
  fg_put_u64(fg, mm + fg_linux_offsets.mm_pgd, FG_KBASE + w->user_root);
  guint64 all[NTASKS + 1];
  all[0] = fg_new_task(fg, 0, 0, "swapper/0", 0, root_cred, 0);
  for (guint i = 0; i < NTASKS; i++) {
    Task *t = &w->tasks[i];
    t->task = fg_new_task(fg, task_specs[i].pid, task_specs[i].pid, task_specs[i].comm,
                          all[0], user_cred, mm);
    guint64 stack = fg_alloc(fg, STACK_SIZE);
    t->ptregs = stack + STACK_SIZE - 168;
    t->slot = t->ptregs - 0x40;
    t->ret = ret;
    all[i + 1] = t->task;
  }
  fg_link_tasks(fg, all, NTASKS + 1);
  for (guint v = 0; v < FW_NVCPUS; v++) {
    w->pcpu[v] = fg_alloc(fg, 0x100);
    fg_put_u64(fg, w->pcpu[v] + PCPU_CURRENT, all[0]);
  }
  g_string_append_printf(map, "%016" G_GINT64_MODIFIER "x D init_task\n"
                         "%016x D current_task\n", all[0], PCPU_CURRENT);
}

static void
put_user(FakeWorld *w)
{
  w->user_root = fg_new_user_root(w->fg, USER_VA, USER_PA);
  guint8 *u = w->fg->ram->data + USER_PA;
  strcpy((char *)u + (UPATH - USER_VA), "/etc/hostname");
  for (guint i = 1; i < 5; i++)
    memcpy(u + (UBUF(i) - USER_VA), "guest bytes, read or written\n", 29);
  /* a timespec for clock_nanosleep: 1 s */
  guint64 one = 1;
  memcpy(u + (UBUF(2) - USER_VA), &one, 8);
  memset(u + (UBUF(2) - USER_VA) + 8, 0, 8);
}

FakeWorld *
fw_new(void)
{
  FakeWorld *w = g_new0(FakeWorld, 1);
  w->fg = fg_new(RAM_MIB);
  g_autoptr(GString) map = g_string_new(NULL);
  guint64 ret = put_text(w, map);
  put_metadata(w, map);
  put_user(w);
  put_tasks(w, map, ret);
  g_assert_cmpuint(w->fg->next, <=, USER_PA);
  w->sysmap = g_string_free(g_steal_pointer(&map), FALSE);
  w->shadow = g_memdup2(w->fg->ram->data, w->fg->ram->len);
  w->bps = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
  w->problems = g_string_new(NULL);
  g_queue_init(&w->stops);
  for (guint v = 0; v < FW_NVCPUS; v++) {
    GtRegs *r = &w->vcpu[v].regs;
    r->r[GT_REG_CS] = 0x33;   /* in user mode */
    r->r[GT_REG_RIP] = USER_VA + 0x10;
    r->r[GT_REG_CR3] = w->user_root;
    r->r[GT_REG_KERNEL_GS_BASE] = w->pcpu[v];
  }
  return w;
}

void
fw_free(FakeWorld *w)
{
  if (!w)
    return;
  fg_free(w->fg);
  g_free(w->shadow);
  g_free(w->sysmap);
  g_hash_table_unref(w->bps);
  g_queue_clear(&w->stops);
  g_string_free(w->problems, TRUE);
  g_free(w);
}

const char *fw_sysmap(FakeWorld *w) { return w->sysmap; }
FakeGuest *fw_guest(FakeWorld *w) { return w->fg; }
GtRegs *fw_regs(FakeWorld *w, guint vcpu) { return &w->vcpu[vcpu].regs; }
GHashTable *fw_bps(FakeWorld *w) { return w->bps; }
const guint *fw_last_counts(FakeWorld *w) { return w->last_counts; }

void
fw_set_last_counts(FakeWorld *w, const guint *counts)
{
  memcpy(w->last_counts, counts, sizeof w->last_counts);
}

void
fw_set_quit_hook(FakeWorld *w, void (*hook)(gpointer), gpointer data)
{
  w->quit_hook = hook;
  w->quit_data = data;
}

void
fw_set_reload_hook(FakeWorld *w, void (*hook)(gpointer, guint), gpointer data)
{
  w->reload_hook = hook;
  w->reload_data = data;
}

void
fw_write_profile(const char *path)
{
  const GtLinuxOffsets *o = &fg_linux_offsets;
  g_autofree char *text = g_strdup_printf(
    "task_struct.pid = %u\ntask_struct.tgid = %u\ntask_struct.comm = %u\n"
    "task_struct.tasks = %u\ntask_struct.real_parent = %u\ntask_struct.real_cred = %u\n"
    "task_struct.cred = %u\ntask_struct.mm = %u\ntask_struct.active_mm = %u\n"
    "task_struct.group_leader = %u\ntask_struct.thread_node = %u\ntask_struct.flags = %u\n"
    "task_struct.signal = %u\nsignal_struct.thread_head = %u\ncred.uid = %u\n"
    "cred.gid = %u\ncred.euid = %u\ncred.egid = %u\nmm_struct.pgd = %u\npt_regs.di = %u\n"
    "pt_regs.si = %u\npt_regs.dx = %u\npt_regs.r10 = %u\npt_regs.r8 = %u\npt_regs.r9 = %u\n"
    "pt_regs.ax = %u\npt_regs.orig_ax = %u\npt_regs.ip = %u\npt_regs.sp = %u\n"
    "syscall_metadata.name = %u\nsyscall_metadata.syscall_nr = %u\n"
    "syscall_metadata.nb_args = %u\nsyscall_metadata.types = %u\n"
    "syscall_metadata.args = %u\n",
    o->task_pid, o->task_tgid, o->task_comm, o->task_tasks, o->task_real_parent,
    o->task_real_cred, o->task_cred, o->task_mm, o->task_active_mm, o->task_group_leader,
    o->task_thread_node, o->task_flags, o->task_signal, o->signal_thread_head, o->cred_uid,
    o->cred_gid, o->cred_euid, o->cred_egid, o->mm_pgd, o->regs_di, o->regs_si, o->regs_dx,
    o->regs_r10, o->regs_r8, o->regs_r9, o->regs_ax, o->regs_orig_ax, o->regs_ip, o->regs_sp,
    o->meta_name, o->meta_syscall_nr, o->meta_nb_args, o->meta_types, o->meta_args);
  g_autoptr(GError) error = NULL;
  g_file_set_contents(path, text, -1, &error);
  g_assert_no_error(error);
}

/* ---- running the script --------------------------------------------------- */

static gboolean
bp_at(FakeWorld *w, guint64 va)
{
  return g_hash_table_contains(w->bps, &va);
}

/* vCPU v hit a breakpoint: every vCPU stops (all-stop). Without a tracer
 * the guest freezes there. */
static void
hit(FakeWorld *w, guint v)
{
  g_queue_push_tail(&w->stops, GUINT_TO_POINTER(v));
  w->running = FALSE;
  if (w->detached)
    w->frozen = TRUE;
}

static void
do_call(FakeWorld *w, const Event *ev)
{
  Vcpu *c = &w->vcpu[ev->vcpu];
  Task *t = &w->tasks[ev->task];
  g_assert_true(c->state == VC_FREE && !t->in_call);
  const GtLinuxOffsets *o = &fg_linux_offsets;
  guint off[4] = { o->regs_di, o->regs_si, o->regs_dx, o->regs_r10 };
  for (guint i = 0; i < 4; i++)
    guest_put_u64(w, t->ptregs + off[i], ev->args[i]);
  guest_put_u64(w, t->ptregs + o->regs_sp, USER_STACK);
  guest_put_u64(w, t->ptregs + o->regs_orig_ax, (guint64)syscalls[ev->sys].nr);
  guest_put_u64(w, t->slot, t->ret);   /* what `call` pushes */
  guest_put_u64(w, w->pcpu[ev->vcpu] + PCPU_CURRENT, t->task);
  GtRegs *r = &c->regs;
  memset(r, 0, sizeof *r);
  r->r[GT_REG_RIP] = w->func[ev->sys];
  r->r[GT_REG_RSP] = t->slot;
  r->r[GT_REG_RDI] = t->ptregs;
  r->r[GT_REG_CS] = KERNEL_CS;
  r->r[GT_REG_SS] = 0x18;
  r->r[GT_REG_GS_BASE] = w->pcpu[ev->vcpu];
  r->r[GT_REG_CR3] = w->user_root;
  t->in_call = TRUE;
  t->result = ev->result;
  c->task = ev->task;
  c->func = w->func[ev->sys];
  if (bp_at(w, c->func)) {
    c->state = VC_AT_CALL;
    hit(w, ev->vcpu);
  }
  /* else the handler runs and the task blocks or goes on: the vCPU is free */
}

/* `ret` on the task's slot, as the guest executes it: what the slot holds
 * now is where the vCPU goes. */
static void
do_return(FakeWorld *w, const Event *ev)
{
  Vcpu *c = &w->vcpu[ev->vcpu];
  Task *t = &w->tasks[ev->task];
  g_assert_true(c->state == VC_FREE);
  if (!t->in_call)
    return;   /* its call went wrong already (a problem was noted) */
  guest_put_u64(w, w->pcpu[ev->vcpu] + PCPU_CURRENT, t->task);
  GtRegs *r = &c->regs;
  guint64 to = live_u64(w, t->slot);
  r->r[GT_REG_RAX] = (guint64)t->result;
  r->r[GT_REG_RSP] = t->slot + 8;
  r->r[GT_REG_RIP] = to;
  r->r[GT_REG_GS_BASE] = w->pcpu[ev->vcpu];
  c->task = ev->task;
  if (to == t->ret) {
    t->in_call = FALSE;
  } else if (to == w->trap && bp_at(w, to)) {
    c->state = VC_AT_TRAP;
    hit(w, ev->vcpu);
  } else {
    problem(w, "%s (pid %d) returned to %#" G_GINT64_MODIFIER "x instead of %#"
            G_GINT64_MODIFIER "x%s", task_specs[ev->task].comm, task_specs[ev->task].pid, to,
            t->ret, to == w->trap ? ": the int3 of the trap, no breakpoint: kernel panic" : "");
    t->in_call = FALSE;
  }
}

/* A stopped vCPU runs on from where the tracer left its registers. */
static void
continue_vcpu(FakeWorld *w, guint v)
{
  Vcpu *c = &w->vcpu[v];
  Task *t = &w->tasks[c->task];
  guint64 rip = c->regs.r[GT_REG_RIP];
  if (c->state == VC_AT_CALL) {
    if (rip == c->func && bp_at(w, rip)) {
      hit(w, v);   /* resumed on its own breakpoint: hit again */
      return;
    }
    if (rip != c->func && rip != c->func + NOP5_LEN)
      problem(w, "vCPU %u resumed at %#" G_GINT64_MODIFIER "x in the call of %s", v, rip,
              task_specs[c->task].comm);
    c->state = VC_FREE;
  } else if (c->state == VC_AT_TRAP) {
    if (rip == w->trap && bp_at(w, rip)) {
      hit(w, v);
      return;
    }
    if (rip != t->ret || c->regs.r[GT_REG_RSP] != t->slot + 8)
      problem(w, "vCPU %u went on from the return trap to %#" G_GINT64_MODIFIER "x (rsp %#"
              G_GINT64_MODIFIER "x), not %#" G_GINT64_MODIFIER "x%s", v, rip,
              c->regs.r[GT_REG_RSP], t->ret,
              rip == w->trap ? ": int3 without a breakpoint: kernel panic" : "");
    t->in_call = FALSE;
    c->state = VC_FREE;
  }
}

void
fw_require_stopped(FakeWorld *w, const char *what)
{
  if (w->running)
    problem(w, "the tracer asked to %s while the guest ran", what);
}

/* The guest runs: a blocked call whose slot holds the trap, with no
 * breakpoint to catch its return, will execute the int3 (whether or not
 * the script returns through it before it ends). */
static void
check_traps_caught(FakeWorld *w)
{
  if (bp_at(w, w->trap))
    return;
  gboolean popped[NTASKS] = { FALSE };   /* on a vCPU at the trap: checked there */
  for (guint v = 0; v < FW_NVCPUS; v++)
    if (w->vcpu[v].state == VC_AT_TRAP)
      popped[w->vcpu[v].task] = TRUE;
  for (guint i = 0; i < NTASKS; i++)
    if (w->tasks[i].in_call && !popped[i] && live_u64(w, w->tasks[i].slot) == w->trap)
      problem(w, "the guest runs while the return slot of %s holds the trap and no "
              "breakpoint catches it: kernel panic when it returns", task_specs[i].comm);
}

void
fw_resume(FakeWorld *w)
{
  g_queue_clear(&w->stops);
  w->running = TRUE;
  check_traps_caught(w);
  for (guint v = 0; v < FW_NVCPUS; v++)
    if (w->vcpu[v].state != VC_FREE)
      continue_vcpu(w, v);
}

static void
run_event(FakeWorld *w, const Event *ev)
{
  if (ev->kind == EV_CALL)
    do_call(w, ev);
  else if (ev->kind == EV_RETURN)
    do_return(w, ev);
}

void
fw_pause(FakeWorld *w)
{
  gboolean was_running = w->running;
  w->running = FALSE;
  /* A return that reaches the trap just as the tracer pauses to stop. */
  if (was_running && w->quit_seen && !w->detached && w->next < G_N_ELEMENTS(script) &&
      script[w->next].race)
    run_event(w, &script[w->next++]);
}

void
fw_attached(FakeWorld *w)
{
  w->running = FALSE;
  g_hash_table_remove_all(w->bps);
  g_queue_clear(&w->stops);
  w->frozen = FALSE;
}

/* A tracer that keeps waiting for stops while the guest it paused cannot
 * give any has hung (with the guest paused): said, and tracing is ended
 * so that the harness goes on. */
#define HUNG_AFTER_WAITS 10000

gboolean
fw_next_stop(FakeWorld *w, GtStop *stop)
{
  if (w->running || !g_queue_is_empty(&w->stops)) {
    w->idle_waits = 0;
  } else if (++w->idle_waits == HUNG_AFTER_WAITS && !w->detached) {
    problem(w, "the tracer waits for stops with the guest paused: both hang");
    if (w->quit_hook)
      w->quit_hook(w->quit_data);
  }
  while (g_queue_is_empty(&w->stops) && w->running && w->next < G_N_ELEMENTS(script)) {
    const Event *ev = &script[w->next];
    if (w->quit_seen && !w->detached)
      break;   /* the rest waits until the tracer is gone */
    w->next++;
    if (ev->kind == EV_QUIT && !w->detached) {
      w->quit_seen = TRUE;
      if (w->quit_hook)
        w->quit_hook(w->quit_data);
      break;
    }
    if (ev->kind == EV_RELOAD && !w->detached && w->reload_hook) {
      /* The guest goes on once the tracer has reloaded (or failed to). */
      w->reload_hook(w->reload_data, (guint)ev->result);
      break;
    }
    run_event(w, ev);
  }
  if (w->running && w->next >= G_N_ELEMENTS(script) && !w->detached && !w->quit_seen) {
    w->quit_seen = TRUE;   /* the script ended while traced: the user quits */
    if (w->quit_hook)
      w->quit_hook(w->quit_data);
  }
  if (g_queue_is_empty(&w->stops))
    return FALSE;
  guint v = GPOINTER_TO_UINT(g_queue_pop_head(&w->stops));
  *stop = (GtStop){ GT_STOP_BREAKPOINT, v, w->vcpu[v].regs.r[GT_REG_RIP] };
  return TRUE;
}

void
fw_trace_again(FakeWorld *w)
{
  w->detached = FALSE;
  w->quit_seen = FALSE;
}

gboolean
fw_run_detached(FakeWorld *w)
{
  w->detached = TRUE;
  if (w->frozen)
    return FALSE;
  fw_resume(w);
  GtStop stop;
  return !fw_next_stop(w, &stop) && !w->frozen;
}

guint64
fw_slot_of(FakeWorld *w, const char *comm)
{
  for (guint i = 0; i < NTASKS; i++)
    if (g_strcmp0(task_specs[i].comm, comm) == 0)
      return w->tasks[i].slot;
  g_assert_not_reached();
}

char *
fw_check(FakeWorld *w)
{
  g_autoptr(GString) out = g_string_new(w->problems->str);
  if (w->frozen)
    g_string_append(out, "the guest is frozen at a breakpoint; ");
  for (guint i = 0; i < NTASKS; i++)
    if (live_u64(w, w->tasks[i].slot) == w->trap)
      g_string_append_printf(out, "the return slot of %s holds the trap; ", task_specs[i].comm);
  if (g_hash_table_size(w->bps))
    g_string_append_printf(out, "%u stub breakpoints left; ", g_hash_table_size(w->bps));
  const guint8 *ram = w->fg->ram->data;
  gsize n = w->fg->ram->len, diffs = 0, first = 0;
  gboolean differ = memcmp(ram, w->shadow, n) != 0;
  for (gsize i = 0; differ && i < n; i++)
    if (ram[i] != w->shadow[i] && diffs++ == 0)
      first = i;
  if (diffs)
    g_string_append_printf(out, "%" G_GSIZE_FORMAT " bytes of RAM differ from the guest's own, "
                           "the first at physical %#" G_GSIZE_MODIFIER "x; ", diffs, first);
  if (!out->len)
    return NULL;
  return g_string_free(g_steal_pointer(&out), FALSE);
}
