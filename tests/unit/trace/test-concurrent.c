/* Pairing under concurrent stops, at the engine level: the real engine on
 * the real Xen driver in per-vCPU mode (GT_XEN_STOP=vcpu), over the fake
 * Xen back end (tests/unit/xen/fake-xen.c) whose RAM holds a small kernel:
 * two system call handlers with the ftrace NOP, the switch dispatcher
 * (x64_sys_call: call, ret, int3 = the return trap), per-CPU current_task,
 * task_structs and one kernel stack per task.
 *
 * Calls and returns of several tasks on 2-4 vCPUs are put on the ring as
 * Xen does (several vCPUs held at once, each request answered on its own),
 * in fixed and in many random orders, with tasks migrating between vCPUs
 * between call and return; a call made before attach returns untouched; a
 * config reload (and quitting) while requests are pending pauses, swaps
 * and resumes. Every call gives exactly one record with its own result and
 * caller, every request one response with the right RIP, every redirected
 * slot its own return address back. */
#include <string.h>

#include "trace/engine.h"
#include "vmi/vmi.h"
#include "policy/config.h"
#include "../xen/fake-xen.h"

#define TEXT FAKE_TEXT_VA
#define GETPID (TEXT + 0x100)          /* the fake's ftrace NOP (FAKE_FUNC) */
#define CLOSE (TEXT + 0x500)
#define DISPATCH (TEXT + 0x600)        /* x64_sys_call: call; ret; int3 */
#define RET_ADDR (DISPATCH + 5)
#define TRAP (DISPATCH + 6)
#define PERCPU (TEXT + 0x1000)         /* vCPU v's per-CPU area at + v * 0x100 */
#define CURRENT_TASK 0x8               /* per-CPU offset of current_task */
#define CRED (TEXT + 0x1800)
#define INIT_TASK (TEXT + 0x1c00)
#define TASKS (TEXT + 0x2000)          /* task i at + i * 0x100 */
#define STACKS (TEXT + 0x4000)         /* task i's stack page at + i * 0x1000 */
#define MAX_TASKS 8
#define KERNEL_CS 0x10
#define PT_REGS_SIZE 168

static const char symbol_map[] =
  "0000000000000008 D current_task\n"
  "ffffffff81000100 T __x64_sys_getpid\n"
  "ffffffff81000500 T __x64_sys_close\n"
  "ffffffff81000600 T x64_sys_call\n"
  "ffffffff81000700 T after_dispatch\n"
  "ffffffff81001c00 D init_task\n";

typedef struct {
  guint64 slot;          /* RSP at the call: the return address */
  gboolean in_call;
  gint64 result;         /* what the pending call returns */
  guint64 bp;
} Task;

typedef struct {
  gint64 result;
  gint tid;
  char *name;
  gboolean has_result;
} Seen;

typedef struct {
  FakeXen *f;
  GtDriver *d;
  GtVmi vmi;
  GtEngine *e;
  Task tasks[MAX_TASKS];
  guint ntasks;
  GArray *seen;                          /* Seen */
  GHashTable *expected;                  /* result -> tid of every call made */
  guint64 expect_rip[FAKE_MAX_VCPUS];    /* of the pending request's response, 0: none */
  gint64 next_result;
  guint requests, responses;
} Fx;

/* Host pointer to the fake RAM behind kernel VA va (one of our pages). */
static guint8 *
ram(Fx *x, guint64 va)
{
  guint64 pte = 0;
  memcpy(&pte, x->f->ram + 0x4000 + ((va >> 12) & 511) * 8, 8);
  g_assert_true(pte & 1);
  return x->f->ram + (pte & ~0xfffULL) + (va & 0xfff);
}

static void put64(Fx *x, guint64 va, guint64 v) { memcpy(ram(x, va), &v, 8); }
static void put32(Fx *x, guint64 va, guint32 v) { memcpy(ram(x, va), &v, 4); }

