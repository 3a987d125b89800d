/* Crafted guest memory for the Linux-layer tests (see fake-guest.h). */
#include <string.h>
#include <guestrace/types.h>
#include "fake-guest.h"

#define MIB (1024u * 1024u)
#define PTE_P 0x1ULL
#define PTE_RW 0x2ULL
#define PTE_PS 0x80ULL

static gboolean
fg_read(void *ctx, guint64 pa, void *buf, gsize len, GError **error)
{
  FakeGuest *fg = ctx;
  if (pa > fg->ram->len || len > fg->ram->len - pa) {
    g_set_error(error, GT_ERROR, GT_ERROR_MEMORY, "fake RAM: 0x%" G_GINT64_MODIFIER
                "x+%" G_GSIZE_FORMAT " out of range", pa, len);
    return FALSE;
  }
  memcpy(buf, fg->ram->data + pa, len);
  return TRUE;
}

static gboolean
fg_write(void *ctx, guint64 pa, const void *buf, gsize len, GError **error)
{
  FakeGuest *fg = ctx;
  if (pa > fg->ram->len || len > fg->ram->len - pa) {
    g_set_error(error, GT_ERROR, GT_ERROR_MEMORY, "fake RAM: write out of range");
    return FALSE;
  }
  memcpy(fg->ram->data + pa, buf, len);
  return TRUE;
}

static void
put_phys(FakeGuest *fg, guint64 pa, guint64 v)
{
  memcpy(fg->ram->data + pa, &v, sizeof v);
}

FakeGuest *
fg_new(guint ram_mib)
{
  FakeGuest *fg = g_new0(FakeGuest, 1);
  fg->ram = g_byte_array_sized_new(ram_mib * MIB);
  g_byte_array_set_size(fg->ram, ram_mib * MIB);
  memset(fg->ram->data, 0, fg->ram->len);
  /* Page tables in the first three pages: PML4, PDPT, PD. */
  guint64 pml4 = 0, pdpt = 0x1000, pd = 0x2000;
  guint idx4 = (FG_KBASE >> 39) & 0x1ff;
  put_phys(fg, pml4 + idx4 * 8, pdpt | PTE_P | PTE_RW);
  put_phys(fg, pdpt, pd | PTE_P | PTE_RW);
  for (guint i = 0; i < ram_mib / 2 && i < 512; i++)
    put_phys(fg, pd + i * 8, ((guint64) i * 2 * MIB) | PTE_P | PTE_RW | PTE_PS);
  fg->cr3 = pml4;
  fg->next = 0x4000;
  fg->mem = gt_mem_new(fg_read, fg_write, fg);
  return fg;
}

void
fg_free(FakeGuest *fg)
{
  if (fg == NULL)
    return;
  gt_mem_free(fg->mem);
  g_byte_array_unref(fg->ram);
  g_free(fg);
}

guint64
fg_alloc(FakeGuest *fg, gsize size)
{
  guint64 pa = fg->next;
  g_assert_cmpuint(pa + size, <=, fg->ram->len);
  fg->next = (pa + size + 63) & ~63ULL;
  return FG_KBASE + pa;
}

void *
fg_ptr(FakeGuest *fg, guint64 va)
{
  g_assert_cmpuint(va, >=, FG_KBASE);
  g_assert_cmpuint(va - FG_KBASE, <, fg->ram->len);
  return fg->ram->data + (va - FG_KBASE);
}

void
fg_put_u64(FakeGuest *fg, guint64 va, guint64 v)
{
  memcpy(fg_ptr(fg, va), &v, sizeof v);
}

void
fg_put_u32(FakeGuest *fg, guint64 va, guint32 v)
{
  memcpy(fg_ptr(fg, va), &v, sizeof v);
}

guint64
fg_string(FakeGuest *fg, const char *s)
{
  gsize n = strlen(s) + 1;
  guint64 va = fg_alloc(fg, n);
  memcpy(fg_ptr(fg, va), s, n);
  return va;
}

