/* The return trap finder on real instruction bytes. */
#include "trace/trampoline.h"

static void
test_after_ret(void)
{
  /* push rbp; mov rbp,rsp; pop rbp; ret; int3; int3 */
  const guint8 code[] = { 0x55, 0x48, 0x89, 0xe5, 0x5d, 0xc3, 0xcc, 0xcc };
  g_assert_cmphex(gt_trampoline_scan(code, sizeof code, 0xffffffff81000000), ==,
                  0xffffffff81000006);
}

static void
test_after_jmp(void)
{
  /* int3 that follows a call is reachable (the call returns): skipped.
   * call +0; int3; jmp rel32 (return thunk); int3 */
  const guint8 code[] = { 0xe8, 0x00, 0x00, 0x00, 0x00, 0xcc,
                          0xe9, 0x10, 0x00, 0x00, 0x00, 0xcc };
  g_assert_cmphex(gt_trampoline_scan(code, sizeof code, 0x1000), ==, 0x100b);
}

static void
test_none(void)
{
  const guint8 code[] = { 0x90, 0x90, 0xcc, 0x90 };
  g_assert_cmphex(gt_trampoline_scan(code, sizeof code, 0x1000), ==, 0);
  g_assert_cmphex(gt_trampoline_scan(code, 0, 0x1000), ==, 0);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/trampoline/after-ret", test_after_ret);
  g_test_add_func("/trampoline/after-jmp", test_after_jmp);
  g_test_add_func("/trampoline/none", test_none);
  return g_test_run();
}
