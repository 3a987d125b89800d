/* guestrace: trace the system calls of a virtual machine from outside it.
 * `guestrace ps GUEST` lists its processes; `guestrace [OPTIONS] GUEST`
 * traces. */
#include "cli.h"

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
gt_cli_fill_options(GtLoopOptions *o, const char *mem, const char *sysmap,
                    const char *profile)
{
  memset(o, 0, sizeof *o);
  o->mem_path = mem ? mem : g_getenv("GUESTRACE_MEM");
  o->sysmap_path = sysmap ? sysmap : g_getenv("GUESTRACE_SYSMAP");
  o->profile_path = profile ? profile : g_getenv("GUESTRACE_PROFILE");
}

int
main(int argc, char **argv)
{
  if (argc >= 2 && strcmp(argv[1], "ps") == 0)
    return gt_cmd_ps(argc - 1, argv + 1);
  return gt_cmd_trace(argc, argv);
}
