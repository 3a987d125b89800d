/* bench-trace: where the time goes when a system call is traced, measured
 * side by side in one guest boot. A loop of N getppid() calls runs
 *   untraced; under strace in the guest; under guestrace with results (two
 *   stops per call) and without (one stop per call); and under a bare
 *   client (this program, over the QEMU driver alone) that at the same
 *   breakpoint only stops, reads the registers and continues.
 * Per call: the loop's own time (the workload logs it). Per stop, for
 * guestrace and the bare client: requests to the gdb stub (counted by a
 * proxy between the tracer and the stub, in the loop's window) and the
 * tracer's CPU time (guestrace: /proc/PID/schedstat in the window, and
 * getrusage of the whole process including attaching; the bare client:
 * getrusage of its thread).
 *
 *   bench-trace [N]        (GT_GUESTRACE, GT_GUEST_IMAGE_DIR as for tests)
 */
#include "guestkit.h"
#include "rsp-proxy.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "trace/probe.h"
#include "vmi/vmi.h"

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

static double
tv_s(struct timeval tv)
{
  return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static double
rusage_s(int who)
{
  struct rusage ru;
  getrusage(who, &ru);
  return tv_s(ru.ru_utime) + tv_s(ru.ru_stime);
}

/* CPU seconds of a process's main thread so far (0 if unknown). */
static double
schedstat_s(GSubprocess *p)
{
  g_autofree char *path = g_strdup_printf("/proc/%s/schedstat", g_subprocess_get_identifier(p));
  g_autofree char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, NULL))
    return 0;
  return (double)g_ascii_strtoull(text, NULL, 10) / 1e9;
}

/* What one tracer did in the loop's window. */
typedef struct {
  double ns_call;
  guint64 stops;
  guint64 packets;
  double cpu_window_s;   /* -1: not measured */
  double cpu_total_s;
} Run;

typedef struct {
  GkGuest *g;
  RspProxy *proxy;
  char *sysmap;
  char *spec;            /* qemu:127.0.0.1:<proxy port> */
} Bench;

static GSubprocess *
start_guestrace(Bench *b, gboolean results)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  const char *fixed[] = { g_getenv("GT_GUESTRACE"), "--mem", gk_guest_mem_path(b->g), "-m",
                          b->sysmap, "-e", "getppid", "-o", "/dev/null", "--comm", "gtw-loop" };
  for (guint i = 0; i < G_N_ELEMENTS(fixed); i++)
    g_ptr_array_add(argv, (gpointer)fixed[i]);
  if (!results)
    g_ptr_array_add(argv, "--no-results");
  g_ptr_array_add(argv, b->spec);
  g_ptr_array_add(argv, NULL);
  GSubprocess *p = g_subprocess_newv((const char *const *)argv->pdata,
                                     G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error(error);
  return p;
}

/* "guestrace: N calls reported, M stops" */
static guint64
stops_of(const char *err)
{
  const char *c = err ? strstr(err, " calls reported, ") : NULL;
  return c ? g_ascii_strtoull(c + strlen(" calls reported, "), NULL, 10) : 0;
}

static void
run_guestrace(Bench *b, gboolean results, const char *go, const char *done, Run *r)
{
  g_autoptr(GError) error = NULL;
  g_assert_true(gk_guest_wait_console(b->g, go, 600, &error));
  double cpu0 = rusage_s(RUSAGE_CHILDREN);
  g_autoptr(GSubprocess) p = start_guestrace(b, results);
  g_usleep(2 * G_USEC_PER_SEC);   /* attached well within the guest's sleep */
  guint64 pk0 = rsp_proxy_packets(b->proxy);
  double w0 = schedstat_s(p);
  g_assert_true(gk_guest_wait_console(b->g, done, 900, &error));
  r->packets = rsp_proxy_packets(b->proxy) - pk0;
  r->cpu_window_s = schedstat_s(p) - w0;
  g_subprocess_send_signal(p, SIGINT);
  g_autofree char *err = NULL;
  g_subprocess_communicate_utf8(p, NULL, NULL, NULL, &err, NULL);
  r->cpu_total_s = rusage_s(RUSAGE_CHILDREN) - cpu0;
  r->stops = stops_of(err);
}

typedef struct {
  Bench *b;
  gint quit;
  guint64 stops, packets;
  double cpu_s;
  char *error;
} Bare;

