/* guestrace: trace the system calls of a virtual machine from outside it.
 * `guestrace ps GUEST` lists its processes; `guestrace recover GUEST`
 * repairs what a guestrace that died left in it; `guestrace [OPTIONS]
 * GUEST` traces (`guestrace guardian` is the tracer's guardian, guardian.c). */
#include "cli.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

void
gt_cli_error(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  fprintf(stderr, "guestrace: %s\n", msg);
}

void
gt_cli_add_guest_options(GOptionContext *ctx, GtCliGuestOpts *o)
{
  const GOptionEntry entries[] = {
    { "mem", 0, 0, G_OPTION_ARG_FILENAME, &o->mem, "Guest RAM file (QEMU memory-backend-file)", "PATH" },
    { "sysmap", 'm', 0, G_OPTION_ARG_FILENAME, &o->sysmap, "System.map or /proc/kallsyms dump (default: the kernel's own symbols, from guest memory)", "FILE" },
    { "profile", 0, 0, G_OPTION_ARG_FILENAME, &o->profile, "Structure offsets for kernels without BTF", "FILE" },
    { NULL },
  };
  g_option_context_add_main_entries(ctx, entries, NULL);
}

void
gt_cli_guest_opts_clear(GtCliGuestOpts *o)
{
  g_clear_pointer(&o->mem, g_free);
  g_clear_pointer(&o->sysmap, g_free);
  g_clear_pointer(&o->profile, g_free);
}

const char *
gt_cli_parse(GOptionContext *ctx, int *argc, char ***argv)
{
  g_autoptr(GError) error = NULL;
  if (!g_option_context_parse(ctx, argc, argv, &error)) {
    gt_cli_error("%s", error->message);
    return NULL;
  }
  if (*argc != 2) {
    gt_cli_error("expected exactly one GUEST (qmp:PATH, libvirt:NAME, qemu:HOST:PORT or xen:DOMAIN); see --help");
    return NULL;
  }
  return (*argv)[1];
}

GtLoop *
gt_cli_open(const char *guest, const GtCliGuestOpts *o)
{
  GtLoopOptions opts;
  memset(&opts, 0, sizeof opts);
  opts.mem_path = o->mem ? o->mem : g_getenv("GUESTRACE_MEM");
  opts.sysmap_path = o->sysmap ? o->sysmap : g_getenv("GUESTRACE_SYSMAP");
  opts.profile_path = o->profile ? o->profile : g_getenv("GUESTRACE_PROFILE");
  g_autoptr(GError) error = NULL;
  GtLoop *loop = gt_loop_new_full(guest, &opts, &error);
  if (!loop)
    gt_cli_error("%s", error->message);
  return loop;
}

int
main(int argc, char **argv)
{
  /* A reader that goes away (guestrace ... | head) is a write error that
   * ends tracing cleanly, not a signal that kills us with the guest
   * instrumented. */
  signal(SIGPIPE, SIG_IGN);
  if (argc >= 2 && strcmp(argv[1], "ps") == 0)
    return gt_cmd_ps(argc - 1, argv + 1);
  if (argc >= 2 && strcmp(argv[1], "recover") == 0)
    return gt_cmd_recover(argc - 1, argv + 1);
  if (argc >= 2 && strcmp(argv[1], "guardian") == 0)
    return gt_cmd_guardian(argc - 1, argv + 1);
  return gt_cmd_trace(argc, argv);
}
