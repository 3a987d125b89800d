/* Tests of offsets profiles: a good file, and every kind of bad line. */
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <guestrace/types.h>
#include "os/linux/offsets.h"

static const char good[] =
  "# offsets for a test kernel\n"
  "task_struct.pid = 0x5c8\n"
  "task_struct.tgid = 1484   # decimal\n"
  "task_struct.comm = 0x738\n"
  "task_struct.tasks = 0x458\n"
  "task_struct.real_parent = 0x5d8\n"
  "task_struct.real_cred = 0x720\n"
  "task_struct.cred = 0x728\n"
  "task_struct.mm = 0x4a8\n"
  "task_struct.active_mm = 0x4b0\n"
  "task_struct.group_leader = 0x610\n"
  "task_struct.thread_node = 0x690\n"
  "task_struct.flags = 0x2c\n"
  "task_struct.signal = 0x7a0\n"
  "\n"
  "signal_struct.thread_head = 0x10\n"
  "cred.uid = 8\n"
  "cred.gid = 12\n"
  "cred.euid = 24\n"
  "cred.egid = 28\n"
  "mm_struct.pgd = 0x48\n"
  "pt_regs.di = 112\n"
  "pt_regs.si = 104\n"
  "pt_regs.dx = 96\n"
  "pt_regs.r10 = 56\n"
  "pt_regs.r8 = 72\n"
  "pt_regs.r9 = 64\n"
  "pt_regs.ax = 80\n"
  "pt_regs.orig_ax = 120\n"
  "pt_regs.ip = 128\n"
  "pt_regs.sp = 152\n"
  "syscall_metadata.name = 0\n"
  "syscall_metadata.syscall_nr = 8\n"
  "syscall_metadata.nb_args = 12\n"
  "syscall_metadata.types = 16\n"
  "\tsyscall_metadata.args=24\r\n";

static char *
write_profile(const char *text)
{
  g_autoptr(GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp("gt-profile-XXXXXX", &path, &error);
  g_assert_no_error(error);
  close(fd);
  g_assert_true(g_file_set_contents(path, text, -1, &error));
  return path;
}

static void
test_good(void)
{
  g_autofree char *path = write_profile(good);
  GtLinuxOffsets o;
  g_autoptr(GError) error = NULL;
  g_assert_true(gt_linux_offsets_from_profile(path, &o, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(o.task_pid, ==, 0x5c8);
  g_assert_cmpuint(o.task_tgid, ==, 1484);
  g_assert_cmpuint(o.task_flags, ==, 0x2c);
  g_assert_cmpuint(o.cred_egid, ==, 28);
  g_assert_cmpuint(o.regs_di, ==, 112);
  g_assert_cmpuint(o.meta_args, ==, 24);
  g_assert_cmpuint(o.pcpu_hot_current_task, ==, G_MAXUINT);

  g_autofree char *with_hot = g_strconcat(good, "pcpu_hot.current_task = 0\n", NULL);
  g_autofree char *path2 = write_profile(with_hot);
  g_assert_true(gt_linux_offsets_from_profile(path2, &o, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(o.pcpu_hot_current_task, ==, 0);
  g_unlink(path);
  g_unlink(path2);
}

/* The good profile with `extra` appended must fail with a message holding
 * every string in `expect` (NULL-terminated). */
static void
check_bad(const char *text, const char *const *expect)
{
  g_autofree char *path = write_profile(text);
  GtLinuxOffsets o = { .task_pid = 7 };
  g_autoptr(GError) error = NULL;
  g_assert_false(gt_linux_offsets_from_profile(path, &o, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_INVALID_ARG);
  g_test_message("%s", error->message);
  g_assert_nonnull(strstr(error->message, path));
  for (guint i = 0; expect[i] != NULL; i++)
    g_assert_nonnull(strstr(error->message, expect[i]));
  g_assert_cmpuint(o.task_pid, ==, 7);   /* untouched on failure */
  g_unlink(path);
}

static void
test_bad_lines(void)
{
  struct { const char *line; const char *expect[3]; } cases[] = {
    { "task_struct.nope = 4\n", { ":37:", "unknown key", NULL } },
    { "task_struct.pid = 4\n", { ":37:", "duplicate", NULL } },
    { "pcpu_hot.current_task = abc\n", { ":37:", "bad offset", NULL } },
    { "pcpu_hot.current_task = -1\n", { ":37:", "bad offset", NULL } },
    { "pcpu_hot.current_task = 0x\n", { ":37:", "bad offset", NULL } },
    { "pcpu_hot.current_task = 012\n", { ":37:", "bad offset", NULL } },
    { "pcpu_hot.current_task = 0x100000\n", { ":37:", "bad offset", NULL } },
    { "pcpu_hot.current_task = 99999999999999999999999\n", { ":37:", "bad offset", NULL } },
    { "pcpu_hot.current_task = 4 4\n", { ":37:", "bad offset", NULL } },
    { "pcpu_hot.current_task =\n", { ":37:", "bad offset", NULL } },
    { "pcpu_hot.current_task 4\n", { ":37:", "expected", NULL } },
    { "= 4\n", { ":37:", "unknown key", NULL } },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *text = g_strconcat(good, cases[i].line, NULL);
    check_bad(text, cases[i].expect);
  }
}

static void
test_missing(void)
{
  /* Drop two lines: both keys are listed. */
  g_autoptr(GString) s = g_string_new(good);
  g_string_replace(s, "cred.euid = 24\n", "", 1);
  g_string_replace(s, "pt_regs.sp = 152\n", "", 1);
  const char *expect[] = { "missing", "cred.euid", "pt_regs.sp", NULL };
  check_bad(s->str, expect);
  const char *expect_empty[] = { "missing", "task_struct.pid", "syscall_metadata.args", NULL };
  check_bad("# nothing\n", expect_empty);
}

static void
test_unreadable(void)
{
  GtLinuxOffsets o;
  g_autoptr(GError) error = NULL;
  g_assert_false(gt_linux_offsets_from_profile("/nonexistent/profile", &o, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_INVALID_ARG);
  g_assert_nonnull(strstr(error->message, "/nonexistent/profile"));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/linux/profile/good", test_good);
  g_test_add_func("/linux/profile/bad-lines", test_bad_lines);
  g_test_add_func("/linux/profile/missing", test_missing);
  g_test_add_func("/linux/profile/unreadable", test_unreadable);
  return g_test_run();
}
