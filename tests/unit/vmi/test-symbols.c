/* Unit tests for the System.map / kallsyms parser (src/vmi/symbols.c). */
#include <string.h>
#include <guestrace/types.h>
#include "vmi/symbols.h"

#define REAL_MAP "/tmp/k/dbg/usr/lib/debug/boot/System.map-6.1.0-56-cloud-amd64"

static const char system_map[] =
  "0000000000000000 D __per_cpu_start\n"
  "000000000001fb80 D current_task\n"
  "00000000000001ea A kexec_control_code_size\n"
  "ffffffff81000000 T _text\n"
  "ffffffff81000000 T _stext\n"
  "ffffffff81001000 t helper\n"
  "ffffffff81002000 T do_syscall_64\n"
  "ffffffff81003000 t helper\n"
  "ffffffff81004000 T __x64_sys_read\n"
  "ffffffff81005000 T __x64_sys_write\n"
  "ffffffff81004800 T __x64_sys_open\n"
  "ffffffff8211ffe0 D linux_banner\n";

static GtSymbols *
parse(const char *text, GError **error)
{
  return gt_symbols_parse(text, strlen(text), "test.map", error);
}

static void
test_system_map(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GtSymbols) s = parse(system_map, &error);
  guint64 a;

  g_assert_no_error(error);
  g_assert_cmpuint(gt_symbols_count(s), ==, 12);
  g_assert_true(gt_symbols_lookup(s, "linux_banner", &a));
  g_assert_cmphex(a, ==, 0xffffffff8211ffe0ULL);
  g_assert_cmpint(gt_symbols_type(s, "linux_banner"), ==, 'D');
  g_assert_cmpint(gt_symbols_type(s, "nope"), ==, 0);
  g_assert_false(gt_symbols_lookup(s, "nope", &a));
  /* first occurrence wins */
  g_assert_true(gt_symbols_lookup(s, "helper", &a));
  g_assert_cmphex(a, ==, 0xffffffff81001000ULL);
  g_assert_null(gt_symbols_module(s, "helper"));
}

static void
test_slide(void)
{
  g_autoptr(GtSymbols) s = parse(system_map, NULL);
  guint64 a, off;

  gt_symbols_set_slide(s, 0x1e00000);
  g_assert_cmpint(gt_symbols_get_slide(s), ==, 0x1e00000);
  g_assert_true(gt_symbols_lookup(s, "_text", &a));
  g_assert_cmphex(a, ==, 0xffffffff82e00000ULL);
  g_assert_true(gt_symbols_lookup_raw(s, "_text", &a));
  g_assert_cmphex(a, ==, 0xffffffff81000000ULL);
  /* per-CPU offsets and absolute values do not move */
  g_assert_true(gt_symbols_lookup(s, "current_task", &a));
  g_assert_cmphex(a, ==, 0x1fb80);
  g_assert_true(gt_symbols_lookup(s, "kexec_control_code_size", &a));
  g_assert_cmphex(a, ==, 0x1ea);
  /* name_at works in slid addresses */
  g_assert_cmpstr(gt_symbols_name_at(s, 0xffffffff82e02010ULL, &off), ==, "do_syscall_64");
  g_assert_cmphex(off, ==, 0x10);
  g_assert_null(gt_symbols_name_at(s, 0xffffffff81002010ULL, &off));
}

static void
test_name_at(void)
{
  g_autoptr(GtSymbols) s = parse(system_map, NULL);
  guint64 off = 99;

  g_assert_cmpstr(gt_symbols_name_at(s, 0xffffffff81002000ULL, &off), ==, "do_syscall_64");
  g_assert_cmphex(off, ==, 0);
  g_assert_cmpstr(gt_symbols_name_at(s, 0xffffffff81003fffULL, &off), ==, "helper");
  g_assert_cmphex(off, ==, 0xfff);
  /* unsorted input is sorted */
  g_assert_cmpstr(gt_symbols_name_at(s, 0xffffffff81004900ULL, &off), ==, "__x64_sys_open");
  g_assert_cmphex(off, ==, 0x100);
  /* two names at one address: the first in the file */
  g_assert_cmpstr(gt_symbols_name_at(s, 0xffffffff81000004ULL, &off), ==, "_stext");
  /* data symbols are not text */
  g_assert_cmpstr(gt_symbols_name_at(s, 0xffffffff8211ffe0ULL, NULL), ==, "__x64_sys_write");
  /* below the first text symbol */
  g_assert_null(gt_symbols_name_at(s, 0x1000, &off));
}

