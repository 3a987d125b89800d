/* Unit tests for the x86-64 page-table walker (src/vmi/pagetable.c) on
 * hand-built tables in a fake physical memory. */
#include <string.h>
#include <guestrace/types.h>
#include "vmi/pagetable.h"
#include "fake-phys.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

static gboolean
walk(FakePhys *fp, guint64 cr3, gboolean la57, guint64 va, GtTranslation *t, GError **error)
{
  return gt_pt_translate(fake_phys_read, fp, cr3, la57, va, t, error);
}

static void
test_4k(void)
{
  g_autoptr(FakePhys) fp = fake_phys_new(1 * MiB);
  guint64 root = fake_phys_page(fp);
  GtTranslation t;
  g_autoptr(GError) error = NULL;

  fake_map(fp, root, FALSE, 0x00007f0000001000ULL, 0x80000, 4096, FP_RW | FP_US);
  fake_map(fp, root, FALSE, 0xffffffff81234000ULL, 0x81000, 4096, FP_RW);

  g_assert_true(walk(fp, root, FALSE, 0x00007f0000001123ULL, &t, &error));
  g_assert_no_error(error);
  g_assert_cmphex(t.pa, ==, 0x80123);
  g_assert_cmpuint(t.page_size, ==, 4096);
  g_assert_true(t.writable);
  g_assert_true(t.user);

  g_assert_true(walk(fp, root, FALSE, 0xffffffff81234fffULL, &t, &error));
  g_assert_cmphex(t.pa, ==, 0x81fff);
  g_assert_false(t.user);
  g_assert_true(t.writable);

  /* PCID, flag bits and the no-flush bit of CR3 are ignored */
  g_assert_true(walk(fp, root | 0x5 | (1ULL << 63), FALSE, 0x00007f0000001004ULL, &t, &error));
  g_assert_cmphex(t.pa, ==, 0x80004);

  /* bits 52..63 of an entry (ignored, protection key, XD) are not address bits */
  guint64 pte = fake_entry_pa(fp, root, FALSE, 0x00007f0000001000ULL, 1);
  fake_phys_set_u64(fp, pte, fake_phys_get_u64(fp, pte) | (1ULL << 63) | (1ULL << 62) | (1ULL << 52));
  g_assert_true(walk(fp, root, FALSE, 0x00007f0000001010ULL, &t, &error));
  g_assert_cmphex(t.pa, ==, 0x80010);
  /* bit 7 of a PTE is PAT, not a page size */
  fake_phys_set_u64(fp, pte, fake_phys_get_u64(fp, pte) | FP_PS);
  g_assert_true(walk(fp, root, FALSE, 0x00007f0000001010ULL, &t, &error));
  g_assert_cmpuint(t.page_size, ==, 4096);
}

static void
test_2m(void)
{
  g_autoptr(FakePhys) fp = fake_phys_new(1 * MiB);
  guint64 root = fake_phys_page(fp);
  GtTranslation t;
  g_autoptr(GError) error = NULL;

  fake_map(fp, root, FALSE, 0xffffffff81000000ULL, 0x3e00000, 2 * MiB, FP_RW);
  g_assert_true(walk(fp, root, FALSE, 0xffffffff81012345ULL, &t, &error));
  g_assert_no_error(error);
  g_assert_cmphex(t.pa, ==, 0x3e12345);
  g_assert_cmpuint(t.page_size, ==, 2 * MiB);
  g_assert_false(t.user);
}

static void
test_1g(void)
{
  g_autoptr(FakePhys) fp = fake_phys_new(1 * MiB);
  guint64 root = fake_phys_page(fp);
  GtTranslation t;
  g_autoptr(GError) error = NULL;

  fake_map(fp, root, FALSE, 0xffff888040000000ULL, 0x40000000, GiB, FP_RW);
  g_assert_true(walk(fp, root, FALSE, 0xffff888041234567ULL, &t, &error));
  g_assert_no_error(error);
  g_assert_cmphex(t.pa, ==, 0x41234567);
  g_assert_cmpuint(t.page_size, ==, GiB);
}

