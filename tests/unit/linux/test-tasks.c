/* Tests of tasks, the process list, ancestors and the current task on
 * crafted guest memory: fake task_structs laid out with hand-written
 * offsets, and every way a guest can break the lists. */
#include <string.h>
#include <guestrace/types.h>
#include "os/linux/linux.h"
#include "fake-guest.h"

#define PCPU_CURRENT 0x1000   /* per-CPU offset of current_task */
#define test_off fg_linux_offsets

typedef struct {
  FakeGuest *fg;
  GtSymbols *syms;
  GtLinux *lx;
  guint64 init_task, root_cred, user_cred, user_mm, user_pgd;
} World;

/* A world with init_task (pid 0) and nothing on its list yet. */
static void
world_init(World *w, guint ram_mib)
{
  memset(w, 0, sizeof *w);
  w->fg = fg_new(ram_mib);
  w->root_cred = fg_new_cred(w->fg, 0, 0, 0, 0);
  w->user_cred = fg_new_cred(w->fg, 1000, 100, 0, 101);
  w->user_pgd = fg_alloc(w->fg, 0x1000 + 64);
  w->user_pgd = (w->user_pgd + 0xfff) & ~0xfffULL;
  w->user_mm = fg_alloc(w->fg, 0x100);
  fg_put_u64(w->fg, w->user_mm + test_off.mm_pgd, w->user_pgd);
  w->init_task = fg_new_task(w->fg, 0, 0, "swapper/0", 0, w->root_cred, 0);
  fg_link_tasks(w->fg, &w->init_task, 1);
  g_autofree char *map = g_strdup_printf(
    "%016" G_GINT64_MODIFIER "x D init_task\n"
    "%016x D current_task\n", w->init_task, PCPU_CURRENT);
  w->syms = fg_symbols(map);
  w->lx = fg_linux(w->fg, w->syms, &test_off);
}

static void
world_clear(World *w)
{
  fg_linux_free(w->lx, w->syms, w->fg);
}

/* init_task -> init (1) -> kthreadd (2) -> sh (100, user) */
static void
world_normal(World *w, guint64 *t)
{
  world_init(w, 8);
  t[0] = w->init_task;
  t[1] = fg_new_task(w->fg, 1, 1, "init", t[0], w->root_cred, w->user_mm);
  t[2] = fg_new_task(w->fg, 2, 2, "kthreadd", t[0], w->root_cred, 0);
  t[3] = fg_new_task(w->fg, 100, 100, "sh", t[1], w->user_cred, w->user_mm);
  fg_link_tasks(w->fg, t, 4);
}

