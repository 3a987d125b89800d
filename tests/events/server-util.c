/* Helpers for the event-server tests. See server-util.h. */
#include "server-util.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

static void
die_with_parent(gpointer data)
{
  prctl(PR_SET_PDEATHSIG, SIGKILL);
}

GSubprocess *
ev_spawn(const char *const *argv)
{
  g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new(
      G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_child_setup(l, die_with_parent, NULL, NULL);
  g_autoptr(GError) err = NULL;
  GSubprocess *p = g_subprocess_launcher_spawnv(l, argv, &err);
  g_assert_no_error(err);
  return p;
}

void
ev_kill(GSubprocess *p)
{
  if (!p)
    return;
  g_subprocess_force_exit(p);
  g_subprocess_wait(p, NULL, NULL);
}

guint16
ev_free_port(void)
{
  g_autoptr(GError) err = NULL;
  g_autoptr(GSocket) s = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, &err);
  g_assert_no_error(err);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) a = g_inet_socket_address_new(lo, 0);
  g_assert_true(g_socket_bind(s, a, TRUE, &err));
  g_autoptr(GSocketAddress) bound = g_socket_get_local_address(s, &err);
  g_assert_no_error(err);
  return g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
}

char *
ev_wait_file(const char *path, int timeout_ms)
{
  for (int waited = 0; waited <= timeout_ms; waited += 20) {
    char *text = NULL;
    if (g_file_get_contents(path, &text, NULL, NULL))
      return text;
    g_usleep(20000);
  }
  g_error("%s did not appear in %d ms", path, timeout_ms);
}

guint
ev_count_lines(const char *path)
{
  g_autofree char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, NULL))
    return 0;
  guint n = 0;
  for (const char *p = text; *p; p++)
    n += *p == '\n';
  return n;
}

static void
remove_tree(const char *dir)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  if (!d)
    return;
  const char *name;
  while ((name = g_dir_read_name(d))) {
    g_autofree char *p = g_build_filename(dir, name, NULL);
    if (g_file_test(p, G_FILE_TEST_IS_DIR) && !g_file_test(p, G_FILE_TEST_IS_SYMLINK))
      remove_tree(p);
    else
      g_unlink(p);
  }
  g_rmdir(dir);
}

void
ev_run_isolated(const char *test_path, void (*body)(const char *dir))
{
  if (g_test_subprocess()) {
    body(g_getenv("GT_EVENTS_TEST_DIR"));
    return;
  }
  g_autofree char *dir = g_dir_make_tmp("gt-events-XXXXXX", NULL);
  g_assert_nonnull(dir);
  g_setenv("GT_EVENTS_TEST_DIR", dir, TRUE);
  g_test_trap_subprocess(test_path, 50 * G_USEC_PER_SEC,
                         G_TEST_SUBPROCESS_INHERIT_STDERR);
  remove_tree(dir);
  g_test_trap_assert_passed();
}