static void
test_5level(void)
{
  g_autoptr(FakePhys) fp = fake_phys_new(1 * MiB);
  guint64 root = fake_phys_page(fp);
  GtTranslation t;
  g_autoptr(GError) error = NULL;
  /* needs 57 bits: bit 48..55 used, canonical only with LA57 */
  guint64 user_va = 0x00ab000000002000ULL;
  guint64 kern_va = 0xff11000000200000ULL;

  fake_map(fp, root, TRUE, user_va, 0x90000, 4096, FP_RW | FP_US);
  fake_map(fp, root, TRUE, kern_va, 0x200000, 2 * MiB, 0);
  fake_map(fp, root, TRUE, 0xffffffff80000000ULL, 0xc0000000, GiB, 0);

  g_assert_true(walk(fp, root, TRUE, user_va + 0x10, &t, &error));
  g_assert_no_error(error);
  g_assert_cmphex(t.pa, ==, 0x90010);
  g_assert_true(t.user);

  g_assert_true(walk(fp, root, TRUE, kern_va + 0x1234, &t, &error));
  g_assert_cmphex(t.pa, ==, 0x201234);
  g_assert_cmpuint(t.page_size, ==, 2 * MiB);
  g_assert_false(t.writable);

  g_assert_true(walk(fp, root, TRUE, 0xffffffff81000010ULL, &t, &error));
  g_assert_cmphex(t.pa, ==, 0xc1000010);

  /* the same user address is non-canonical with 4-level paging */
  g_assert_false(walk(fp, root, FALSE, user_va, &t, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_MEMORY);
  g_assert_nonnull(strstr(error->message, "canonical"));
}

static void
test_not_present(void)
{
  for (int la57 = 0; la57 <= 1; la57++) {
    guint levels = la57 ? 5 : 4;
    for (guint level = 1; level <= levels; level++) {
      static const char *names[] = { "", "PTE", "PDE", "PDPTE", "PML4E", "PML5E" };
      g_autoptr(FakePhys) fp = fake_phys_new(1 * MiB);
      guint64 root = fake_phys_page(fp);
      guint64 va = 0x00007f1234567000ULL;
      GtTranslation t;
      g_autoptr(GError) error = NULL;

      fake_map(fp, root, la57, va, 0x80000, 4096, FP_RW);
      g_assert_true(walk(fp, root, la57, va, &t, NULL));
      guint64 e = fake_entry_pa(fp, root, la57, va, level);
      fake_phys_set_u64(fp, e, fake_phys_get_u64(fp, e) & ~FP_P);
      g_assert_false(walk(fp, root, la57, va, &t, &error));
      g_assert_error(error, GT_ERROR, GT_ERROR_MEMORY);
      g_assert_nonnull(strstr(error->message, names[level]));
      g_assert_nonnull(strstr(error->message, "not present"));
    }
  }
}

static void
expect_reserved(FakePhys *fp, guint64 root, gboolean la57, guint64 va)
{
  GtTranslation t;
  g_autoptr(GError) error = NULL;
  g_assert_false(walk(fp, root, la57, va, &t, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_MEMORY);
  g_assert_nonnull(strstr(error->message, "reserved"));
}

static void
test_reserved(void)
{
  g_autoptr(FakePhys) fp = fake_phys_new(1 * MiB);
  guint64 root = fake_phys_page(fp);
  guint64 root5 = fake_phys_page(fp);
  guint64 va4k = 0x0000000000401000ULL;
  guint64 va2m = 0xffffffff81000000ULL;
  guint64 va1g = 0xffff888000000000ULL;
  guint64 e;

  fake_map(fp, root, FALSE, va4k, 0x80000, 4096, 0);
  fake_map(fp, root, FALSE, va2m, 0x200000, 2 * MiB, 0);
  fake_map(fp, root, FALSE, va1g, 0x40000000, GiB, 0);
  fake_map(fp, root5, TRUE, va4k, 0x80000, 4096, 0);

  /* PS in a PML4E */
  e = fake_entry_pa(fp, root, FALSE, va4k, 4);
  fake_phys_set_u64(fp, e, fake_phys_get_u64(fp, e) | FP_PS);
  expect_reserved(fp, root, FALSE, va4k);
  fake_phys_set_u64(fp, e, fake_phys_get_u64(fp, e) & ~FP_PS);

  /* PS in a PML5E */
  e = fake_entry_pa(fp, root5, TRUE, va4k, 5);
  fake_phys_set_u64(fp, e, fake_phys_get_u64(fp, e) | FP_PS);
  expect_reserved(fp, root5, TRUE, va4k);

  /* bit 13 of a 2 MiB PDE (between PAT and the frame) */
  e = fake_entry_pa(fp, root, FALSE, va2m, 2);
  fake_phys_set_u64(fp, e, fake_phys_get_u64(fp, e) | (1ULL << 13));
  expect_reserved(fp, root, FALSE, va2m);

  /* bit 20 of a 1 GiB PDPTE */
  e = fake_entry_pa(fp, root, FALSE, va1g, 3);
  fake_phys_set_u64(fp, e, fake_phys_get_u64(fp, e) | (1ULL << 20));
  expect_reserved(fp, root, FALSE, va1g);
}

static void
test_non_canonical(void)
{
  g_autoptr(FakePhys) fp = fake_phys_new(1 * MiB);
  guint64 root = fake_phys_page(fp);
  static const guint64 bad4[] = { 0x0000800000000000ULL, 0xffff7fffffffffffULL,
                                  0x8000000000000000ULL, 0x0001000000000000ULL };
  static const guint64 bad5[] = { 0x0100000000000000ULL, 0xfe00000000000000ULL,
                                  0x7f00000000000000ULL };
  GtTranslation t;
  guint reads = fp->reads;

  for (guint i = 0; i < G_N_ELEMENTS(bad4); i++) {
    g_autoptr(GError) error = NULL;
    g_assert_false(walk(fp, root, FALSE, bad4[i], &t, &error));
    g_assert_error(error, GT_ERROR, GT_ERROR_MEMORY);
  }
  for (guint i = 0; i < G_N_ELEMENTS(bad5); i++) {
    g_autoptr(GError) error = NULL;
    g_assert_false(walk(fp, root, TRUE, bad5[i], &t, &error));
    g_assert_error(error, GT_ERROR, GT_ERROR_MEMORY);
  }
  g_assert_cmpuint(fp->reads, ==, reads);  /* rejected before any read */
}

static void
test_permissions(void)
{
  g_autoptr(FakePhys) fp = fake_phys_new(1 * MiB);
  guint64 root = fake_phys_page(fp);
  guint64 va = 0x0000000000401000ULL;
  GtTranslation t;

  fake_map(fp, root, FALSE, va, 0x80000, 4096, FP_RW | FP_US);
  g_assert_true(walk(fp, root, FALSE, va, &t, NULL));
  g_assert_true(t.writable && t.user);

  guint64 e3 = fake_entry_pa(fp, root, FALSE, va, 3);
  fake_phys_set_u64(fp, e3, fake_phys_get_u64(fp, e3) & ~FP_RW);
  g_assert_true(walk(fp, root, FALSE, va, &t, NULL));
  g_assert_false(t.writable);
  g_assert_true(t.user);

  guint64 e4 = fake_entry_pa(fp, root, FALSE, va, 4);
  fake_phys_set_u64(fp, e4, fake_phys_get_u64(fp, e4) & ~FP_US);
  g_assert_true(walk(fp, root, FALSE, va, &t, NULL));
  g_assert_false(t.user);
}

static void
test_self_reference(void)
{
  g_autoptr(FakePhys) fp = fake_phys_new(1 * MiB);
  guint64 root = fake_phys_page(fp);
  /* every level's index is 0x1ed: the root's entry 0x1ed points at itself */
  guint64 idx = 0x1ed;
  guint64 va = 0xffff000000000000ULL | idx << 39 | idx << 30 | idx << 21 | idx << 12 | 0x28;
  GtTranslation t;

  fake_phys_set_u64(fp, root + idx * 8, root | FP_P | FP_RW);
  for (int la57 = 0; la57 <= 1; la57++) {
    g_autoptr(GError) error = NULL;
    guint64 v = la57 ? (0xfe00000000000000ULL | idx << 48 | (va & 0x0000ffffffffffffULL)) : va;
    guint reads = fp->reads;
    gboolean ok = walk(fp, root, la57, v, &t, &error);
    g_assert_cmpuint(fp->reads - reads, <=, 5);
    /* the recursive mapping ends on the root page itself */
    g_assert_true(ok);
    g_assert_cmphex(t.pa, ==, root + 0x28);
  }

  /* a PDE pointing at the root with PS: a 2 MiB page, still bounded */
  fake_phys_set_u64(fp, root + idx * 8, root | FP_P | FP_RW | FP_PS);
  {
    g_autoptr(GError) error = NULL;
    g_assert_false(walk(fp, root, FALSE, va, &t, &error));
    g_assert_error(error, GT_ERROR, GT_ERROR_MEMORY);  /* PS in the PML4E */
  }
}

static void
test_outside_ram(void)
{
  g_autoptr(FakePhys) fp = fake_phys_new(1 * MiB);
  guint64 root = fake_phys_page(fp);
  guint64 va = 0x0000000000401000ULL;
  GtTranslation t;
  g_autoptr(GError) error = NULL;

  fake_map(fp, root, FALSE, va, 0x80000, 4096, 0);
  guint64 e = fake_entry_pa(fp, root, FALSE, va, 3);
  fake_phys_set_u64(fp, e, 0x000ffffffffff000ULL | FP_P);
  g_assert_false(walk(fp, root, FALSE, va, &t, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_MEMORY);
  g_assert_nonnull(strstr(error->message, "outside RAM"));
  g_clear_error(&error);

  /* a CR3 outside RAM */
  g_assert_false(walk(fp, 0x7ffff000ULL, FALSE, va, &t, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_MEMORY);
}

/* Random bytes as page tables: every walk ends after at most five reads,
 * with a translation or a GT_ERROR_MEMORY error. */
static void
test_random_tables(void)
{
  g_autoptr(FakePhys) fp = fake_phys_new(256 * 1024);
  g_autoptr(GRand) rand = g_rand_new_with_seed(1234);
  for (guint i = 0; i < fp->ram->len / 4; i++) {
    guint32 v = g_rand_int(rand);
    /* keep entries mostly inside RAM so walks go deep */
    if (i % 2 == 1)
      v &= 0x0003ffff | 0x80000000u;
    memcpy(fp->ram->data + i * 4, &v, 4);
  }
  guint ok = 0;
  for (guint n = 0; n < 20000; n++) {
    guint64 cr3 = g_rand_int_range(rand, 0, 64) * 4096ULL;
    guint64 va = (guint64)g_rand_int(rand) << 32 | g_rand_int(rand);
    gboolean la57 = n & 1;
    GtTranslation t;
    g_autoptr(GError) error = NULL;
    guint reads = fp->reads;
    if (walk(fp, cr3, la57, va, &t, &error)) {
      ok++;
      g_assert_true(t.page_size == 4096 || t.page_size == (2ULL << 20) || t.page_size == (1ULL << 30));
      g_assert_cmphex(t.pa & ~0x000fffffffffffffULL, ==, 0);
    } else {
      g_assert_error(error, GT_ERROR, GT_ERROR_MEMORY);
    }
    g_assert_cmpuint(fp->reads - reads, <=, 5);
  }
  g_test_message("%u of 20000 random walks translated", ok);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/vmi/pagetable/4k", test_4k);
  g_test_add_func("/vmi/pagetable/2m", test_2m);
  g_test_add_func("/vmi/pagetable/1g", test_1g);
  g_test_add_func("/vmi/pagetable/5level", test_5level);
  g_test_add_func("/vmi/pagetable/not-present", test_not_present);
  g_test_add_func("/vmi/pagetable/reserved", test_reserved);
  g_test_add_func("/vmi/pagetable/non-canonical", test_non_canonical);
  g_test_add_func("/vmi/pagetable/permissions", test_permissions);
  g_test_add_func("/vmi/pagetable/self-reference", test_self_reference);
  g_test_add_func("/vmi/pagetable/outside-ram", test_outside_ram);
  g_test_add_func("/vmi/pagetable/random-tables", test_random_tables);
  return g_test_run();
}
