/* The guest kit's children die with the test process however it ends. A
 * test process (forked here) starts a stand-in for QEMU (sleep) through
 * the kit's spawn code, from a worker thread that has returned by then,
 * registers it and a /dev/shm file with the reaper as a guest's, and dies:
 * of SIGTRAP (G_BREAKPOINT, as a fatal GLib critical does), of SIGPIPE (a
 * write to a pipe nobody reads) or of SIGKILL. The stand-in must be gone
 * each time; the file too, at once when a handler could run, else after
 * the next boot's sweep. */
#include "gk-private.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Running (not a zombie, not gone). */
static gboolean
alive(pid_t pid)
{
  g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int)pid);
  g_autofree char *stat = NULL;
  if (!g_file_get_contents(path, &stat, NULL, NULL))
    return FALSE;
  const char *rp = strrchr(stat, ')');
  return rp && rp[1] == ' ' && rp[2] != 'Z' && rp[2] != 'X';
}

static gpointer
spawn_stand_in(gpointer data)
{
  (void)data;
  const char *argv[] = { "sleep", "600", NULL };
  GPid pid = 0;
  g_autoptr(GError) error = NULL;
  if (!gk_spawn(argv, NULL, -1, &pid, &error))
    g_error("spawn: %s", error->message);
  return GINT_TO_POINTER(pid);
}

static void
die_of(int sig)
{
  switch (sig) {
  case SIGTRAP:
    G_BREAKPOINT();
    break;
  case SIGPIPE: {
    int p[2];
    if (pipe(p) == 0) {
      close(p[0]);
      (void)!write(p[1], "x", 1);
    }
    break;
  }
  default:
    raise(sig);
  }
  _exit(99);   /* not reached */
}

/* In the forked test process: start the stand-in, report its pid (and
 * whether it outlived the thread that asked for it), die of sig. */
static void
test_process(int sig, const char *mem, int report_fd)
{
  GThread *t = g_thread_new("boot", spawn_stand_in, NULL);
  pid_t pid = GPOINTER_TO_INT(g_thread_join(t));
  g_usleep(100 * 1000);
  int report[2] = { pid, alive(pid) };
  g_assert_true(g_file_set_contents(mem, "ram", 3, NULL));
  gk_reaper_add(pid, mem, "");
  if (write(report_fd, report, sizeof report) != sizeof report)
    _exit(98);
  die_of(sig);
}

static void
check_death(gconstpointer data)
{
  int sig = GPOINTER_TO_INT(data);
  int p[2];
  g_assert_cmpint(pipe(p), ==, 0);
  pid_t child = fork();
  g_assert_cmpint(child, >=, 0);
  if (child == 0) {
    close(p[0]);
    g_autofree char *mem = g_strdup_printf("/dev/shm/gk-%d-death-ram", (int)getpid());
    test_process(sig, mem, p[1]);
  }
  close(p[1]);
  g_autofree char *mem = g_strdup_printf("/dev/shm/gk-%d-death-ram", (int)child);
  int report[2] = { 0, 0 };
  g_assert_cmpint(read(p[0], report, sizeof report), ==, sizeof report);
  close(p[0]);
  pid_t stand_in = report[0];
  g_assert_cmpint(stand_in, >, 0);
  g_assert_true(report[1]);   /* the thread that asked for it had returned */

  int st = 0;
  g_assert_cmpint(waitpid(child, &st, 0), ==, child);
  g_assert_true(WIFSIGNALED(st));
  g_assert_cmpint(WTERMSIG(st), ==, sig);
  for (int i = 0; i < 250 && alive(stand_in); i++)
    g_usleep(GK_POLL_US);
  if (alive(stand_in)) {
    kill(stand_in, SIGKILL);
    g_error("the stand-in (pid %d) outlived a test killed by %s", (int)stand_in,
            g_strsignal(sig));
  }
  if (sig == SIGKILL) {
    g_assert_true(g_file_test(mem, G_FILE_TEST_EXISTS));   /* no handler ran */
    gk_reaper_sweep_stale();
  }
  g_assert_false(g_file_test(mem, G_FILE_TEST_EXISTS));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_data_func("/guestkit/death/sigtrap", GINT_TO_POINTER(SIGTRAP), check_death);
  g_test_add_data_func("/guestkit/death/sigpipe", GINT_TO_POINTER(SIGPIPE), check_death);
  g_test_add_data_func("/guestkit/death/sigkill", GINT_TO_POINTER(SIGKILL), check_death);
  return g_test_run();
}
