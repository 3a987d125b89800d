/* Unit tests for GtMem (src/vmi/memory.c): page-crossing reads and writes,
 * partial reads, bounded string reads and the translation cache. */
#include <string.h>
#include <guestrace/types.h>
#include "vmi/memory.h"
#include "fake-phys.h"

#define MiB (1ULL << 20)
#define VA  0x00007f0000010000ULL   /* three mapped pages, then a hole */

typedef struct {
  FakePhys *fp;
  GtMem *mem;
  guint64 root;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
  f->fp = fake_phys_new(1 * MiB);
  f->root = fake_phys_page(f->fp);
  f->mem = gt_mem_new(fake_phys_read, fake_phys_write, f->fp);
  /* deliberately not physically contiguous, except pages 1 and 2 */
  fake_map(f->fp, f->root, FALSE, VA, 0x80000, 4096, FP_RW | FP_US);
  fake_map(f->fp, f->root, FALSE, VA + 0x1000, 0x40000, 4096, FP_RW | FP_US);
  fake_map(f->fp, f->root, FALSE, VA + 0x2000, 0x41000, 4096, FP_RW | FP_US);
  for (guint i = 0; i < 4096; i++) {
    guint8 a = (guint8)i, b = (guint8)(i + 1), c = (guint8)(i + 2);
    fake_phys_put(f->fp, 0x80000 + i, &a, 1);
    fake_phys_put(f->fp, 0x40000 + i, &b, 1);
    fake_phys_put(f->fp, 0x41000 + i, &c, 1);
  }
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
  gt_mem_free(f->mem);
  fake_phys_free(f->fp);
}

static void
test_cross_page(Fixture *f, gconstpointer data)
{
  guint8 buf[16];
  g_autoptr(GError) error = NULL;
  g_assert_true(gt_mem_read(f->mem, f->root, VA + 0xff8, buf, sizeof buf, &error));
  g_assert_no_error(error);
  for (guint i = 0; i < 8; i++) {
    g_assert_cmpuint(buf[i], ==, (guint8)(0xff8 + i));
    g_assert_cmpuint(buf[8 + i], ==, (guint8)(i + 1));
  }

  /* three pages in one go; pages 1 and 2 are merged into one physical read */
  g_autofree guint8 *big = g_malloc(3 * 4096);
  g_assert_true(gt_mem_read(f->mem, f->root, VA, big, 3 * 4096, &error));
  guint reads = f->fp->reads;
  g_assert_true(gt_mem_read(f->mem, f->root, VA, big, 3 * 4096, &error));
  g_assert_cmpuint(big[4096 + 5], ==, 6);
  g_assert_cmpuint(big[2 * 4096 + 5], ==, 7);
  g_assert_cmpuint(f->fp->reads - reads, ==, 2);  /* all translations cached */
}

