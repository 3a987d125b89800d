/* Fuzz target: the walkers of os/linux over guest memory the guest controls
 * (linux-world.h): the VMA lookup (maple tree), the page-cache lookup
 * (xarray, struct page -> pfn), reading an unfaulted user page, and the
 * descriptor and working-directory descriptions (file table, dentries,
 * mounts). Every walk must end within its bound whatever the structures
 * look like (cycles, corrupt nodes, pointers anywhere), and a description
 * stays within PATH_MAX plus its decorations.
 *
 * The region's first 64 bytes choose what to look up; the structures are
 * the rest of the region, at the offsets of tests/unit/linux/test-vma.c
 * and test-fd.c: the task at +0x1000, its mm at +0x1100, a mapping at
 * +0x1200. */
#include "fuzz-common.h"
#include "linux-world.h"

#define TASK (FUZZ_REGION_VA + 0x1000)
#define MM (FUZZ_REGION_VA + 0x1100)
#define MAPPING (FUZZ_REGION_VA + 0x1200)

static GtLinuxOffsets
walker_offsets(void)
{
  GtLinuxOffsets o;
  memset(&o, 0, sizeof o);
  o.pcpu_hot_current_task = G_MAXUINT;
  o.task_pid = 0x10, o.task_tgid = 0x14, o.task_tasks = 0x30, o.task_mm = 0x58;
  o.task_files = 0x90, o.task_fs = 0x98;
  o.mm_mt_root = 0x48;
  o.mr64_pivot = 8, o.mr64_slot = 128, o.mr64_meta_end = 248;
  o.ma64_pivot = 8, o.ma64_slot = 80, o.ma64_meta_end = 240;
  o.vma_start = 0, o.vma_end = 8, o.vma_pgoff = 0x20, o.vma_file = 0x28, o.vma_flags = 0x30;
  o.file_mapping = 0x40, o.as_xa_head = 0x10, o.xa_node_shift = 0, o.xa_node_slots = 0x28;
  o.page_flags = 0, o.page_index = 0x20, o.page_struct_size = 64, o.pg_uptodate_bit = 2;
  o.mt_leaf_64 = 1, o.mt_range_64 = 2, o.mt_arange_64 = 3;
  o.files_fdt = 0x20, o.fdt_max_fds = 0, o.fdt_fd = 8;
  o.file_path = 0x10, o.path_mnt = 0, o.path_dentry = 8, o.file_inode = 0x20;
  o.fs_root = 0x18, o.fs_pwd = 0x28;
  o.dentry_parent = 0x18, o.dentry_name_len = 0x24, o.dentry_name = 0x28,
  o.dentry_op = 0x60, o.dentry_inode = 0x30, o.dentry_hash_pprev = 0x10;
  o.dop_dname = 0x38, o.inode_ino = 0x40;
  o.mount_mnt = 0x20, o.mount_parent = 0x10, o.mount_mountpoint = 0x18, o.vfsmount_root = 0;
  return o;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static GtLinuxOffsets off;
  if (off.mt_leaf_64 == 0)
    off = walker_offsets();
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
