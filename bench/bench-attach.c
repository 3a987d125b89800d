/* bench-attach: how long attaching takes, from connect to armed (every
 * system call's probe inserted), with a symbol map (-m) and with symbols
 * from guest memory, side by side in one run, on one test-kit guest
 * (512 MiB, 2 vCPUs, KASLR). Four ways, each RUNS times, median and range:
 *   qemu:HOST:PORT --mem FILE -m System.map
 *   qemu:HOST:PORT --mem FILE               (symbols from memory)
 *   qmp:PATH -m System.map                  (RAM from QEMU's process; the kit guest has
 *                                            -gdb, so qmp: reuses that stub)
 *   qmp:PATH                                (nothing but the socket)
 * Then the -m cross-check's search for VMCOREINFO both ways on the same
 * guest: the scan of RAM from 0 (what it was) and the read through the
 * map's vmcoreinfo_data (what it is), with the driver's memory through the
 * RAM file and through the gdb stub alone (a request per read, as Xen maps
 * a frame per page): time, physical reads and bytes.
 * usage: bench-attach [RUNS]   (GT_GUEST_IMAGE_DIR as for the e2e tests) */
#include <stdio.h>
#include <stdlib.h>
#include <guestrace/guestrace.h>
#include <guestrace/record.h>

#include "guestkit.h"
#include "vmi/ksyms-source.h"
#include "vmi/vmi.h"

static int
cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Seconds from gt_loop_new_full to gt_loop_start returning; -1 on error. */
static double
attach_once(const char *spec, const char *mem, const char *map, guint *probes)
{
  GtLoopOptions o = { .mem_path = mem, .sysmap_path = map };
  g_autoptr(GError) error = NULL;
  gint64 t0 = g_get_monotonic_time();
  GtLoop *loop = gt_loop_new_full(spec, &o, &error);
  gboolean ok = loop && gt_loop_trace_all_syscalls(loop, &error) && gt_loop_start(loop, &error);
  gint64 t1 = g_get_monotonic_time();
  if (!ok)
    fprintf(stderr, "bench-attach: %s: %s\n", spec, error ? error->message : "?");
  if (loop)
    *probes = gt_loop_get_probe_count(loop);
  gt_loop_free(loop);
  return ok ? (t1 - t0) / 1e6 : -1;
}

static void
measure(const char *label, const char *spec, const char *mem, const char *map, int runs)
{
  double *t = g_new(double, runs);
  guint probes = 0;
  for (int i = 0; i < runs; i++) {
    t[i] = attach_once(spec, mem, map, &probes);
    if (t[i] < 0) {
      printf("%-44s failed\n", label);
      g_free(t);
      return;
    }
    g_usleep(200 * 1000);  /* let the guest run between attaches */
  }
  qsort(t, runs, sizeof *t, cmp_double);
  printf("%-44s median %.3f s  (min %.3f, max %.3f, %d runs, %u probes)\n", label,
         t[runs / 2], t[0], t[runs - 1], runs, probes);
  g_free(t);
}

typedef struct {
  GtDriver *d;
  guint64 reads, bytes;
} Counted;

static gboolean
counted_read(void *ctx, guint64 pa, void *buf, gsize len, GError **error)
{
  Counted *c = ctx;
  c->reads++;
  c->bytes += len;
  return c->d->ops->read_phys(c->d, pa, buf, len, error);
}

/* One way of finding VMCOREINFO for the check, on a fresh connection. */
static void
check_once(const char *label, const char *spec, const GtDriverOptions *dopts, guint64 kcr3,
           const GtSymbols *syms, gboolean via_map)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GtDriver) d = gt_driver_open(spec, dopts, &error);
  if (!d) {
    printf("%-44s failed: %s\n", label, error->message);
    return;
  }
  Counted c = { d, 0, 0 };
  g_autoptr(GtMem) mem = gt_mem_new(counted_read, NULL, &c);
  gint64 t0 = g_get_monotonic_time();
  g_autoptr(GtVmcoreinfo) vi =
    via_map ? gt_ksyms_vmcoreinfo_via_map(mem, kcr3, syms)
            : gt_ksyms_find_vmcoreinfo(mem, kcr3, 60 * G_USEC_PER_SEC, NULL);
  double secs = (g_get_monotonic_time() - t0) / 1e6;
  printf("%-44s %s in %.3f s, %" G_GUINT64_FORMAT " reads, %" G_GUINT64_FORMAT " KiB\n",
         label, vi ? "found" : "NOT found", secs, c.reads, c.bytes / 1024);
}

/* The map with the guest's slide, and the kernel page tables, from one
 * attach. */
static void
measure_check(const char *spec, const char *ram, const char *map)
{
  GtLoopOptions o = { .mem_path = ram, .sysmap_path = map };
  g_autoptr(GError) error = NULL;
  GtVmi *vmi = gt_vmi_open(spec, &o, &error);
  if (!vmi) {
    printf("cross-check: %s\n", error->message);
    return;
  }
  guint64 kcr3 = vmi->kcr3;
  g_autoptr(GtSymbols) syms = g_steal_pointer(&vmi->syms);
  gt_vmi_close(vmi);
  GtDriverOptions file = { .mem_path = ram }, stub = { .stub_memory = TRUE };
  check_once("-m check, RAM file: scan of RAM (before)", spec, &file, kcr3, syms, FALSE);
  check_once("-m check, RAM file: through the map (now)", spec, &file, kcr3, syms, TRUE);
  check_once("-m check, gdb stub: scan of RAM (before)", spec, &stub, kcr3, syms, FALSE);
  check_once("-m check, gdb stub: through the map (now)", spec, &stub, kcr3, syms, TRUE);
}

int
main(int argc, char **argv)
{
  int runs = argc > 1 ? atoi(argv[1]) : 5;
  if (runs < 1)
    runs = 5;
  g_autoptr(GError) error = NULL;
  GkOptions o = { 0 };
  g_autoptr(GkGuest) g = gk_guest_boot(&o, &error);
  if (!g) {
    fprintf(stderr, "bench-attach: %s\n", error->message);
    return 1;
  }
  g_autofree char *map = gk_image_sysmap_path();
  g_autofree char *ver = gk_image_kernel_version();
  g_autofree char *qmp = g_strdup_printf("qmp:%s", gk_guest_qmp_path(g));
  printf("guest: %s, 512 MiB, 2 vCPUs, KASLR; attach = connect to armed\n", ver);
  measure("qemu:HOST:PORT --mem FILE -m System.map", gk_guest_spec(g), gk_guest_mem_path(g),
          map, runs);
  measure("qemu:HOST:PORT --mem FILE (no map)", gk_guest_spec(g), gk_guest_mem_path(g), NULL,
          runs);
  measure("qmp:PATH -m System.map", qmp, NULL, map, runs);
  measure("qmp:PATH (no map, no --mem)", qmp, NULL, NULL, runs);
  measure_check(gk_guest_spec(g), gk_guest_mem_path(g), map);
  return 0;
}
