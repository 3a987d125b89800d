/* Who holds a guest's journal, and the guardian's mark (journal.h): the
 * races between a guardian repairing after its tracer was killed and a
 * `guestrace recover` (or a new attach) started right after the kill.
 *
 * Other processes are real children (fork): flock locks and process ids
 * are what the journal goes by. Each child says it is ready with a byte on
 * a pipe, then holds what it took for a while and exits. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <guestrace/types.h>
#include "driver/journal.h"

static char *dir;

typedef void (*ChildFunc)(const char *identity, gint64 arg);

/* Runs f(identity, arg) in a child, then holds for hold_ms and exits;
 * returns once the child said it is ready. */
static pid_t
child(ChildFunc f, const char *identity, gint64 arg, guint hold_ms)
{
  int p[2];
  g_assert_cmpint(pipe(p), ==, 0);
  pid_t pid = fork();
  g_assert_cmpint(pid, >=, 0);
  if (pid == 0) {
    close(p[0]);
    f(identity, arg);
    if (write(p[1], "R", 1) != 1)
      _exit(2);
    g_usleep(hold_ms * 1000);
    _exit(0);   /* the kernel lets go of its locks */
  }
  close(p[1]);
  char c;
  g_assert_cmpint(read(p[0], &c, 1), ==, 1);
  close(p[0]);
  return pid;
}

