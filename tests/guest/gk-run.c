/* gk-run: boots the test guest for the demo, benchmarks and manual work.
 *   gk-run [--nokaslr] [--smp N] [--mem MB] [--cmdline EXTRA] --workload "CMDLINE"
 *          [--timeout S] [--ready-delay S] [--keep] [-- COMMAND ARGS...]
 * With COMMAND: exports GT_GUEST, GT_GUEST_MEM, GT_GUEST_SYSMAP,
 * GT_GUEST_KALLSYMS, replaces {guest} {mem} {sysmap} {kallsyms} in ARGS,
 * starts COMMAND, waits for "guestrace: tracing" on its stderr (or
 * --ready-delay), sends the workload, and on GK-RUN-END interrupts COMMAND
 * (SIGINT) and exits with its status. Without COMMAND: runs the workload
 * and prints the console. --keep: boots, prints the variables, waits for
 * Ctrl-C. */
#include "guestkit.h"

#include <errno.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define READY_LINE "guestrace: tracing"

static gboolean opt_nokaslr, opt_keep, opt_qmp_only;
static int opt_smp, opt_mem, opt_timeout = 300;
static double opt_ready_delay = -1;
static char *opt_workload, *opt_cmdline;

static const GOptionEntry entries[] = {
  { "nokaslr", 0, 0, G_OPTION_ARG_NONE, &opt_nokaslr, "Boot with nokaslr", NULL },
  { "smp", 0, 0, G_OPTION_ARG_INT, &opt_smp, "Guest CPUs (2)", "N" },
  { "mem", 0, 0, G_OPTION_ARG_INT, &opt_mem, "Guest RAM in MB (512)", "MB" },
  { "cmdline", 0, 0, G_OPTION_ARG_STRING, &opt_cmdline, "More kernel command line", "EXTRA" },
  { "workload", 'w', 0, G_OPTION_ARG_STRING, &opt_workload, "Command line run in the guest", "CMDLINE" },
  { "timeout", 't', 0, G_OPTION_ARG_INT, &opt_timeout, "Seconds for the workload (300)", "S" },
  { "ready-delay", 0, 0, G_OPTION_ARG_DOUBLE, &opt_ready_delay,
    "Send the workload after S seconds even without \"" READY_LINE "\"", "S" },
  { "keep", 0, 0, G_OPTION_ARG_NONE, &opt_keep, "Boot, print the variables, wait for Ctrl-C", NULL },
  { "qmp-only", 0, 0, G_OPTION_ARG_NONE, &opt_qmp_only,
    "Start QEMU with only -qmp (no -gdb, no RAM file): {guest} is qmp:PATH, {mem} empty", NULL },
  { NULL },
};

static volatile sig_atomic_t interrupted;
static GkGuest *guest;   /* for the signal path */

static void on_int(int sig)
{
  (void)sig;
  interrupted = 1;
}

/* Copies COMMAND's stderr to ours and notes the ready line. */
typedef struct {
  int fd;
  gint ready;
} StderrTee;

static gpointer tee_thread(gpointer data)
{
  StderrTee *t = data;
  GString *line = g_string_new(NULL);
  char buf[4096];
  ssize_t n;
  while ((n = read(t->fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
    if (n < 0)
      continue;
    for (ssize_t off = 0; off < n;) {
      ssize_t w = write(2, buf + off, (size_t)(n - off));
      if (w <= 0)
        break;
      off += w;
    }
    for (ssize_t i = 0; i < n; i++) {
      if (buf[i] == '\n') {
        if (strstr(line->str, READY_LINE))
          g_atomic_int_set(&t->ready, 1);
        g_string_truncate(line, 0);
      } else if (line->len < 4096) {
        g_string_append_c(line, buf[i]);
      }
    }
  }
  g_string_free(line, TRUE);
  close(t->fd);
  return NULL;
}

static char *subst(const char *arg, const char *const *map)
{
  char *s = g_strdup(arg);
  for (guint i = 0; map[i]; i += 2) {
    g_auto(GStrv) parts = g_strsplit(s, map[i], -1);
    g_free(s);
    s = g_strjoinv(map[i + 1], parts);
  }
  return s;
}

static int exit_code(int status)
{
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return WTERMSIG(status) == SIGINT ? 0 : 128 + WTERMSIG(status);
  return 1;
}

/* Waits for pid up to timeout_ms; TRUE if it exited (status set). */
static gboolean wait_child(pid_t pid, int timeout_ms, int *status)
{
  for (int i = 0; i <= timeout_ms / 20; i++) {
    if (waitpid(pid, status, WNOHANG) == pid)
      return TRUE;
    g_usleep(20000);
  }
  return FALSE;
}

static int run_command(char **cmd, const char *ks)
{
  g_autofree char *sysmap = gk_image_sysmap_path();
  const char *mem = gk_guest_mem_path(guest);
  const char *map[] = { "{guest}", gk_guest_spec(guest), "{mem}", mem ? mem : "",
                        "{sysmap}", sysmap, "{kallsyms}", ks, NULL };
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; cmd[i]; i++)
    g_ptr_array_add(argv, subst(cmd[i], map));
  g_ptr_array_add(argv, NULL);

  g_autoptr(GError) err = NULL;
  GPid pid;
  StderrTee tee = { -1, 0 };
  if (!g_spawn_async_with_pipes((const char *)NULL, (char **)argv->pdata, NULL,
                                G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                &pid, NULL, NULL, &tee.fd, &err)) {
    fprintf(stderr, "gk-run: %s\n", err->message);
    return 127;
  }
  GThread *th = g_thread_new("stderr", tee_thread, &tee);
  int status = 0;
  gboolean done = FALSE, sent = FALSE;
  gint64 t0 = g_get_monotonic_time();
  gint64 deadline = t0 + (gint64)opt_timeout * G_USEC_PER_SEC;
  while (!done && !interrupted) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      done = TRUE;
      break;
    }
    if (!sent) {
      gboolean ready = g_atomic_int_get(&tee.ready) ||
          (opt_ready_delay >= 0 && g_get_monotonic_time() - t0 >= opt_ready_delay * 1e6);
      if (ready) {
        if (!gk_guest_run(guest, opt_workload, &err)) {
          fprintf(stderr, "gk-run: %s\n", err->message);
          break;
        }
        sent = TRUE;
      }
    } else if (gk_guest_run_rc(guest) >= 0) {
      break;
    }
    if (g_get_monotonic_time() > deadline) {
      fprintf(stderr, "gk-run: timeout after %d s\n", opt_timeout);
      break;
    }
    g_usleep(20000);
  }
  if (!done) {
    kill(pid, SIGINT);
    if (!wait_child(pid, 10000, &status)) {
      fprintf(stderr, "gk-run: COMMAND ignored SIGINT, killing it\n");
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
    }
  }
  g_thread_join(th);
  gk_guest_release(guest, NULL);
  return exit_code(status);
}

