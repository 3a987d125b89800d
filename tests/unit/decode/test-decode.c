/* Decoders: flags, errno and signal names, quoting, and
 * the choice of rendering from the kernel's argument names and types. */
#include "decode/decode.h"
#include "decode/xlat-tables.h"

#include <fcntl.h>
#include <string.h>

static void
check_flags(const GtXlat *x, guint64 v, const char *zero, const char *want)
{
  g_autoptr(GString) s = g_string_new(NULL);
  gt_xlat_print_flags(s, x, v, zero);
  g_assert_cmpstr(s->str, ==, want);
}

/* The generated tables carry the x86-64 values and strace's order. */
static void
test_flags(void)
{
  check_flags(&gt_xlat_open_flags, 0x80000 | 0x10000 | 0x800, NULL,
              "O_NONBLOCK|O_CLOEXEC|O_DIRECTORY");
  check_flags(&gt_xlat_open_flags, 04010000, NULL, "O_SYNC");
  check_flags(&gt_xlat_open_flags, 020200000, NULL, "O_TMPFILE");
  check_flags(&gt_xlat_open_flags, 0100000, NULL, "O_LARGEFILE");
  check_flags(&gt_xlat_open_flags, 0x80000000u, NULL, "0x80000000");
  check_flags(&gt_xlat_mmap_prot, 0, "PROT_NONE", "PROT_NONE");
  check_flags(&gt_xlat_mmap_prot, 3, "PROT_NONE", "PROT_READ|PROT_WRITE");
  check_flags(&gt_xlat_mmap_flags, 0x20, NULL, "MAP_ANONYMOUS");
  check_flags(&gt_xlat_clone_flags, 0x01200000, NULL, "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID");
  check_flags(&gt_xlat_at_flags, 0x100, "0", "AT_SYMLINK_NOFOLLOW");
  check_flags(&gt_xlat_at_flags, 0, "0", "0");
  /* 0x200 means AT_REMOVEDIR for unlinkat and AT_EACCESS for faccessat2. */
  check_flags(&gt_xlat_unlinkat_flags, 0x200, "0", "AT_REMOVEDIR");
  check_flags(&gt_xlat_faccessat_flags, 0x200, "0", "AT_EACCESS");
  check_flags(&gt_xlat_access_modes, 0, "F_OK", "F_OK");
  check_flags(&gt_xlat_access_modes, 6, "F_OK", "R_OK|W_OK");
  g_assert_cmpstr(gt_xlat_name(&gt_xlat_fcntl_cmds, 3), ==, "F_GETFL");
  g_assert_cmpstr(gt_xlat_name(&gt_xlat_ioctl_cmds, 0x5401), ==, "TCGETS");
  g_assert_cmpstr(gt_xlat_name(&gt_xlat_arch_prctl_codes, 0x1002), ==, "ARCH_SET_FS");
  g_assert_cmpstr(gt_xlat_name(&gt_xlat_address_families, 2), ==, "AF_INET");
  g_assert_cmpstr(gt_xlat_name(&gt_xlat_socket_levels, 6), ==, "SOL_TCP");
  g_assert_cmpstr(gt_xlat_name(&gt_xlat_prctl_options, 3), ==, "PR_GET_DUMPABLE");
  g_assert_cmpstr(gt_xlat_name(&gt_xlat_clocks, 1), ==, "CLOCK_MONOTONIC");
  g_assert_cmpstr(gt_xlat_name(&gt_xlat_rlimit_resources, 7), ==, "RLIMIT_NOFILE");
  g_assert_cmpstr(gt_xlat_name(&gt_xlat_whence, 2), ==, "SEEK_END");
  g_assert_cmpstr(gt_xlat_name(&gt_xlat_ptrace_requests, 0), ==, "PTRACE_TRACEME");
  g_assert_cmpstr(gt_decode_syscall_name(5), ==, "fstat");
  g_assert_cmpstr(gt_decode_syscall_name(63), ==, "uname");
  g_autoptr(GString) v = g_string_new(NULL);
  gt_xlat_print_value(v, &gt_xlat_whence, 9, "SEEK_???");
  g_assert_cmpstr(v->str, ==, "0x9 /* SEEK_??? */");
}

