/* Unit tests for the KASLR slide search (src/vmi/kaslr.c) on a crafted
 * guest: a kernel image mapped with 2 MiB pages at link address + 30 MiB,
 * with decoy "Linux version " strings at smaller candidate slides. */
#include <string.h>
#include <guestrace/types.h>
#include "vmi/kaslr.h"
#include "fake-phys.h"

#define MiB (1ULL << 20)
#define TEXT        0xffffffff81000000ULL
#define PROC_BANNER 0xffffffff81100000ULL
#define BANNER      0xffffffff81200010ULL
#define SLIDE       0x1e00000ULL

static const char link_map[] =
  "000000000001fb80 D current_task\n"
  "ffffffff81000000 T _text\n"
  "ffffffff81100000 D linux_proc_banner\n"
  "ffffffff81200010 D linux_banner\n";

static const char banner[] = "Linux version 6.1.0-test (gcc) #1 SMP\n";
static const char proc_banner[] = "%s version %s (builder@host) (gcc) %s\n";

/* Builds the guest; returns the page-table root. */
static guint64
build_guest(FakePhys *fp, gboolean la57, gboolean decoys)
{
  guint64 root = fake_phys_page(fp);
  /* the real image: 4 MiB at physical 4 MiB */
  fake_map(fp, root, la57, TEXT + SLIDE, 0x400000, 2 * MiB, FP_RW);
  fake_map(fp, root, la57, TEXT + SLIDE + 2 * MiB, 0x600000, 2 * MiB, FP_RW);
  fake_phys_put(fp, 0x600010, banner, sizeof banner);
  fake_phys_put(fp, 0x500000, proc_banner, sizeof proc_banner);
  if (decoys) {
    /* s = 8 MiB: the string, but _text + s unmapped */
    fake_map(fp, root, la57, BANNER + 8 * MiB - 0x10, 0x200000, 2 * MiB, 0);
    /* s = 4 MiB: the string and a consistent _text, but no proc banner */
    fake_map(fp, root, la57, BANNER + 4 * MiB - 0x10, 0x200000, 2 * MiB, 0);
    fake_map(fp, root, la57, TEXT + 4 * MiB, 0x000000, 2 * MiB, 0);
    fake_phys_put(fp, 0x200010, banner, sizeof banner);
  }
  return root;
}

static void
test_found(void)
{
  for (int la57 = 0; la57 <= 1; la57++) {
    g_autoptr(FakePhys) fp = fake_phys_new(8 * MiB);
    guint64 root = build_guest(fp, la57, TRUE);
    g_autoptr(GtMem) mem = gt_mem_new(fake_phys_read, NULL, fp);
    g_autoptr(GtSymbols) syms = gt_symbols_parse(link_map, strlen(link_map), "t", NULL);
    g_autoptr(GError) error = NULL;
    gint64 slide = -1;

    gt_mem_set_la57(mem, la57);
    g_assert_true(gt_kaslr_find_slide(mem, root, syms, &slide, &error));
    g_assert_no_error(error);
    g_assert_cmphex(slide, ==, SLIDE);

    /* with the slide applied, the banner reads back */
    gt_symbols_set_slide(syms, slide);
    guint64 a;
    g_assert_true(gt_symbols_lookup(syms, "linux_banner", &a));
    g_autofree char *s = gt_mem_read_string(mem, root, a, 64, NULL, NULL);
    g_assert_cmpstr(s, ==, "Linux version 6.1.0-test (gcc) #1 SMP\n");
    /* finding it again with a slide already set gives the same answer */
    g_assert_true(gt_kaslr_find_slide(mem, root, syms, &slide, NULL));
    g_assert_cmphex(slide, ==, SLIDE);
  }
}

