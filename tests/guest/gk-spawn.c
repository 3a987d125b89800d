/* guestkit: starts QEMU (or any child the kit owns) so that it dies with
 * the test process however that ends. The child asks the kernel for
 * SIGKILL when its parent goes (PR_SET_PDEATHSIG): the one guard that also
 * holds when the test is SIGKILLed, when no handler runs (gk-reaper.c
 * covers the signals a handler can catch, and the files).
 *
 * PR_SET_PDEATHSIG fires when the *thread* that forked the child ends, not
 * the process: a guest booted from a worker thread would lose its QEMU
 * when that thread returns. So every spawn is made by one kit thread that
 * lives as long as the process (started on first use, never joined), and
 * the caller waits for it: a child then dies with the process and only
 * with it, from whichever thread it was asked for. */
#include "gk-private.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

typedef struct {
  const char *const *argv;
  const char *dir;
  int out_fd;
  GPid pid;
  GError *error;
  gboolean ok, done;
} SpawnJob;

static GAsyncQueue *jobs;
static GMutex done_lock;
static GCond done_cond;

typedef struct {
  pid_t parent;
} ChildSetup;

/* In the child, between fork and exec. */
static void child_setup(gpointer data)
{
  ChildSetup *cs = data;
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != cs->parent)
    _exit(127);   /* the parent went before the line above took effect */
  /* Own process group: a terminal's Ctrl-C goes to the test (which tears
   * the guest down), not straight to QEMU. */
  setpgid(0, 0);
}

static void run_job(SpawnJob *j)
{
  ChildSetup cs = { .parent = getpid() };
  j->ok = g_spawn_async_with_pipes_and_fds(j->dir, j->argv, NULL,
      G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDIN_FROM_DEV_NULL,
      child_setup, &cs, -1, j->out_fd, j->out_fd, NULL, NULL, 0, &j->pid, NULL, NULL, NULL,
      &j->error);
}

static gpointer spawner(gpointer data)
{
  (void)data;
  for (;;) {
    SpawnJob *j = g_async_queue_pop(jobs);
    run_job(j);
    g_mutex_lock(&done_lock);
    j->done = TRUE;
    g_cond_broadcast(&done_cond);
    g_mutex_unlock(&done_lock);
  }
  return NULL;
}

gboolean gk_spawn(const char *const *argv, const char *dir, int out_fd, GPid *pid,
                  GError **error)
{
  static gsize started;
  if (g_once_init_enter(&started)) {
    jobs = g_async_queue_new();
    g_thread_unref(g_thread_new("gk-spawner", spawner, NULL));
    g_once_init_leave(&started, 1);
  }
  SpawnJob j = { .argv = argv, .dir = dir, .out_fd = out_fd };
  g_async_queue_push(jobs, &j);
  g_mutex_lock(&done_lock);
  while (!j.done)
    g_cond_wait(&done_cond, &done_lock);
  g_mutex_unlock(&done_lock);
  if (!j.ok) {
    g_propagate_error(error, j.error);
    return FALSE;
  }
  *pid = j.pid;
  return TRUE;
}