const GtLinuxOffsets fg_linux_offsets = {
  .task_pid = 0x10, .task_tgid = 0x14, .task_comm = 0x20, .task_tasks = 0x30,
  .task_real_parent = 0x40, .task_real_cred = 0x48, .task_cred = 0x50,
  .task_mm = 0x58, .task_active_mm = 0x60, .task_group_leader = 0x68,
  .task_thread_node = 0x70, .task_flags = 0x80, .task_signal = 0x88,
  .signal_thread_head = 0x10,
  .cred_uid = 4, .cred_gid = 8, .cred_euid = 0x14, .cred_egid = 0x18,
  .mm_pgd = 0x50,
  .regs_di = 112, .regs_si = 104, .regs_dx = 96, .regs_r10 = 56, .regs_r8 = 72,
  .regs_r9 = 64, .regs_ax = 80, .regs_orig_ax = 120, .regs_ip = 128, .regs_sp = 152,
  .meta_name = 0, .meta_syscall_nr = 8, .meta_nb_args = 12, .meta_types = 16,
  .meta_args = 24,
  .pcpu_hot_current_task = G_MAXUINT,
};

GtLinuxOffsets
fg_walker_offsets(void)
{
  GtLinuxOffsets o;
  memset(&o, 0, sizeof o);
  o.pcpu_hot_current_task = G_MAXUINT;
  o.task_pid = fg_linux_offsets.task_pid, o.task_tgid = fg_linux_offsets.task_tgid;
  o.task_tasks = fg_linux_offsets.task_tasks, o.task_mm = fg_linux_offsets.task_mm;
  o.task_files = 0x90, o.task_fs = 0x98;
  o.files_fdt = 0x20, o.fdt_max_fds = 0, o.fdt_fd = 8;
  o.file_path = 0x10, o.path_mnt = 0, o.path_dentry = 8, o.file_inode = 0x20;
  o.fs_root = 0x18, o.fs_pwd = 0x28;
  o.dentry_parent = 0x18, o.dentry_name_len = 0x24, o.dentry_name = 0x28,
  o.dentry_op = 0x60, o.dentry_inode = 0x30, o.dentry_hash_pprev = 0x10;
  o.dop_dname = 0x38, o.inode_ino = 0x40;
  o.mount_mnt = 0x20, o.mount_parent = 0x10, o.mount_mountpoint = 0x18, o.vfsmount_root = 0;
  o.mm_mt_root = 0x48;
  o.mr64_pivot = 8, o.mr64_slot = 128, o.mr64_meta_end = 248;
  o.ma64_pivot = 8, o.ma64_slot = 80, o.ma64_meta_end = 240;
  o.vma_start = 0, o.vma_end = 8, o.vma_pgoff = 0x20, o.vma_file = 0x28, o.vma_flags = 0x30;
  o.mm_mmap = G_MAXUINT, o.vma_next = G_MAXUINT;
  o.file_mapping = 0x40, o.as_xa_head = 0x10, o.xa_node_shift = 0, o.xa_node_slots = 0x28;
  o.page_flags = 0, o.page_index = 0x20;
  o.page_struct_size = FG_PAGE_STRUCT, o.pg_uptodate_bit = 2;
  o.mt_leaf_64 = FG_MT_LEAF, o.mt_range_64 = FG_MT_RANGE, o.mt_arange_64 = FG_MT_ARANGE;
  return o;
}

guint64
fg_new_task(FakeGuest *fg, gint32 pid, gint32 tgid, const char *comm, guint64 parent,
            guint64 cred, guint64 mm)
{
  const GtLinuxOffsets *o = &fg_linux_offsets;
  guint64 t = fg_alloc(fg, FG_TASK_SIZE);
  fg_put_u32(fg, t + o->task_pid, (guint32) pid);
  fg_put_u32(fg, t + o->task_tgid, (guint32) tgid);
  strncpy(fg_ptr(fg, t + o->task_comm), comm, 16);
  fg_put_u64(fg, t + o->task_real_parent, parent ? parent : t);
  fg_put_u64(fg, t + o->task_real_cred, cred);
  fg_put_u64(fg, t + o->task_cred, cred);
  fg_put_u64(fg, t + o->task_mm, mm);
  fg_put_u32(fg, t + o->task_flags, mm ? 0 : 0x00200000);
  return t;
}

