/* guestkit: starts QEMU (TCG) on the test image with a per-guest dir, a
 * /dev/shm RAM file and a free loopback gdb port, waits for GK-READY, and
 * tears it all down again. */
#include "gk-private.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define GK_BOOT_TIMEOUT_S 90
#define GK_PORT_TRIES 5

static gint guest_counter;

/* A loopback port nobody listens on right now (QEMU may still lose the
 * race to another process: the caller retries). */
static guint pick_free_port(GError **error)
{
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "socket: %s", g_strerror(errno));
    return 0;
  }
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  socklen_t len = sizeof a;
  if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
      getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "bind: %s", g_strerror(errno));
    close(fd);
    return 0;
  }
  close(fd);
  return ntohs(a.sin_port);
}

char *gk_kernel_cmdline(const GkOptions *o)
{
  /* no_timer_check: under TCG on a loaded host the kernel's check that the
   * IO-APIC timer ticks can time out and panic ("IO-APIC + timer doesn't
   * work"); the emulated timer works, so the check is skipped. */
  return g_strdup_printf("console=ttyS0 quiet loglevel=1 panic=-1 no_timer_check%s%s%s%s",
                         o->nokaslr ? " nokaslr" : "", o->hold ? " gk.hold=1" : "",
                         o->extra_cmdline ? " " : "", o->extra_cmdline ? o->extra_cmdline : "");
}

static GPtrArray *qemu_argv(GkGuest *g, const GkOptions *o)
{
  guint smp = o->smp ? o->smp : 2, mem = o->mem_mb ? o->mem_mb : 512;
  const char *img = gk_image_dir();
  const char *qemu = g_getenv("GK_QEMU");
  GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
#define ARG(...) g_ptr_array_add(a, g_strdup_printf(__VA_ARGS__))
  ARG("%s", qemu && *qemu ? qemu : "qemu-system-x86_64");
  /* One TCG thread for all vCPUs: QEMU 7.2's multi-threaded TCG now and
   * then runs a stale translation of a static-key site the guest kernel
   * has just patched on another vCPU ("Oops: int3" at boot, seen twice in
   * a row on one CI run's deb13 guest). Measured here: boot + a 2000-call
   * workload 4.7 s vs 4.4 s, the e2e trace suite 62 s vs 56 s. GK_ACCEL
   * overrides (e.g. GK_ACCEL=tcg for multi-threaded TCG). */
  const char *accel = g_getenv("GK_ACCEL");
  ARG("-accel"); ARG("%s", accel && *accel ? accel : "tcg,thread=single");
  ARG("-smp"); ARG("%u", smp);
  ARG("-m"); ARG("%uM", mem);
  ARG("-nodefaults"); ARG("-no-user-config"); ARG("-display"); ARG("none");
  if (!o->qmp_only) {
    ARG("-object");
    ARG("memory-backend-file,id=ram,size=%uM,mem-path=%s,share=on", mem, g->mem_path);
    ARG("-machine"); ARG("pc,memory-backend=ram");
  }
  ARG("-kernel"); ARG("%s/vmlinuz", img);
  ARG("-initrd"); ARG("%s/initramfs.cpio.gz", img);
  ARG("-append");
  g_ptr_array_add(a, gk_kernel_cmdline(o));
  ARG("-serial"); ARG("file:%s/console.log", g->dir);
  ARG("-serial"); ARG("file:%s/kallsyms.serial", g->dir);
  ARG("-chardev"); ARG("socket,id=ctl,path=%s/ctl.sock,server=on,wait=off", g->dir);
  ARG("-serial"); ARG("chardev:ctl");
  if (!o->qmp_only) {
    ARG("-gdb"); ARG("tcp:127.0.0.1:%u", g->port);
  }
  ARG("-qmp"); ARG("unix:%s/qmp.sock,server=on,wait=off", g->dir);
  ARG("-no-reboot");
  ARG("-pidfile"); ARG("%s/qemu.pid", g->dir);
#undef ARG
  g_ptr_array_add(a, NULL);
  return a;
}

static gboolean spawn_qemu(GkGuest *g, const GkOptions *o, GError **error)
{
  g_autofree char *log = g_build_filename(g->dir, "qemu.log", NULL);
  int logfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (logfd < 0) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "%s: %s", log, g_strerror(errno));
    return FALSE;
  }
  g_autoptr(GPtrArray) argv = qemu_argv(g, o);
  GPid pid = 0;
  g->t_start = g_get_monotonic_time();
  g->t_start_wall = g_get_real_time();
  gboolean ok = gk_spawn((const char *const *)argv->pdata, g->dir, logfd, &pid, error);
  close(logfd);
  if (!ok)
    return FALSE;
  g->qemu_pid = pid;
  g->exited = FALSE;
  return TRUE;
}

