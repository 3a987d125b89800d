/* See linux-world.h. The RAM, page tables and symbols are made once; each
 * input only rewrites the region. */
#include "linux-world.h"

#include <string.h>

#include "../tests/unit/linux/fake-guest.h"

static FakeGuest *world;
static GtSymbols *syms;

GtLinux *
fuzz_linux_world(const guint8 *data, gsize size)
{
  return fuzz_linux_world_with(data, size, &fg_linux_offsets);
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
