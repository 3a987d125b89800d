/* Parses gdb stop replies and thread ids; the input comes from the stub and
 * is bounds-checked throughout. */
#include "driver/qemu/rsp-stop.h"

#include <string.h>

#include "driver/qemu/rsp-codec.h"

static gboolean
parse_hex_exact(const char *s, gsize len, gint64 *out)
{
  guint64 v = 0;
  if (len == 0 || len > 16)
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    int d = gt_rsp_hexval(s[i]);
    if (d < 0)
      return FALSE;
    v = v << 4 | (guint64)d;
  }
  if (v > G_MAXINT64)
    return FALSE;
  *out = (gint64)v;
  return TRUE;
}

static gboolean
parse_id_part(const char *s, gsize len, gint64 *out)
{
  if (len == 2 && s[0] == '-' && s[1] == '1') {
    *out = -1;
    return TRUE;
  }
  return parse_hex_exact(s, len, out);
}

gboolean
gt_rsp_parse_thread_id(const char *s, gsize len, GtRspThreadId *id)
{
  if (len > 0 && s[0] == 'p') {
    const char *dot = memchr(s + 1, '.', len - 1);
    if (!dot) {
      id->tid = -1;
      return parse_id_part(s + 1, len - 1, &id->pid);
    }
    return parse_id_part(s + 1, (gsize)(dot - s - 1), &id->pid) &&
           parse_id_part(dot + 1, len - (gsize)(dot - s) - 1, &id->tid);
  }
  id->pid = -1;
  return parse_id_part(s, len, &id->tid);
}

gboolean
gt_rsp_thread_id_equal(const GtRspThreadId *a, const GtRspThreadId *b)
{
  return a->tid == b->tid && (a->pid == -1 || b->pid == -1 || a->pid == b->pid);
}

gboolean
gt_rsp_parse_stop(const char *p, gsize len, GtRspStop *stop)
{
  memset(stop, 0, sizeof *stop);
  if (len < 2)
    return FALSE;
  stop->kind = p[0];
  if (stop->kind != 'T' && stop->kind != 'S' && stop->kind != 'W' && stop->kind != 'X')
    return FALSE;
  /* The signal or exit status: two hex digits (W/X may use one). */
  gsize n = (len >= 3 && gt_rsp_hexval(p[2]) >= 0) ? 2 : 1;
  gint64 sig;
  if (!parse_hex_exact(p + 1, n, &sig))
    return FALSE;
  stop->signal = (guint8)sig;
  if (stop->kind != 'T')
    return TRUE;  /* S has nothing more; W/X may carry ";process:..", ignored */

  const char *q = p + 1 + n, *end = p + len;
  while (q < end) {
    const char *semi = memchr(q, ';', (gsize)(end - q));
    const char *fend = semi ? semi : end;
    const char *colon = memchr(q, ':', (gsize)(fend - q));
    if (colon) {
      gsize klen = (gsize)(colon - q);
      const char *val = colon + 1;
      gsize vlen = (gsize)(fend - val);
      gint64 regnum;
      if (klen == 6 && strncmp(q, "thread", 6) == 0) {
        if (!gt_rsp_parse_thread_id(val, vlen, &stop->thread))
          return FALSE;
        stop->has_thread = TRUE;
      } else if (parse_hex_exact(q, klen, &regnum) && regnum < G_MAXUINT &&
                 vlen % 2 == 0 && vlen / 2 <= 16 && stop->nregs < GT_RSP_STOP_MAX_REGS) {
        guint i = stop->nregs;
        if (gt_rsp_hex_to_bytes(val, vlen / 2, stop->regs[i].bytes)) {
          stop->regs[i].regnum = (guint)regnum;
          stop->regs[i].len = (guint)(vlen / 2);
          stop->nregs++;
        }
      }
    }
    q = fend + 1;
  }
  return TRUE;
}
