/* bench-memread: reads the same 1 MiB of kernel memory twice in one run,
 * once through QEMU's shared RAM file and once through the gdb stub ('m'
 * packets in physical-memory mode), checks that both agree, and prints both
 * times and their ratio.
 *
 * usage: bench-memread qemu:HOST:PORT RAM-FILE [LOWMEM]
 * The guest is stopped for the duration and left running afterwards. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver/driver.h"
#include "driver/qemu/qemu-ram.h"
#include "vmi/pagetable.h"

#define BENCH_BYTES (1024 * 1024)
#define PAGE 4096

static gboolean
drv_read(void *ctx, guint64 pa, void *buf, gsize len, GError **error)
{
  GtDriver *d = ctx;
  return d->ops->read_phys(d, pa, buf, len, error);
}

int
main(int argc, char **argv)
{
  if (argc < 3) {
    fprintf(stderr, "usage: %s qemu:HOST:PORT RAM-FILE [LOWMEM]\n", argv[0]);
    return 2;
  }
  guint64 lowmem = argc > 3 ? g_ascii_strtoull(argv[3], NULL, 0) : 0;
  g_autoptr(GError) error = NULL;
  /* No mem_path: the driver's memory goes through the stub. */
  GtDriverOptions opts = { .lowmem = lowmem, .stub_memory = TRUE };
  g_autoptr(GtDriver) d = gt_driver_open(argv[1], &opts, &error);
  g_autoptr(GtQemuRam) ram = d ? gt_qemu_ram_open(argv[2], lowmem, &error) : NULL;
  if (!ram) {
    fprintf(stderr, "bench-memread: %s\n", error->message);
    return 1;
  }
  GtRegs regs;
  if (!d->ops->get_regs(d, 0, &regs, &error)) {
    fprintf(stderr, "bench-memread: %s\n", error->message);
    return 1;
  }
  /* 1 MiB of kernel text from the start of the 1 MiB block holding the
   * vCPU's kernel RIP (or of the kernel image base, if RIP is in user
   * space), page by page through the guest's page tables. */
  guint64 va = regs.r[GT_REG_RIP] >= 0xffff800000000000ULL ? regs.r[GT_REG_RIP]
                                                          : 0xffffffff81000000ULL;
  va &= ~(guint64)(BENCH_BYTES - 1);
  gboolean la57 = (regs.r[GT_REG_CR4] >> 12) & 1;
  guint64 pas[BENCH_BYTES / PAGE];
  for (guint i = 0; i < G_N_ELEMENTS(pas); i++) {
    GtTranslation t;
    if (!gt_pt_translate(drv_read, d, regs.r[GT_REG_CR3], la57, va + (guint64)i * PAGE, &t,
                         &error)) {
      fprintf(stderr, "bench-memread: translating 0x%" G_GINT64_MODIFIER "x: %s\n",
              va + (guint64)i * PAGE, error->message);
      return 1;
    }
    pas[i] = t.pa;
  }

  /* Touch the destinations first so no run pays for their page faults. */
  g_autofree guint8 *via_file = g_malloc0(BENCH_BYTES);
  g_autofree guint8 *via_stub = g_malloc0(BENCH_BYTES);
  /* The RAM file: the first pass also faults the mapping in; report it
   * and the best of a few warm passes. */
  double file_cold_us = 0, file_us = G_MAXDOUBLE;
  for (guint pass = 0; pass < 6 && !error; pass++) {
    gint64 t0 = g_get_monotonic_time();
    for (guint i = 0; i < G_N_ELEMENTS(pas); i++)
      if (!gt_qemu_ram_read(ram, pas[i], via_file + (gsize)i * PAGE, PAGE, &error))
        break;
    double us = MAX((double)(g_get_monotonic_time() - t0), 0.1);
    if (pass == 0)
      file_cold_us = us;
    else
      file_us = MIN(file_us, us);
  }
  gint64 t1 = g_get_monotonic_time();
  for (guint i = 0; !error && i < G_N_ELEMENTS(pas); i++)
    if (!d->ops->read_phys(d, pas[i], via_stub + (gsize)i * PAGE, PAGE, &error))
      break;
  gint64 t2 = g_get_monotonic_time();
  if (error) {
    fprintf(stderr, "bench-memread: %s\n", error->message);
    return 1;
  }
  double stub_us = (double)(t2 - t1);
  gboolean same = memcmp(via_file, via_stub, BENCH_BYTES) == 0;
  printf("kernel va 0x%" G_GINT64_MODIFIER "x, 1 MiB (%u pages)\n", va,
         (guint)G_N_ELEMENTS(pas));
  printf("ram file : %10.3f ms (first pass, mapping cold: %.3f ms)\n", file_us / 1000.0,
         file_cold_us / 1000.0);
  printf("gdb stub : %10.3f ms\n", stub_us / 1000.0);
  printf("ratio    : %10.0fx (cold: %.0fx)\n", stub_us / file_us, stub_us / file_cold_us);
  printf("contents : %s\n", same ? "identical" : "DIFFERENT");
  return same ? 0 : 1;
}