static void
reap(pid_t pid)
{
  int status;
  g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
  g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void
hold_journal(const char *identity, gint64 role)
{
  GtJournal *j = gt_journal_open(identity, (GtJournalRole)role, NULL);
  if (!j)
    _exit(3);
  /* never closed: the child's exit drops the lock, as a killed one's */
}

static void
hold_mark(const char *identity, gint64 tracer)
{
  if (!gt_journal_guard(identity, tracer, NULL))
    _exit(4);
}

static void
nothing(const char *identity, gint64 unused)
{
}

/* A process that has ended: reaped, or (zombie TRUE) not yet, as a tracer
 * its shell killed with `kill -9` a moment ago. */
static pid_t
ended_process(gboolean zombie)
{
  pid_t pid = fork();
  g_assert_cmpint(pid, >=, 0);
  if (pid == 0)
    _exit(0);
  if (zombie) {
    siginfo_t si;   /* until it has exited, without reaping it */
    g_assert_cmpint(waitid(P_PID, pid, &si, WEXITED | WNOWAIT), ==, 0);
  } else {
    reap(pid);
  }
  return pid;
}

static double
seconds_since(gint64 t0)
{
  return (g_get_monotonic_time() - t0) / 1e6;
}

static GtJournal *
open_timed(const char *identity, double *took, GError **error)
{
  gint64 t0 = g_get_monotonic_time();
  GtJournal *j = gt_journal_open(identity, GT_JOURNAL_TRACE, error);
  *took = seconds_since(t0);
  return j;
}

/* Race 1: the guardian (a repairer) holds the journal while it repairs,
 * longer than a tracer's 1 s: an opener waits for it (said once) and gets
 * the journal when it is done. Without the holder's note it failed after
 * 1 s, "another guestrace is attached". */
static void
test_repairer_is_waited_for(void)
{
  pid_t c = child(hold_journal, "h1", GT_JOURNAL_REPAIR, 2500);
  g_test_expect_message("guestrace", G_LOG_LEVEL_MESSAGE,
                        "waiting for * (repairing this guest) to finish");
  double took;
  g_autoptr(GError) err = NULL;
  GtJournal *j = open_timed("h1", &took, &err);
  g_test_assert_expected_messages();
  g_assert_no_error(err);
  g_assert_nonnull(j);
  g_assert_cmpfloat(took, >, 2.0);
  gt_journal_close(j);
  reap(c);
}

/* A tracer holding it is waited for 1 s, as before; the refusal names it. */
static void
test_tracer_is_refused_after_a_second(void)
{
  pid_t c = child(hold_journal, "h2", GT_JOURNAL_TRACE, 4000);
  double took;
  g_autoptr(GError) err = NULL;
  g_assert_null(open_timed("h2", &took, &err));
  g_assert_error(err, GT_ERROR, GT_ERROR_FAILED);
  g_autofree char *who = g_strdup_printf("another guestrace (%d, tracing)", (int)c);
  g_assert_nonnull(strstr(err->message, who));
  g_assert_cmpfloat(took, >=, 0.9);
  g_assert_cmpfloat(took, <, 3.0);
  kill(c, SIGKILL);
  waitpid(c, NULL, 0);
}

/* Holds the lock of IDENTITY.SUFFIX without a word of its own: the note
 * is whatever the test wrote. */
static void
hold_bare(const char *identity, const char *suffix)
{
  g_autofree char *name = g_strconcat(identity, suffix, NULL);
  g_autofree char *path = g_build_filename(dir, name, NULL);
  int fd = open(path, O_RDWR | O_CREAT, 0600);
  if (fd < 0 || flock(fd, LOCK_EX) < 0)
    _exit(5);
}

/* The journal's lock, bare. */
static void
lock_bare(const char *identity, gint64 unused)
{
  hold_bare(identity, ".journal");
}

/* A stale or garbage note is an unknown holder: 1 s, as before. */
static void
test_garbage_note_is_an_unknown_holder(void)
{
  g_autofree char *note = g_build_filename(dir, "h3.holder", NULL);
  pid_t gone = ended_process(FALSE);
  g_autofree char *dead_repairer = g_strdup_printf("%d repair\n", (int)gone);
  g_autofree char *unended = g_strdup_printf("%d repair", (int)getpid());
  g_autofree char *huge = g_strnfill(100000, '7');
  const char *notes[] = { "garbage\n", dead_repairer, unended, "1 repair extra\n",
                          "-5 repair\n", "12 repairing\n", huge, "\x01\xff\n" };
  pid_t c = child(lock_bare, "h3", 0, 60000);
  for (guint i = 0; i < G_N_ELEMENTS(notes); i++) {
    g_assert_true(g_file_set_contents(note, notes[i], -1, NULL));
    double took;
    g_autoptr(GError) err = NULL;
    g_assert_null(open_timed("h3", &took, &err));
    g_assert_nonnull(strstr(err->message, "another guestrace is attached to this guest"));
    g_assert_cmpfloat(took, <, 3.0);
  }
  kill(c, SIGKILL);
  waitpid(c, NULL, 0);
  /* A live repairer's note with nobody holding the lock: no wait at all. */
  g_autofree char *stale = g_strdup_printf("%d repair\n", (int)getpid());
  g_assert_true(g_file_set_contents(note, stale, -1, NULL));
  double took;
  GtJournal *j = open_timed("h3", &took, NULL);
  g_assert_nonnull(j);
  g_assert_cmpfloat(took, <, 0.5);
  gt_journal_close(j);
  g_assert_false(g_file_test(note, G_FILE_TEST_EXISTS));   /* the holder's note goes */
}

/* Race 2: a guardian whose tracer died (reaped, or a zombie not yet
 * reaped) is about to repair: the journal is refused at once (the opener
 * may hold the guest; the guardian's repair needs it running), and
 * gt_journal_wait_guardian waits until the guardian is done. */
static void
test_dead_tracers_guardian_is_waited_for(void)
{
  for (int zombie = 0; zombie <= 1; zombie++) {
    pid_t tracer = ended_process(zombie);
    pid_t g = child(hold_mark, "g1", tracer, 1500);
    double took;
    g_autoptr(GError) err = NULL;
    g_assert_null(open_timed("g1", &took, &err));
    g_assert_error(err, GT_JOURNAL_ERROR, GT_JOURNAL_ERROR_GUARDIAN);
    g_assert_cmpfloat(took, <, 0.5);
    g_test_expect_message("guestrace", G_LOG_LEVEL_MESSAGE,
                          "waiting for * (the guardian of a guestrace that died, repairing "
                          "this guest) to finish");
    gint64 t0 = g_get_monotonic_time();
    g_assert_true(gt_journal_wait_guardian("g1", NULL));
    g_test_assert_expected_messages();
    g_assert_cmpfloat(seconds_since(t0), >, 1.0);
    GtJournal *j = open_timed("g1", &took, NULL);
    g_assert_nonnull(j);
    gt_journal_close(j);
    reap(g);
    if (zombie)
      reap(tracer);
  }
}

/* The guardian of a live tracer is not waited for (the tracer is attached
 * or about to be), nor by the tracer it watches, nor by itself. */
static void
test_live_guardian_is_not_waited_for(void)
{
  pid_t tracer = child(nothing, NULL, 0, 60000);   /* a live tracer */
  pid_t g = child(hold_mark, "g2", tracer, 60000);
  gint64 t0 = g_get_monotonic_time();
  g_assert_true(gt_journal_wait_guardian("g2", NULL));
  double took;
  GtJournal *j = open_timed("g2", &took, NULL);
  g_assert_nonnull(j);
  g_assert_cmpfloat(seconds_since(t0), <, 0.5);
  gt_journal_close(j);
  kill(g, SIGKILL);
  waitpid(g, NULL, 0);

  /* The tracer itself, attaching under its guardian. */
  g = child(hold_mark, "g3", getpid(), 60000);
  j = open_timed("g3", &took, NULL);
  g_assert_nonnull(j);
  g_assert_cmpfloat(took, <, 0.5);
  gt_journal_close(j);
  kill(g, SIGKILL);
  waitpid(g, NULL, 0);
  kill(tracer, SIGKILL);
  waitpid(tracer, NULL, 0);

  /* The guardian's own repair, its tracer dead: its own mark is not
   * another's (flock locks conflict even within one process). */
  pid_t gone = ended_process(FALSE);
  g_assert_true(gt_journal_guard("g4", gone, NULL));
  g_assert_true(gt_journal_wait_guardian("g4", NULL));
  j = open_timed("g4", &took, NULL);
  g_assert_nonnull(j);
  g_assert_cmpfloat(took, <, 0.5);
  gt_journal_close(j);
  g_assert_false(gt_journal_guard("g4", gone, NULL));   /* one mark per guest */
  gt_journal_unguard("g4");
  g_autofree char *mark = g_build_filename(dir, "g4.guardian", NULL);
  g_assert_false(g_file_test(mark, G_FILE_TEST_EXISTS));
}

/* The guardian mark's lock, bare. */
static void
mark_bare(const char *identity, gint64 unused)
{
  hold_bare(identity, ".guardian");
}

/* A mark whose note does not parse, or whose guardian is dead (a killed
 * guardian's file, now held by a new one that has not written yet), is
 * nobody's: no wait. */
static void
test_garbage_mark_is_nobodys(void)
{
  g_autofree char *path = g_build_filename(dir, "g5.guardian", NULL);
  pid_t gone = ended_process(FALSE);
  g_autofree char *dead_guardian = g_strdup_printf("%d %d\n", (int)gone, (int)gone);
  g_autofree char *no_newline = g_strdup_printf("%d %d", (int)getppid(), (int)gone);
  const char *notes[] = { "", "garbage\n", dead_guardian, no_newline, "1 0\n", "1 x\n",
                          "1 2 3\n" };
  pid_t c = child(mark_bare, "g5", 0, 60000);
  for (guint i = 0; i < G_N_ELEMENTS(notes); i++) {
    g_assert_true(g_file_set_contents(path, notes[i], -1, NULL));
    gint64 t0 = g_get_monotonic_time();
    g_assert_true(gt_journal_wait_guardian("g5", NULL));
    g_assert_cmpfloat(seconds_since(t0), <, 0.5);
  }
  kill(c, SIGKILL);
  waitpid(c, NULL, 0);
}

/* An opener that waited while the file was replaced (the last close
 * removes it) holds the file at the path, not the removed one: its changes
 * are where the next attach looks. */
static void
test_waiter_follows_the_file(void)
{
  GtJournal *first = gt_journal_open("h4", GT_JOURNAL_REPAIR, NULL);
  g_assert_nonnull(first);
  g_autofree char *path = g_strdup(gt_journal_path(first));
  int p[2];
  g_assert_cmpint(pipe(p), ==, 0);
  pid_t waiter = fork();
  if (waiter == 0) {
    close(p[0]);
    GtJournal *j = gt_journal_open("h4", GT_JOURNAL_TRACE, NULL);
    guint64 orig = 1, ours = 2;
    gboolean ok = j && gt_journal_note_write(j, GT_JOURNAL_SLOT, 0x1000, 0x1000, &orig,
                                             &ours, 8, NULL);
    if (write(p[1], ok ? "Y" : "N", 1) != 1)
      _exit(2);
    g_usleep(60 * G_USEC_PER_SEC);
    _exit(0);
  }
  close(p[1]);
  g_usleep(300000);
  gt_journal_close(first);   /* nothing in force: the file goes */
  char c2 = 0;
  g_assert_cmpint(read(p[0], &c2, 1), ==, 1);
  close(p[0]);
  g_assert_cmpint(c2, ==, 'Y');
  /* The waiter's change is in the file at the path, and it holds it. */
  g_autofree char *data = NULL;
  gsize len = 0;
  g_assert_true(g_file_get_contents(path, &data, &len, NULL));
  g_assert_cmpuint(len, ==, GT_JOURNAL_RECORD_SIZE);
  double took;
  g_autoptr(GError) err = NULL;
  g_assert_null(open_timed("h4", &took, &err));
  kill(waiter, SIGKILL);
  waitpid(waiter, NULL, 0);
}

static void
remove_all(void)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name(d))) {
    g_autofree char *p = g_build_filename(dir, name, NULL);
    g_unlink(p);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  dir = g_dir_make_tmp("gt-holder-XXXXXX", NULL);
  g_setenv("GUESTRACE_JOURNAL_DIR", dir, TRUE);
  g_test_add_func("/journal/holder/repairer-waited", test_repairer_is_waited_for);
  g_test_add_func("/journal/holder/tracer-refused", test_tracer_is_refused_after_a_second);
  g_test_add_func("/journal/holder/garbage", test_garbage_note_is_an_unknown_holder);
  g_test_add_func("/journal/holder/follows-the-file", test_waiter_follows_the_file);
  g_test_add_func("/journal/guardian/dead-tracer-waited",
                  test_dead_tracers_guardian_is_waited_for);
  g_test_add_func("/journal/guardian/live-not-waited", test_live_guardian_is_not_waited_for);
  g_test_add_func("/journal/guardian/garbage", test_garbage_mark_is_nobodys);
  int r = g_test_run();
  remove_all();
  g_rmdir(dir);
  g_free(dir);
  return r;
}