static void
test_process_list(void)
{
  World w;
  guint64 t[4];
  world_normal(&w, t);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) list = gt_linux_process_list(w.lx, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(list->len, ==, 4);
  const GtTaskInfo *p = &g_array_index(list, GtTaskInfo, 0);
  g_assert_cmpint(p[0].pid, ==, 0);
  g_assert_cmpstr(p[0].comm, ==, "swapper/0");
  g_assert_true(p[0].kthread);
  g_assert_cmpuint(p[0].pgd_pa, ==, 0);
  g_assert_cmpint(p[1].pid, ==, 1);
  g_assert_cmpint(p[1].ppid, ==, 0);
  g_assert_false(p[1].kthread);
  g_assert_cmpint(p[2].pid, ==, 2);
  g_assert_true(p[2].kthread);
  g_assert_cmpint(p[3].pid, ==, 100);
  g_assert_cmpint(p[3].tid, ==, 100);
  g_assert_cmpint(p[3].ppid, ==, 1);
  g_assert_cmpuint(p[3].addr, ==, t[3]);
  g_assert_cmpuint(p[3].uid, ==, 1000);
  g_assert_cmpuint(p[3].gid, ==, 100);
  g_assert_cmpuint(p[3].euid, ==, 0);
  g_assert_cmpuint(p[3].egid, ==, 101);
  g_assert_cmpstr(p[3].comm, ==, "sh");
  g_assert_false(p[3].kthread);
  g_assert_cmpuint(p[3].pgd_pa, ==, w.user_pgd - FG_KBASE);

  guint64 found = 0;
  g_assert_true(gt_linux_find_process(w.lx, 100, &found, &error));
  g_assert_cmpuint(found, ==, t[3]);
  g_assert_true(gt_linux_find_process(w.lx, 0, &found, &error));
  g_assert_cmpuint(found, ==, t[0]);
  g_assert_no_error(error);
  g_assert_false(gt_linux_find_process(w.lx, 999, &found, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_NOT_FOUND);
  world_clear(&w);
}

static void
test_only_init(void)
{
  World w;
  world_init(&w, 4);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) list = gt_linux_process_list(w.lx, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(list->len, ==, 1);
  world_clear(&w);
}

static void
test_cycle(void)
{
  World w;
  guint64 t[4];
  world_normal(&w, t);
  /* sh points back to init (1), not to init_task: a loop that never ends. */
  fg_put_u64(w.fg, t[3] + test_off.task_tasks, t[1] + test_off.task_tasks);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) list = gt_linux_process_list(w.lx, &error);
  g_assert_null(list);
  g_assert_error(error, GT_ERROR, GT_ERROR_MEMORY);
  g_assert_nonnull(strstr(error->message, "loop"));
  g_clear_error(&error);
  guint64 found;
  g_assert_false(gt_linux_find_process(w.lx, 5, &found, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_MEMORY);
  /* A self loop. */
  g_clear_error(&error);
  fg_put_u64(w.fg, t[1] + test_off.task_tasks, t[1] + test_off.task_tasks);
  g_assert_null(gt_linux_process_list(w.lx, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_MEMORY);
  world_clear(&w);
}

static void
test_broken_pointer(void)
{
  World w;
  guint64 t[4];
  world_normal(&w, t);
  const guint64 bad[] = {
    FG_KBASE + (1ULL << 30),      /* kernel address, not mapped */
    0x1234000,                    /* user address */
    0,                            /* NULL */
    t[2] + test_off.task_tasks + 1,  /* misaligned */
    0xfffffffffffffff8ULL,        /* would wrap around with an offset */
  };
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    fg_put_u64(w.fg, t[1] + test_off.task_tasks, bad[i]);
    g_autoptr(GError) error = NULL;
    g_autoptr(GArray) list = gt_linux_process_list(w.lx, &error);
    g_assert_null(list);
    g_assert_error(error, GT_ERROR, GT_ERROR_MEMORY);
    g_test_message("%s", error->message);
  }
  /* init_task's own pointer broken. */
  fg_put_u64(w.fg, t[0] + test_off.task_tasks, 0x42);
  g_autoptr(GError) error = NULL;
  g_assert_null(gt_linux_process_list(w.lx, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_MEMORY);
  world_clear(&w);
}

static void
test_broken_task(void)
{
  World w;
  guint64 t[4];
  world_normal(&w, t);
  /* The list is fine but one task's cred pointer is garbage. */
  fg_put_u64(w.fg, t[3] + test_off.task_real_cred, FG_KBASE + (1ULL << 30));
  g_autoptr(GError) error = NULL;
  g_assert_null(gt_linux_process_list(w.lx, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_MEMORY);
  g_clear_error(&error);
  /* A bad mm. */
  fg_put_u64(w.fg, t[3] + test_off.task_real_cred, w.user_cred);
  fg_put_u64(w.fg, t[3] + test_off.task_mm, 0x1000);
  GtTaskInfo info;
  g_assert_false(gt_linux_task_info(w.lx, t[3], &info, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_MEMORY);
  g_clear_error(&error);
  /* A pgd that does not translate. */
  fg_put_u64(w.fg, t[3] + test_off.task_mm, w.user_mm);
  fg_put_u64(w.fg, w.user_mm + test_off.mm_pgd, FG_KBASE + (1ULL << 30));
  g_assert_false(gt_linux_task_info(w.lx, t[3], &info, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_MEMORY);
  g_clear_error(&error);
  g_assert_false(gt_linux_task_info(w.lx, 0x1000, &info, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_INVALID_ARG);
  world_clear(&w);
}

static void
test_too_many(void)
{
  World w;
  world_init(&w, 16);
  /* GT_LINUX_MAX_TASKS + 1 list nodes after init_task, each 32 bytes. */
  const guint n = GT_LINUX_MAX_TASKS + 1;
  guint64 base = fg_alloc(w.fg, (gsize) n * 32);
  guint64 head = w.init_task + test_off.task_tasks;
  fg_put_u64(w.fg, head, base);
  for (guint i = 0; i < n; i++) {
    guint64 node = base + (guint64) i * 32;
    fg_put_u64(w.fg, node, i + 1 < n ? node + 32 : head);
  }
  g_autoptr(GError) error = NULL;
  g_assert_null(gt_linux_process_list(w.lx, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_MEMORY);
  g_assert_nonnull(strstr(error->message, "more than"));
  world_clear(&w);
}

static void
test_comm(void)
{
  World w;
  guint64 t[4];
  world_normal(&w, t);
  GtTaskInfo info;
  g_autoptr(GError) error = NULL;
  /* 16 bytes, no NUL. */
  memcpy(fg_ptr(w.fg, t[3] + test_off.task_comm), "ABCDEFGHIJKLMNOP", 16);
  fg_put_u32(w.fg, t[3] + test_off.task_comm + 16, 0x41414141);
  g_assert_true(gt_linux_task_info(w.lx, t[3], &info, &error));
  g_assert_cmpstr(info.comm, ==, "ABCDEFGHIJKLMNOP");
  /* Unprintable bytes are evidence: kept exactly (outputs escape them). */
  memcpy(fg_ptr(w.fg, t[3] + test_off.task_comm), "a\x1b[2J\xff\n", 8);
  g_assert_true(gt_linux_task_info(w.lx, t[3], &info, &error));
  g_assert_cmpstr(info.comm, ==, "a\x1b[2J\xff\n");
  /* Empty. */
  memset(fg_ptr(w.fg, t[3] + test_off.task_comm), 0, 16);
  g_assert_true(gt_linux_task_info(w.lx, t[3], &info, &error));
  g_assert_cmpstr(info.comm, ==, "");
  g_assert_no_error(error);
  world_clear(&w);
}

static void
test_ancestors(void)
{
  World w;
  guint64 t[4];
  world_normal(&w, t);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) a = gt_linux_ancestors(w.lx, t[3], &error);
  g_assert_no_error(error);
  g_assert_cmpuint(a->len, ==, 2);
  g_assert_cmpint(g_array_index(a, GtTaskInfo, 0).pid, ==, 1);
  g_assert_cmpint(g_array_index(a, GtTaskInfo, 1).pid, ==, 0);
  g_autoptr(GArray) none = gt_linux_ancestors(w.lx, t[0], &error);
  g_assert_no_error(error);
  g_assert_cmpuint(none->len, ==, 0);

  /* A loop: init's parent is sh, sh's parent is init. */
  fg_put_u64(w.fg, t[1] + test_off.task_real_parent, t[3]);
  g_autoptr(GArray) loop = gt_linux_ancestors(w.lx, t[3], &error);
  g_assert_null(loop);
  g_assert_error(error, GT_ERROR, GT_ERROR_MEMORY);
  g_assert_nonnull(strstr(error->message, "loop"));
  g_clear_error(&error);

  /* A task that is its own parent (but not pid 0) ends the chain. */
  fg_put_u64(w.fg, t[1] + test_off.task_real_parent, t[1]);
  g_autoptr(GArray) self = gt_linux_ancestors(w.lx, t[3], &error);
  g_assert_no_error(error);
  g_assert_cmpuint(self->len, ==, 1);

  /* A parent pointer into nowhere. */
  fg_put_u64(w.fg, t[1] + test_off.task_real_parent, FG_KBASE + (1ULL << 30));
  g_assert_null(gt_linux_ancestors(w.lx, t[3], &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_MEMORY);
  world_clear(&w);
}

static void
test_ancestors_too_deep(void)
{
  World w;
  world_init(&w, 4);
  /* A chain of GT_LINUX_MAX_ANCESTORS + 2 distinct tasks, none with pid 0. */
  guint64 prev = 0, first = 0;
  guint64 chain[GT_LINUX_MAX_ANCESTORS + 2];
  for (guint i = 0; i < G_N_ELEMENTS(chain); i++) {
    chain[i] = fg_new_task(w.fg, (gint32) (i + 10), (gint32) (i + 10), "x", 0, w.root_cred, 0);
    if (prev != 0)
      fg_put_u64(w.fg, prev + test_off.task_real_parent, chain[i]);
    else
      first = chain[i];
    prev = chain[i];
  }
  g_autoptr(GError) error = NULL;
  g_assert_null(gt_linux_ancestors(w.lx, first, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_MEMORY);
  g_assert_nonnull(strstr(error->message, "more than"));
  world_clear(&w);
}

static void
test_current_task(void)
{
  World w;
  guint64 t[4];
  world_normal(&w, t);
  guint64 gs = fg_alloc(w.fg, 0x2000);
  fg_put_u64(w.fg, gs + PCPU_CURRENT, t[3]);
  guint64 cur = 0;
  g_autoptr(GError) error = NULL;
  g_assert_true(gt_linux_current_task(w.lx, gs, &cur, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(cur, ==, t[3]);
  /* User GS base. */
  g_assert_false(gt_linux_current_task(w.lx, 0x7f0000000000, &cur, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_INVALID_ARG);
  g_clear_error(&error);
  /* Garbage in the slot. */
  fg_put_u64(w.fg, gs + PCPU_CURRENT, 0x4141414141414141ULL);
  g_assert_false(gt_linux_current_task(w.lx, gs, &cur, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_MEMORY);
  g_clear_error(&error);
  /* Per-CPU area not mapped. */
  g_assert_false(gt_linux_current_task(w.lx, FG_KBASE + (1ULL << 30), &cur, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_MEMORY);
  world_clear(&w);
}

/* With pcpu_hot (6.2 .. 6.14): current_task lives inside it. */
static void
test_current_task_pcpu_hot(void)
{
  g_autoptr(FakeGuest) fg = fg_new(4);
  const char map[] = "ffff888000100000 D init_task\n"
                     "0000000000002000 D pcpu_hot\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(GtSymbols) syms = fg_symbols(map);
  GtLinuxOffsets off = test_off;
  off.pcpu_hot_current_task = 0x18;
  g_autoptr(GtLinux) lx = fg_linux(fg, syms, &off);
  guint64 gs = fg_alloc(fg, 0x3000);
  fg_put_u64(fg, gs + 0x2018, FG_KBASE + 0x5000);
  guint64 cur = 0;
  g_assert_true(gt_linux_current_task(lx, gs, &cur, &error));
  g_assert_cmpuint(cur, ==, FG_KBASE + 0x5000);

  /* Without either symbol, construction fails and says why. */
  const char map2[] = "ffff888000100000 D init_task\n";
  g_autoptr(GtSymbols) syms2 = fg_symbols(map2);
  g_assert_null(gt_linux_new_with_offsets(fg->mem, syms2, fg->cr3, &off, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_NOT_FOUND);
  g_assert_nonnull(strstr(error->message, "current_task"));
  g_clear_error(&error);
  /* No init_task. */
  const char map3[] = "0000000000002000 D current_task\n";
  g_autoptr(GtSymbols) syms3 = fg_symbols(map3);
  g_assert_null(gt_linux_new_with_offsets(fg->mem, syms3, fg->cr3, &off, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_NOT_FOUND);
  g_assert_nonnull(strstr(error->message, "init_task"));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/linux/tasks/process-list", test_process_list);
  g_test_add_func("/linux/tasks/only-init", test_only_init);
  g_test_add_func("/linux/tasks/cycle", test_cycle);
  g_test_add_func("/linux/tasks/broken-pointer", test_broken_pointer);
  g_test_add_func("/linux/tasks/broken-task", test_broken_task);
  g_test_add_func("/linux/tasks/too-many", test_too_many);
  g_test_add_func("/linux/tasks/comm", test_comm);
  g_test_add_func("/linux/tasks/ancestors", test_ancestors);
  g_test_add_func("/linux/tasks/ancestors-too-deep", test_ancestors_too_deep);
  g_test_add_func("/linux/tasks/current-task", test_current_task);
  g_test_add_func("/linux/tasks/current-task-pcpu-hot", test_current_task_pcpu_hot);
  return g_test_run();
}