/* Stop, read registers, continue: what any tracer must do at a stop. */
static gpointer
bare_client(gpointer data)
{
  Bare *bc = data;
  g_autoptr(GError) error = NULL;
  GtLoopOptions o = { .mem_path = gk_guest_mem_path(bc->b->g), .sysmap_path = bc->b->sysmap };
  g_autoptr(GtVmi) vmi = gt_vmi_open(bc->b->spec, &o, &error);
  g_autoptr(GtProbe) p = vmi ? gt_probe_resolve(vmi, NULL, NULL, "__x64_sys_getppid", &error)
                             : NULL;
  GtDriver *d = vmi ? vmi->driver : NULL;
  if (!p || !d->ops->insert_bp(d, p->bp, &error) || !d->ops->resume(d, &error)) {
    bc->error = g_strdup(error->message);
    return NULL;
  }
  guint64 pk0 = rsp_proxy_packets(bc->b->proxy);
  double cpu0 = rusage_s(RUSAGE_THREAD);
  while (!g_atomic_int_get(&bc->quit)) {
    GtStop st;
    GtRegs regs;
    if (!d->ops->wait(d, 100, &st, &error) || st.kind == GT_STOP_GONE)
      break;
    if (st.kind == GT_STOP_NONE)
      continue;
    gboolean ok = d->ops->get_regs(d, st.vcpu, &regs, &error) &&
                  (p->skip ? d->ops->set_reg(d, st.vcpu, GT_REG_RIP, p->bp + p->skip, &error)
                           : d->ops->step(d, st.vcpu, &error)) &&
                  d->ops->resume(d, &error);
    if (!ok)
      break;
    bc->stops++;
  }
  bc->cpu_s = rusage_s(RUSAGE_THREAD) - cpu0;
  bc->packets = rsp_proxy_packets(bc->b->proxy) - pk0;
  if (error)
    bc->error = g_strdup(error->message);
  return NULL;
}

static void
run_bare(Bench *b, Run *r)
{
  g_autoptr(GError) error = NULL;
  g_assert_true(gk_guest_wait_console(b->g, "GO3", 600, &error));
  Bare bc = { .b = b };
  GThread *t = g_thread_new("bare", bare_client, &bc);
  g_assert_true(gk_guest_wait_console(b->g, "DONE3", 900, &error));
  g_atomic_int_set(&bc.quit, 1);
  g_thread_join(t);
  if (bc.error)
    fprintf(stderr, "bench-trace: bare client: %s\n", bc.error);
  g_free(bc.error);
  r->stops = bc.stops;
  r->packets = bc.packets;
  r->cpu_window_s = bc.cpu_s;
  r->cpu_total_s = -1;
}

static void
print_run(const char *name, const Run *r, double base)
{
  double per = r->stops ? 1.0 / (double)r->stops : 0;
  printf("%-36s %9.1f %8.1f %7" G_GUINT64_FORMAT " %8.2f %9.1f", name, r->ns_call / 1e3,
         r->ns_call / base, r->stops, (double)r->packets * per, r->cpu_window_s * 1e6 * per);
  if (r->cpu_total_s >= 0)
    printf(" %10.1f", r->cpu_total_s * 1e6 * per);
  printf("\n");
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
  RspProxy *proxy = g ? rsp_proxy_new((guint16)gk_guest_gdb_port(g), &error) : NULL;
  if (!proxy) {
    fprintf(stderr, "bench-trace: %s\n", error->message);
    return 1;
  }
  Bench b = { .g = g, .proxy = proxy, .sysmap = gk_image_sysmap_path(),
              .spec = g_strdup_printf("qemu:127.0.0.1:%u", rsp_proxy_port(proxy)) };
  g_autofree char *cmd = g_strdup_printf(
    "gtw-loop %ld; strace -o /dev/null -e trace=getppid gtw-loop %ld; "
    "echo GO1; sleep 6; gtw-loop %ld; echo DONE1; sleep 3; "
    "echo GO2; sleep 6; gtw-loop %ld; echo DONE2; sleep 3; "
    "echo GO3; sleep 6; gtw-loop %ld; echo DONE3", n, n, n, n, n);
  g_assert_true(gk_guest_run(g, cmd, &error));
  Run two = { 0 }, one = { 0 }, bare = { 0 };
  run_guestrace(&b, TRUE, "GO1", "DONE1", &two);
  run_guestrace(&b, FALSE, "GO2", "DONE2", &one);
  run_bare(&b, &bare);
  g_autoptr(GPtrArray) log = gk_guest_workload_log(g, "GTWL ");
  double base = ns_per_call(log, 0), st = ns_per_call(log, 1);
  two.ns_call = ns_per_call(log, 2);
  one.ns_call = ns_per_call(log, 3);
  bare.ns_call = ns_per_call(log, 4);
  g_autofree char *ver = gk_image_kernel_version();
  printf("guest kernel %s, QEMU TCG, %ld getppid() calls each, same boot\n", ver, n);
  printf("%-36s %9s %8s %7s %8s %9s %10s\n", "", "us/call", "x base", "stops", "req/stop",
         "cpu us/st", "cpu+attach");
  printf("%-36s %9.1f %8.1f\n", "untraced", base / 1e3, 1.0);
  printf("%-36s %9.1f %8.1f\n", "strace in the guest", st / 1e3, st / base);
  print_run("guestrace (call + return)", &two, base);
  print_run("guestrace --no-results (call only)", &one, base);
  print_run("bare client: stop, regs, continue", &bare, base);
  printf("req/stop: packets sent to the gdb stub in the loop's window per stop;\n"
         "cpu us/st: the tracer's CPU in that window per stop; cpu+attach: guestrace's\n"
         "getrusage over its whole run (attach, symbols, detach included) per stop\n");
  rsp_proxy_free(proxy);
  g_free(b.sysmap);
  g_free(b.spec);
  return 0;
}
