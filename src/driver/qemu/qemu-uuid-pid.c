/* The local QEMU process of a VM, found by its UUID: libvirt starts every
 * domain's QEMU with `-uuid UUID`, unique on a host, whether the daemon is
 * the system one or a user's session one and wherever it keeps its pid
 * files (which are readable by root only, and absent for a remote URI).
 * The match is only a candidate: the RAM found through it is compared with
 * the gdb stub's reads before it is used (qemu-ram-verify.c). */
#include <stdlib.h>
#include <string.h>

#include "driver/qemu/qemu-driver.h"

#define MAX_CMDLINE (1u << 20)

/* TRUE if the NUL-separated argument list has "-uuid" then uuid. */
gboolean
gt_qemu_cmdline_has_uuid(const char *args, gsize len, const char *uuid)
{
  const char *end = args + len, *prev = NULL;
  for (const char *a = args; a < end; a += strnlen(a, end - a) + 1) {
    gsize n = strnlen(a, end - a);
    if (prev && strcmp(prev, "-uuid") == 0 && n == strlen(uuid) &&
        g_ascii_strncasecmp(a, uuid, n) == 0)
      return TRUE;
    /* a is NUL-terminated inside args only when n < end - a */
    prev = n < (gsize)(end - a) ? a : NULL;
  }
  return FALSE;
}

pid_t
gt_qemu_pid_of_uuid(const char *uuid)
{
  g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
  pid_t found = 0;
  const char *ent;
  while (proc && (ent = g_dir_read_name(proc))) {
    guint64 pid;
    if (!g_ascii_string_to_unsigned(ent, 10, 1, G_MAXINT32, &pid, NULL))
      continue;
    g_autofree char *path = g_strdup_printf("/proc/%s/cmdline", ent);
    g_autofree char *args = NULL;
    gsize len = 0;
    if (!g_file_get_contents(path, &args, &len, NULL) || len > MAX_CMDLINE ||
        !gt_qemu_cmdline_has_uuid(args, len, uuid))
      continue;
    if (found) {
      g_debug("two processes have -uuid %s (%d, %d): QEMU's is not known", uuid, (int)found,
              (int)pid);
      return 0;
    }
    found = (pid_t)pid;
  }
  return found;
}
