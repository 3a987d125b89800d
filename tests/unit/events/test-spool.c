/* The spool file: append, peek/consume, truncation when drained, prepend
 * (both ways), recovery of a torn tail, the lock, over-long lines. */
#include "output/events/event-spool.h"

#include "isolate.h"

#include <glib/gstdio.h>
#include <string.h>

typedef struct {
  char *dir;
  char *path;
} Fixture;

static void
setup(Fixture *f, gconstpointer data)
{
  f->dir = g_strdup(g_getenv("GT_EVENTS_TEST_DIR"));
  g_assert_nonnull(f->dir);
  f->path = g_build_filename(f->dir, "sub", "events.spool", NULL);
}

static void
teardown(Fixture *f, gconstpointer data)
{
  g_autofree char *sub = g_path_get_dirname(f->path);
  g_autofree char *tmp = g_strconcat(f->path, ".tmp", NULL);
  g_unlink(f->path);
  g_unlink(tmp);
  g_rmdir(sub);
  g_rmdir(f->dir);
  g_free(f->path);
  g_free(f->dir);
}

static char *
file_text(const char *path)
{
  char *t = NULL;
  g_assert_true(g_file_get_contents(path, &t, NULL, NULL));
  return t;
}

static void
peek_expect(GtSpool *sp, guint max, const char *const *want, guint n)
{
  g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func(g_free);
  g_assert_true(gt_spool_peek(sp, max, got, NULL));
  g_assert_cmpuint(got->len, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr(got->pdata[i], ==, want[i]);
}

static void
test_basic(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) err = NULL;
  g_autoptr(GtSpool) sp = gt_spool_open(f->path, &err);
  g_assert_no_error(err);
  g_assert_cmpuint(gt_spool_pending(sp), ==, 0);
  char *a[] = { "s\tone", "s\ttwo", "s\tthree" };
  g_assert_true(gt_spool_append(sp, a, 3, NULL));
  g_assert_cmpuint(gt_spool_pending(sp), ==, 3);
  const char *w1[] = { "s\tone", "s\ttwo" };
  peek_expect(sp, 2, w1, 2);
  gt_spool_consume(sp, "s\tone");
  const char *w2[] = { "s\ttwo", "s\tthree" };
  peek_expect(sp, 10, w2, 2);
  gt_spool_consume(sp, "s\ttwo");
  g_autofree char *t = file_text(f->path);
  g_assert_cmpstr(t, ==, "s\tone\ns\ttwo\ns\tthree\n");   /* append-only until drained */
  gt_spool_consume(sp, "s\tthree");
  g_assert_cmpuint(gt_spool_pending(sp), ==, 0);
  g_autofree char *t2 = file_text(f->path);
  g_assert_cmpstr(t2, ==, "");                          /* truncated */
  peek_expect(sp, 10, NULL, 0);
}

static void
test_prepend(Fixture *f, gconstpointer data)
{
  g_autoptr(GtSpool) sp = gt_spool_open(f->path, NULL);
  g_assert_nonnull(sp);
  char *a[] = { "a", "b", "c" };
  char *p[] = { "x", "y" };
  /* Nothing pending: a plain append after a truncate. */
  g_assert_true(gt_spool_prepend(sp, p, 2, NULL));
  const char *w0[] = { "x", "y" };
  peek_expect(sp, 10, w0, 2);
  gt_spool_consume(sp, "x");
  gt_spool_consume(sp, "y");
  /* Pending lines, some consumed: rewrite. */
  g_assert_true(gt_spool_append(sp, a, 3, NULL));
  gt_spool_consume(sp, "a");
  g_assert_true(gt_spool_prepend(sp, p, 2, NULL));
  const char *w1[] = { "x", "y", "b", "c" };
  peek_expect(sp, 10, w1, 4);
  g_autofree char *t = file_text(f->path);
  g_assert_cmpstr(t, ==, "x\ny\nb\nc\n");
  char *d[] = { "d" };
  g_assert_true(gt_spool_append(sp, d, 1, NULL));
  const char *w2[] = { "x", "y", "b", "c", "d" };
  peek_expect(sp, 10, w2, 5);
}

static void
test_recover(Fixture *f, gconstpointer data)
{
  {
    g_autoptr(GtSpool) sp = gt_spool_open(f->path, NULL);
    char *a[] = { "one", "two" };
    g_assert_true(gt_spool_append(sp, a, 2, NULL));
    gt_spool_consume(sp, "one");  /* cursor is not persisted */
  }
  /* A crash in mid-write leaves a torn line. */
  FILE *fp = fopen(f->path, "a");
  fputs("thr", fp);
  fclose(fp);
  g_autoptr(GtSpool) sp = gt_spool_open(f->path, NULL);
  g_assert_cmpuint(gt_spool_pending(sp), ==, 2);
  const char *w[] = { "one", "two" };
  peek_expect(sp, 10, w, 2);
  g_autofree char *t = file_text(f->path);
  g_assert_cmpstr(t, ==, "one\ntwo\n");

  /* Locked while open. */
  g_autoptr(GError) err = NULL;
  g_assert_null(gt_spool_open(f->path, &err));
  g_assert_nonnull(err);
}

