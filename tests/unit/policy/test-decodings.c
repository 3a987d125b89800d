/* Decodings: the strings Filter regexes see for argname=NAME:DECODING. */
#include "policy/decodings.h"

static void
check(const char *dec, const char *fn, guint64 raw, const char *text, const char *want)
{
  g_autofree char *s = gt_decoding_apply_named(dec, fn, "x", raw, text);
  g_assert_cmpstr(s, ==, want);
}

static void
test_lookup(void)
{
  GtDecoding d = GT_DECODING_NONE;
  g_assert_true(gt_decoding_lookup("signal", &d));
  g_assert_cmpint(d, ==, GT_DECODING_SIGNAL);
  g_assert_true(gt_decoding_lookup("status", &d));
  g_assert_true(gt_decoding_lookup("call", &d));
  g_assert_true(gt_decoding_lookup("filename", &d));
  g_assert_true(gt_decoding_lookup("errno", &d));
  g_assert_cmpint(d, ==, GT_DECODING_ERRNO);
  g_assert_cmpstr(gt_decoding_name(d), ==, "errno");
  g_assert_false(gt_decoding_lookup("Signal", &d));
  g_assert_false(gt_decoding_lookup("", &d));
  g_assert_false(gt_decoding_lookup(NULL, &d));
  g_assert_cmpstr(gt_decoding_name(GT_DECODING_NONE), ==, "");
  g_assert_null(gt_decoding_apply_named("sig", "do_exit", "code", 0, NULL));
}

static void
test_values(void)
{
  /* do_exit(code): a SIGSEGV death with core dump is 0x8b; exit(255) is
   * 0xff00. */
  check("signal", "do_exit", 0x8b, NULL, "SIGSEGV");
  check("signal", "do_exit", 11, NULL, "SIGSEGV");
  check("signal", "do_exit", 0xff00, NULL, "0");
  check("signal", "do_exit", 0x7f, NULL, "127");
  check("status", "do_exit", 0xff00, NULL, "255");
  check("status", "do_exit", 0x8b, NULL, "0");
  check("status", "do_exit", 0xdeadbeef, NULL, "190");
  check("call", "connect", 0, NULL, "connect");
  check("call", "accept4", 7, "7", "accept4");
  check("filename", "execve", 0x1000, "/usr/bin/nc", "/usr/bin/nc");
  check("filename", "execve", 0x1000, NULL, "0x1000");
  check("errno", "openat", (guint64)-2, "-2", "ENOENT");
  check("errno", "openat", (guint64)-512, NULL, "ERESTARTSYS");
  check("errno", "openat", 3, "3", "3");
  check("errno", "openat", (guint64)-4000, NULL, "-4000");
  check("errno", "openat", (guint64)-100000, NULL, "-100000");
  g_autofree char *none = gt_decoding_apply(GT_DECODING_NONE, "read", "fd", 3, "3");
  g_assert_cmpstr(none, ==, "3");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/policy/decodings/lookup", test_lookup);
  g_test_add_func("/policy/decodings/values", test_values);
  return g_test_run();
}