static guint64
get64(Fx *x, guint64 va)
{
  guint64 v;
  memcpy(&v, ram(x, va), 8);
  return v;
}

static GtLinuxOffsets
offsets(void)
{
  GtLinuxOffsets o;
  memset(&o, 0xff, sizeof o);   /* every optional group absent */
  o.task_pid = 0x10;
  o.task_tgid = 0x14;
  o.task_comm = 0x20;
  o.task_tasks = 0x30;
  o.task_real_parent = 0x40;
  o.task_real_cred = 0x48;
  o.task_cred = 0x50;
  o.task_mm = 0x58;
  o.task_active_mm = 0x60;
  o.task_group_leader = 0x68;
  o.task_thread_node = 0x70;
  o.task_flags = 0x80;
  o.task_signal = 0x88;
  o.signal_thread_head = 0x10;
  o.cred_uid = 4;
  o.cred_gid = 8;
  o.cred_euid = 0x14;
  o.cred_egid = 0x18;
  o.mm_pgd = 0x50;
  o.regs_di = 112;
  o.regs_si = 104;
  o.regs_dx = 96;
  o.regs_r10 = 56;
  o.regs_r8 = 72;
  o.regs_r9 = 64;
  o.regs_ax = 80;
  o.regs_orig_ax = 120;
  o.regs_ip = 128;
  o.regs_sp = 152;
  o.meta_name = 0;
  o.meta_syscall_nr = 8;
  o.meta_nb_args = 12;
  o.meta_types = 16;
  o.meta_args = 24;
  return o;
}

static GtSyscallMeta *
meta_new(const char *name, gint nr, const char *type, const char *arg)
{
  GtSyscallMeta *m = g_new0(GtSyscallMeta, 1);
  m->name = g_strdup(name);
  m->nr = nr;
  if (type) {
    m->nargs = 1;
    m->arg_types[0] = g_strdup(type);
    m->arg_names[0] = g_strdup(arg);
  }
  return m;
}

static void
put_task(Fx *x, guint64 t, gint32 tid, gint32 tgid, const char *comm)
{
  put32(x, t + 0x10, (guint32)tid);
  put32(x, t + 0x14, (guint32)tgid);
  memcpy(ram(x, t + 0x20), comm, strlen(comm) + 1);
  put64(x, t + 0x40, INIT_TASK);   /* real_parent */
  put64(x, t + 0x48, CRED);        /* real_cred */
  put64(x, t + 0x50, CRED);
}

/* The guest: code, per-CPU areas, tasks (two threads of one process among
 * them) and their stacks in the fake's RAM. */
static void
build_guest(Fx *x)
{
  fake_xen_map(x->f, PERCPU, 11);
  fake_xen_map(x->f, TASKS, 12);
  for (guint i = 0; i < MAX_TASKS; i++)
    fake_xen_map(x->f, STACKS + i * 0x1000ULL, 13 + i);
  static const guint8 nop_ret[6] = { 0x0f, 0x1f, 0x44, 0x00, 0x00, 0xc3 };
  memcpy(ram(x, CLOSE), nop_ret, sizeof nop_ret);
  static const guint8 dispatch[8] = { 0xe8, 0x00, 0x00, 0x00, 0x00, 0xc3, 0xcc, 0xcc };
  memcpy(ram(x, DISPATCH), dispatch, sizeof dispatch);
  put_task(x, INIT_TASK, 0, 0, "swapper/0");
  for (guint i = 0; i < MAX_TASKS; i++) {
    g_autofree char *comm = g_strdup_printf("task%u", i);
    /* tasks 0 and 1: threads of process 100 */
    put_task(x, TASKS + i * 0x100ULL, 100 + (gint32)i, i == 1 ? 100 : 100 + (gint32)i, comm);
    x->tasks[i].slot = STACKS + i * 0x1000ULL + 0x1000 - PT_REGS_SIZE - 0x40;
  }
}

