/* Who the guest behind a gdb-stub connection is, in a way that outlives
 * us: when QEMU runs on this host, its process id (qemu-peer.c, or the QMP
 * socket's peer), so that a QEMU restarted on the same port is another
 * guest and the TCP and QMP attaches find the same journal; one we cannot
 * see (another user's, or remote) is named by the stub's address. And
 * whether that QEMU is gone. */
#include <string.h>

#include "driver/qemu/qemu-driver.h"

char *
gt_qemu_identity_of_pid(gint64 pid)
{
  return g_strdup_printf("qemu-pid-%" G_GINT64_FORMAT, pid);
}

char *
gt_qemu_identity(gint64 pid, const char *host, guint16 port)
{
  if (pid > 0)
    return gt_qemu_identity_of_pid(pid);
  g_autoptr(GString) id = g_string_new("qemu-");
  for (const char *c = host; *c; c++)
    g_string_append_c(id, g_ascii_isalnum(*c) || *c == '.' || *c == '-' ? *c : '_');
  g_string_append_printf(id, "-%u", port);
  return g_string_free(g_steal_pointer(&id), FALSE);
}

gboolean
gt_qemu_process_gone(gint64 pid)
{
  if (pid <= 0)
    return FALSE;
  /* QEMU closes its sockets as it exits: give it a moment to be gone (or
   * a zombie its parent has not reaped yet). */
  for (guint i = 0; i < 20; i++) {
    g_autofree char *path = g_strdup_printf("/proc/%" G_GINT64_FORMAT "/stat", pid);
    g_autofree char *stat = NULL;
    if (!g_file_get_contents(path, &stat, NULL, NULL))
      return TRUE;
    const char *close_paren = strrchr(stat, ')');
    if (close_paren && (close_paren[1] == ' ') && (close_paren[2] == 'Z' || close_paren[2] == 'X'))
      return TRUE;
    g_usleep(50 * 1000);
  }
  return FALSE;
}