static void
test_names(void)
{
  g_assert_cmpstr(gt_errno_name(2), ==, "ENOENT");
  g_assert_cmpstr(gt_errno_text(2), ==, "No such file or directory");
  g_assert_cmpstr(gt_errno_name(13), ==, "EACCES");
  g_assert_cmpstr(gt_errno_name(512), ==, "ERESTARTSYS");
  g_assert_null(gt_errno_name(4000));
  g_assert_null(gt_errno_name(0));
  g_assert_cmpstr(gt_signal_name(11), ==, "SIGSEGV");
  g_assert_cmpstr(gt_signal_name(9), ==, "SIGKILL");
  g_assert_cmpstr(gt_signal_name(34), ==, "SIGRT_2");
  g_assert_cmpstr(gt_signal_name(32), ==, "SIGRTMIN");
  g_assert_null(gt_signal_name(0));
  g_assert_null(gt_signal_name(65));
}

static void
test_quote(void)
{
  g_autofree char *a = gt_quote_bytes("a\"b\\c\n\x01", 7, 100, FALSE);
  g_assert_cmpstr(a, ==, "\"a\\\"b\\\\c\\n\\1\"");
  g_autofree char *b = gt_quote_bytes("abcdef", 6, 3, FALSE);
  g_assert_cmpstr(b, ==, "\"abc\"...");
  g_autofree char *c = gt_quote_bytes("ab", 2, 10, TRUE);
  g_assert_cmpstr(c, ==, "\"ab\"...");
}

/* A fake caller memory: one string at 0x1000, an argv at 0x2000, a buffer
 * at 0x3000. Everything else is unreadable. */
static const char *fake_strings[] = { "/etc/passwd", "ls", "-l", NULL };

static guint string_reads;

static char *
fake_read_string(void *ctx, guint64 va, gsize max, gboolean *truncated)
{
  string_reads++;
  if (va >= 0x1000 && va < 0x1000 + G_N_ELEMENTS(fake_strings) - 1)
    return g_strndup(fake_strings[va - 0x1000], max);
  return NULL;
}

static gsize
fake_read_bytes(void *ctx, guint64 va, void *buf, gsize len)
{
  guint64 argv[3] = { 0x1001, 0x1002, 0 };
  if (va >= 0x2000 && va + len <= 0x2000 + sizeof argv) {
    memcpy(buf, (guint8 *)argv + (va - 0x2000), len);
    return len;
  }
  if (va == 0x3000) {
    gsize n = MIN(len, 5);
    memcpy(buf, "hello", n);
    return n;
  }
  return 0;
}

static GtSyscallMeta *
meta(const char *name, guint n, const char *const *types, const char *const *names)
{
  GtSyscallMeta *m = g_new0(GtSyscallMeta, 1);
  m->name = g_strdup(name);
  m->nargs = n;
  for (guint i = 0; i < n; i++) {
    m->arg_types[i] = g_strdup(types[i]);
    m->arg_names[i] = g_strdup(names[i]);
  }
  return m;
}

static void
test_call_openat(void)
{
  const char *types[] = { "int", "const char *", "int", "umode_t" };
  const char *names[] = { "dfd", "filename", "flags", "mode" };
  GtSyscallMeta *m = meta("openat", 4, types, names);
  GtArgReader rd = { fake_read_string, fake_read_bytes, NULL };
  g_autoptr(GtRecord) rec = gt_record_new();
  rec->name = g_strdup("openat");
  rec->nr = 257;
  guint64 raw[6] = { (guint64)-100, 0x1000, O_RDONLY, 0 };
  gt_decode_call(rec, m, raw, 6, &rd);
  g_assert_cmpuint(rec->nargs, ==, 4);
  g_assert_cmpstr(rec->args[0].text, ==, "AT_FDCWD");
  g_assert_cmpint(rec->args[0].svalue, ==, -100);
  g_assert_cmpstr(rec->args[1].text, ==, "\"/etc/passwd\"");
  g_assert_cmpstr(rec->args[1].str, ==, "/etc/passwd");
  g_assert_cmpstr(rec->args[2].text, ==, "O_RDONLY");
  g_assert_true(rec->args[3].hidden_in_text);
  /* An unreadable string renders as its pointer, never as garbage. */
  g_autoptr(GtRecord) bad = gt_record_new();
  bad->name = g_strdup("openat");
  bad->nr = 257;
  guint64 raw2[6] = { 3, 0xdead0000, O_WRONLY | O_CREAT, 0644 };
  gt_decode_call(bad, m, raw2, 6, &rd);
  g_assert_cmpstr(bad->args[0].text, ==, "3");
  g_assert_cmpstr(bad->args[1].text, ==, "0xdead0000");
  g_assert_null(bad->args[1].str);
  g_assert_cmpstr(bad->args[3].text, ==, "0644");
  g_assert_false(bad->args[3].hidden_in_text);
  gt_syscall_meta_free(m);
}

