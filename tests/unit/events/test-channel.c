/* Event channels against a scripted in-process transport: in order,
 * exactly once, spill while down, partial batches, the memory cap, and
 * persistence across a restart of the sender. */
#include "output/events/event-channel.h"

#include "isolate.h"

#include <glib/gstdio.h>
#include <string.h>

typedef struct {
  GMutex lock;
  GCond cond;
  gboolean up;
  int accept_then_fail;   /* >= 0: accept this many more lines, then go down */
  gboolean hold;          /* deliver() waits while set (a slow server) */
  GPtrArray *got;         /* payloads received, in order */
} Fake;

static guint
fake_deliver(gpointer impl, char *const *lines, guint n, const gint *cancel)
{
  Fake *f = impl;
  g_mutex_lock(&f->lock);
  while (f->hold && !g_atomic_int_get(cancel))
    g_cond_wait_until(&f->cond, &f->lock, g_get_monotonic_time() + 5000);
  guint done = 0;
  for (; done < n && f->up; done++) {
    if (f->accept_then_fail == 0) {
      f->up = FALSE;
      break;
    }
    if (f->accept_then_fail > 0)
      f->accept_then_fail--;
    const char *tab = strchr(lines[done], '\t');
    g_ptr_array_add(f->got, g_strdup(tab ? tab + 1 : lines[done]));
  }
  g_mutex_unlock(&f->lock);
  return done;
}

typedef struct {
  char *dir;
  char *spool;
  Fake fake;
} Fixture;

static void
setup(Fixture *f, gconstpointer data)
{
  f->dir = g_strdup(g_getenv("GT_EVENTS_TEST_DIR"));
  f->spool = g_build_filename(f->dir, "spool", NULL);
  g_mutex_init(&f->fake.lock);
  g_cond_init(&f->fake.cond);
  f->fake.up = TRUE;
  f->fake.accept_then_fail = -1;
  f->fake.got = g_ptr_array_new_with_free_func(g_free);
}

static void
teardown(Fixture *f, gconstpointer data)
{
  g_autofree char *tmp = g_strconcat(f->spool, ".tmp", NULL);
  g_unlink(f->spool);
  g_unlink(tmp);
  g_rmdir(f->dir);
  g_free(f->spool);
  g_free(f->dir);
  g_ptr_array_unref(f->fake.got);
  g_mutex_clear(&f->fake.lock);
  g_cond_clear(&f->fake.cond);
}

static char *
dropped_line(guint64 count, gpointer user)
{
  return g_strdup_printf("guestrace.vm.dropped\tdropped %" G_GUINT64_FORMAT, count);
}

static GtEventChannel *
make_bounded(Fixture *f, guint cap, guint64 spool_max)
{
  GtEventChannelConfig cfg = {
    .spool_path = f->spool, .queue_cap = cap,
    .backoff_min_ms = 5, .backoff_max_ms = 50, .spill_interval_ms = 10,
    .spool_max_bytes = spool_max, .dropped_line = dropped_line,
  };
  GtEventTransport tr = { .name = "fake", .max_batch = 7, .deliver = fake_deliver,
                          .impl = &f->fake };
  g_autoptr(GError) err = NULL;
  GtEventChannel *c = gt_event_channel_new(&cfg, &tr, &err);
  g_assert_no_error(err);
  return c;
}

static GtEventChannel *
make(Fixture *f, guint cap)
{
  return make_bounded(f, cap, 0);
}

static void
push_range(GtEventChannel *c, guint from, guint to)
{
  for (guint i = from; i < to; i++)
    gt_event_channel_push(c, g_strdup_printf("guestrace.vm.match\tevent %u", i));
}

static void
set_up(Fixture *f, gboolean up)
{
  g_mutex_lock(&f->fake.lock);
  f->fake.up = up;
  g_mutex_unlock(&f->fake.lock);
}

static void
expect_range(Fixture *f, guint n)
{
  g_mutex_lock(&f->fake.lock);
  g_assert_cmpuint(f->fake.got->len, ==, n);
  for (guint i = 0; i < n; i++) {
    g_autofree char *want = g_strdup_printf("event %u", i);
    g_assert_cmpstr(f->fake.got->pdata[i], ==, want);
  }
  g_mutex_unlock(&f->fake.lock);
}

static void
wait_spooled(GtEventChannel *c, guint n)
{
  GtEventChannelStats st;
  for (int i = 0; i < 500; i++) {
    gt_event_channel_get_stats(c, &st);
    if (st.spooled >= n && st.queued == 0)
      return;
    g_usleep(10000);
  }
  g_error("only %u of %u events spooled (%u queued)", st.spooled, n, st.queued);
}