static void
on_record(const GtRecord *rec, gpointer data)
{
  Fx *x = data;
  Seen s = {
    .result = gt_record_get_result(rec), .tid = gt_record_get_tid(rec),
    .name = g_strdup(gt_record_get_name(rec)), .has_result = gt_record_has_result(rec),
  };
  g_array_append_val(x->seen, s);
}

static void
seen_clear(gpointer p)
{
  g_free(((Seen *)p)->name);
}

static void
fx_setup(Fx *x, guint nvcpus, guint ntasks)
{
  memset(x, 0, sizeof *x);
  x->f = fake_xen_new();
  x->f->nvcpus = nvcpus;
  x->ntasks = ntasks;
  build_guest(x);
  g_autoptr(GError) err = NULL;
  x->d = gt_xen_driver_new(&fake_xen_ops, x->f, GT_XEN_TRAP_INT3, &err);
  g_assert_no_error(err);
  g_assert_nonnull(x->d->ops->resume_vcpu);   /* per-vCPU stops */
  x->vmi.driver = x->d;
  x->vmi.mem = gt_vmi_driver_mem(x->d);
  x->vmi.syms = gt_symbols_parse(symbol_map, strlen(symbol_map), "test map", &err);
  g_assert_no_error(err);
  x->vmi.kcr3 = FAKE_CR3;
  x->vmi.nvcpus = nvcpus;
  GtLinuxOffsets off = offsets();
  GtLinux *lx = gt_linux_new_with_offsets(x->vmi.mem, x->vmi.syms, FAKE_CR3, &off, &err);
  g_assert_no_error(err);
  GHashTable *meta = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                           (GDestroyNotify)gt_syscall_meta_free);
  GtSyscallMeta *m = meta_new("getpid", 39, NULL, NULL);
  g_hash_table_insert(meta, m->name, m);
  m = meta_new("close", 3, "unsigned int", "fd");
  g_hash_table_insert(meta, m->name, m);
  x->e = gt_engine_new_for(&x->vmi, lx, meta);
  x->seen = g_array_new(FALSE, TRUE, sizeof(Seen));
  g_array_set_clear_func(x->seen, seen_clear);
  x->expected = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
  x->next_result = 1000;
  gt_engine_set_record_cb(x->e, on_record, x, NULL);
}

static void
fx_start(Fx *x, gboolean add_probes)
{
  g_autoptr(GError) err = NULL;
  if (add_probes) {
    g_assert_true(gt_engine_add(x->e, "getpid", NULL, NULL, NULL, TRUE, &err));
    g_assert_true(gt_engine_add(x->e, "close", NULL, NULL, NULL, TRUE, &err));
  }
  g_assert_true(gt_engine_start(x->e, &err));
  g_assert_no_error(err);
  g_assert_cmphex(x->f->ram[FAKE_TEXT_PA + 0x100], ==, 0xcc);
  g_assert_cmphex(x->f->ram[FAKE_TEXT_PA + 0x500], ==, 0xcc);
  g_assert_true(x->d->ops->resume(x->d, &err));
  g_assert_cmpint(x->f->paused, ==, 0);
}

static void
fx_teardown(Fx *x)
{
  g_autoptr(GError) err = NULL;
  g_assert_true(gt_engine_stop(x->e, &err));
  g_assert_no_error(err);
  /* Every byte of ours is gone. */
  g_assert_cmphex(x->f->ram[FAKE_TEXT_PA + 0x100], ==, 0x0f);
  g_assert_cmphex(x->f->ram[FAKE_TEXT_PA + 0x500], ==, 0x0f);
  g_assert_cmphex(x->f->ram[FAKE_TEXT_PA + 0x606], ==, 0xcc);
  for (guint i = 0; i < x->ntasks; i++)
    if (x->tasks[i].in_call)
      g_assert_cmphex(get64(x, x->tasks[i].slot), ==, RET_ADDR);
  gt_engine_free(x->e);
  gt_driver_close(x->d);
  g_assert_cmpint(x->f->paused, ==, 0);
  gt_mem_free(x->vmi.mem);
  gt_symbols_free(x->vmi.syms);
  g_array_unref(x->seen);
  g_hash_table_destroy(x->expected);
  fake_xen_free(x->f);
}

