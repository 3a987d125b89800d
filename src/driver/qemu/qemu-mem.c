/* Guest-physical memory: from the shared RAM file when there is one,
 * otherwise through 'm'/'M' packets in QEMU's physical-memory mode, in
 * chunks that fit the stub's PacketSize. */
#include "driver/qemu/qemu-private.h"
#include "driver/qemu/rsp-codec.h"

static gboolean
check_range(guint64 pa, gsize len, GError **error)
{
  if (len > G_MAXUINT64 - pa) {
    g_set_error(error, GT_ERROR, GT_ERROR_MEMORY, "guest-physical range wraps around");
    return FALSE;
  }
  return TRUE;
}

static gboolean
stub_ready(QemuDriver *q, GError **error)
{
  if (!q->phys_mode) {
    g_set_error(error, GT_ERROR, GT_ERROR_UNSUPPORTED,
                "no guest RAM file and the gdb stub has no physical-memory mode");
    return FALSE;
  }
  return qemu_check_stopped(q, "access memory through the gdb stub", error);
}

static gboolean
memory_error(const char *what, guint64 pa, const GString *reply, GError **error)
{
  g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
              "gdb stub cannot %s guest-physical 0x%" G_GINT64_MODIFIER "x (%.20s)", what,
              pa, reply->str);
  return FALSE;
}

gboolean
qemu_read_phys(GtDriver *d, guint64 pa, void *buf, gsize len, GError **error)
{
  QemuDriver *q = (QemuDriver *)d;
  if (!check_range(pa, len, error))
    return FALSE;
  if (q->ram)
    return gt_qemu_ram_read(q->ram, pa, buf, len, error);
  if (!stub_ready(q, error))
    return FALSE;
  /* The reply carries two hex digits per byte plus '$', '#' and checksum. */
  gsize chunk = (q->packet_size - 8) / 2;
  guint8 *out = buf;
  while (len > 0) {
    gsize n = MIN(len, chunk);
    g_autofree char *req = g_strdup_printf("m%" G_GINT64_MODIFIER "x,%" G_GSIZE_MODIFIER "x",
                                           pa, n);
    GString *reply = NULL;
    if (!gt_rsp_conn_request(q->conn, req, &reply, error))
      return FALSE;
    gsize got = reply->len / 2;
    gboolean ok = !gt_rsp_is_error(reply->str, reply->len) && reply->len % 2 == 0 &&
                  got > 0 && got <= n && gt_rsp_hex_to_bytes(reply->str, got, out);
    if (!ok) {
      memory_error("read", pa, reply, error);
      g_string_free(reply, TRUE);
      return FALSE;
    }
    g_string_free(reply, TRUE);
    out += got;
    pa += got;
    len -= got;
  }
  return TRUE;
}

gboolean
qemu_write_phys(GtDriver *d, guint64 pa, const void *buf, gsize len, GError **error)
{
  QemuDriver *q = (QemuDriver *)d;
  if (!check_range(pa, len, error))
    return FALSE;
  if (q->ram)
    return gt_qemu_ram_write(q->ram, pa, buf, len, error);
  if (!stub_ready(q, error))
    return FALSE;
  /* "M<addr>,<len>:" takes at most 36 characters before the data. */
  gsize chunk = (q->packet_size - 48) / 2;
  const guint8 *in = buf;
  g_autoptr(GString) req = g_string_new(NULL);
  while (len > 0) {
    gsize n = MIN(len, chunk);
    g_string_printf(req, "M%" G_GINT64_MODIFIER "x,%" G_GSIZE_MODIFIER "x:", pa, n);
    gt_rsp_bytes_to_hex(req, in, n);
    GString *reply = NULL;
    if (!gt_rsp_conn_request(q->conn, req->str, &reply, error))
      return FALSE;
    gboolean ok = g_strcmp0(reply->str, "OK") == 0;
    if (!ok)
      memory_error("write", pa, reply, error);
    g_string_free(reply, TRUE);
    if (!ok)
      return FALSE;
    in += n;
    pa += n;
    len -= n;
  }
  return TRUE;
}