static void
test_in_order(Fixture *f, gconstpointer data)
{
  GtEventChannel *c = make(f, 0);
  push_range(c, 0, 1000);
  g_assert_true(gt_event_channel_flush(c, 5000));
  expect_range(f, 1000);
  GtEventChannelStats st;
  gt_event_channel_get_stats(c, &st);
  g_assert_cmpuint(st.delivered, ==, 1000);
  g_assert_cmpuint(st.spilled, ==, 0);
  gt_event_channel_free(c);
}

static void
test_down_spills(Fixture *f, gconstpointer data)
{
  GtEventChannel *c = make(f, 0);
  push_range(c, 0, 10);
  g_assert_true(gt_event_channel_flush(c, 5000));
  set_up(f, FALSE);
  push_range(c, 10, 60);
  wait_spooled(c, 50);
  push_range(c, 60, 100);
  wait_spooled(c, 90);
  g_assert_false(gt_event_channel_flush(c, 50));
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(f->spool, &text, NULL, NULL));
  g_assert_true(g_str_has_prefix(text, "guestrace.vm.match\tevent 10\n"));
  set_up(f, TRUE);
  g_assert_true(gt_event_channel_flush(c, 5000));
  expect_range(f, 100);
  g_autofree char *after = NULL;
  g_assert_true(g_file_get_contents(f->spool, &after, NULL, NULL));
  g_assert_cmpstr(after, ==, "");
  gt_event_channel_free(c);
}

static void
test_partial_batch(Fixture *f, gconstpointer data)
{
  GtEventChannel *c = make(f, 0);
  /* Accept 3 lines of a batch taken from memory, then fail: the rest goes
   * to the spool ahead of everything newer. */
  g_mutex_lock(&f->fake.lock);
  f->fake.accept_then_fail = 3;
  g_mutex_unlock(&f->fake.lock);
  push_range(c, 0, 40);
  wait_spooled(c, 37);
  push_range(c, 40, 50);
  wait_spooled(c, 47);
  g_mutex_lock(&f->fake.lock);
  f->fake.accept_then_fail = 20;   /* fails again in the middle of the spool */
  f->fake.up = TRUE;
  g_mutex_unlock(&f->fake.lock);
  g_assert_false(gt_event_channel_flush(c, 200));
  set_up(f, TRUE);
  g_mutex_lock(&f->fake.lock);
  f->fake.accept_then_fail = -1;
  g_mutex_unlock(&f->fake.lock);
  push_range(c, 50, 60);
  g_assert_true(gt_event_channel_flush(c, 5000));
  expect_range(f, 60);
  gt_event_channel_free(c);
}

static void
test_cap(Fixture *f, gconstpointer data)
{
  GtEventChannel *c = make(f, 10);
  g_mutex_lock(&f->fake.lock);
  f->fake.hold = TRUE;          /* the sender is stuck in a slow request */
  g_mutex_unlock(&f->fake.lock);
  push_range(c, 0, 500);
  GtEventChannelStats st;
  /* A spill in progress has taken memory but not yet counted the spool:
   * wait for both. */
  for (int i = 0; i < 500; i++) {
    gt_event_channel_get_stats(c, &st);
    if (st.queued < 10 && st.spooled > 400)
      break;
    g_usleep(10000);
  }
  g_assert_cmpuint(st.queued, <, 10);
  g_assert_cmpuint(st.spooled, >, 400);
  g_assert_cmpuint(st.dropped, ==, 0);
  g_mutex_lock(&f->fake.lock);
  f->fake.hold = FALSE;
  g_cond_broadcast(&f->fake.cond);
  g_mutex_unlock(&f->fake.lock);
  g_assert_true(gt_event_channel_flush(c, 5000));
  expect_range(f, 500);
  gt_event_channel_free(c);
}