static void
test_runtime_map(void)
{
  g_autoptr(FakePhys) fp = fake_phys_new(8 * MiB);
  guint64 root = build_guest(fp, FALSE, TRUE);
  g_autoptr(GtMem) mem = gt_mem_new(fake_phys_read, NULL, fp);
  static const char kallsyms[] =
    "ffffffff82e00000 T _text\n"
    "ffffffff82f00000 D linux_proc_banner\n"
    "ffffffff83000010 D linux_banner\n"
    "ffffffffc0001000 t mod_fn\t[mod]\n";
  g_autoptr(GtSymbols) syms = gt_symbols_parse(kallsyms, strlen(kallsyms), "k", NULL);
  gint64 slide = -1;
  g_assert_true(gt_kaslr_find_slide(mem, root, syms, &slide, NULL));
  g_assert_cmpint(slide, ==, 0);
}

static void
test_pti_user_cr3(void)
{
  g_autoptr(FakePhys) fp = fake_phys_new(8 * MiB);
  /* an 8 KiB-aligned kernel root followed by an empty user root */
  if (fp->next_free & 0x1000)
    fake_phys_page(fp);
  guint64 root = build_guest(fp, FALSE, FALSE);
  g_assert_cmphex(root & 0x1fff, ==, 0);
  g_autoptr(GtMem) mem = gt_mem_new(fake_phys_read, NULL, fp);
  g_autoptr(GtSymbols) syms = gt_symbols_parse(link_map, strlen(link_map), "t", NULL);
  gint64 slide = -1;
  guint64 kcr3 = 0;
  g_assert_true(gt_kaslr_find_slide_ex(mem, root | 0x1000 | 0x7, syms, &slide, &kcr3, NULL));
  g_assert_cmphex(slide, ==, SLIDE);
  g_assert_cmphex(kcr3, ==, root | 0x7);
  g_assert_true(gt_kaslr_find_slide_ex(mem, root, syms, &slide, &kcr3, NULL));
  g_assert_cmphex(kcr3, ==, root);
}

static void
test_not_found(void)
{
  g_autoptr(FakePhys) fp = fake_phys_new(8 * MiB);
  guint64 root = build_guest(fp, FALSE, FALSE);
  g_autoptr(GtMem) mem = gt_mem_new(fake_phys_read, NULL, fp);
  static const char other_map[] =
    "ffffffff81000000 T _text\n"
    "ffffffff81100000 D linux_proc_banner\n"
    "ffffffff81234560 D linux_banner\n";
  g_autoptr(GtSymbols) syms = gt_symbols_parse(other_map, strlen(other_map), "o", NULL);
  g_autoptr(GError) error = NULL;
  gint64 slide = -1;

  gint64 t0 = g_get_monotonic_time();
  g_assert_false(gt_kaslr_find_slide(mem, root, syms, &slide, &error));
  g_test_message("full search took %.1f ms", (g_get_monotonic_time() - t0) / 1000.0);
  g_assert_error(error, GT_ERROR, GT_ERROR_NOT_FOUND);
  g_assert_nonnull(strstr(error->message, "does not match"));
  g_assert_cmpint(slide, ==, -1);

  /* a map without linux_banner */
  static const char no_banner[] = "ffffffff81000000 T _text\n";
  g_autoptr(GtSymbols) syms2 = gt_symbols_parse(no_banner, strlen(no_banner), "n", NULL);
  g_clear_error(&error);
  g_assert_false(gt_kaslr_find_slide(mem, root, syms2, &slide, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_NOT_FOUND);
  g_assert_nonnull(strstr(error->message, "linux_banner"));

  /* an empty address space */
  g_clear_error(&error);
  g_autoptr(GtSymbols) syms3 = gt_symbols_parse(link_map, strlen(link_map), "t", NULL);
  g_assert_false(gt_kaslr_find_slide(mem, fake_phys_page(fp), syms3, &slide, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_NOT_FOUND);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/vmi/kaslr/found", test_found);
  g_test_add_func("/vmi/kaslr/runtime-map", test_runtime_map);
  g_test_add_func("/vmi/kaslr/pti-user-cr3", test_pti_user_cr3);
  g_test_add_func("/vmi/kaslr/not-found", test_not_found);
  return g_test_run();
}
