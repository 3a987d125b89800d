/* Tests of the syscall metadata reader on crafted syscall_metadata
 * structures, and of gt_linux_new (offsets from a profile, or from BTF read
 * out of guest memory). */
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <guestrace/types.h>
#include "os/linux/linux.h"
#include "fake-guest.h"

/* syscall_metadata layout as in Linux 6.1 (name, syscall_nr, nb_args, types,
 * args): fake-guest.h's. */
#define test_off fg_linux_offsets
#define UNMAPPED FG_UNMAPPED

static GtSymbols *
make_syms(guint64 init_task, guint64 start, guint64 stop, const char *extra)
{
  g_autofree char *map = g_strdup_printf(
    "%016" G_GINT64_MODIFIER "x D init_task\n"
    "0000000000001000 D current_task\n"
    "%016" G_GINT64_MODIFIER "x D __start_syscalls_metadata\n"
    "%016" G_GINT64_MODIFIER "x D __stop_syscalls_metadata\n%s",
    init_task, start, stop, extra ? extra : "");
  return fg_symbols(map);
}

static void
test_metadata(void)
{
  g_autoptr(FakeGuest) fg = fg_new(4);
  const char *open_t[] = { "int", "const char __user *", "int", "umode_t" };
  const char *open_a[] = { "dfd", "filename", "flags", "mode" };
  const char *seven[] = { "int", "int", "int", "int", "int", "int", "int" };
  const char *bad_t[] = { "int", NULL };
  const char *read_t[] = { "unsigned int", "char __user *", "size_t" };
  const char *read_a[] = { "fd", "buf", "count" };
  const char *evil_a[] = { "fd; rm -rf" };
  const char *ctl_t[] = { "int\x1b[31m" };
  const char *ctl_a[] = { "x" };
  /* A name with no NUL within the bound. */
  char longname[300];
  memset(longname, 'a', sizeof longname - 1);
  longname[sizeof longname - 1] = '\0';
  guint64 metas[] = {
    fg_new_syscall_meta(fg, longname, 7, 0, NULL, NULL),
    fg_new_syscall_meta(fg, "sys_openat", 257, 4, open_t, open_a),
    fg_new_syscall_meta(fg, "sys_seven", 500, 7, seven, seven),          /* nb_args > 6 */
    fg_new_syscall_meta(fg, NULL, 1, 0, NULL, NULL),                     /* name unreadable */
    fg_new_syscall_meta(fg, "sys_badtype", 2, 2, bad_t, bad_t),          /* a type unreadable */
    fg_new_syscall_meta(fg, "sys_noargs", 3, 1, open_t, NULL),           /* args array unreadable */
    fg_new_syscall_meta(fg, "sys_read", -1, 3, read_t, read_a),          /* compat twin, unmapped */
    fg_new_syscall_meta(fg, "sys_read", 0, 3, read_t, read_a),           /* the x86-64 one */
    fg_new_syscall_meta(fg, "sys_read", 99, 3, read_t, read_a),          /* later duplicate */
    fg_new_syscall_meta(fg, "sys_getpid", 39, 0, NULL, NULL),            /* no args: no arrays read */
    fg_new_syscall_meta(fg, "sys_evil", 4, 1, open_t, evil_a),           /* arg name not an identifier */
    fg_new_syscall_meta(fg, "sys_ctl", 5, 1, ctl_t, ctl_a),              /* control bytes in a type */
    fg_new_syscall_meta(fg, "sys_big", 100000, 0, NULL, NULL),           /* nr out of range */
    fg_new_syscall_meta(fg, "sys_bad name", 6, 0, NULL, NULL),           /* name not an identifier */
    UNMAPPED,                                                 /* pointer into nowhere */
    0x1000,                                                   /* user pointer */
  };
  guint64 start = fg_alloc(fg, sizeof metas);
  memcpy(fg_ptr(fg, start), metas, sizeof metas);

  g_autoptr(GtSymbols) syms = make_syms(FG_KBASE, start, start + sizeof metas, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GtLinux) lx = fg_linux(fg, syms, &test_off);
  g_autoptr(GHashTable) t = gt_linux_syscall_metadata(lx, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(g_hash_table_size(t), ==, 5);

  GtSyscallMeta *m = g_hash_table_lookup(t, "openat");
  g_assert_nonnull(m);
  g_assert_cmpstr(m->name, ==, "openat");
  g_assert_cmpint(m->nr, ==, 257);
  g_assert_cmpuint(m->nargs, ==, 4);
  g_assert_cmpstr(m->arg_types[1], ==, "const char __user *");
  g_assert_cmpstr(m->arg_names[3], ==, "mode");
  g_assert_null(m->arg_types[4]);

  m = g_hash_table_lookup(t, "read");
  g_assert_nonnull(m);
  g_assert_cmpint(m->nr, ==, 0);
  g_assert_cmpstr(m->arg_names[1], ==, "buf");

  m = g_hash_table_lookup(t, "getpid");
  g_assert_nonnull(m);
  g_assert_cmpuint(m->nargs, ==, 0);
  g_assert_cmpint(m->nr, ==, 39);

  m = g_hash_table_lookup(t, "ctl");
  g_assert_nonnull(m);
  g_assert_cmpstr(m->arg_types[0], ==, "int?[31m");

  m = g_hash_table_lookup(t, "big");
  g_assert_nonnull(m);
  g_assert_cmpint(m->nr, ==, -1);

  g_assert_null(g_hash_table_lookup(t, "seven"));
  g_assert_null(g_hash_table_lookup(t, "badtype"));
  g_assert_null(g_hash_table_lookup(t, "noargs"));
  g_assert_null(g_hash_table_lookup(t, "evil"));
}

/* A booted kernel: the run-time array syscalls_metadata, indexed by number,
 * wins over the (freed) section; entry i must describe syscall i. */
static void
test_metadata_runtime(void)
{
  g_autoptr(FakeGuest) fg = fg_new(4);
  const char *read_t[] = { "unsigned int", "char *", "size_t" };
  const char *read_a[] = { "fd", "buf", "count" };
  const char *one_t[] = { "int" };
  const char *one_a[] = { "fd" };
  guint64 m_read = fg_new_syscall_meta(fg, "sys_read", 0, 3, read_t, read_a);
  guint64 m_close = fg_new_syscall_meta(fg, "sys_close", 3, 1, one_t, one_a);
  guint64 m_wrong = fg_new_syscall_meta(fg, "sys_wrong", 7, 1, one_t, one_a);   /* at index 5 */
  guint64 m_seven = fg_new_syscall_meta(fg, "sys_seven", 6, 7, NULL, NULL);
  /* The array: 8 entries, then (past its end) junk that must be ignored. */
  guint64 array = fg_alloc(fg, 4096);
  fg_put_u64(fg, array + 0 * 8, m_read);
  fg_put_u64(fg, array + 3 * 8, m_close);
  fg_put_u64(fg, array + 5 * 8, m_wrong);
  fg_put_u64(fg, array + 6 * 8, m_seven);
  fg_put_u64(fg, array + 7 * 8, UNMAPPED);
  for (guint i = 8; i < 512; i++)
    fg_put_u64(fg, array + i * 8, 0x4141414141414141ULL + i);
  guint64 var = fg_alloc(fg, 8);
  fg_put_u64(fg, var, array);
  /* The section holds only garbage, as after free_initmem(). */
  guint64 section = fg_alloc(fg, 64);
  memset(fg_ptr(fg, section), 0xcc, 64);
  g_autofree char *extra = g_strdup_printf("%016" G_GINT64_MODIFIER "x b syscalls_metadata\n",
                                           var);
  g_autoptr(GtSymbols) syms = make_syms(FG_KBASE, section, section + 64, extra);
  g_autoptr(GError) error = NULL;
  g_autoptr(GtLinux) lx = fg_linux(fg, syms, &test_off);
  g_autoptr(GHashTable) t = gt_linux_syscall_metadata(lx, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(g_hash_table_size(t), ==, 2);
  GtSyscallMeta *m = g_hash_table_lookup(t, "close");
  g_assert_nonnull(m);
  g_assert_cmpint(m->nr, ==, 3);
  g_assert_cmpstr(m->arg_names[0], ==, "fd");
  g_assert_nonnull(g_hash_table_lookup(t, "read"));
  g_assert_null(g_hash_table_lookup(t, "wrong"));

  /* The array at the very end of mapped memory: read what can be read. */
  guint64 last = FG_KBASE + fg->ram->len - 16;
  fg_put_u64(fg, last, m_read);
  fg_put_u64(fg, last + 8, 0);
  fg_put_u64(fg, var, last);
  g_autoptr(GHashTable) t2 = gt_linux_syscall_metadata(lx, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(g_hash_table_size(t2), ==, 1);

  /* Early boot: the array pointer is still NULL, the section is used (and
   * here it is garbage, so that fails). */
  fg_put_u64(fg, var, 0);
  g_assert_null(gt_linux_syscall_metadata(lx, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_NOT_FOUND);
}

static void
test_metadata_errors(void)
{
  g_autoptr(FakeGuest) fg = fg_new(4);
  g_autoptr(GError) error = NULL;
  struct { guint64 start, stop; gint code; } cases[] = {
    { FG_KBASE + 0x1000, FG_KBASE + 0x1000, GT_ERROR_INVALID_ARG },   /* empty */
    { FG_KBASE + 0x1000, FG_KBASE + 0x0ff8, GT_ERROR_INVALID_ARG },   /* reversed */
    { FG_KBASE + 0x1000, FG_KBASE + 0x1004, GT_ERROR_INVALID_ARG },   /* not 8-aligned */
    { FG_KBASE, FG_KBASE + 8 * 4096, GT_ERROR_INVALID_ARG },           /* too many */
    { UNMAPPED, UNMAPPED + 64, GT_ERROR_MEMORY },                      /* unreadable */
    { FG_KBASE + 0x100000, FG_KBASE + 0x100040, GT_ERROR_NOT_FOUND },  /* all NULL */
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GtSymbols) syms = make_syms(FG_KBASE, cases[i].start, cases[i].stop, NULL);
    g_autoptr(GtLinux) lx = fg_linux(fg, syms, &test_off);
    g_assert_null(gt_linux_syscall_metadata(lx, &error));
    g_assert_error(error, GT_ERROR, cases[i].code);
    g_clear_error(&error);
  }
  /* No symbols at all. */
  const char map[] = "ffff888000001000 D init_task\n0000000000001000 D current_task\n";
  g_autoptr(GtSymbols) syms = fg_symbols(map);
  g_autoptr(GtLinux) lx = fg_linux(fg, syms, &test_off);
  g_assert_null(gt_linux_syscall_metadata(lx, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_NOT_FOUND);
}

/* gt_linux_new with a profile; and without one when the kernel has no BTF. */
static void
test_new_profile(void)
{
  g_autoptr(FakeGuest) fg = fg_new(4);
  g_autoptr(GtSymbols) syms = make_syms(FG_KBASE + 0x1000, FG_KBASE, FG_KBASE + 8, NULL);
  g_autoptr(GString) text = g_string_new("# test\n");
  const char *keys[] = {
    "task_struct.pid", "task_struct.tgid", "task_struct.comm", "task_struct.tasks",
    "task_struct.real_parent", "task_struct.real_cred", "task_struct.cred",
    "task_struct.mm", "task_struct.active_mm", "task_struct.group_leader",
    "task_struct.thread_node", "task_struct.flags", "task_struct.signal",
    "signal_struct.thread_head", "cred.uid", "cred.gid", "cred.euid", "cred.egid",
    "mm_struct.pgd", "pt_regs.di", "pt_regs.si", "pt_regs.dx", "pt_regs.r10",
    "pt_regs.r8", "pt_regs.r9", "pt_regs.ax", "pt_regs.orig_ax", "pt_regs.ip",
    "pt_regs.sp", "syscall_metadata.name", "syscall_metadata.syscall_nr",
    "syscall_metadata.nb_args", "syscall_metadata.types", "syscall_metadata.args",
  };
  for (gsize i = 0; i < G_N_ELEMENTS(keys); i++)
    g_string_append_printf(text, "%s = %" G_GSIZE_FORMAT "\n", keys[i], i * 8);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  int fd = g_file_open_tmp("gt-profile-XXXXXX", &path, &error);
  g_assert_no_error(error);
  close(fd);
  g_assert_true(g_file_set_contents(path, text->str, -1, &error));

  g_autoptr(GtLinux) lx = gt_linux_new(fg->mem, syms, fg->cr3, path, &error);
  g_assert_no_error(error);
  g_assert_null(gt_linux_btf(lx));
  g_assert_cmpuint(gt_linux_offsets(lx)->task_tgid, ==, 8);
  g_unlink(path);

  g_assert_null(gt_linux_new(fg->mem, syms, fg->cr3, NULL, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_NOT_FOUND);
  g_assert_nonnull(strstr(error->message, "BTF"));
}

/* gt_linux_new reading the host's real BTF out of crafted guest memory. */
static void
test_new_btf(void)
{
  g_autofree char *blob = NULL;
  gsize len = 0;
  if (!g_file_get_contents("/sys/kernel/btf/vmlinux", &blob, &len, NULL)) {
    g_test_skip("no /sys/kernel/btf/vmlinux");
    return;
  }
  guint mib = (guint) (len >> 20) + 4;
  mib += mib & 1;
  g_autoptr(FakeGuest) fg = fg_new(mib);
  guint64 btf = fg_alloc(fg, len);
  memcpy(fg_ptr(fg, btf), blob, len);
  g_autofree char *extra = g_strdup_printf(
    "%016" G_GINT64_MODIFIER "x R __start_BTF\n%016" G_GINT64_MODIFIER "x R __stop_BTF\n",
    btf, btf + len);
  g_autoptr(GtSymbols) syms = make_syms(FG_KBASE + 0x1000, FG_KBASE, FG_KBASE + 8, extra);
  g_autoptr(GError) error = NULL;
  gint64 t0 = g_get_monotonic_time();
  g_autoptr(GtLinux) lx = gt_linux_new(fg->mem, syms, fg->cr3, NULL, &error);
  g_test_message("BTF (%" G_GSIZE_FORMAT " bytes) read and parsed in %.1f ms", len,
                 (g_get_monotonic_time() - t0) / 1000.0);
  g_assert_no_error(error);
  g_assert_nonnull(gt_linux_btf(lx));
  g_assert_cmpuint(gt_linux_offsets(lx)->regs_di, ==, 112);

  /* A BTF that is too big (1 GiB, 16 MiB + 1), empty, or whose end is
   * unmapped (15 MiB, within the cap, past the fake RAM). */
  const char *bad[] = {
    "ffff888000010000 R __start_BTF\nffff888040010000 R __stop_BTF\n",
    "ffff888000010000 R __start_BTF\nffff888001010001 R __stop_BTF\n",
    "ffff888000010000 R __start_BTF\nffff888000010000 R __stop_BTF\n",
    "ffff888000010000 R __start_BTF\nffff888000f10000 R __stop_BTF\n",
  };
  const gint codes[] = { GT_ERROR_INVALID_ARG, GT_ERROR_INVALID_ARG, GT_ERROR_INVALID_ARG,
                         GT_ERROR_MEMORY };
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GtSymbols) s2 = make_syms(FG_KBASE + 0x1000, FG_KBASE, FG_KBASE + 8, bad[i]);
    g_assert_null(gt_linux_new(fg->mem, s2, fg->cr3, NULL, &error));
    g_assert_error(error, GT_ERROR, codes[i]);
    g_clear_error(&error);
  }
  /* Memory that is readable but not BTF. */
  memset(fg_ptr(fg, btf), 0x5a, 4096);
  g_assert_null(gt_linux_new(fg->mem, syms, fg->cr3, NULL, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_INVALID_ARG);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/linux/syscalls/metadata", test_metadata);
  g_test_add_func("/linux/syscalls/metadata-runtime", test_metadata_runtime);
  g_test_add_func("/linux/syscalls/metadata-errors", test_metadata_errors);
  g_test_add_func("/linux/new/profile", test_new_profile);
  g_test_add_func("/linux/new/btf", test_new_btf);
  return g_test_run();
}