static void
test_into_unmapped(Fixture *f, gconstpointer data)
{
  guint8 buf[32];
  g_autoptr(GError) error = NULL;
  guint64 va = VA + 0x3000 - 10;

  g_assert_false(gt_mem_read(f->mem, f->root, va, buf, sizeof buf, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_MEMORY);

  memset(buf, 0xee, sizeof buf);
  g_assert_cmpuint(gt_mem_read_partial(f->mem, f->root, va, buf, sizeof buf), ==, 10);
  g_assert_cmpuint(buf[0], ==, (guint8)(4096 - 10 + 2));
  g_assert_cmpuint(gt_mem_read_partial(f->mem, f->root, VA + 0x3000, buf, 8), ==, 0);
  g_assert_cmpuint(gt_mem_read_partial(f->mem, f->root, VA, buf, 0), ==, 0);

  /* a range wrapping past 2^64 */
  g_clear_error(&error);
  g_assert_false(gt_mem_read(f->mem, f->root, 0xfffffffffffffff8ULL, buf, 16, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_MEMORY);
}

static void
test_u64_u32(Fixture *f, gconstpointer data)
{
  static const guint8 le[8] = { 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11 };
  guint64 v64;
  guint32 v32;
  fake_phys_put(f->fp, 0x80ffc, le, 4);
  fake_phys_put(f->fp, 0x40000, le + 4, 4);   /* crosses into page 1 */
  g_assert_true(gt_mem_read_u64(f->mem, f->root, VA + 0xffc, &v64, NULL));
  g_assert_cmphex(v64, ==, 0x1122334455667788ULL);
  g_assert_true(gt_mem_read_u32(f->mem, f->root, VA + 0xffc, &v32, NULL));
  g_assert_cmphex(v32, ==, 0x55667788);
  g_assert_false(gt_mem_read_u64(f->mem, f->root, VA + 0x2ffc, &v64, NULL));
}

static void
put_str(Fixture *f, guint64 pa, const char *s, gsize n)
{
  fake_phys_put(f->fp, pa, s, n);
}

static void
test_strings(Fixture *f, gconstpointer data)
{
  gboolean trunc = TRUE;
  g_autoptr(GError) error = NULL;
  char *s;

  put_str(f, 0x80100, "hello", 6);
  s = gt_mem_read_string(f->mem, f->root, VA + 0x100, 64, &trunc, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(s, ==, "hello");
  g_assert_false(trunc);
  g_free(s);

  /* exactly max_len bytes then NUL: complete */
  s = gt_mem_read_string(f->mem, f->root, VA + 0x100, 5, &trunc, NULL);
  g_assert_cmpstr(s, ==, "hello");
  g_assert_false(trunc);
  g_free(s);

  /* longer than max_len */
  s = gt_mem_read_string(f->mem, f->root, VA + 0x100, 3, &trunc, NULL);
  g_assert_cmpstr(s, ==, "hel");
  g_assert_true(trunc);
  g_free(s);

  /* NUL at offset 0 */
  put_str(f, 0x80200, "", 1);
  s = gt_mem_read_string(f->mem, f->root, VA + 0x200, 64, &trunc, NULL);
  g_assert_cmpstr(s, ==, "");
  g_assert_false(trunc);
  g_free(s);
  s = gt_mem_read_string(f->mem, f->root, VA + 0x100, 0, &trunc, NULL);
  g_assert_cmpstr(s, ==, "");
  g_assert_true(trunc);
  g_free(s);

  /* crossing a page boundary */
  put_str(f, 0x80ffd, "abc", 3);
  put_str(f, 0x40000, "def", 4);
  s = gt_mem_read_string(f->mem, f->root, VA + 0xffd, 64, &trunc, NULL);
  g_assert_cmpstr(s, ==, "abcdef");
  g_assert_false(trunc);
  g_free(s);

  /* no NUL before an unmapped page */
  memset(f->fp->ram->data + 0x41ff0, 'x', 16);
  s = gt_mem_read_string(f->mem, f->root, VA + 0x2ff0, 4096, &trunc, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(s, ==, "xxxxxxxxxxxxxxxx");
  g_assert_true(trunc);
  g_free(s);

  /* long string, no NUL for 5000 bytes: bounded by max_len */
  memset(f->fp->ram->data + 0x40000, 'y', 8192);
  s = gt_mem_read_string(f->mem, f->root, VA + 0x1000, 5000, &trunc, NULL);
  g_assert_cmpuint(strlen(s), ==, 5000);
  g_assert_true(trunc);
  g_free(s);

  /* first byte unreadable: NULL with an error */
  s = gt_mem_read_string(f->mem, f->root, VA + 0x3000, 64, &trunc, &error);
  g_assert_null(s);
  g_assert_error(error, GT_ERROR, GT_ERROR_MEMORY);
}

static void
test_write(Fixture *f, gconstpointer data)
{
  static const char msg[] = "0123456789abcdef";
  char back[16];
  g_autoptr(GError) error = NULL;

  g_assert_true(gt_mem_write(f->mem, f->root, VA + 0xff8, msg, 16, &error));
  g_assert_no_error(error);
  g_assert_true(gt_mem_read(f->mem, f->root, VA + 0xff8, back, 16, NULL));
  g_assert_cmpmem(back, 16, msg, 16);
  g_assert_cmpmem(f->fp->ram->data + 0x40000, 8, "89abcdef", 8);

  /* a write reaching an unmapped page changes nothing */
  guint8 before = f->fp->ram->data[0x41ff8];
  g_assert_false(gt_mem_write(f->mem, f->root, VA + 0x2ff8, msg, 16, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_MEMORY);
  g_assert_cmpuint(f->fp->ram->data[0x41ff8], ==, before);

  /* a read-only driver */
  g_autoptr(GtMem) ro = gt_mem_new(fake_phys_read, NULL, f->fp);
  g_clear_error(&error);
  g_assert_false(gt_mem_write(ro, f->root, VA, msg, 4, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_UNSUPPORTED);
}

static void
test_phys(Fixture *f, gconstpointer data)
{
  guint8 b[4];
  g_autoptr(GError) error = NULL;
  g_assert_true(gt_mem_read_phys(f->mem, 0x80010, b, 4, NULL));
  g_assert_cmpuint(b[0], ==, 0x10);
  g_assert_false(gt_mem_read_phys(f->mem, 0xfffffff0, b, 4, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_MEMORY);
  g_clear_error(&error);
  g_assert_false(gt_mem_read_phys(f->mem, G_MAXUINT64 - 1, b, 4, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_MEMORY);
}

static void
test_cache(Fixture *f, gconstpointer data)
{
  guint64 pa;
  guint8 b;

  g_assert_true(gt_mem_translate(f->mem, f->root, VA + 5, &pa, NULL));
  g_assert_cmphex(pa, ==, 0x80005);
  guint reads = f->fp->reads;
  g_assert_true(gt_mem_translate(f->mem, f->root, VA + 7, &pa, NULL));
  g_assert_cmpuint(f->fp->reads, ==, reads);  /* cache hit */

  /* point the PTE elsewhere: stale until invalidated */
  guint64 pte = fake_entry_pa(f->fp, f->root, FALSE, VA, 1);
  fake_phys_set_u64(f->fp, pte, 0x41000 | FP_P | FP_RW);
  g_assert_true(gt_mem_read(f->mem, f->root, VA + 5, &b, 1, NULL));
  g_assert_cmpuint(b, ==, 5);
  gt_mem_invalidate(f->mem);
  g_assert_true(gt_mem_read(f->mem, f->root, VA + 5, &b, 1, NULL));
  g_assert_cmpuint(b, ==, 7);

  /* unmapping works the same way */
  fake_phys_set_u64(f->fp, pte, 0);
  gt_mem_invalidate(f->mem);
  g_assert_false(gt_mem_read(f->mem, f->root, VA + 5, &b, 1, NULL));

  /* a different root is a different address space (PCID bits ignored) */
  guint64 root2 = fake_phys_page(f->fp);
  fake_map(f->fp, root2, FALSE, VA, 0x80000, 4096, 0);
  g_assert_true(gt_mem_translate(f->mem, root2 | 3, VA, &pa, NULL));
  g_assert_cmphex(pa, ==, 0x80000);
  g_assert_false(gt_mem_translate(f->mem, f->root, VA, &pa, NULL));

  /* many pages: the cache stays bounded and answers stay right */
  guint64 base = 0x0000500000000000ULL;
  fake_map(f->fp, f->root, FALSE, base, 0x200000, 2ULL << 20, 0);
  for (guint i = 0; i < 512 * 10; i++) {
    guint64 va = base + (guint64)(i % 512) * 4096 + (i / 512) * 8;
    g_assert_true(gt_mem_translate(f->mem, f->root, va, &pa, NULL));
    g_assert_cmphex(pa, ==, 0x200000 + (guint64)(i % 512) * 4096 + (i / 512) * 8);
  }
  /* la57 switch drops cached 4-level translations */
  gt_mem_set_la57(f->mem, TRUE);
  g_assert_false(gt_mem_translate(f->mem, f->root, base, &pa, NULL));
}

/* A user pointer is read only through pages whose every level has U/S. */
static void
test_user_bit_each_level(void)
{
  for (int la57 = 0; la57 <= 1; la57++) {
    for (guint level = 1; level <= (la57 ? 5u : 4u); level++) {
      g_autoptr(FakePhys) fp = fake_phys_new(1 * MiB);
      guint64 root = fake_phys_page(fp);
      g_autoptr(GtMem) mem = gt_mem_new(fake_phys_read, fake_phys_write, fp);
      gt_mem_set_la57(mem, la57);
      fake_map(fp, root, la57, VA, 0x80000, 4096, FP_RW | FP_US);
      fake_phys_put(fp, 0x80000, "secret", 7);
      char buf[7];
      g_assert_cmpuint(gt_mem_read_user(mem, root, VA, buf, 7, NULL), ==, 7);
      guint64 e = fake_entry_pa(fp, root, la57, VA, level);
      fake_phys_set_u64(fp, e, fake_phys_get_u64(fp, e) & ~FP_US);
      gt_mem_invalidate(mem);
      g_autoptr(GError) error = NULL;
      g_assert_cmpuint(gt_mem_read_user(mem, root, VA, buf, 7, &error), ==, 0);
      g_assert_error(error, GT_ERROR, GT_ERROR_MEMORY);
      g_assert_null(gt_mem_read_user_string(mem, root, VA, 100, NULL, NULL));
      /* The tracer's own (kernel) reads still see it. */
      g_assert_true(gt_mem_read(mem, root, VA, buf, 7, NULL));
      g_assert_cmpstr(buf, ==, "secret");
    }
  }
}

/* Nothing at or above the user-space limit, whatever the tables say. */
static void
test_user_limit(void)
{
  static const struct { gboolean la57; guint64 limit; } cases[] = {
    { FALSE, 0x00007ffffffff000ULL }, { TRUE, 0x00fffffffffff000ULL },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    gboolean la57 = cases[i].la57;
    guint64 limit = cases[i].limit;
    g_autoptr(FakePhys) fp = fake_phys_new(1 * MiB);
    guint64 root = fake_phys_page(fp);
    g_autoptr(GtMem) mem = gt_mem_new(fake_phys_read, fake_phys_write, fp);
    gt_mem_set_la57(mem, la57);
    g_assert_cmphex(gt_mem_user_limit(mem), ==, limit);
    /* A hostile table maps the limit page and a kernel page as user. */
    guint64 kva = la57 ? 0xff11000000000000ULL : 0xffffffff81000000ULL;
    fake_map(fp, root, la57, limit - 4096, 0x80000, 4096, FP_RW | FP_US);
    fake_map(fp, root, la57, limit, 0x81000, 4096, FP_RW | FP_US);
    fake_map(fp, root, la57, kva, 0x82000, 4096, FP_RW | FP_US);
    fake_phys_put(fp, 0x82000, "Linux version", 14);
    guint8 buf[16];
    g_assert_cmpuint(gt_mem_read_user(mem, root, limit - 8, buf, 8, NULL), ==, 8);
    g_assert_cmpuint(gt_mem_read_user(mem, root, limit - 8, buf, 16, NULL), ==, 8);
    g_assert_cmpuint(gt_mem_read_user(mem, root, limit, buf, 1, NULL), ==, 0);
    g_assert_cmpuint(gt_mem_read_user(mem, root, kva, buf, 14, NULL), ==, 0);
    g_assert_null(gt_mem_read_user_string(mem, root, kva, 100, NULL, NULL));
    g_assert_cmpuint(gt_mem_read_user(mem, root, G_MAXUINT64 - 3, buf, 16, NULL), ==, 0);
    /* A string running into the limit stops there, marked truncated. */
    fake_phys_put(fp, 0x80000 + 4096 - 3, "abc", 3);
    gboolean trunc = FALSE;
    g_autofree char *s = gt_mem_read_user_string(mem, root, limit - 3, 100, &trunc, NULL);
    g_assert_cmpstr(s, ==, "abc");
    g_assert_true(trunc);
    /* The kernel reader still reaches kernel memory. */
    g_assert_true(gt_mem_read(mem, root, kva, buf, 14, NULL));
  }
}

/* A string that runs from a user page into a kernel-only page. */
static void
test_user_string_into_kernel_page(Fixture *f, gconstpointer data)
{
  fake_map(f->fp, f->root, FALSE, VA + 0x3000, 0x42000, 4096, FP_RW);
  for (guint64 i = 0; i < 2 * 4096; i++)
    fake_phys_put(f->fp, (i < 4096 ? 0x41000 : 0x42000 - 4096) + i, "x", 1);
  gboolean trunc = FALSE;
  g_autofree char *s = gt_mem_read_user_string(f->mem, f->root, VA + 0x2ff0, 8192, &trunc, NULL);
  g_assert_cmpuint(strlen(s), ==, 16);
  g_assert_true(trunc);
  g_autofree char *k = gt_mem_read_string(f->mem, f->root, VA + 0x2ff0, 8192, &trunc, NULL);
  g_assert_cmpuint(strlen(k), ==, 16 + 4096);
}

/* A metered section stops reading when its budget is spent, and says so. */
static void
test_meter(Fixture *f, gconstpointer data)
{
  guint8 buf[3 * 4096];
  GtMemBudget b = { .reads = 1000, .bytes = 4096 + 100 };
  gt_mem_meter_begin(f->mem, &b);
  gsize got = gt_mem_read_user(f->mem, f->root, VA, buf, sizeof buf, NULL);
  g_assert_true(gt_mem_meter_end(f->mem, &b));
  g_assert_cmpuint(got, <, sizeof buf);
  g_assert_cmpuint(b.bytes, <=, 100);
  /* Outside a metered section reads are free. */
  g_assert_true(gt_mem_read(f->mem, f->root, VA, buf, sizeof buf, NULL));
  b = (GtMemBudget){ .reads = 3, .bytes = 1 << 20 };
  gt_mem_invalidate(f->mem);
  gt_mem_meter_begin(f->mem, &b);
  g_assert_cmpuint(gt_mem_read_user(f->mem, f->root, VA, buf, 16, NULL), ==, 0);
  g_assert_true(gt_mem_meter_end(f->mem, &b));
  g_assert_cmpuint(b.reads, ==, 0);
  b = (GtMemBudget){ .reads = 100, .bytes = 1 << 20 };
  gt_mem_meter_begin(f->mem, &b);
  g_assert_cmpuint(gt_mem_read_user(f->mem, f->root, VA, buf, 16, NULL), ==, 16);
  g_assert_false(gt_mem_meter_end(f->mem, &b));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD("/vmi/memory/cross-page", test_cross_page);
  ADD("/vmi/memory/into-unmapped", test_into_unmapped);
  ADD("/vmi/memory/u64-u32", test_u64_u32);
  ADD("/vmi/memory/strings", test_strings);
  ADD("/vmi/memory/write", test_write);
  ADD("/vmi/memory/phys", test_phys);
  ADD("/vmi/memory/cache", test_cache);
  ADD("/vmi/memory/user-string-into-kernel-page", test_user_string_into_kernel_page);
  ADD("/vmi/memory/meter", test_meter);
  g_test_add_func("/vmi/memory/user-bit-each-level", test_user_bit_each_level);
  g_test_add_func("/vmi/memory/user-limit", test_user_limit);
  return g_test_run();
}