static char *qemu_log_text(GkGuest *g)
{
  g_autofree char *log = g_build_filename(g->dir, "qemu.log", NULL);
  char *text = NULL;
  if (!g_file_get_contents(log, &text, NULL, NULL))
    return g_strdup("");
  return g_strstrip(text);
}

static void kill_qemu(GkGuest *g)
{
  if (g->qemu_pid <= 0 || g->adopted || gk_guest_check_exited(g))
    return;
  kill(g->qemu_pid, SIGTERM);
  for (int i = 0; i < 150 && !gk_guest_check_exited(g); i++)   /* 3 s grace */
    g_usleep(GK_POLL_US);
  if (!g->exited) {
    kill(g->qemu_pid, SIGKILL);
    int st;
    if (waitpid(g->qemu_pid, &st, 0) == g->qemu_pid) {
      g->exited = TRUE;
      g->exit_status = st;
    }
  }
}

gboolean gk_guest_check_exited(GkGuest *g)
{
  if (g->exited)
    return TRUE;
  if (g->adopted) {
    /* Not our child: gone when /proc no longer has it (its parent reaps it). */
    g_autofree char *proc = g_strdup_printf("/proc/%d", (int)g->qemu_pid);
    g->exited = !g_file_test(proc, G_FILE_TEST_EXISTS);
    return g->exited;
  }
  int st = 0;
  pid_t r = waitpid(g->qemu_pid, &st, WNOHANG);
  if (r == g->qemu_pid || (r < 0 && errno == ECHILD)) {
    g->exited = TRUE;
    g->exit_status = st;
  }
  return g->exited;
}

/* Whether a boot that did not reach GK-READY is worth another try: QEMU lost
 * the race for its gdb port, or the kernel oopsed while booting. No tracer is
 * attached before GK-READY, so an oops there is the host's doing: seen once in
 * ~150 boots, "Oops: int3" at a static-key site the kernel had just patched
 * back (QEMU's multi-threaded TCG running a stale translation of the text_poke
 * int3 on another vCPU; guests now run on one TCG thread, see qemu_argv). One
 * more boot, said on stderr; never twice. */
static gboolean
boot_worth_retrying(GkGuest *g, const char *log, int attempt)
{
  gboolean bind_race = g->exited && (strstr(log, "Address already in use") ||
                                     strstr(log, "available port"));
  if (bind_race)
    return attempt + 1 < GK_PORT_TRIES;
  if (g->boot_oops_retried)
    return FALSE;
  g_autofree char *con = gk_guest_console(g);
  if (!strstr(con, "Oops:") && !strstr(con, "Kernel panic"))
    return FALSE;
  g->boot_oops_retried = TRUE;
  fprintf(stderr, "gk: the guest kernel oopsed while booting, before any tracer attached "
                  "(host TCG); booting it once more\n");
  return TRUE;
}