static void
test_long_line(Fixture *f, gconstpointer data)
{
  /* Written by someone else: a line longer than the limit is skipped. */
  gsize n = GT_SPOOL_MAX_LINE + 10;
  g_autofree char *big = g_malloc(n + 1);
  memset(big, 'z', n);
  big[n] = 0;
  g_autofree char *content = g_strconcat(big, "\nafter\n", NULL);
  g_autofree char *dir = g_path_get_dirname(f->path);
  g_mkdir_with_parents(dir, 0700);
  g_assert_true(g_file_set_contents(f->path, content, -1, NULL));
  g_autoptr(GtSpool) sp = gt_spool_open(f->path, NULL);
  g_assert_cmpuint(gt_spool_pending(sp), ==, 2);
  const char *w[] = { "after" };
  peek_expect(sp, 10, w, 1);
  g_assert_cmpuint(gt_spool_pending(sp), ==, 1);
  gt_spool_consume(sp, "after");
  g_assert_cmpuint(gt_spool_pending(sp), ==, 0);
}

/* What fits within the size bound, for appending and for prepending. */
static void
test_room(Fixture *f, gconstpointer data)
{
  g_autoptr(GtSpool) sp = gt_spool_open(f->path, NULL);
  g_assert_nonnull(sp);
  char *a[] = { "aaaa", "bbbb", "cccc", "dddd" };   /* 5 bytes each in the file */
  g_assert_cmpuint(gt_spool_room(sp, a, 4, FALSE), ==, 4);   /* no bound */
  gt_spool_set_max_bytes(sp, 12);
  g_assert_cmpuint(gt_spool_room(sp, a, 4, FALSE), ==, 2);
  g_assert_true(gt_spool_append(sp, a, 2, NULL));
  g_assert_cmpuint(gt_spool_room(sp, a + 2, 2, FALSE), ==, 0);
  char *small[] = { "x" };
  g_assert_cmpuint(gt_spool_room(sp, small, 1, FALSE), ==, 1);   /* 10 + 2 <= 12 */
  /* Consumed lines still take room at the end of the file until it is
   * drained, but not in a rewrite (prepend). */
  gt_spool_consume(sp, "aaaa");
  g_assert_cmpuint(gt_spool_room(sp, a + 2, 2, FALSE), ==, 0);
  g_assert_cmpuint(gt_spool_room(sp, a + 2, 2, TRUE), ==, 1);
  gt_spool_consume(sp, "bbbb");   /* drained: truncated, all room again */
  g_assert_cmpuint(gt_spool_room(sp, a, 4, FALSE), ==, 2);
  g_assert_cmpuint(gt_spool_room(sp, a, 4, TRUE), ==, 2);
  /* A file bigger than a new bound: no room until it drains. */
  g_assert_true(gt_spool_append(sp, a, 2, NULL));
  gt_spool_set_max_bytes(sp, 4);
  g_assert_cmpuint(gt_spool_room(sp, small, 1, FALSE), ==, 0);
}

static void
run_test_room(void)
{
  Fixture f = { 0 };
  setup(&f, NULL);
  test_room(&f, NULL);
  teardown(&f, NULL);
}

/* A NUL inside a line (a crash can leave zeroed blocks): the line is
 * skipped and the cursor stays on line boundaries (found by fuzzing). */
static void
test_nul_line(Fixture *f, gconstpointer data)
{
  static const char content[] = "s\tone\ns\tt\0wo\ns\tthree\n";
  g_autofree char *dir = g_path_get_dirname(f->path);
  g_mkdir_with_parents(dir, 0700);
  g_assert_true(g_file_set_contents(f->path, content, sizeof content - 1, NULL));
  g_autoptr(GtSpool) sp = gt_spool_open(f->path, NULL);
  g_assert_cmpuint(gt_spool_pending(sp), ==, 3);
  const char *w1[] = { "s\tone" };
  peek_expect(sp, 1, w1, 1);
  gt_spool_consume(sp, "s\tone");
  const char *w2[] = { "s\tthree" };
  peek_expect(sp, 10, w2, 1);
  gt_spool_consume(sp, "s\tthree");
  g_assert_cmpuint(gt_spool_pending(sp), ==, 0);
}

static void
run_test_nul_line(void)
{
  Fixture f = { 0 };
  setup(&f, NULL);
  test_nul_line(&f, NULL);
  teardown(&f, NULL);
}

static void
run_test_basic(void)
{
  Fixture f = { 0 };
  setup(&f, NULL);
  test_basic(&f, NULL);
  teardown(&f, NULL);
}

static void
run_test_prepend(void)
{
  Fixture f = { 0 };
  setup(&f, NULL);
  test_prepend(&f, NULL);
  teardown(&f, NULL);
}

static void
run_test_recover(void)
{
  Fixture f = { 0 };
  setup(&f, NULL);
  test_recover(&f, NULL);
  teardown(&f, NULL);
}

static void
run_test_long_line(void)
{
  Fixture f = { 0 };
  setup(&f, NULL);
  test_long_line(&f, NULL);
  teardown(&f, NULL);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  isolate_add("/events/spool/basic", run_test_basic);
  isolate_add("/events/spool/prepend", run_test_prepend);
  isolate_add("/events/spool/recover", run_test_recover);
  isolate_add("/events/spool/long-line", run_test_long_line);
  isolate_add("/events/spool/room", run_test_room);
  isolate_add("/events/spool/nul-line", run_test_nul_line);
  return g_test_run();
}
