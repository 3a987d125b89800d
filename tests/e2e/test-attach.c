/* End to end: attaching with nothing but the VM's QMP socket, and the
 * one-line refusals of item 5 (a map from another kernel, a guest that is
 * not Linux, a socket that is not QEMU's QMP, a gdb stub already in use),
 * each leaving the guest running as it was. */
#include "e2e-util.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "driver/qemu/qmp.h"

static char *
hmp(const char *qmp_path, const char *cmd)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GtQmp) q = gt_qmp_connect(qmp_path, 5000, &error);
  g_assert_no_error(error);
  char *out = NULL;
  g_assert_true(gt_qmp_hmp(q, cmd, &out, &error));
  return out;
}

/* No gdb stub left open and the VM running. */
static void
assert_untouched(const char *qmp_path)
{
  g_autofree char *chardevs = hmp(qmp_path, "info chardev");
  g_assert_null(strstr(chardevs, "\ngdb:"));
  g_assert_false(g_str_has_prefix(chardevs, "gdb:"));
  g_autofree char *status = hmp(qmp_path, "info status");
  g_assert_nonnull(strstr(status, "running"));
}

/* A VM started with only -qmp: traced through qmp:PATH with no other
 * option, and after guestrace exits the VM runs on with no stub open. */
static void
test_qmp_only(void)
{
  GkOptions o = { .qmp_only = TRUE, .hold = TRUE };
  g_autoptr(GkGuest) g = e2e_boot_with(&o);
  g_autofree char *word = NULL;
  g_autoptr(E2eTool) t = e2e_trace_gtw_files(g, &word);
  g_assert_cmpint(e2e_tool_finish(t, TRUE, 30), ==, 0);
  g_autofree char *out = e2e_tool_stdout(t);
  e2e_assert_gtw_files_seen(g, out, word);
  assert_untouched(gk_guest_qmp_path(g));
  /* A second attach works the same way (nothing was left behind). */
  const char *argv2[] = { e2e_guestrace_path(), "ps", gk_guest_spec(g), NULL };
  g_autofree char *err2 = NULL;
  g_assert_cmpint(e2e_run(argv2, NULL, &err2), ==, 0);
  assert_untouched(gk_guest_qmp_path(g));
  g_autoptr(GError) error = NULL;
  g_assert_true(gk_guest_release(g, &error));
  g_assert_true(gk_guest_wait_poweroff(g, 60));
}

/* A listener that answers like something other than QEMU. */
static gpointer
fake_server(gpointer data)
{
  int lfd = GPOINTER_TO_INT(data);
  int c = accept(lfd, NULL, NULL);
  if (c >= 0) {
    const char hello[] = "SSH-2.0-OpenSSH_9.2\r\n";
    g_assert_cmpint(write(c, hello, sizeof hello - 1), ==, sizeof hello - 1);
    g_usleep(G_USEC_PER_SEC);
    close(c);
  }
  return NULL;
}

/* A map whose _stext is moved: same banner, another build. */
static char *
shifted_map(GkGuest *g)
{
  g_autofree char *sysmap = gk_image_sysmap_path();
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(sysmap, &text, NULL, NULL));
  g_autoptr(GString) s = g_string_new(NULL);
  g_auto(GkLines) it = gk_lines(text, -1);
  gsize n;
  for (const char *l; (l = gk_lines_next(&it, &n));) {
    if (n == 25 && strcmp(l + 16, " T _stext") == 0)
      g_string_append(s, "ffffffff81000040 T _stext\n");
    else if (n > 0)
      g_string_append_printf(s, "%s\n", l);
  }
  char *path = g_build_filename(gk_guest_dir(g), "other.map", NULL);
  g_assert_true(g_file_set_contents(path, s->str, (gssize)s->len, NULL));
  return path;
}

