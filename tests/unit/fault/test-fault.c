/* The fault-injection harness (issue 9): a traced session on the fake
 * guest (fault-world.h) through the real loop, engine, journal and
 * recovery, with the driver failing its Nth operation of one kind, for
 * every kind and every N up to the number of such operations a whole
 * session makes, the failure either refused once or the connection lost
 * from there on. After each run:
 *  - the session ended (no crash, no hang; ASan watches the rest);
 *  - the guest ran on without the tracer: no call returned into the int3
 *    of the trap or anywhere but its caller; if it froze at a breakpoint
 *    left behind, or a journal was left, the real recovery (a fresh
 *    connection, gt_driver_attach_journal) repaired it and the guest
 *    finished;
 *  - its RAM is byte for byte what the guest itself wrote, no return slot
 *    holds the trap address, no stub breakpoint is left, and no journal. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <guestrace/guestrace.h>
#include <guestrace/record.h>
#include "api/loop-private.h"
#include "driver/journal.h"
#include "fault-world.h"

#define IDENTITY "fault-harness"

static char *tmpdir, *profile;

typedef struct {
  guint records, results;
  guint warnings;
} Seen;

static Seen *seen_now;

/* The tracer says what went wrong through GLib's log: counted, shown only
 * with --verbose, never fatal (g_test_init makes warnings fatal). A failed
 * precondition (g_return_if_fail) is a bug: it fails the test. */
static void
log_handler(const char *domain, GLogLevelFlags level, const char *msg, gpointer data)
{
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL) && strstr(msg, "assertion '"))
    g_error("%s", msg);
  if (level & (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL) && seen_now)
    seen_now->warnings++;
  if (g_test_verbose() && !(level & G_LOG_LEVEL_DEBUG))
    g_printerr("    [%s]\n", msg);
}

static void
on_record(const GtRecord *rec, gpointer data)
{
  Seen *s = data;
  s->records++;
  s->results += gt_record_has_result(rec);
}

static void
quit_hook(gpointer loop)
{
  gt_loop_quit(loop);
}

/* A reload as the CLI makes it on SIGHUP: from the main loop, between
 * stops. A config that cannot be put in force is said and tracing goes
 * on with the old one. */
typedef struct {
  GtLoop *loop;
  guint config;
  guint source;
  guint failed;
} Reload;

static char *
config_file(guint n)
{
  g_autofree char *name = g_strdup_printf("config-%u", n);
  return g_build_filename(tmpdir, name, NULL);
}

static gboolean
do_reload(gpointer data)
{
  Reload *r = data;
  r->source = 0;
  g_autofree char *path = config_file(r->config);
  g_autoptr(GError) error = NULL;
  if (!gt_loop_set_config(r->loop, path, &error)) {
    r->failed++;
    g_message("config reload failed: %s", error->message);
  }
  return G_SOURCE_REMOVE;
}

static void
reload_hook(gpointer data, guint config)
{
  Reload *r = data;
  r->config = config;
  if (!r->source)
    r->source = g_idle_add_full(G_PRIORITY_HIGH, do_reload, r, NULL);
}

static char *
journal_file(void)
{
  return g_build_filename(tmpdir, IDENTITY ".journal", NULL);
}

/* One traced session; the connection fails as told (n 0: never). Returns
 * whether it ended clean (gt_loop_close); what is left is said in *left. */
static gboolean
session(FakeWorld *w, FwOp kind, guint n, FwFailMode mode, Seen *seen, char **left)
{
  GtDriver *d = fw_connect(w, IDENTITY);
  g_autofree char *report = NULL;
  g_autoptr(GError) error = NULL;
  g_assert_true(gt_driver_attach_journal(d, "fake", GT_JOURNAL_REPAIR, &report, &error));
  g_assert_null(report);   /* nothing left by an earlier run */
  if (n)
    fw_conn_fail(d, kind, n, mode);
  GtLoop *loop = gt_loop_new_for_vmi("fake", fw_vmi_new(w, d), profile, &error);
  g_assert_no_error(error);   /* no guest access before tracing starts */
  gt_loop_set_record_cb(loop, on_record, seen, NULL);
  gboolean ok = TRUE;
  for (guint i = 0; ok && fw_syscalls[i]; i++) {
    g_clear_error(&error);
    ok = gt_loop_trace(loop, fw_syscalls[i], &error);
  }
  Reload reload = { loop };
  if (ok) {
    fw_set_quit_hook(w, quit_hook, loop);
    fw_set_reload_hook(w, reload_hook, &reload);
    gt_loop_run(loop);
  }
  if (reload.source)
    g_source_remove(reload.source);
  g_autoptr(GError) end = NULL;
  gboolean clean = gt_loop_close(loop, &end);   /* detaches, or leaves the guest held */
  fw_set_quit_hook(w, NULL, NULL);
  fw_set_reload_hook(w, NULL, NULL);
  if (left)
    *left = end ? g_strdup(end->message) : NULL;
  return clean;
}

