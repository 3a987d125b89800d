/* Where a probe's breakpoint goes: the ftrace NOP at a function's entry,
 * after endbr64 or a sealed endbr64 (bytes as in Debian 6.1 and 6.12). */
#include "trace/probe.h"

/* 6.1 without IBT: nopl 0x0(%rax,%rax,1); push rbp */
static const guint8 plain[] = { 0x0f, 0x1f, 0x44, 0x00, 0x00, 0x55 };
/* 6.12 __x64_sys_openat as booted: endbr64; nopl 0x0(%rax,%rax,1) */
static const guint8 endbr[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x0f, 0x1f, 0x44, 0x00, 0x00, 0x48 };

static void
test_nop_offset(void)
{
  g_assert_cmpint(gt_probe_ftrace_nop_offset(plain, sizeof plain), ==, 0);
  g_assert_cmpint(gt_probe_ftrace_nop_offset(endbr, sizeof endbr), ==, 4);
  /* endbr64 sealed at boot (osp nopl (%rax), as 6.12 does; later nopl -42(%rax)) */
  const guint8 sealed[] = { 0x66, 0x0f, 0x1f, 0x00, 0x0f, 0x1f, 0x44, 0x00, 0x00 };
  g_assert_cmpint(gt_probe_ftrace_nop_offset(sealed, sizeof sealed), ==, 4);
  const guint8 sealed2[] = { 0x0f, 0x1f, 0x40, 0xd6, 0x0f, 0x1f, 0x44, 0x00, 0x00 };
  g_assert_cmpint(gt_probe_ftrace_nop_offset(sealed2, sizeof sealed2), ==, 4);
}

static void
test_no_nop(void)
{
  /* 6.12 do_syscall_64 (noinstr): endbr64; push rbp */
  const guint8 noinstr[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x55, 0x48, 0x89, 0xe5, 0x41 };
  g_assert_cmpint(gt_probe_ftrace_nop_offset(noinstr, sizeof noinstr), ==, -1);
  /* ftrace in use: call __fentry__ (or a trampoline) instead of the NOP */
  const guint8 traced[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0xe8, 0xb7, 0xaa, 0xc5, 0xff };
  g_assert_cmpint(gt_probe_ftrace_nop_offset(traced, sizeof traced), ==, -1);
  /* The call padding before a function (__pfx_*) is not an entry. */
  const guint8 pfx[] = { 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90 };
  g_assert_cmpint(gt_probe_ftrace_nop_offset(pfx, sizeof pfx), ==, -1);
  /* Too short to hold the NOP. */
  g_assert_cmpint(gt_probe_ftrace_nop_offset(endbr, 8), ==, -1);
  g_assert_cmpint(gt_probe_ftrace_nop_offset(plain, 4), ==, -1);
  g_assert_cmpint(gt_probe_ftrace_nop_offset(plain, 0), ==, -1);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/probe/ftrace-nop-offset", test_nop_offset);
  g_test_add_func("/probe/no-ftrace-nop", test_no_nop);
  return g_test_run();
}