static void
test_errors(void)
{
  GkOptions o = { .qmp_only = TRUE };
  g_autoptr(GkGuest) g = e2e_boot_with(&o);
  const char *spec = gk_guest_spec(g);
  g_autofree char *err = NULL;
  int status;

  /* A map from another kernel (another build of it). */
  g_autofree char *other = shifted_map(g);
  const char *a1[] = { e2e_guestrace_path(), "ps", "-m", other, spec, NULL };
  status = e2e_run(a1, NULL, &err);
  e2e_assert_one_line_error(status, err, "does not match the guest's kernel");
  assert_untouched(gk_guest_qmp_path(g));
  g_clear_pointer(&err, g_free);

  /* A map from another kernel altogether: its banner is elsewhere. */
  g_autofree char *wrong = g_build_filename(gk_guest_dir(g), "wrong.map", NULL);
  g_assert_true(g_file_set_contents(wrong, "ffffffff81000000 T _text\n"
                                    "ffffffff81000000 T _stext\n"
                                    "ffffffff82345678 D linux_banner\n", -1, NULL));
  const char *a2[] = { e2e_guestrace_path(), "ps", "-m", wrong, spec, NULL };
  status = e2e_run(a2, NULL, &err);
  e2e_assert_one_line_error(status, err, "is not for the guest's kernel");
  assert_untouched(gk_guest_qmp_path(g));
  g_clear_pointer(&err, g_free);

  /* A socket that is not QEMU's QMP. */
  g_autofree char *fake = g_build_filename(gk_guest_dir(g), "fake.sock", NULL);
  int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  g_strlcpy(sa.sun_path, fake, sizeof sa.sun_path);
  g_assert_cmpint(bind(lfd, (struct sockaddr *)&sa, sizeof sa), ==, 0);
  g_assert_cmpint(listen(lfd, 1), ==, 0);
  GThread *th = g_thread_new("fake", fake_server, GINT_TO_POINTER(lfd));
  g_autofree char *fake_spec = g_strdup_printf("qmp:%s", fake);
  const char *a3[] = { e2e_guestrace_path(), "ps", fake_spec, NULL };
  status = e2e_run(a3, NULL, &err);
  e2e_assert_one_line_error(status, err, "is not a QEMU QMP socket");
  g_thread_join(th);
  close(lfd);
  g_clear_pointer(&err, g_free);

  /* A gdb stub already in use by another debugger. */
  g_autofree char *sock = g_build_filename(gk_guest_dir(g), "other-gdb.sock", NULL);
  g_autofree char *start = g_strdup_printf("gdbserver unix:%s,server=on,wait=off", sock);
  g_free(hmp(gk_guest_qmp_path(g), start));
  int dbg = socket(AF_UNIX, SOCK_STREAM, 0);
  g_strlcpy(sa.sun_path, sock, sizeof sa.sun_path);
  g_assert_cmpint(connect(dbg, (struct sockaddr *)&sa, sizeof sa), ==, 0);
  g_usleep(300 * 1000);
  const char *a4[] = { e2e_guestrace_path(), "ps", spec, NULL };
  status = e2e_run(a4, NULL, &err);
  e2e_assert_one_line_error(status, err, "in use by another debugger");
  g_clear_pointer(&err, g_free);
  close(dbg);
  g_free(hmp(gk_guest_qmp_path(g), "gdbserver none"));
  g_free(hmp(gk_guest_qmp_path(g), "cont"));   /* the other debugger had stopped it */
  assert_untouched(gk_guest_qmp_path(g));

  /* The guest still runs its workload normally. */
  g_autoptr(GError) error = NULL;
  g_assert_true(gk_guest_run(g, "gtw-files x", &error));
  g_assert_true(gk_guest_wait_console(g, "GK-RUN-END rc=0", 120, &error));
}

/* A guest that is not Linux: QEMU with firmware and no kernel. */
static void
test_not_linux(void)
{
  g_autofree char *dir = g_dir_make_tmp("gt-notlinux-XXXXXX", NULL);
  g_autofree char *qmp = g_build_filename(dir, "qmp.sock", NULL);
  g_autofree char *qmparg = g_strdup_printf("unix:%s,server=on,wait=off", qmp);
  const char *qargv[] = { "qemu-system-x86_64", "-accel", "tcg", "-m", "256M", "-nodefaults",
                          "-no-user-config", "-display", "none", "-qmp", qmparg, NULL };
  GPid pid;
  g_autoptr(GError) error = NULL;
  g_assert_true(g_spawn_async(NULL, (char **)qargv, NULL,
                              G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                              &pid, &error));
  for (int i = 0; i < 100 && !g_file_test(qmp, G_FILE_TEST_EXISTS); i++)
    g_usleep(100 * 1000);
  g_usleep(G_USEC_PER_SEC);   /* let the firmware run */
  g_autofree char *spec = g_strdup_printf("qmp:%s", qmp);
  const char *a[] = { e2e_guestrace_path(), "ps", spec, NULL };
  g_autofree char *err = NULL;
  int status = e2e_run(a, NULL, &err);
  assert_untouched(qmp);
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  g_unlink(qmp);
  g_rmdir(dir);
  e2e_assert_one_line_error(status, err, "no kernel symbols in guest memory");
  g_assert_nonnull(strstr(err, "-m"));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/attach/qmp-only", test_qmp_only);
  g_test_add_func("/attach/errors", test_errors);
  g_test_add_func("/attach/not-linux", test_not_linux);
  return g_test_run();
}