typedef struct {
  guint runs, recovered, frozen, clean_end;
} Totals;

/* The guardian's repair: a fresh, working connection replays the journal. */
static char *
recover(FakeWorld *w)
{
  GtDriver *d = fw_connect(w, IDENTITY);
  g_autofree char *report = NULL;
  g_autoptr(GError) error = NULL;
  if (!gt_driver_attach_journal(d, "fake", GT_JOURNAL_REPAIR, &report, &error)) {
    gt_driver_close(d);
    return g_strdup_printf("recovery failed: %s", error->message);
  }
  if (g_test_verbose())
    g_printerr("    recovery: %s\n", report ? report : "(nothing)");
  gt_driver_close(d);
  g_autofree char *jpath = journal_file();
  if (g_file_test(jpath, G_FILE_TEST_EXISTS))
    return g_strdup("the journal is still there after recovery");
  return NULL;
}

/* A session, then, where a journal is left, recovery: at once (the
 * guardian, guardian_first) or after the guest ran on alone (the guardian
 * was killed too; the user runs `guestrace recover`); then the checks.
 * Returns what went wrong (NULL: nothing). */
static char *
run(FwOp kind, guint n, FwFailMode mode, gboolean guardian_first, Seen *seen, guint *counts,
    Totals *totals)
{
  g_autoptr(FakeWorld) w = fw_new();
  seen_now = seen;
  g_autofree char *left = NULL;
  gboolean clean = session(w, kind, n, mode, seen, &left);
  if (counts)
    memcpy(counts, fw_last_counts(w), FW_OP_COUNT * sizeof *counts);
  g_autofree char *jpath = journal_file();
  gboolean journal = g_file_test(jpath, G_FILE_TEST_EXISTS);
  /* One predicate: the session says it ended clean exactly when it left
   * nothing for the guardian. */
  if (clean == journal)
    return g_strdup_printf("the session says it ended %s, but %s journal is left%s%s",
                           clean ? "clean" : "unclean", journal ? "a" : "no",
                           left ? ": " : "", left ? left : "");
  gboolean finished = TRUE;
  if (!guardian_first) {
    finished = fw_run_detached(w);
    totals->frozen += !finished;
  }
  if (journal) {
    totals->recovered++;
    char *bad = recover(w);
    if (bad)
      return bad;
  } else {
    totals->clean_end++;
  }
  if (journal || guardian_first)
    finished = fw_run_detached(w);
  seen_now = NULL;
  totals->runs++;
  char *bad = fw_check(w);
  if (!bad && !finished)
    bad = g_strdup("the guest did not finish its work");
  return bad;
}

static void
test_no_fault(void)
{
  Seen seen = { 0 };
  Totals t = { 0 };
  guint counts[FW_OP_COUNT];
  g_autofree char *bad = run(0, 0, FW_FAIL_ONCE, FALSE, &seen, counts, &t);
  g_assert_cmpstr(bad, ==, NULL);
  /* Every call made while tracing is recorded, with its result when it
   * returned before the end or while the tracer paused to stop (tail). */
  guint returned = 0, calls = fw_script_calls(&returned);
  g_assert_cmpuint(seen.records, ==, calls);
  g_assert_cmpuint(seen.results, ==, returned + 1);
  g_assert_cmpuint(seen.warnings, ==, 0);
  g_assert_cmpuint(t.clean_end, ==, 1);
  for (guint k = 0; k < FW_OP_COUNT; k++)
    g_test_message("a whole session: %u %s", counts[k], fw_op_names[k]);
}