static int run_plain(void)
{
  g_autoptr(GError) err = NULL;
  if (!gk_guest_run(guest, opt_workload, &err) ||
      !gk_guest_wait_console(guest, "GK-RUN-END", opt_timeout, &err)) {
    fprintf(stderr, "gk-run: %s\n", err->message);
    return 1;
  }
  gk_guest_wait_poweroff(guest, 30);
  g_autofree char *con = gk_guest_console(guest);
  fputs(con, stdout);
  return gk_guest_run_rc(guest) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
  /* Split at "--": what follows is COMMAND, untouched by option parsing. */
  char **cmd = NULL;
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "--") == 0) {
      argv[i] = NULL;
      cmd = &argv[i + 1];
      argc = i;
      break;
    }
  g_autoptr(GOptionContext) ctx = g_option_context_new("[-- COMMAND ARGS...]");
  g_option_context_set_summary(ctx, "Boot the guestrace test guest and run a workload in it.");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_autoptr(GError) err = NULL;
  if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
    fprintf(stderr, "gk-run: %s\n", err->message);
    return 2;
  }
  if (cmd && !cmd[0])
    cmd = NULL;
  if (!opt_workload && !opt_keep) {
    fprintf(stderr, "gk-run: --workload is required (or --keep)\n");
    return 2;
  }
  struct sigaction sa = { .sa_handler = on_int };
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);

  GkOptions o = { .nokaslr = opt_nokaslr, .smp = (guint)MAX(opt_smp, 0),
                  .mem_mb = (guint)MAX(opt_mem, 0), .extra_cmdline = opt_cmdline,
                  .hold = cmd != NULL, .qmp_only = opt_qmp_only };
  guest = gk_guest_boot(&o, &err);
  if (!guest) {
    fprintf(stderr, "gk-run: %s\n", err->message);
    return 1;
  }
  fprintf(stderr, "gk-run: guest ready in %.2f s (%s)\n", gk_guest_boot_seconds(guest),
          gk_guest_spec(guest));
  g_autofree char *ks = NULL;
  if (cmd || opt_keep) {
    ks = gk_guest_kallsyms_path(guest, &err);
    if (!ks) {
      fprintf(stderr, "gk-run: %s\n", err->message);
      gk_guest_free(guest);
      return 1;
    }
    g_autofree char *sysmap = gk_image_sysmap_path();
    g_setenv("GT_GUEST", gk_guest_spec(guest), TRUE);
    if (gk_guest_mem_path(guest))
      g_setenv("GT_GUEST_MEM", gk_guest_mem_path(guest), TRUE);
    g_setenv("GT_GUEST_SYSMAP", sysmap, TRUE);
    g_setenv("GT_GUEST_KALLSYMS", ks, TRUE);
  }
  int rc;
  if (opt_keep) {
    printf("GT_GUEST=%s\nGT_GUEST_MEM=%s\nGT_GUEST_SYSMAP=%s\nGT_GUEST_KALLSYMS=%s\n"
           "GK_GUEST_DIR=%s\nQEMU_PID=%d\n", g_getenv("GT_GUEST"), g_getenv("GT_GUEST_MEM"),
           g_getenv("GT_GUEST_SYSMAP"), ks, gk_guest_dir(guest), (int)gk_guest_qemu_pid(guest));
    if (opt_workload)
      gk_guest_run(guest, opt_workload, NULL);
    printf("gk-run: Ctrl-C to stop\n");
    fflush(stdout);
    while (!interrupted && !gk_guest_wait_poweroff(guest, 1))
      ;
    rc = 0;
  } else if (cmd) {
    rc = run_command(cmd, ks);
  } else {
    rc = run_plain();
  }
  gk_guest_free(guest);
  return rc;
}
