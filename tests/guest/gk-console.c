/* guestkit: the guest's console (ttyS0, console.log) and control port
 * (ttyS2, ctl.sock): waiting for protocol lines, extracting workload log
 * lines, sending the command line. */
#include "gk-private.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define GK_CONSOLE_MAX (256u << 20)   /* stop growing beyond 256 MB */

void gk_console_refresh(GkGuest *g)
{
  if (g->console_fd < 0) {
    g_autofree char *path = g_build_filename(g->dir, "console.log", NULL);
    g->console_fd = open(path, O_RDONLY | O_CLOEXEC);
    if (g->console_fd < 0)
      return;
  }
  char buf[65536];
  ssize_t n;
  while (g->console->len < GK_CONSOLE_MAX &&
         (n = read(g->console_fd, buf, sizeof buf)) > 0)
    g_string_append_len(g->console, buf, n);
}

gboolean gk_guest_wait_console(GkGuest *g, const char *needle, int timeout_s, GError **error)
{
  gint64 end = g_get_monotonic_time() + (gint64)timeout_s * G_USEC_PER_SEC;
  for (;;) {
    /* Check for exit first and read after: no output is missed. */
    gboolean gone = gk_guest_check_exited(g);
    gk_console_refresh(g);
    if (memmem(g->console->str, g->console->len, needle, strlen(needle)))
      return TRUE;
    if (gone) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_CLOSED,
                  "QEMU exited (status 0x%x) before the console showed \"%s\"",
                  g->exit_status, needle);
      return FALSE;
    }
    if (g_get_monotonic_time() > end) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                  "no \"%s\" on the console after %d s", needle, timeout_s);
      return FALSE;
    }
    g_usleep(GK_POLL_US);
  }
}

char *gk_guest_console(GkGuest *g)
{
  gk_console_refresh(g);
  return g_strndup(g->console->str, g->console->len);
}

GPtrArray *gk_guest_workload_log(GkGuest *g, const char *prefix)
{
  GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
  gk_console_refresh(g);
  g_autofree char *tag = g_str_has_suffix(prefix, " ") ? g_strdup(prefix)
                                                         : g_strconcat(prefix, " ", NULL);
  g_autofree char *text = g_strndup(g->console->str, g->console->len);
  g_auto(GkLines) it = gk_lines(text, -1);
  for (const char *l; (l = gk_lines_next(&it, NULL));) {
    while (*l == '\r')
      l++;
    if (!g_str_has_prefix(l, tag))
      continue;
    char *rest = g_strdup(l + strlen(tag));
    g_ptr_array_add(out, g_strchomp(g_strdelimit(rest, "\r", ' ')));
  }
  return out;
}

int gk_guest_run_rc(GkGuest *g)
{
  gk_console_refresh(g);
  const char *p = g_strstr_len(g->console->str, g->console->len, "GK-RUN-END rc=");
  if (!p)
    return -1;
  return (int)g_ascii_strtoll(p + strlen("GK-RUN-END rc="), NULL, 10);
}

static gboolean ctl_send(GkGuest *g, const char *line, GError **error)
{
  if (g->ctl_fd < 0) {
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    g_autofree char *path = g_build_filename(g->dir, "ctl.sock", NULL);
    if (strlen(path) >= sizeof a.sun_path) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_FILENAME_TOO_LONG, "%s: path too long", path);
      return FALSE;
    }
    strcpy(a.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
      int e = errno;
      if (fd >= 0)
        close(fd);
      g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "connect %s: %s", path,
                  g_strerror(e));
      return FALSE;
    }
    g->ctl_fd = fd;
  }
  g_autofree char *msg = g_strconcat(line, "\n", NULL);
  size_t len = strlen(msg), off = 0;
  while (off < len) {
    ssize_t n = send(g->ctl_fd, msg + off, len - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "control port: %s",
                  g_strerror(errno));
      return FALSE;
    }
    off += (size_t)n;
  }
  return TRUE;
}

gboolean gk_guest_run(GkGuest *g, const char *cmdline, GError **error)
{
  if (strpbrk(cmdline, "\r\n")) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "the command line must be one line");
    return FALSE;
  }
  return ctl_send(g, cmdline, error);
}

gboolean gk_guest_release(GkGuest *g, GError **error)
{
  if (!g->hold)
    return TRUE;
  return ctl_send(g, "poweroff", error);
}