static void
test_restart(Fixture *f, gconstpointer data)
{
  set_up(f, FALSE);
  GtEventChannel *c = make(f, 0);
  push_range(c, 0, 20);
  gt_event_channel_free(c);      /* quit with the server down */
  set_up(f, TRUE);
  c = make(f, 0);
  push_range(c, 20, 25);
  g_assert_true(gt_event_channel_flush(c, 5000));
  expect_range(f, 25);
  gt_event_channel_free(c);

  /* A sender cancelled in the middle of a slow delivery keeps its batch. */
  g_ptr_array_set_size(f->fake.got, 0);
  g_mutex_lock(&f->fake.lock);
  f->fake.hold = TRUE;
  g_mutex_unlock(&f->fake.lock);
  c = make(f, 0);
  push_range(c, 0, 30);
  g_usleep(20000);
  g_mutex_lock(&f->fake.lock);
  f->fake.up = FALSE;           /* the cancelled attempt delivers nothing */
  g_mutex_unlock(&f->fake.lock);
  gt_event_channel_free(c);
  g_mutex_lock(&f->fake.lock);
  f->fake.hold = FALSE;
  f->fake.up = TRUE;
  g_mutex_unlock(&f->fake.lock);
  c = make(f, 0);
  g_assert_true(gt_event_channel_flush(c, 5000));
  expect_range(f, 30);
  gt_event_channel_free(c);
}

/* A server down while 100 events come: the spool keeps the oldest that fit
 * in its bound, the rest are dropped and counted; once the server is back
 * it gets the kept events in order and one `dropped` event with the count,
 * sent right after the first delivery. The file never exceeds the bound. */
static void
test_spool_bound(Fixture *f, gconstpointer data)
{
  set_up(f, FALSE);
  /* "guestrace.vm.match\tevent N\n" is 27 bytes for N < 10, 28 below 100. */
  GtEventChannel *c = make_bounded(f, 0, 1000);
  push_range(c, 0, 100);
  GtEventChannelStats st;
  for (int i = 0; i < 500; i++) {
    gt_event_channel_get_stats(c, &st);
    if (st.queued == 0 && st.spooled + st.dropped == 100)
      break;
    g_usleep(10000);
  }
  guint kept = 10 + (1000 - 270) / 28;     /* 10 short lines, then 26 long ones */
  g_assert_cmpuint(st.spooled, ==, kept);
  g_assert_cmpuint(st.dropped, ==, 100 - kept);
  g_assert_cmpuint(st.reported, ==, 0);
  GStatBuf sb;
  g_assert_cmpint(g_stat(f->spool, &sb), ==, 0);
  g_assert_cmpint(sb.st_size, <=, 1000);
  set_up(f, TRUE);
  g_assert_true(gt_event_channel_flush(c, 5000));
  gt_event_channel_get_stats(c, &st);
  g_assert_cmpuint(st.reported, ==, 100 - kept);
  g_mutex_lock(&f->fake.lock);
  g_assert_cmpuint(f->fake.got->len, ==, kept + 1);
  g_autofree char *want = g_strdup_printf("dropped %u", 100 - kept);
  g_assert_cmpstr(f->fake.got->pdata[7], ==, want);   /* after the first batch of 7 */
  g_ptr_array_remove_index(f->fake.got, 7);
  g_mutex_unlock(&f->fake.lock);
  expect_range(f, kept);
  /* Drops are reported once: nothing more comes. */
  push_range(c, kept, kept + 3);
  g_assert_true(gt_event_channel_flush(c, 5000));
  expect_range(f, kept + 3);
  gt_event_channel_free(c);
}

static void
run_test_spool_bound(void)
{
  Fixture f = { 0 };
  setup(&f, NULL);
  test_spool_bound(&f, NULL);
  teardown(&f, NULL);
}

static void
run_test_in_order(void)
{
  Fixture f = { 0 };
  setup(&f, NULL);
  test_in_order(&f, NULL);
  teardown(&f, NULL);
}

static void
run_test_down_spills(void)
{
  Fixture f = { 0 };
  setup(&f, NULL);
  test_down_spills(&f, NULL);
  teardown(&f, NULL);
}

static void
run_test_partial_batch(void)
{
  Fixture f = { 0 };
  setup(&f, NULL);
  test_partial_batch(&f, NULL);
  teardown(&f, NULL);
}

static void
run_test_cap(void)
{
  Fixture f = { 0 };
  setup(&f, NULL);
  test_cap(&f, NULL);
  teardown(&f, NULL);
}

static void
run_test_restart(void)
{
  Fixture f = { 0 };
  setup(&f, NULL);
  test_restart(&f, NULL);
  teardown(&f, NULL);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  isolate_add("/events/channel/in-order", run_test_in_order);
  isolate_add("/events/channel/down-spills", run_test_down_spills);
  isolate_add("/events/channel/partial-batch", run_test_partial_batch);
  isolate_add("/events/channel/cap", run_test_cap);
  isolate_add("/events/channel/restart", run_test_restart);
  isolate_add("/events/channel/spool-bound", run_test_spool_bound);
  return g_test_run();
}
