/* The guardian: a small process guestrace starts before it attaches,
 * outside its process group and session (so a signal to the tracer's
 * group or terminal does not reach it), that waits for the tracer on a
 * pipe. A tracer that ends cleanly (gt_loop_close: nothing of ours left in
 * the guest) writes 'C' before it exits; if the pipe ends without it
 * (SIGKILL, the OOM killer, a crash, a lost connection, changes it could
 * not undo and left held for us),
 * the guardian attaches as soon as the guest's stub accepts it (QEMU
 * accepts a new debugger once the dead tracer's socket is closed), repairs
 * the guest from the journal, lets it run and exits. It does nothing else;
 * killing it costs only the automatic repair: the next attach or
 * `guestrace recover` does it then.
 *
 * It is guestrace itself, executed again (`guestrace guardian FD:PID GUEST
 * [MEM]`, FD the pipe's read end, PID the tracer's), so it starts clean of
 * the tracer's state. The tracer's pid is passed, not found: after the
 * double fork the guardian's parent is init. With it the guardian marks the
 * guest (on Xen): once that tracer has died, an attach or `guestrace
 * recover` waits for the guardian's repair instead of undoing the journal
 * under it (gt_guard_new_for()). Before the tracer attaches, the guardian takes what it will need
 * (gt_guard_new(); on Xen the monitor ring page, out of reach once the
 * tracer enabled the ring) and says so with a byte on its standard output,
 * a second pipe; the tracer waits for it (bounded) before it attaches. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define RECONNECT_FOR_MS 10000
#define RECONNECT_EVERY_MS 50
/* exec of guestrace and a few hypercalls; an ASan build in a nested dom0
 * under TCG takes seconds */
#define READY_WITHIN_MS 30000

static int guardian_fd = -1;

static void
keep_open_across_exec(int fd)
{
  int fl = fcntl(fd, F_GETFD);
  fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
}

/* The guardian's byte on the ready pipe (or its end, if it died). */
static void
wait_ready(int fd)
{
  struct pollfd p = { .fd = fd, .events = POLLIN };
  int r;
  do
    r = poll(&p, 1, READY_WITHIN_MS);
  while (r < 0 && errno == EINTR);
  char c;
  if (r <= 0 || read(fd, &c, 1) != 1)
    gt_cli_error("the guardian did not say it is ready within %d s: if guestrace is "
                 "killed, the guest may need `guestrace recover`", READY_WITHIN_MS / 1000);
}

int
gt_guardian_start(const char *guest, const char *mem)
{
  int p[2], ready[2];
  if (pipe2(p, O_CLOEXEC) < 0)
    return -1;
  if (pipe2(ready, O_CLOEXEC) < 0) {
    close(p[0]);
    close(p[1]);
    return -1;
  }
  pid_t tracer = getpid();
  pid_t child = fork();
  if (child < 0) {
    close(p[0]);
    close(p[1]);
    close(ready[0]);
    close(ready[1]);
    return -1;
  }
  if (child == 0) {
    /* Only async-signal-safe calls until exec. */
    if (setsid() < 0 || fork() != 0)
      _exit(0);
    close(p[1]);
    close(ready[0]);
    keep_open_across_exec(p[0]);
    char fdstr[32];
    snprintf(fdstr, sizeof fdstr, "%d:%d", p[0], (int)tracer);
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0)
      dup2(devnull, 0);
    dup2(ready[1], 1);
    keep_open_across_exec(1);   /* dup2 onto itself would keep FD_CLOEXEC */
    char *argv[] = { "guestrace", "guardian", fdstr, (char *)guest, (char *)mem, NULL };
    execv("/proc/self/exe", argv);
    _exit(127);
  }
  close(p[0]);
  close(ready[1]);
  int status;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR)
    ;
  guardian_fd = p[1];
  wait_ready(ready[0]);
  close(ready[0]);
  return 0;
}

void
gt_guardian_release(void)
{
  if (guardian_fd < 0)
    return;
  ssize_t w = write(guardian_fd, "C", 1);
  (void)w;
  close(guardian_fd);
  guardian_fd = -1;
}

/* What the guardian takes before the tracer attaches; NULL if it cannot
 * (then it repairs what the journal can). Said on standard output, the
 * ready pipe, which is then /dev/null. */
static GtGuard *
prepare(const char *guest, const char *mem, GPid tracer)
{
  GtLoopOptions opts = { 0 };
  opts.mem_path = mem;
  g_autoptr(GError) error = NULL;
  GtGuard *guard = gt_guard_new_for(guest, &opts, tracer, &error);
  if (!guard)
    gt_cli_error("guardian: %s; if guestrace is killed, the guest may stay stuck",
                 error->message);
  ssize_t w = write(STDOUT_FILENO, "R", 1);
  (void)w;
  int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (devnull >= 0) {
    dup2(devnull, STDOUT_FILENO);
    close(devnull);
  }
  return guard;
}

static gboolean
repair(GtGuard *guard, const char *guest, const char *mem, GError **error)
{
  if (!guard)
    return gt_cli_recover(guest, mem, 2000, error);
  g_autofree char *report = NULL;
  if (!gt_guard_repair(guard, &report, error))
    return FALSE;
  gt_cli_error("%s", report ? report : "guardian: nothing to repair");
  return TRUE;
}

/* FD:PID (PID the tracer's) */
static gboolean
parse_fd_pid(const char *s, int *fd, GPid *tracer)
{
  g_auto(GStrv) f = g_strsplit(s, ":", 3);
  gint64 a, b;
  if (!f[0] || !f[1] || f[2] || !g_ascii_string_to_signed(f[0], 10, 0, G_MAXINT, &a, NULL) ||
      !g_ascii_string_to_signed(f[1], 10, 1, G_MAXINT, &b, NULL))
    return FALSE;
  *fd = (int)a;
  *tracer = (GPid)b;
  return TRUE;
}

/* `guestrace guardian FD:PID GUEST [MEM]` */
int
gt_cmd_guardian(int argc, char **argv)
{
  int fd;
  GPid tracer;
  if (argc < 3 || !parse_fd_pid(argv[1], &fd, &tracer))
    return GT_EXIT_USAGE;
  const char *guest = argv[2];
  const char *mem = argc > 3 && *argv[3] ? argv[3] : NULL;
  GtGuard *guard = prepare(guest, mem, tracer);
  char c = 0;
  ssize_t r;
  do
    r = read(fd, &c, 1);
  while (r < 0 && errno == EINTR);
  close(fd);
  if (r == 1 && c == 'C') {
    gt_guard_free(guard);
    return GT_EXIT_OK;
  }
  /* The tracer died without cleaning up. */
  gint64 deadline = g_get_monotonic_time() + RECONNECT_FOR_MS * 1000;
  for (;;) {
    g_autoptr(GError) error = NULL;
    if (repair(guard, guest, mem, &error)) {
      gt_guard_free(guard);
      return GT_EXIT_OK;
    }
    /* The stub takes the next debugger only once the dead one's socket is
     * closed: until then connecting fails or the handshake times out. */
    gboolean retry = error->domain == GT_ERROR &&
                     (error->code == GT_ERROR_CONNECT || error->code == GT_ERROR_TIMEOUT ||
                      error->code == GT_ERROR_GUEST_GONE);
    if (!retry || g_get_monotonic_time() > deadline) {
      gt_cli_error("guardian: cannot repair %s: %s; run `guestrace recover %s`", guest,
                   error->message, guest);
      gt_guard_free(guard);
      return GT_EXIT_RUNTIME;
    }
    g_usleep(RECONNECT_EVERY_MS * 1000);
  }
}
