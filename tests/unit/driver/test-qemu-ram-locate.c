/* Guest RAM in a QEMU process: parsing `info mtree -f` (QEMU 7.2's real
 * output, trimmed) and reading through /proc/PID/mem at the host addresses
 * of several ranges (here: our own process and buffers). */
#include <string.h>
#include <unistd.h>
#include <guestrace/types.h>

#include "driver/qemu/qemu-ram-locate.h"

static const char mtree[] =
  "FlatView #0\n"
  " AS \"cpu-smm-0\", root: memory\n"
  " Root memory region: memory\n"
  "  0000000000000000-00000000000c2fff (prio 0, ram): ram\n"
  "  0000000000100000-000000001fffffff (prio 0, ram): ram @0000000000100000\n"
  "\n"
  "FlatView #2\n"
  " AS \"memory\", root: system\n"
  " AS \"cpu-memory-0\", root: system\n"
  " Root memory region: system\n"
  "  0000000000000000-00000000000c2fff (prio 0, ram): ram\n"
  "  00000000000c3000-00000000000e7fff (prio 0, rom): ram @00000000000c3000\n"
  "  00000000000e8000-00000000000effff (prio 0, ram): ram @00000000000e8000\n"
  "  00000000000f0000-00000000000fffff (prio 0, rom): ram @00000000000f0000\n"
  "  0000000000100000-000000001fffffff (prio 0, ram): ram @0000000000100000\n"
  "  00000000fec00000-00000000fec00fff (prio 0, i/o): ioapic\n"
  "  00000000fffc0000-00000000ffffffff (prio 0, rom): pc.bios\n"
  "  0000000100000000-000000013fffffff (prio 0, ram): ram @0000000020000000\n"
  "\n"
  "FlatView #3\n"
  " AS \"I/O\", root: io\n"
  " Root memory region: io\n"
  "  0000000000000000-0000000000000007 (prio 0, i/o): dma-chan\n";

static void
test_mtree(void)
{
  g_autoptr(GError) err = NULL;
  g_autoptr(GArray) r = gt_qemu_mtree_ram_ranges(mtree, &err);
  g_assert_no_error(err);
  g_assert_cmpuint(r->len, ==, 7);   /* ram and rom of "memory" only, no i/o */
  GtQemuRamRange *v = (GtQemuRamRange *)r->data;
  g_assert_cmphex(v[0].gpa, ==, 0);
  g_assert_cmphex(v[0].size, ==, 0xc3000);
  g_assert_cmphex(v[4].gpa, ==, 0x100000);
  g_assert_cmphex(v[4].size, ==, 0x1ff00000);
  g_assert_cmphex(v[5].gpa, ==, 0xfffc0000);
  g_assert_cmphex(v[6].gpa, ==, 0x100000000ULL);
  g_assert_cmphex(v[6].size, ==, 0x40000000ULL);

  g_autoptr(GArray) none = gt_qemu_mtree_ram_ranges("FlatView #0\n AS \"I/O\"\n", &err);
  g_assert_null(none);
  g_assert_error(err, GT_ERROR, GT_ERROR_PROTOCOL);
}

static void
test_process(void)
{
  static guint8 low[8192], high[4096];
  memset(low, 0xaa, sizeof low);
  memset(high, 0x55, sizeof high);
  GtQemuRamRange ranges[] = {
    { 0, sizeof low, (guint64)(guintptr)low },
    { 0x100000000ULL, sizeof high, (guint64)(guintptr)high },
  };
  g_autoptr(GError) err = NULL;
  g_autoptr(GtQemuRam) ram = gt_qemu_ram_open_process(getpid(), ranges, 2, &err);
  g_assert_no_error(err);
  g_assert_cmphex(gt_qemu_ram_size(ram), ==, 12288);
  guint8 b[16];
  g_assert_true(gt_qemu_ram_read(ram, 8190, b, 2, &err));
  g_assert_cmpuint(b[0], ==, 0xaa);
  g_assert_false(gt_qemu_ram_read(ram, 8190, b, 3, &err));   /* runs into the hole */
  g_assert_error(err, GT_ERROR, GT_ERROR_MEMORY);
  g_clear_error(&err);
  g_assert_true(gt_qemu_ram_write(ram, 0x100000010ULL, "xy", 2, &err));
  g_assert_cmpmem(high + 0x10, 2, "xy", 2);
  g_assert_false(gt_qemu_ram_read(ram, G_MAXUINT64 - 1, b, 4, &err));
  g_clear_error(&err);
  g_assert_false(gt_qemu_ram_read(ram, 0x100001000ULL, b, 0, &err));  /* not RAM at all */
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/qemu-ram-locate/mtree", test_mtree);
  g_test_add_func("/qemu-ram-locate/process", test_process);
  return g_test_run();
}