static void
collect(const char *name, guint64 addr, char type, gpointer user_data)
{
  g_string_append_printf(user_data, "%s=%" G_GINT64_MODIFIER "x%c ", name, addr, type);
}

static void
test_prefix(void)
{
  g_autoptr(GtSymbols) s = parse(system_map, NULL);
  g_autoptr(GString) out = g_string_new(NULL);

  gt_symbols_foreach_prefix(s, "__x64_sys_", collect, out);
  g_assert_cmpstr(out->str, ==,
                  "__x64_sys_read=ffffffff81004000T __x64_sys_open=ffffffff81004800T "
                  "__x64_sys_write=ffffffff81005000T ");
  g_string_truncate(out, 0);
  gt_symbols_set_slide(s, 0x200000);
  gt_symbols_foreach_prefix(s, "__x64_sys_w", collect, out);
  g_assert_cmpstr(out->str, ==, "__x64_sys_write=ffffffff81205000T ");
  g_string_truncate(out, 0);
  gt_symbols_foreach_prefix(s, "zzz", collect, out);
  g_assert_cmpstr(out->str, ==, "");
}

static void
test_kallsyms_modules(void)
{
  static const char kallsyms[] =
    "ffffffffc0a01000 t ext4_helper\t[ext4]\n"
    "ffffffffc0a02000 T shared_name\t[ext4]\n"
    "ffffffffa3000000 T _text\n"
    "ffffffffa3001000 T shared_name\n"
    "ffffffffa3002000 T shared_name\n"
    "ffffffffc0b00000 t mod_fn\t[my_mod]\r\n"
    "\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(GtSymbols) s = parse(kallsyms, &error);
  guint64 a, off;

  g_assert_no_error(error);
  g_assert_cmpuint(gt_symbols_count(s), ==, 6);
  /* the core kernel symbol is preferred over the module's */
  g_assert_true(gt_symbols_lookup(s, "shared_name", &a));
  g_assert_cmphex(a, ==, 0xffffffffa3001000ULL);
  g_assert_true(gt_symbols_lookup(s, "ext4_helper", &a));
  g_assert_cmphex(a, ==, 0xffffffffc0a01000ULL);
  g_assert_cmpstr(gt_symbols_module(s, "ext4_helper"), ==, "ext4");
  g_assert_cmpstr(gt_symbols_module(s, "mod_fn"), ==, "my_mod");
  g_assert_null(gt_symbols_module(s, "shared_name"));
  g_assert_cmpstr(gt_symbols_name_at(s, 0xffffffffc0a01010ULL, &off), ==, "ext4_helper");
  g_assert_cmphex(off, ==, 0x10);
}

static void
expect_error(const char *text, const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GtSymbols) s = parse(text, &error);
  g_assert_null(s);
  g_assert_error(error, GT_ERROR, GT_ERROR_INVALID_ARG);
  g_assert_nonnull(strstr(error->message, "test.map"));
  if (strstr(error->message, needle) == NULL)
    g_error("'%s' not in '%s'", needle, error->message);
}