/* Every op failing at every N in one mode, recovery after the guest ran
 * on alone or (guardian_first) at once. */
static void
every_fault(FwFailMode mode, gboolean guardian_first)
{
  Seen seen = { 0 };
  Totals t = { 0 };
  guint counts[FW_OP_COUNT];
  g_autofree char *dry = run(0, 0, FW_FAIL_ONCE, FALSE, &seen, counts, &t);
  g_assert_cmpstr(dry, ==, NULL);
  memset(&t, 0, sizeof t);
  guint failures = 0;
  for (guint k = 0; k < FW_OP_COUNT; k++) {
    for (guint n = 1; n <= counts[k]; n++) {
      Seen s = { 0 };
      g_autofree char *bad = run(k, n, mode, guardian_first, &s, NULL, &t);
      if (bad) {
        failures++;
        g_printerr("FAIL: %s #%u (%s): %s\n", fw_op_names[k], n, fw_mode_names[mode], bad);
      }
    }
  }
  printf("# %s, recovery %s: %u runs: %u ended clean, %u unclean (recovery from the "
         "journal), %u froze at a breakpoint before it (repaired); %u failed\n",
         fw_mode_names[mode], guardian_first ? "at once" : "after the guest ran on", t.runs,
         t.clean_end, t.recovered, t.frozen, failures);
  g_assert_cmpuint(failures, ==, 0);
}

static void test_fail_once(void) { every_fault(FW_FAIL_ONCE, FALSE); }
static void test_fail_lost(void) { every_fault(FW_FAIL_LOST, FALSE); }
static void test_fail_from(void) { every_fault(FW_FAIL_FROM, FALSE); }
static void test_fail_from_guardian(void) { every_fault(FW_FAIL_FROM, TRUE); }

/* A change recovery cannot make (the slot cannot be read) is said exactly
 * and fails a strict recovery (`guestrace recover`, the guardian), the
 * journal keeping it; a lenient one (an attach to trace) goes on and says
 * so; the next recovery that can read it repairs it. */
static void
test_recover_unrepaired(void)
{
  g_autoptr(FakeWorld) w = fw_new();
  Seen seen = { 0 };
  seen_now = &seen;
  /* The connection breaks at the pause that ends tracing: the returns of
   * cat's read and tail's stay redirected. */
  session(w, FW_OP_PAUSE, 3, FW_FAIL_LOST, &seen, NULL);
  g_autofree char *jpath = journal_file();
  g_assert_true(g_file_test(jpath, G_FILE_TEST_EXISTS));
  g_autofree char *slot = g_strdup_printf("return slot at %#" G_GINT64_MODIFIER "x (physical ",
                                          fw_slot_of(w, "cat"));
  for (int strict = 1; strict >= 0; strict--) {
    GtDriver *d = fw_connect(w, IDENTITY);
    fw_conn_fail(d, FW_OP_READ, 1, FW_FAIL_ONCE);   /* cat's slot, the first change */
    g_autofree char *report = NULL;
    g_autoptr(GError) error = NULL;
    gboolean ok = gt_driver_attach_journal(d, "fake", strict ? GT_JOURNAL_REPAIR : GT_JOURNAL_TRACE, &report, &error);
    gt_driver_close(d);
    const char *said = strict ? (error ? error->message : "") : report;
    g_assert_true(ok == !strict);
    g_assert_nonnull(strstr(said, slot));
    g_assert_nonnull(strstr(said, "not repaired: cannot read it: fake: read #1 failed"));
    g_assert_nonnull(strstr(said, "1 could not be repaired"));
    g_assert_true(g_file_test(jpath, G_FILE_TEST_EXISTS));
  }
  GtDriver *d = fw_connect(w, IDENTITY);
  g_autofree char *report = NULL;
  g_autoptr(GError) error = NULL;
  g_assert_true(gt_driver_attach_journal(d, "fake", GT_JOURNAL_REPAIR, &report, &error));
  g_assert_nonnull(strstr(report, "1 return addresses restored"));
  gt_driver_close(d);
  g_assert_false(g_file_test(jpath, G_FILE_TEST_EXISTS));
  g_assert_true(fw_run_detached(w));
  g_autofree char *bad = fw_check(w);
  g_assert_cmpstr(bad, ==, NULL);
  seen_now = NULL;
}