static GtRegs
stop_regs(Fx *x, guint task, guint vcpu, guint64 rip, guint64 rsp)
{
  GtRegs r;
  memset(&r, 0, sizeof r);
  r.r[GT_REG_RIP] = rip;
  r.r[GT_REG_RSP] = rsp;
  r.r[GT_REG_CS] = KERNEL_CS;
  r.r[GT_REG_GS_BASE] = PERCPU + vcpu * 0x100ULL;
  r.r[GT_REG_CR3] = FAKE_CR3;
  /* The task runs on this vCPU now. */
  put64(x, PERCPU + vcpu * 0x100ULL + CURRENT_TASK, TASKS + task * 0x100ULL);
  return r;
}

/* Task enters a system call (getpid or close) on vcpu: its return address
 * on its stack, its pt_regs above, a breakpoint request on the ring. */
static void
push_call(Fx *x, guint task, guint vcpu, gboolean close)
{
  Task *t = &x->tasks[task];
  g_assert_false(t->in_call);
  g_assert_cmphex(x->expect_rip[vcpu], ==, 0);
  guint64 ptregs = t->slot + 0x40;
  put64(x, ptregs + 112, 3 + task);          /* di: close's fd */
  put64(x, ptregs + 120, close ? 3 : 39);    /* orig_ax */
  put64(x, t->slot, RET_ADDR);
  t->bp = close ? CLOSE : GETPID;
  GtRegs r = stop_regs(x, task, vcpu, t->bp, t->slot);
  r.r[GT_REG_RDI] = ptregs;
  r.r[GT_REG_RAX] = close ? 3 : 39;
  fake_xen_push_regs(x->f, VM_EVENT_REASON_SOFTWARE_BREAKPOINT, vcpu, &r, 0);
  x->requests++;
  x->expect_rip[vcpu] = t->bp + 5;          /* past the NOP */
  t->in_call = TRUE;
  t->result = x->next_result++;
  g_hash_table_insert(x->expected, g_memdup2(&t->result, sizeof t->result),
                      GINT_TO_POINTER(100 + (gint)task));
}

/* Task's call returns on vcpu (maybe another than it was called on): the
 * handler's `ret` pops the slot, which must hold the trap. */
static void
push_return(Fx *x, guint task, guint vcpu)
{
  Task *t = &x->tasks[task];
  g_assert_true(t->in_call);
  g_assert_cmphex(x->expect_rip[vcpu], ==, 0);
  g_assert_cmphex(get64(x, t->slot), ==, TRAP);
  GtRegs r = stop_regs(x, task, vcpu, TRAP, t->slot + 8);
  r.r[GT_REG_RAX] = (guint64)t->result;
  fake_xen_push_regs(x->f, VM_EVENT_REASON_SOFTWARE_BREAKPOINT, vcpu, &r, 0);
  x->requests++;
  x->expect_rip[vcpu] = RET_ADDR;
  t->in_call = FALSE;
}

/* The responses on the ring: one per pending request, with its RIP. */
static void
take_responses(Fx *x)
{
  vm_event_response_t rsp;
  while (fake_xen_pop(x->f, &rsp)) {
    x->responses++;
    g_assert_cmpuint(rsp.vcpu_id, <, x->f->nvcpus);
    g_assert_cmphex(x->expect_rip[rsp.vcpu_id], !=, 0);
    g_assert_true(rsp.flags & VM_EVENT_FLAG_SET_REGISTERS);
    g_assert_cmphex(rsp.data.regs.x86.rip, ==, x->expect_rip[rsp.vcpu_id]);
    x->expect_rip[rsp.vcpu_id] = 0;
  }
}

