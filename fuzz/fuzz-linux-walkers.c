/* Fuzz target: the walkers of os/linux over guest memory the guest controls
 * (linux-world.h): the VMA lookup (maple tree), the page-cache lookup
 * (xarray, struct page -> pfn), reading an unfaulted user page, and the
 * descriptor and working-directory descriptions (file table, dentries,
 * mounts). Every walk must end within its bound whatever the structures
 * look like (cycles, corrupt nodes, pointers anywhere), and a description
 * stays within PATH_MAX plus its decorations.
 *
 * The region's first 64 bytes choose what to look up; the structures are
 * the rest of the region, in the layout of the walkers' unit tests
 * (fg_walker_offsets, tests/unit/linux/fake-guest.h): the task at +0x1000,
 * its mm at +0x1100, a mapping at +0x1200. */
#include "fuzz-common.h"
#include "linux-world.h"
#include "../tests/unit/linux/fake-guest.h"

#define TASK (FUZZ_REGION_VA + 0x1000)
#define MM (FUZZ_REGION_VA + 0x1100)
#define MAPPING (FUZZ_REGION_VA + 0x1200)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static GtLinuxOffsets off;
  if (off.mt_leaf_64 == 0)
    off = fg_walker_offsets();
  g_autoptr(GtLinux) lx = fuzz_linux_world_with(data, size, &off);
  GtFuzzIn in = gt_fuzz_in(data, MIN(size, 64));
  guint64 addr = gt_fuzz_u64(&in), index = gt_fuzz_u64(&in), va = gt_fuzz_u64(&in);
  gint fd = (gint)(gt_fuzz_u8(&in) % 8) - 1;
  GtLinuxVma vma;
  if (gt_linux_vma_find(lx, MM, addr, &vma, NULL))
    g_assert(vma.start <= addr && addr < vma.end);
  guint64 pa;
  if (gt_linux_pagecache_lookup(lx, MAPPING, index, &pa, NULL))
    g_assert((pa & 0xfff) == 0);
  guint8 buf[64];
  gt_linux_read_unfaulted(lx, TASK, 0, va & 0x7fffffffffc0ULL, buf, sizeof buf, NULL);
  g_autoptr(GString) out = g_string_new(NULL);
  gboolean deleted;
  if (gt_linux_fd_describe(lx, TASK, fd, out, &deleted, NULL))
    g_assert(out->len <= 4096 + 64);
  g_string_truncate(out, 0);
  if (gt_linux_cwd_describe(lx, TASK, out, &deleted, NULL))
    g_assert(out->len <= 4096 + 64);
  return 0;
}
