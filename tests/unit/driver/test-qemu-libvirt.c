/* The libvirt target's pieces that need no daemon: the spec's syntax
 * (driver.c) and finding QEMU's process by the -uuid on its command line
 * (qemu-uuid-pid.c). The attach itself is the e2e test `libvirt`. */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <guestrace/types.h>

#include "driver/driver.h"
#include "driver/qemu/qemu-driver.h"

#define UUID "6f1c1a52-3c39-4a3e-9a51-2b7f1d0c9e41"

static void
test_spec(void)
{
  static const char *const bad[] = {
    "libvirt:", "libvirt+", "libvirt+:vm", "libvirt+qemu:///system",
    "libvirt+qemu:///system:", "libvirt:a/b",
  };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;
    g_assert_null(gt_driver_open(bad[i], NULL, &error));
    g_assert_error(error, GT_ERROR, GT_ERROR_INVALID_ARG);
    g_assert_nonnull(strstr(error->message, "libvirt:NAME or libvirt+URI:NAME"));
  }
}

static void
test_cmdline(void)
{
  static const char a[] = "qemu\0-name\0guest=vm\0-uuid\0" UUID "\0-m\0512";
  g_assert_true(gt_qemu_cmdline_has_uuid(a, sizeof a, UUID));
  /* upper case, and as the last argument with no final NUL */
  static const char b[] = "qemu\0-uuid\0" "6F1C1A52-3C39-4A3E-9A51-2B7F1D0C9E41";
  g_assert_true(gt_qemu_cmdline_has_uuid(b, sizeof b - 1, UUID));
  /* a longer or shorter value, another option's value, -uuid last */
  static const char c[] = "qemu\0-uuid\0" UUID "0\0-uuid\0" "6f1c1a52\0-name\0" UUID;
  g_assert_false(gt_qemu_cmdline_has_uuid(c, sizeof c, UUID));
  static const char d[] = "qemu\0-uuid";
  g_assert_false(gt_qemu_cmdline_has_uuid(d, sizeof d - 1, UUID));
  g_assert_false(gt_qemu_cmdline_has_uuid("", 0, UUID));
}

/* A process whose command line has -uuid UUID ($0 and $1 of sh -c): a
 * shell reading the pipe we hold, with no child of its own. */
static GPid
spawn_with_uuid(int *in)
{
  const char *argv[] = { "/bin/sh", "-c", "read x", "-uuid", UUID, NULL };
  GPid pid = 0;
  g_autoptr(GError) error = NULL;
  g_assert_true(g_spawn_async_with_pipes(NULL, (char **)argv, NULL,
                                         G_SPAWN_DO_NOT_REAP_CHILD |
                                         G_SPAWN_STDOUT_TO_DEV_NULL |
                                         G_SPAWN_STDERR_TO_DEV_NULL,
                                         NULL, NULL, &pid, in, NULL, NULL, &error));
  g_assert_no_error(error);
  return pid;
}

static void
stop(GPid pid, int in)
{
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  close(in);
}

static void
test_pid(void)
{
  g_assert_cmpint(gt_qemu_pid_of_uuid(UUID), ==, 0);
  int in1, in2;
  GPid one = spawn_with_uuid(&in1);
  /* /proc/PID/cmdline shows sh's arguments once it has been exec'd */
  pid_t found = 0;
  for (int i = 0; i < 100 && found != one; i++) {
    found = gt_qemu_pid_of_uuid(UUID);
    if (found != one)
      g_usleep(20 * 1000);
  }
  g_assert_cmpint(found, ==, one);
  /* two candidates: neither is trusted */
  GPid two = spawn_with_uuid(&in2);
  g_usleep(200 * 1000);
  g_assert_cmpint(gt_qemu_pid_of_uuid(UUID), ==, 0);
  stop(one, in1);
  stop(two, in2);
  g_assert_cmpint(gt_qemu_pid_of_uuid(UUID), ==, 0);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/driver/libvirt/spec", test_spec);
  g_test_add_func("/driver/libvirt/cmdline", test_cmdline);
  g_test_add_func("/driver/libvirt/pid", test_pid);
  return g_test_run();
}
