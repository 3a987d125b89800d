/* See linux-world.h. The RAM, page tables and symbols are made once; each
 * input only rewrites the region. */
#include "linux-world.h"

#include <string.h>

#include "../tests/unit/linux/fake-guest.h"

static const GtLinuxOffsets fuzz_offsets = {
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

static FakeGuest *world;
static GtSymbols *syms;

GtLinux *
fuzz_linux_world(const guint8 *data, gsize size)
{
  return fuzz_linux_world_with(data, size, &fuzz_offsets);
}

GtLinux *
fuzz_linux_world_with(const guint8 *data, gsize size, const GtLinuxOffsets *offsets)
{
  if (!world) {
    world = fg_new(2);
    g_assert(FG_KBASE + world->next <= FUZZ_REGION_VA);
    g_autofree char *map = g_strdup_printf(
      "%016" G_GINT64_MODIFIER "x D init_task\n"
      "0000000000001000 D current_task\n"
      "%016" G_GINT64_MODIFIER "x D syscalls_metadata\n"
      "%016" G_GINT64_MODIFIER "x D __start_syscalls_metadata\n"
      "%016" G_GINT64_MODIFIER "x D __stop_syscalls_metadata\n"
      /* For the VMA, page-cache and descriptor walkers (fuzz-linux-walkers). */
      "%016" G_GINT64_MODIFIER "x D vmemmap_base\n"
      "ffffffff81100000 t sockfs_dname\nffffffff81100100 t pipefs_dname\n"
      "ffffffff81100200 t anon_inodefs_dname\nffffffff81100300 t simple_dname\n",
      (guint64) FUZZ_REGION_VA, (guint64) FUZZ_REGION_VA, (guint64) FUZZ_REGION_VA + 0x10,
      (guint64) FUZZ_REGION_VA + 0x90, (guint64) FUZZ_REGION_VA + FUZZ_VMEMMAP_VAR);
    syms = gt_symbols_parse(map, strlen(map), "fuzz", NULL);
    g_assert(syms != NULL);
  }
  guint8 *region = fg_ptr(world, FUZZ_REGION_VA);
  gsize n = MIN(size, FUZZ_REGION_SIZE);
  memcpy(region, data, n);
  memset(region + n, 0, FUZZ_REGION_SIZE - n);
  GtLinux *lx = gt_linux_new_with_offsets(world->mem, syms, world->cr3, offsets, NULL);
  g_assert(lx != NULL);
  return lx;
}