/* What the loop does (api/loop.c on_stop_ready): every stop the driver
 * reports is handled and its vCPU released. */
static void
drain(Fx *x)
{
  for (;;) {
    g_autoptr(GError) err = NULL;
    GtStop stop;
    g_assert_true(x->d->ops->wait(x->d, 0, &stop, &err));
    if (stop.kind == GT_STOP_NONE)
      break;
    g_assert_cmpint(stop.kind, ==, GT_STOP_BREAKPOINT);
    g_assert_true(gt_engine_handle_stop(x->e, &stop, &err));
    g_assert_no_error(err);
    g_assert_true(gt_engine_resume(x->e, &err));
    g_assert_no_error(err);
  }
  take_responses(x);
  for (guint v = 0; v < x->f->nvcpus; v++)
    g_assert_cmphex(x->expect_rip[v], ==, 0);
  g_assert_cmpint(x->f->paused, ==, 0);
}

/* Every call made gave exactly one record, with its own result and
 * caller; every request exactly one response. */
static void
assert_paired(Fx *x)
{
  g_assert_cmpuint(x->requests, ==, x->responses);
  g_assert_cmpuint(x->seen->len, ==, g_hash_table_size(x->expected));
  g_autoptr(GHashTable) once = g_hash_table_new(g_int64_hash, g_int64_equal);
  for (guint i = 0; i < x->seen->len; i++) {
    Seen *s = &g_array_index(x->seen, Seen, i);
    g_assert_true(s->has_result);
    g_assert_true(g_hash_table_contains(x->expected, &s->result));
    g_assert_cmpint(s->tid, ==, GPOINTER_TO_INT(g_hash_table_lookup(x->expected, &s->result)));
    g_assert_false(g_hash_table_contains(once, &s->result));
    g_hash_table_add(once, &s->result);
  }
}

/* The orders the issue names: call on 0, call on 1, return on 1, return
 * on 0; both calls on the ring at once; the returns swapped between
 * vCPUs (each task migrated); two threads of one process. */
static void
test_fixed_orders(void)
{
  Fx x;
  fx_setup(&x, 2, 2);
  fx_start(&x, TRUE);
  guint pauses = x.f->pauses;
  /* One at a time. */
  push_call(&x, 0, 0, FALSE);
  drain(&x);
  push_call(&x, 1, 1, TRUE);
  drain(&x);
  push_return(&x, 1, 1);
  drain(&x);
  push_return(&x, 0, 0);
  drain(&x);
  g_assert_cmpuint(x.seen->len, ==, 2);
  /* Both vCPUs held at once, in both ring orders. */
  push_call(&x, 0, 1, FALSE);
  push_call(&x, 1, 0, FALSE);
  drain(&x);
  push_return(&x, 1, 0);
  push_return(&x, 0, 1);
  drain(&x);
  /* Migrated: called on 0, returns on 1, and the reverse, together. */
  push_call(&x, 0, 0, TRUE);
  push_call(&x, 1, 1, TRUE);
  drain(&x);
  push_return(&x, 0, 1);
  push_return(&x, 1, 0);
  drain(&x);
  /* A return and a call on the ring together. */
  push_call(&x, 0, 0, FALSE);
  drain(&x);
  push_return(&x, 0, 1);
  push_call(&x, 1, 0, FALSE);
  drain(&x);
  push_return(&x, 1, 1);
  drain(&x);
  assert_paired(&x);
  g_assert_cmpuint(x.seen->len, ==, 8);
  g_assert_cmpuint(x.f->pauses, ==, pauses);   /* answered without a domain pause */
  fx_teardown(&x);
}

/* A call made before attach: its return address was never redirected, so
 * it returns with no stop and leaves nothing to pair; the task's next call
 * at the same slot pairs as usual. */