/* A slot recovery could not put back at a tracer's attach stays trapped
 * in its session: the call's return is caught, sent on to its real
 * address and the slot repaired then (the journal says where it goes). */
static void
test_unrepaired_slot_trapped(void)
{
  g_autoptr(FakeWorld) w = fw_new();
  Seen seen = { 0 };
  seen_now = &seen;
  session(w, FW_OP_PAUSE, 3, FW_FAIL_LOST, &seen, NULL);
  /* The guest runs on: tail's read returns into the trap, the stub's
   * breakpoint freezes it there. */
  g_assert_false(fw_run_detached(w));
  fw_trace_again(w);
  GtDriver *d = fw_connect(w, IDENTITY);
  fw_conn_fail(d, FW_OP_READ, 1, FW_FAIL_ONCE);   /* cat's slot cannot be read */
  g_autofree char *report = NULL;
  g_autoptr(GError) error = NULL;
  g_assert_true(gt_driver_attach_journal(d, "fake", GT_JOURNAL_TRACE, &report, &error));
  g_assert_nonnull(strstr(report, "1 could not be repaired"));
  g_assert_nonnull(strstr(report, "1 vCPUs sent back"));
  GtLoop *loop = gt_loop_new_for_vmi("fake", fw_vmi_new(w, d), profile, &error);
  g_assert_no_error(error);
  Seen seen2 = { 0 };
  seen_now = &seen2;
  gt_loop_set_record_cb(loop, on_record, &seen2, NULL);
  for (guint i = 0; fw_syscalls[i]; i++)
    g_assert_true(gt_loop_trace(loop, fw_syscalls[i], &error));
  fw_set_quit_hook(w, quit_hook, loop);
  gt_loop_run(loop);
  g_assert_cmpint(gt_loop_get_exit_reason(loop), ==, GT_EXIT_QUIT);
  gt_loop_free(loop);
  fw_set_quit_hook(w, NULL, NULL);
  /* cat's read returned through the trap of this session; sh's getpid
   * after it was traced. */
  g_assert_cmpuint(seen2.records, ==, 1);
  g_assert_cmpuint(seen2.warnings, ==, 0);
  g_autofree char *jpath = journal_file();
  g_assert_false(g_file_test(jpath, G_FILE_TEST_EXISTS));
  g_assert_true(fw_run_detached(w));
  g_autofree char *bad = fw_check(w);
  g_assert_cmpstr(bad, ==, NULL);
  seen_now = NULL;
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_log_set_always_fatal(G_LOG_FATAL_MASK);
  g_log_set_default_handler(log_handler, NULL);
  g_autoptr(GError) error = NULL;
  tmpdir = g_dir_make_tmp("gt-fault-XXXXXX", &error);
  g_assert_no_error(error);
  g_setenv("GUESTRACE_JOURNAL_DIR", tmpdir, TRUE);
  profile = g_build_filename(tmpdir, "offsets.profile", NULL);
  fw_write_profile(profile);
  for (guint i = 0; fw_configs[i]; i++) {
    g_autofree char *path = config_file(i);
    g_autofree char *text = g_strdup_printf("Functions %s\n", fw_configs[i]);
    g_file_set_contents(path, text, -1, &error);
    g_assert_no_error(error);
  }
  g_test_add_func("/fault/no-fault", test_no_fault);
  g_test_add_func("/fault/every-fault/refused-once", test_fail_once);
  g_test_add_func("/fault/every-fault/connection-lost", test_fail_lost);
  g_test_add_func("/fault/every-fault/refused-from-then-on", test_fail_from);
  g_test_add_func("/fault/every-fault/refused-from-then-on/guardian", test_fail_from_guardian);
  g_test_add_func("/fault/recover-unrepaired", test_recover_unrepaired);
  g_test_add_func("/fault/unrepaired-slot-trapped", test_unrepaired_slot_trapped);
  int rc = g_test_run();
  g_unlink(profile);
  for (guint i = 0; fw_configs[i]; i++) {
    g_autofree char *path = config_file(i);
    g_unlink(path);
  }
  g_autofree char *j = journal_file();
  g_unlink(j);
  g_rmdir(tmpdir);
  g_free(profile);
  g_free(tmpdir);
  return rc;
}
