/* bench-trace: the cost of tracing a system call, measured side by side in
 * one guest boot: a loop of N getppid() calls untraced, under strace inside
 * the guest, under guestrace with results (two stops per call) and without
 * (one stop per call). Prints per-call times and ratios.
 *
 *   bench-trace [N]        (GT_GUESTRACE, GT_GUEST_IMAGE_DIR as for tests)
 */
#include "guestkit.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static double
ns_per_call(GPtrArray *log, guint which)
{
  guint seen = 0;
  for (guint i = 0; i < log->len; i++) {
    g_autoptr(JsonParser) p = json_parser_new();
    if (!json_parser_load_from_data(p, log->pdata[i], -1, NULL))
      continue;
    JsonObject *o = json_node_get_object(json_parser_get_root(p));
    if (json_object_has_member(o, "summary") && seen++ == which)
      return (double)json_object_get_int_member(o, "elapsed_ns") /
             (double)json_object_get_int_member(o, "count");
  }
  return -1;
}

static GSubprocess *
trace(GkGuest *g, gboolean results, const char *marker)
{
  g_autoptr(GError) error = NULL;
  g_assert_true(gk_guest_wait_console(g, marker, 600, &error));
  g_autofree char *sysmap = gk_image_sysmap_path();
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  const char *fixed[] = { g_getenv("GT_GUESTRACE"), "--mem", gk_guest_mem_path(g), "-m", sysmap,
                          "-e", "getppid", "-o", "/dev/null", "--comm", "gtw-loop" };
  for (guint i = 0; i < G_N_ELEMENTS(fixed); i++)
    g_ptr_array_add(argv, (gpointer)fixed[i]);
  if (!results)
    g_ptr_array_add(argv, "--no-results");
  g_ptr_array_add(argv, (gpointer)gk_guest_spec(g));
  g_ptr_array_add(argv, NULL);
  GSubprocess *p = g_subprocess_newv((const char *const *)argv->pdata,
                                     G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
  g_assert_no_error(error);
  g_usleep(2 * G_USEC_PER_SEC);   /* attached well within the guest's sleep */
  return p;
}

static void
untrace(GSubprocess *p)
{
  g_subprocess_send_signal(p, SIGINT);
  g_subprocess_wait(p, NULL, NULL);
  g_object_unref(p);
}

int
main(int argc, char **argv)
{
  long n = argc > 1 ? atol(argv[1]) : 200;
  if (!g_getenv("GT_GUESTRACE")) {
    fprintf(stderr, "set GT_GUESTRACE to the guestrace binary\n");
    return 2;
  }
  g_autoptr(GError) error = NULL;
  GkOptions opts = { 0 };
  g_autoptr(GkGuest) g = gk_guest_boot(&opts, &error);
  if (!g) {
    fprintf(stderr, "bench-trace: %s\n", error->message);
    return 1;
  }
  g_autofree char *cmd = g_strdup_printf(
    "gtw-loop %ld; strace -o /dev/null -e trace=getppid gtw-loop %ld; echo GO1; sleep 6; "
    "gtw-loop %ld; echo DONE1; sleep 3; echo GO2; sleep 6; gtw-loop %ld; echo DONE2",
    n, n, n, n);
  g_assert_true(gk_guest_run(g, cmd, &error));
  GSubprocess *t = trace(g, TRUE, "GO1");
  g_assert_true(gk_guest_wait_console(g, "DONE1", 900, &error));
  untrace(t);
  t = trace(g, FALSE, "GO2");
  g_assert_true(gk_guest_wait_console(g, "DONE2", 900, &error));
  untrace(t);
  g_autoptr(GPtrArray) log = gk_guest_workload_log(g, "GTWL ");
  double base = ns_per_call(log, 0), st = ns_per_call(log, 1);
  double two = ns_per_call(log, 2), one = ns_per_call(log, 3);
  g_autofree char *ver = gk_image_kernel_version();
  printf("guest kernel %s, QEMU TCG, %ld getppid() calls each, same boot\n", ver, n);
  printf("%-34s %12s %10s\n", "", "us/call", "x untraced");
  printf("%-34s %12.1f %10.1f\n", "untraced", base / 1e3, 1.0);
  printf("%-34s %12.1f %10.1f\n", "strace in the guest", st / 1e3, st / base);
  printf("%-34s %12.1f %10.1f\n", "guestrace (call + return)", two / 1e3, two / base);
  printf("%-34s %12.1f %10.1f\n", "guestrace --no-results (call only)", one / 1e3, one / base);
  printf("guestrace / strace: %.1fx (with results), %.1fx (calls only)\n", two / st, one / st);
  return 0;
}