static void
test_call_before_attach(void)
{
  Fx x;
  fx_setup(&x, 2, 2);
  put64(&x, x.tasks[0].slot, RET_ADDR);   /* blocked in a call since before attach */
  fx_start(&x, TRUE);
  push_call(&x, 1, 0, FALSE);
  drain(&x);
  /* task 0's old call returns: nothing of ours on its stack, no stop. */
  g_assert_cmphex(get64(&x, x.tasks[0].slot), ==, RET_ADDR);
  push_call(&x, 0, 1, FALSE);
  drain(&x);
  push_return(&x, 0, 0);
  push_return(&x, 1, 1);
  drain(&x);
  assert_paired(&x);
  g_assert_cmpuint(x.seen->len, ==, 2);
  fx_teardown(&x);
}

/* Many random orders: 2-4 vCPUs, 2-8 tasks; at each step some vCPUs stop
 * at once (a call, or the return of a task's pending call on whichever
 * vCPU it now runs). */
static void
test_random_orders(void)
{
  for (guint32 seed = 1; seed <= 200; seed++) {
    g_autoptr(GRand) rnd = g_rand_new_with_seed(seed);
    guint nv = g_rand_int_range(rnd, 2, FAKE_MAX_VCPUS + 1);
    guint nt = g_rand_int_range(rnd, 2, MAX_TASKS + 1);
    Fx x;
    fx_setup(&x, nv, nt);
    fx_start(&x, TRUE);
    for (guint step = 0; step < 40; step++) {
      gboolean busy[MAX_TASKS] = { FALSE };
      for (guint v = 0; v < nv; v++) {
        if (g_rand_int_range(rnd, 0, 4) == 0)
          continue;                      /* this vCPU does not stop now */
        guint task = g_rand_int_range(rnd, 0, nt);
        if (busy[task])
          continue;                      /* a task runs on one vCPU at a time */
        busy[task] = TRUE;
        if (x.tasks[task].in_call)
          push_return(&x, task, v);
        else
          push_call(&x, task, v, g_rand_boolean(rnd));
      }
      drain(&x);
    }
    for (guint task = 0; task < nt; task++)
      if (x.tasks[task].in_call) {
        push_return(&x, task, task % nv);
        drain(&x);
      }
    assert_paired(&x);
    fx_teardown(&x);
  }
}

/* A config reload while requests of three vCPUs wait on the ring (two
 * calls and a return): the engine pauses the domain, takes each pending
 * stop once, swaps the probes (getpid goes), resumes; each request is
 * answered once. The getpid call caught before the swap still pairs with
 * its return after it; getpid is no longer trapped. */
static void
test_reload_with_pending(void)
{
  Fx x;
  fx_setup(&x, 3, 3);
  g_autoptr(GError) err = NULL;
  GtConfig *both = gt_config_parse("Functions getpid,close\n", "test", &err);
  g_assert_no_error(err);
  g_assert_true(gt_engine_set_config(x.e, both, &err));
  fx_start(&x, FALSE);
  push_call(&x, 2, 2, TRUE);
  drain(&x);
  push_call(&x, 0, 0, FALSE);   /* getpid */
  push_call(&x, 1, 1, TRUE);    /* close */
  push_return(&x, 2, 2);
  guint pauses = x.f->pauses;
  GtConfig *only_close = gt_config_parse("Functions close\n", "test", &err);
  g_assert_no_error(err);
  g_assert_true(gt_engine_set_config(x.e, only_close, &err));
  g_assert_no_error(err);
  g_assert_cmpuint(x.f->pauses, ==, pauses + 1);
  g_assert_cmpint(x.f->paused, ==, 0);
  g_assert_cmphex(x.f->ram[FAKE_TEXT_PA + 0x100], ==, 0x0f);   /* getpid untrapped */
  g_assert_cmphex(x.f->ram[FAKE_TEXT_PA + 0x500], ==, 0xcc);
  take_responses(&x);
  for (guint v = 0; v < 3; v++)
    g_assert_cmphex(x.expect_rip[v], ==, 0);
  drain(&x);                    /* nothing reported twice */
  g_assert_cmpuint(x.seen->len, ==, 1);
  push_return(&x, 0, 1);        /* getpid's return, migrated */
  push_return(&x, 1, 0);
  drain(&x);
  assert_paired(&x);
  g_assert_cmpuint(x.seen->len, ==, 3);
  fx_teardown(&x);
}