static void
test_errors(void)
{
  expect_error("", "no symbols");
  expect_error("\n\n  \n", "no symbols");
  expect_error("ffffffff81000000 T _text\nffffffff81000010 T\n", "test.map:2:");
  expect_error("ffffffff81000000 T _text\n\nxyz T foo\n", "test.map:3:");
  expect_error("ffffffff81000000 TT foo\n", "test.map:1:");
  expect_error("ffffffff81000000 T foo bar\n", "test.map:1:");
  expect_error("ffffffff81000000 T foo [mod\n", "test.map:1:");
  expect_error("ffffffff81000000 T foo [mod] x\n", "test.map:1:");
  expect_error("1ffffffff81000000 T foo\n", "test.map:1:");
  expect_error("ffffffff81000000 1 foo\n", "test.map:1:");
  /* embedded NUL */
  {
    static const char bin[] = "ffffffff81000000 T fo\0o\n";
    g_autoptr(GError) error = NULL;
    g_assert_null(gt_symbols_parse(bin, sizeof bin - 1, "bin.map", &error));
    g_assert_error(error, GT_ERROR, GT_ERROR_INVALID_ARG);
    g_assert_nonnull(strstr(error->message, "bin.map:1:"));
  }
  /* a kallsyms dump read without privilege */
  expect_error("0000000000000000 T _text\n0000000000000000 t foo\t[ext4]\n", "root");

  g_autoptr(GError) error = NULL;
  g_assert_null(gt_symbols_load("/nonexistent/System.map", &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_INVALID_ARG);
  g_assert_nonnull(strstr(error->message, "/nonexistent/System.map"));
}

/* More text than GT_SYMBOLS_MAX_SIZE: refused with the limit named, and a
 * file is not read whole (/dev/zero never ends). */
static void
test_size_cap(void)
{
  g_autoptr(GError) e1 = NULL, e2 = NULL;
  g_assert_null(gt_symbols_load("/dev/zero", &e1));
  g_assert_error(e1, GT_ERROR, GT_ERROR_INVALID_ARG);
  g_assert_nonnull(strstr(e1->message, "128 MiB"));
  g_autofree char *big = g_malloc(GT_SYMBOLS_MAX_SIZE + 1);
  memset(big, '\n', GT_SYMBOLS_MAX_SIZE + 1);
  g_assert_null(gt_symbols_parse(big, GT_SYMBOLS_MAX_SIZE + 1, "big", &e2));
  g_assert_nonnull(strstr(e2->message, "big: more than 128 MiB"));
}

/* Random and mutated text: parse either succeeds or fails with an error,
 * never crashes (run under ASan/UBSan). */
static void
test_random_text(void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed(99);
  static const char alphabet[] = "0123456789abcdefTtDd \t\n\r[]_x\0";
  for (guint n = 0; n < 2000; n++) {
    gsize len = g_rand_int_range(rand, 0, 200);
    g_autofree char *buf = g_malloc(len + 1);
    if (n % 2) {
      for (gsize i = 0; i < len; i++)
        buf[i] = alphabet[g_rand_int_range(rand, 0, sizeof alphabet - 1)];
    } else {
      len = MIN(len, sizeof system_map - 1);
      memcpy(buf, system_map, len);
      for (guint k = 0; k < 3 && len > 0; k++)
        buf[g_rand_int_range(rand, 0, len)] = (char)g_rand_int_range(rand, 0, 256);
    }
    g_autoptr(GError) error = NULL;
    g_autoptr(GtSymbols) s = gt_symbols_parse(buf, len, "rand", &error);
    g_assert_true((s == NULL) == (error != NULL));
    if (s != NULL) {
      guint64 off;
      gt_symbols_name_at(s, 0xffffffff81002000ULL, &off);
      gt_symbols_lookup(s, "_text", NULL);
    }
  }
}

static void
test_real_map(void)
{
  if (!g_file_test(REAL_MAP, G_FILE_TEST_EXISTS)) {
    g_test_skip("no " REAL_MAP);
    return;
  }
  g_autoptr(GError) error = NULL;
  gint64 t0 = g_get_monotonic_time();
  g_autoptr(GtSymbols) s = gt_symbols_load(REAL_MAP, &error);
  gint64 t1 = g_get_monotonic_time();
  g_assert_no_error(error);
  g_test_message("loaded %u symbols in %.1f ms", gt_symbols_count(s), (t1 - t0) / 1000.0);
  g_printerr("# real System.map: %u symbols in %.1f ms\n", gt_symbols_count(s),
             (t1 - t0) / 1000.0);
  g_assert_cmpuint(gt_symbols_count(s), >, 50000);

  guint64 a, off;
  g_assert_true(gt_symbols_lookup(s, "linux_banner", &a));
  g_assert_cmphex(a, ==, 0xffffffff8211ffe0ULL);
  g_assert_true(gt_symbols_lookup(s, "current_task", &a));
  g_assert_cmphex(a, ==, 0x1fb80);
  g_assert_true(gt_symbols_lookup(s, "x64_sys_call", &a));
  g_assert_cmpstr(gt_symbols_name_at(s, a + 5, &off), ==, "x64_sys_call");
  g_assert_cmphex(off, ==, 5);
  /* generous bound for sanitizer builds; the target (< 100 ms) is for
   * optimized builds */
  g_assert_cmpint(t1 - t0, <, 2 * G_USEC_PER_SEC);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/vmi/symbols/system-map", test_system_map);
  g_test_add_func("/vmi/symbols/slide", test_slide);
  g_test_add_func("/vmi/symbols/name-at", test_name_at);
  g_test_add_func("/vmi/symbols/prefix", test_prefix);
  g_test_add_func("/vmi/symbols/kallsyms-modules", test_kallsyms_modules);
  g_test_add_func("/vmi/symbols/errors", test_errors);
  g_test_add_func("/vmi/symbols/size-cap", test_size_cap);
  g_test_add_func("/vmi/symbols/random-text", test_random_text);
  g_test_add_func("/vmi/symbols/real-map", test_real_map);
  return g_test_run();
}