static void
test_call_execve_write(void)
{
  const char *types[] = { "const char *", "const char *const *", "const char *const *" };
  const char *names[] = { "filename", "argv", "envp" };
  GtSyscallMeta *m = meta("execve", 3, types, names);
  GtArgReader rd = { fake_read_string, fake_read_bytes, NULL };
  g_autoptr(GtRecord) rec = gt_record_new();
  rec->name = g_strdup("execve");
  rec->nr = 59;
  guint64 raw[6] = { 0x1000, 0x2000, 0 };
  gt_decode_call(rec, m, raw, 6, &rd);
  g_assert_cmpstr(rec->args[1].text, ==, "[\"ls\", \"-l\"]");
  g_assert_cmpuint(g_strv_length(rec->args[1].strv), ==, 2);
  g_assert_cmpstr(rec->args[2].text, ==, "NULL");
  /* envp: when only its count is shown (text), no string of it is read:
   * as many string reads as with no envp at all. */
  GtDecodeOptions countonly;
  gt_decode_options_init(&countonly);
  countonly.envp_strings = FALSE;
  GtArgReader rd2 = rd;
  rd2.opt = &countonly;
  string_reads = 0;
  g_autoptr(GtRecord) noenv = gt_record_new();
  noenv->name = g_strdup("execve");
  noenv->nr = rec->nr;
  gt_decode_call(noenv, m, raw, 6, &rd2);
  guint without = string_reads;
  g_autoptr(GtRecord) env = gt_record_new();
  env->name = g_strdup("execve");
  env->nr = rec->nr;
  guint64 eraw[6] = { 0x1000, 0x2000, 0x2000 };
  string_reads = 0;
  gt_decode_call(env, m, eraw, 6, &rd2);
  g_assert_cmpstr(env->args[2].text, ==, "0x2000 /* 2 vars */");
  g_assert_null(env->args[2].strv);
  g_assert_cmpuint(string_reads, ==, without);
  /* By default (JSON shows them) the strings are read. */
  g_autoptr(GtRecord) envj = gt_record_new();
  envj->name = g_strdup("execve");
  envj->nr = rec->nr;
  gt_decode_call(envj, m, eraw, 6, &rd);
  g_assert_cmpstr(envj->args[2].text, ==, "0x2000 /* 2 vars */");
  g_assert_cmpuint(g_strv_length(envj->args[2].strv), ==, 2);
  gt_syscall_meta_free(m);

  const char *wtypes[] = { "unsigned int", "const char *", "size_t" };
  const char *wnames[] = { "fd", "buf", "count" };
  m = meta("write", 3, wtypes, wnames);
  g_autoptr(GtRecord) w = gt_record_new();
  w->name = g_strdup("write");
  w->nr = 1;
  guint64 wraw[6] = { 1, 0x3000, 5 };
  gt_decode_call(w, m, wraw, 6, &rd);
  g_assert_cmpstr(w->args[1].text, ==, "\"hello\"");
  g_assert_cmpstr(w->args[2].text, ==, "5");
  /* A count larger than what is readable: the pointer, not a short read. */
  g_autoptr(GtRecord) w2 = gt_record_new();
  w2->name = g_strdup("write");
  w2->nr = 1;
  guint64 wraw2[6] = { 1, 0x3000, 50 };
  gt_decode_call(w2, m, wraw2, 6, &rd);
  g_assert_cmpstr(w2->args[1].text, ==, "0x3000");
  gt_syscall_meta_free(m);
}

static void
test_call_no_meta(void)
{
  GtArgReader rd = { fake_read_string, fake_read_bytes, NULL };
  g_autoptr(GtRecord) rec = gt_record_new();
  rec->name = g_strdup("do_exit");
  guint64 raw[6] = { 11, 0, 0, 0, 0, 0 };
  gt_decode_call(rec, NULL, raw, 1, &rd);
  g_assert_cmpuint(rec->nargs, ==, 1);
  g_assert_cmpstr(rec->args[0].name, ==, "arg0");
  g_assert_cmpstr(rec->args[0].text, ==, "11");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/decode/flags", test_flags);
  g_test_add_func("/decode/names", test_names);
  g_test_add_func("/decode/quote", test_quote);
  g_test_add_func("/decode/call/openat", test_call_openat);
  g_test_add_func("/decode/call/execve-write", test_call_execve_write);
  g_test_add_func("/decode/call/no-meta", test_call_no_meta);
  return g_test_run();
}