/* Quitting while a return and a call wait on the ring: both are handled
 * before the probes go, both vCPUs answered once; the return completes its
 * record, the call is reported without a result and its slot gets its own
 * return address back. */
static void
test_quit_with_pending(void)
{
  Fx x;
  fx_setup(&x, 2, 2);
  fx_start(&x, TRUE);
  push_call(&x, 0, 0, TRUE);
  drain(&x);
  push_return(&x, 0, 1);
  push_call(&x, 1, 0, FALSE);
  g_autoptr(GError) err = NULL;
  g_assert_true(gt_engine_stop(x.e, &err));
  g_assert_no_error(err);
  take_responses(&x);
  g_assert_cmphex(x.expect_rip[0], ==, 0);
  g_assert_cmphex(x.expect_rip[1], ==, 0);
  g_assert_cmpuint(x.requests, ==, x.responses);
  g_assert_cmphex(get64(&x, x.tasks[1].slot), ==, RET_ADDR);
  g_assert_cmpuint(x.seen->len, ==, 2);
  Seen *done = &g_array_index(x.seen, Seen, 0), *cut = &g_array_index(x.seen, Seen, 1);
  g_assert_true(done->has_result);
  g_assert_cmpint(done->tid, ==, 100);
  g_assert_cmpint(done->result, ==, x.tasks[0].result);
  g_assert_false(cut->has_result);
  g_assert_cmpint(cut->tid, ==, 101);
  fx_teardown(&x);
}

/* A call's breakpoint reported a second time for the same call (its slot
 * already holds the trap: seen on a 5.10 guest right after attach): one
 * record, the slot keeps its real return address behind the trap, and the
 * return pairs. Redirecting it again saved the trap as the return address
 * and left the guest to execute the trap's int3 alone. */
static void
test_same_call_twice(void)
{
  Fx x;
  fx_setup(&x, 2, 1);
  fx_start(&x, TRUE);
  push_call(&x, 0, 0, FALSE);
  drain(&x);
  Task *t = &x.tasks[0];
  g_assert_cmphex(get64(&x, t->slot), ==, TRAP);
  GtRegs r = stop_regs(&x, 0, 0, t->bp, t->slot);
  r.r[GT_REG_RDI] = t->slot + 0x40;
  r.r[GT_REG_RAX] = 39;
  fake_xen_push_regs(x.f, VM_EVENT_REASON_SOFTWARE_BREAKPOINT, 0, &r, 0);
  x.requests++;
  x.expect_rip[0] = t->bp + 5;
  drain(&x);
  g_assert_cmphex(get64(&x, t->slot), ==, TRAP);
  push_return(&x, 0, 1);
  drain(&x);
  assert_paired(&x);
  g_assert_cmpuint(x.seen->len, ==, 1);
  fx_teardown(&x);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_setenv("GT_XEN_STOP", "vcpu", TRUE);
  g_test_add_func("/trace/concurrent/fixed-orders", test_fixed_orders);
  g_test_add_func("/trace/concurrent/call-before-attach", test_call_before_attach);
  g_test_add_func("/trace/concurrent/same-call-twice", test_same_call_twice);
  g_test_add_func("/trace/concurrent/random-orders", test_random_orders);
  g_test_add_func("/trace/concurrent/reload-with-pending", test_reload_with_pending);
  g_test_add_func("/trace/concurrent/quit-with-pending", test_quit_with_pending);
  return g_test_run();
}
