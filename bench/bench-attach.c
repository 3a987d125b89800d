/* bench-attach: how long attaching takes, from connect to armed (every
 * system call's probe inserted), with a symbol map (-m) and with symbols
 * from guest memory, side by side in one run, on one test-kit guest
 * (512 MiB, 2 vCPUs, KASLR). Four ways, each RUNS times, median and range:
 *   qemu:HOST:PORT --mem FILE -m System.map
 *   qemu:HOST:PORT --mem FILE               (symbols from memory)
 *   qmp:PATH -m System.map                  (RAM from QEMU's process; the kit guest has
 *                                            -gdb, so qmp: reuses that stub)
 *   qmp:PATH                                (nothing but the socket)
 * usage: bench-attach [RUNS]   (GT_GUEST_IMAGE_DIR as for the e2e tests) */
#include <stdio.h>
#include <stdlib.h>
#include <guestrace/guestrace.h>
#include <guestrace/record.h>

#include "guestkit.h"

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
  return 0;
}
