/* QEMU's monitor through its gdb stub: `qRcmd,HEX(command)` runs an HMP
 * command; the output comes back as console packets ('O' + hex) and ends
 * with "OK" (or an error). Used to locate guest RAM for qemu:HOST:PORT. */
#include <string.h>
#include <guestrace/types.h>

#include "driver/qemu/qemu-driver.h"
#include "driver/qemu/qemu-private.h"
#include "driver/qemu/rsp-codec.h"

#define MAX_OUTPUT (4u * 1024u * 1024u)
#define MAX_PACKETS 100000u

gboolean
gt_qemu_driver_monitor(GtDriver *d, const char *cmd, char **output, GError **error)
{
  QemuDriver *q = (QemuDriver *)d;
  if (!qemu_check_stopped(q, "run a monitor command", error))
    return FALSE;
  g_autoptr(GString) req = g_string_new("qRcmd,");
  gt_rsp_bytes_to_hex(req, (const guint8 *)cmd, strlen(cmd));
  if (!gt_rsp_conn_send(q->conn, req->str, req->len, error))
    return FALSE;
  g_autoptr(GString) out = g_string_new(NULL);
  for (guint n = 0; n < MAX_PACKETS; n++) {
    GString *p = NULL;
    if (!gt_rsp_conn_recv(q->conn, gt_rsp_conn_timeout(q->conn), &p, error))
      return FALSE;
    if (!p) {
      g_set_error(error, GT_ERROR, GT_ERROR_TIMEOUT, "monitor command '%s': no answer", cmd);
      return FALSE;
    }
    gboolean console = gt_rsp_is_console(p->str, p->len);
    gboolean ok = g_strcmp0(p->str, "OK") == 0;
    if (console && out->len + p->len / 2 <= MAX_OUTPUT) {
      gsize nb = (p->len - 1) / 2, old = out->len;
      g_string_set_size(out, old + nb);
      gt_rsp_hex_to_bytes(p->str + 1, nb, (guint8 *)out->str + old);
    }
    if (!console && !ok)
      g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL, "monitor command '%s': '%.20s'", cmd,
                  p->str);
    g_string_free(p, TRUE);
    if (ok) {
      if (memchr(out->str, '\0', out->len)) {
        g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL, "monitor output with a NUL byte");
        return FALSE;
      }
      *output = g_string_free(g_steal_pointer(&out), FALSE);
      return TRUE;
    }
    if (!console)
      return FALSE;
  }
  g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL, "monitor output does not end");
  return FALSE;
}

int
gt_qemu_driver_conn_fd(GtDriver *d)
{
  return gt_rsp_conn_fd(((QemuDriver *)d)->conn);
}