void
fg_link_tasks(FakeGuest *fg, const guint64 *tasks, guint n)
{
  guint off = fg_linux_offsets.task_tasks;
  for (guint i = 0; i < n; i++) {
    fg_put_u64(fg, tasks[i] + off, tasks[(i + 1) % n] + off);
    fg_put_u64(fg, tasks[i] + off + 8, tasks[(i + n - 1) % n] + off);
  }
}

guint64
fg_new_cred(FakeGuest *fg, guint32 uid, guint32 gid, guint32 euid, guint32 egid)
{
  const GtLinuxOffsets *o = &fg_linux_offsets;
  guint64 c = fg_alloc(fg, 0x40);
  fg_put_u32(fg, c + o->cred_uid, uid);
  fg_put_u32(fg, c + o->cred_gid, gid);
  fg_put_u32(fg, c + o->cred_euid, euid);
  fg_put_u32(fg, c + o->cred_egid, egid);
  return c;
}

static guint64
put_strings(FakeGuest *fg, const char *const *s, guint n)
{
  guint64 arr = fg_alloc(fg, 8 * (n ? n : 1));
  for (guint i = 0; i < n; i++)
    fg_put_u64(fg, arr + 8 * i, s[i] ? fg_string(fg, s[i]) : FG_UNMAPPED);
  return arr;
}

guint64
fg_new_syscall_meta(FakeGuest *fg, const char *name, gint32 nr, guint32 nb,
                    const char *const *types, const char *const *args)
{
  const GtLinuxOffsets *o = &fg_linux_offsets;
  guint64 m = fg_alloc(fg, 64);
  fg_put_u64(fg, m + o->meta_name, name ? fg_string(fg, name) : FG_UNMAPPED);
  fg_put_u32(fg, m + o->meta_syscall_nr, (guint32) nr);
  fg_put_u32(fg, m + o->meta_nb_args, nb);
  guint n = MIN(nb, 6);
  fg_put_u64(fg, m + o->meta_types, types ? put_strings(fg, types, n) : FG_UNMAPPED);
  fg_put_u64(fg, m + o->meta_args, args ? put_strings(fg, args, n) : FG_UNMAPPED);
  return m;
}

#define PTE_US 0x4ULL

/* A zeroed, 4 KiB-aligned page from the bump allocator: its physical
 * address. */
static guint64
alloc_table(FakeGuest *fg)
{
  guint64 va = fg_alloc(fg, 2 * 4096);
  return ((va - FG_KBASE) + 4095) & ~4095ULL;
}

guint64
fg_new_user_root(FakeGuest *fg, guint64 user_va, guint64 user_pa)
{
  g_assert_cmpuint(user_va & (2 * MIB - 1), ==, 0);
  g_assert_cmpuint(user_pa & (2 * MIB - 1), ==, 0);
  g_assert_cmpuint(user_va >> 39, ==, 0);
  guint64 root = alloc_table(fg), pdpt = alloc_table(fg), pd = alloc_table(fg);
  memcpy(fg->ram->data + root, fg->ram->data + fg->cr3, 4096);
  guint64 flags = PTE_P | PTE_RW | PTE_US;
  put_phys(fg, root + ((user_va >> 39) & 0x1ff) * 8, pdpt | flags);
  put_phys(fg, pdpt + ((user_va >> 30) & 0x1ff) * 8, pd | flags);
  put_phys(fg, pd + ((user_va >> 21) & 0x1ff) * 8, user_pa | flags | PTE_PS);
  return root;
}

GtSymbols *
fg_symbols(const char *map)
{
  g_autoptr(GError) error = NULL;
  GtSymbols *syms = gt_symbols_parse(map, strlen(map), "test", &error);
  g_assert_no_error(error);
  return syms;
}

GtLinux *
fg_linux(FakeGuest *fg, GtSymbols *syms, const GtLinuxOffsets *off)
{
  g_autoptr(GError) error = NULL;
  GtLinux *lx = gt_linux_new_with_offsets(fg->mem, syms, fg->cr3, off, &error);
  g_assert_no_error(error);
  return lx;
}

void
fg_linux_free(GtLinux *lx, GtSymbols *syms, FakeGuest *fg)
{
  gt_linux_free(lx);
  gt_symbols_free(syms);
  fg_free(fg);
}
