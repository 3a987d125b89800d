/* The cross-check of a user's map (-m) with the guest's VMCOREINFO: found
 * where the map says the kernel keeps it (vmcoreinfo_data,
 * vmcoreinfo_size) in a few page reads, not by a scan of RAM up to the
 * note (on nested Xen each page read is a foreign mapping: the scan ran
 * out of its 3 s budget on every attach). Cost is counted in physical
 * reads, not time. A map that does not lead to a VMCOREINFO gives NULL
 * (the caller then scans), and what is found still refutes a wrong map. */
#include <string.h>
#include <guestrace/types.h>
#include "vmi/ksyms-source.h"
#include "fake-phys.h"

#define MiB (1ULL << 20)
#define TEXT 0xffffffff81000000ULL
#define DIRECT 0xffff888000000000ULL
#define NOTE_PA (60 * MiB)   /* deep in RAM, as on the kit's kernels (18-26 MiB) */

static const char map_text[] =
  "ffffffff81000000 T _stext\n"
  "ffffffff81200000 B vmcoreinfo_note\n"
  "ffffffff81200008 B vmcoreinfo_size\n"
  "ffffffff81200010 B vmcoreinfo_data\n";

static const char vmcoreinfo[] =
  "OSRELEASE=6.1.0-test\n"
  "PAGESIZE=4096\n"
  "SYMBOL(_stext)=ffffffff81000000\n"
  "SYMBOL(vmcoreinfo_data)=ffffffff81200010\n"
  "KERNELOFFSET=0\n";

typedef struct {
  FakePhys *fp;
  GtMem *mem;
  guint64 root;
} Guest;

/* 64 MiB of RAM: the kernel image (2 MiB at 2 MiB), the direct map of all
 * RAM, the VMCOREINFO text page at 60 MiB, the plain text of it and the
 * ELF note as the kernel keeps them. */
static void
guest_init(Guest *g)
{
  g->fp = fake_phys_new(64 * MiB);
  g->root = fake_phys_page(g->fp);
  fake_map(g->fp, g->root, FALSE, TEXT, 2 * MiB, 2 * MiB, FP_RW);
  fake_map(g->fp, g->root, FALSE, TEXT + 2 * MiB, 4 * MiB, 2 * MiB, FP_RW);
  for (guint64 a = 0; a < 64 * MiB; a += 2 * MiB)
    fake_map(g->fp, g->root, FALSE, DIRECT + a, a, 2 * MiB, FP_RW);
  gsize n = strlen(vmcoreinfo);
  fake_phys_put(g->fp, NOTE_PA, vmcoreinfo, n);
  fake_phys_set_u64(g->fp, 4 * MiB + 0x8, n);                 /* vmcoreinfo_size */
  fake_phys_set_u64(g->fp, 4 * MiB + 0x10, DIRECT + NOTE_PA); /* vmcoreinfo_data */
  g->mem = gt_mem_new(fake_phys_read, NULL, g->fp);
}

static void
guest_clear(Guest *g)
{
  gt_mem_free(g->mem);
  fake_phys_free(g->fp);
}

static GtSymbols *
map_parse(const char *text)
{
  g_autoptr(GError) error = NULL;
  GtSymbols *s = gt_symbols_parse(text, strlen(text), "test map", &error);
  g_assert_no_error(error);
  return s;
}

static void
test_via_map_cost(void)
{
  Guest g;
  guest_init(&g);
  g_autoptr(GtSymbols) map = map_parse(map_text);
  g.fp->reads = 0;
  g_autoptr(GtVmcoreinfo) vi = gt_ksyms_vmcoreinfo_via_map(g.mem, g.root, map);
  g_assert_nonnull(vi);
  g_assert_cmpstr(gt_vmcoreinfo_osrelease(vi), ==, "6.1.0-test");
  /* Two pointers, the text, _stext's translation, each with its page
   * walk: a handful of reads of at most a page each (12 here). */
  guint via_map = g.fp->reads;
  g_test_message("via the map: %u physical reads", via_map);
  g_assert_cmpuint(via_map, <=, 24);
  g_autoptr(GError) error = NULL;
  g_assert_true(gt_ksyms_check_map(map, "test map", vi, &error));
  g_assert_no_error(error);
  /* The scan it replaces reads RAM from 0 to the note in 64 KiB reads
   * (960 here: 15,360 pages). */
  gt_mem_invalidate(g.mem);
  g.fp->reads = 0;
  g_autoptr(GtVmcoreinfo) scanned = gt_ksyms_find_vmcoreinfo(g.mem, g.root,
                                                                   60 * G_USEC_PER_SEC, NULL);
  g_assert_nonnull(scanned);
  g_test_message("by the scan: %u physical reads", g.fp->reads);
  g_assert_cmpuint(g.fp->reads, >, 50 * via_map);
  guest_clear(&g);
}

/* A map whose vmcoreinfo_data points elsewhere, or that has no such
 * symbol, leads nowhere: NULL, after a bounded number of reads. */
static void
test_via_map_wrong(void)
{
  Guest g;
  guest_init(&g);
  static const char elsewhere[] =
    "ffffffff81000000 T _stext\n"
    "ffffffff81200100 B vmcoreinfo_size\n"
    "ffffffff81200008 B vmcoreinfo_data\n";   /* holds the size, not a pointer */
  g_autoptr(GtSymbols) bad = map_parse(elsewhere);
  g.fp->reads = 0;
  g_assert_null(gt_ksyms_vmcoreinfo_via_map(g.mem, g.root, bad));
  g_assert_cmpuint(g.fp->reads, <=, 24);
  static const char none[] = "ffffffff81000000 T _stext\n";
  g_autoptr(GtSymbols) empty = map_parse(none);
  g_assert_null(gt_ksyms_vmcoreinfo_via_map(g.mem, g.root, empty));
  /* A size beyond a page is read as one page. */
  fake_phys_set_u64(g.fp, 4 * MiB + 0x8, 1ULL << 40);
  g_autoptr(GtSymbols) map = map_parse(map_text);
  g_autoptr(GtVmcoreinfo) vi = gt_ksyms_vmcoreinfo_via_map(g.mem, g.root, map);
  g_assert_nonnull(vi);
  guest_clear(&g);
}

/* Found through a map that places _stext elsewhere, the guest's own
 * VMCOREINFO still says the map is wrong. */
static void
test_via_map_refutes(void)
{
  Guest g;
  guest_init(&g);
  static const char shifted[] =
    "ffffffff81000100 T _stext\n"
    "ffffffff81200008 B vmcoreinfo_size\n"
    "ffffffff81200010 B vmcoreinfo_data\n";
  g_autoptr(GtSymbols) map = map_parse(shifted);
  g_autoptr(GtVmcoreinfo) vi = gt_ksyms_vmcoreinfo_via_map(g.mem, g.root, map);
  g_assert_nonnull(vi);
  g_autoptr(GError) error = NULL;
  g_assert_false(gt_ksyms_check_map(map, "test map", vi, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_INVALID_ARG);
  g_assert_nonnull(strstr(error->message, "_stext"));
  guest_clear(&g);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/ksyms/check/via-map-cost", test_via_map_cost);
  g_test_add_func("/ksyms/check/via-map-wrong", test_via_map_wrong);
  g_test_add_func("/ksyms/check/via-map-refutes", test_via_map_refutes);
  return g_test_run();
}