GkGuest *gk_guest_boot(const GkOptions *opts, GError **error)
{
  static const GkOptions defaults = { 0 };
  const GkOptions *o = opts ? opts : &defaults;
  g_autofree char *kernel = g_build_filename(gk_image_dir(), "vmlinuz", NULL);
  if (!g_file_test(kernel, G_FILE_TEST_IS_REGULAR)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                "no guest image for kernel %s: %s is missing", gk_image_kernel(), kernel);
    return NULL;
  }
  gk_reaper_sweep_stale();

  g_autoptr(GkGuest) g = g_new0(GkGuest, 1);
  g->slot = -1;
  g->ctl_fd = -1;
  g->console_fd = -1;
  g->hold = o->hold;
  g->console = g_string_new(NULL);
  g->boot_s = g->kallsyms_s = -1;
  int n = g_atomic_int_add(&guest_counter, 1);
  g->dir = g_strdup_printf("%s/gk-%d-%d", g_get_tmp_dir(), (int)getpid(), n);
  g->qmp_path = g_strdup_printf("%s/qmp.sock", g->dir);
  g->mem_path = g_strdup_printf("/dev/shm/gk-%d-%d-ram", (int)getpid(), n);
  gk_remove_dir(g->dir);   /* a leftover of an earlier process with our pid */
  unlink(g->mem_path);
  if (mkdir(g->dir, 0700) < 0) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "mkdir %s: %s", g->dir,
                g_strerror(errno));
    return NULL;
  }

  for (int attempt = 0;; attempt++) {
    g->port = pick_free_port(error);
    if (!g->port)
      return NULL;
    g->qemu_pid = 0;
    if (!spawn_qemu(g, o, error))
      return NULL;
    gk_reaper_remove(g->slot);
    g->slot = gk_reaper_add(g->qemu_pid, g->mem_path, g->dir);

    g_autoptr(GError) err = NULL;
    if (gk_guest_wait_console(g, "GK-READY", GK_BOOT_TIMEOUT_S, &err)) {
      g->boot_s = (g_get_monotonic_time() - g->t_start) / 1e6;
      break;
    }
    g_autofree char *log = qemu_log_text(g);
    gboolean again = boot_worth_retrying(g, log, attempt);
    kill_qemu(g);
    if (again) {
      g_string_truncate(g->console, 0);
      if (g->console_fd >= 0) {
        close(g->console_fd);
        g->console_fd = -1;
      }
      continue;
    }
    g_autofree char *con = gk_guest_console(g);
    g_set_error(error, G_IO_ERROR, err->code, "guest did not boot: %s\nqemu: %s\nconsole: %s",
                err->message, log, con);
    return NULL;
  }
  g->qmp_only = o->qmp_only;
  if (o->qmp_only)
    g->spec = g_strdup_printf("qmp:%s/qmp.sock", g->dir);
  else
    g->spec = g_strdup_printf("qemu:127.0.0.1:%u", g->port);
  if (!o->no_wait_kallsyms) {
    g_autofree char *ks = gk_guest_kallsyms_path(g, error);
    if (!ks)
      return NULL;
  }
  return g_steal_pointer(&g);
}

GkGuest *gk_guest_adopt(const char *dir, pid_t qemu_pid, const char *spec, gboolean hold,
                        GError **error)
{
  g_autoptr(GkGuest) g = g_new0(GkGuest, 1);
  g->adopted = TRUE;
  g->qemu_pid = qemu_pid;
  g->dir = g_strdup(dir);
  g->spec = g_strdup(spec);
  g->hold = hold;
  g->ctl_fd = g->console_fd = -1;
  g->console = g_string_new(NULL);
  g->boot_s = g->kallsyms_s = -1;
  g->t_start = g_get_monotonic_time();
  g->t_start_wall = g_get_real_time();
  /* Killed if the test dies (an assertion), left alone otherwise. */
  g->slot = gk_reaper_add(qemu_pid, "", "");
  if (!gk_guest_wait_console(g, "GK-READY", GK_BOOT_TIMEOUT_S, error))
    return NULL;
  g->boot_s = (g_get_monotonic_time() - g->t_start) / 1e6;
  return g_steal_pointer(&g);
}

const char *gk_guest_spec(GkGuest *g) { return g->spec; }
guint gk_guest_gdb_port(GkGuest *g) { return g->port; }
const char *gk_guest_mem_path(GkGuest *g) { return g->qmp_only ? NULL : g->mem_path; }
const char *gk_guest_qmp_path(GkGuest *g) { return g->qmp_path; }
const char *gk_guest_dir(GkGuest *g) { return g->dir; }
pid_t gk_guest_qemu_pid(GkGuest *g) { return g->qemu_pid; }
double gk_guest_boot_seconds(GkGuest *g) { return g->boot_s; }

gboolean gk_guest_wait_poweroff(GkGuest *g, int timeout_s)
{
  gint64 end = g_get_monotonic_time() + (gint64)timeout_s * G_USEC_PER_SEC;
  while (!gk_guest_check_exited(g)) {
    if (g_get_monotonic_time() > end)
      return FALSE;
    g_usleep(GK_POLL_US);
  }
  return TRUE;
}

void gk_guest_free(GkGuest *g)
{
  if (!g)
    return;
  kill_qemu(g);
  gk_reaper_remove(g->slot);
  if (g->ctl_fd >= 0)
    close(g->ctl_fd);
  if (g->console_fd >= 0)
    close(g->console_fd);
  if (g->mem_path)
    unlink(g->mem_path);
  if (g->dir && !g->adopted)
    gk_remove_dir(g->dir);
  g_string_free(g->console, TRUE);
  g_free(g->dir);
  g_free(g->mem_path);
  g_free(g->spec);
  g_free(g->qmp_path);
  g_free(g);
}
