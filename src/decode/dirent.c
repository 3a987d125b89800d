/* getdents64 as strace prints it by default (abbreviated): the buffer's
 * address and how many entries the result holds in a comment
 * ("12 entries"; "12+ entries" when bytes are left over
 * that make no whole entry header), with strace's comments for a d_reclen
 * that overflows or underflows. Layout: the guest's BTF
 * `struct linux_dirent64`. */
#include "decode/decode-private.h"
#include "decode/families.h"

#include <string.h>

/* Entries walked in one buffer read: the result is at most the count
 * argument, itself cut here to the largest buffer read. */
static void
dents_text(GtDc *c, guint64 va, guint64 len, GString *s, JsonNode **json)
{
  guint hsize = 0, roff = 0, rsize = 0;
  if (!dc_member(c, "linux_dirent64", "d_name", &hsize, &rsize) ||
      !dc_member(c, "linux_dirent64", "d_reclen", &roff, &rsize) || rsize != 2 ||
      roff + 2 > hsize)
    return;
  gsize want = (gsize)MIN(len, (guint64)GT_DECODE_SIZE_LIMIT);
  g_autofree guint8 *buf = g_malloc(want ? want : 1);
  gsize got = want ? c->rd->read_bytes(c->rd->ctx, va, buf, want) : 0;
  guint count = 0;
  guint64 off = 0;
  g_string_append_printf(s, "%#" G_GINT64_MODIFIER "x", va);
  while (len >= hsize) {
    if (off + hsize > got)
      break;   /* unreadable: as strace, the count so far, "+" */
    count++;
    guint16 reclen;
    memcpy(&reclen, buf + off + roff, 2);
    if (reclen > len) {
      g_string_append_printf(s, " /* d_reclen %" G_GUINT64_FORMAT " bytes overflow */",
                             reclen - len);
      len = 0;
      break;
    }
    if (reclen < hsize) {
      g_string_append_printf(s, " /* d_reclen %u bytes underflow */", hsize - reclen);
      len -= hsize;
      break;
    }
    len -= reclen;
    off += reclen;
  }
  g_string_append_printf(s, " /* %u%s entries */", count, len ? "+" : "");
  *json = dc_json_int(count);
}

void
gt_dec_getdents64(GtDc *c)
{
  if (!c->exiting) {
    dc_fd(c, 0);
    dc_hex(c, 1);
    dc_uint(c, 2);
    return;
  }
  guint32 count = (guint32)dc_arg(c, 2);
  if (!dc_ok(c) || (guint64)c->rec->result > count || !dc_arg(c, 1))
    return;
  g_autoptr(GString) s = g_string_new(NULL);
  JsonNode *j = NULL;
  dents_text(c, dc_arg(c, 1), (guint64)c->rec->result, s, &j);
  if (j)
    dc_set(c, 1, g_string_free(g_steal_pointer(&s), FALSE), j);
}
