/* A signal while guestrace attaches: the first one is caught (from its very
 * start, even when it was started with SIGINT ignored, as a script's
 * background job is) and ends the trace once the attach is over; a second
 * one takes its default action at once. The guest here is a stub that
 * takes the connection and never answers, so the attach waits for its
 * request timeout. */
#include <glib.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
  int listener, peer;
  GPid pid;
  int err_fd;
} Silent;

/* A listener on a free loopback port; guestrace started against it, with
 * SIGINT ignored when `ignored` (as `guestrace ... &` in a script); returns
 * once guestrace has connected (and waits for an answer). */
static void
silent_start(Silent *s, gboolean ignored)
{
  s->listener = socket(AF_INET, SOCK_STREAM, 0);
  g_assert_cmpint(s->listener, >=, 0);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  socklen_t len = sizeof a;
  g_assert_cmpint(bind(s->listener, (struct sockaddr *)&a, sizeof a), ==, 0);
  g_assert_cmpint(listen(s->listener, 4), ==, 0);
  g_assert_cmpint(getsockname(s->listener, (struct sockaddr *)&a, &len), ==, 0);
  g_autofree char *spec = g_strdup_printf("qemu:127.0.0.1:%u", ntohs(a.sin_port));
  const char *argv[] = { g_getenv("GT_GUESTRACE"), "--no-guardian", "-e", "read", spec, NULL };
  void (*old)(int) = signal(SIGINT, ignored ? SIG_IGN : SIG_DFL);
  g_autoptr(GError) error = NULL;
  g_assert_true(g_spawn_async_with_pipes(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD |
                                         G_SPAWN_CHILD_INHERITS_STDIN | G_SPAWN_STDOUT_TO_DEV_NULL,
                                         NULL, NULL, &s->pid, NULL, NULL, &s->err_fd, &error));
  g_assert_no_error(error);
  signal(SIGINT, old);
  struct pollfd p = { .fd = s->listener, .events = POLLIN };
  g_assert_cmpint(poll(&p, 1, 60000), ==, 1);
  s->peer = accept(s->listener, NULL, NULL);
  g_assert_cmpint(s->peer, >=, 0);
  g_usleep(200 * 1000);   /* its first request is on its way */
}

/* Waits (at most timeout_s) for guestrace to end: its wait status and
 * everything it said on stderr. */
static int
silent_finish(Silent *s, int timeout_s, char **err)
{
  GString *e = g_string_new(NULL);
  gint64 end = g_get_monotonic_time() + (gint64)timeout_s * G_USEC_PER_SEC;
  char buf[512];
  for (;;) {
    struct pollfd p = { .fd = s->err_fd, .events = POLLIN };
    int left = (int)((end - g_get_monotonic_time()) / 1000);
    g_assert_cmpint(left, >, 0);
    if (poll(&p, 1, left) == 1) {
      ssize_t n = read(s->err_fd, buf, sizeof buf);
      if (n <= 0)
        break;
      g_string_append_len(e, buf, n);
    }
  }
  int status = 0;
  g_assert_cmpint(waitpid(s->pid, &status, 0), ==, s->pid);
  close(s->err_fd);
  close(s->peer);
  close(s->listener);
  *err = g_string_free(e, FALSE);
  g_test_message("guestrace said: %s", *err);
  return status;
}

/* One SIGINT while attaching: said, and guestrace ends by itself once the
 * attach is over (here: it fails), not killed by the signal. */
static void
test_once(gconstpointer ignored)
{
  Silent s;
  silent_start(&s, GPOINTER_TO_INT(ignored));
  kill(s.pid, SIGINT);
  g_autofree char *err = NULL;
  int status = silent_finish(&s, 120, &err);
  g_assert_true(WIFEXITED(status));
  g_assert_nonnull(strstr(err, "stopping once attached"));
}

/* A second SIGINT while attaching ends guestrace at once, by the signal. */
static void
test_twice(void)
{
  Silent s;
  silent_start(&s, FALSE);
  kill(s.pid, SIGINT);
  g_usleep(200 * 1000);
  gint64 t0 = g_get_monotonic_time();
  kill(s.pid, SIGINT);
  g_autofree char *err = NULL;
  int status = silent_finish(&s, 10, &err);
  g_assert_true(WIFSIGNALED(status));
  g_assert_cmpint(WTERMSIG(status), ==, SIGINT);
  g_assert_cmpint(g_get_monotonic_time() - t0, <, 3 * G_USEC_PER_SEC);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_data_func("/cli/sigint-while-attaching/once", GINT_TO_POINTER(FALSE), test_once);
  g_test_add_data_func("/cli/sigint-while-attaching/once-ignored-at-start",
                       GINT_TO_POINTER(TRUE), test_once);
  g_test_add_func("/cli/sigint-while-attaching/twice", test_twice);
  return g_test_run();
}
