/* iovec arrays, the one renderer for readv/writev, preadv/pwritev(2) and
 * the msg_iov of sendmsg/recvmsg, with strace's rules (tprint_iov_upto and
 * print_array): [{iov_base="ab", iov_len=2}, ...]; each buffer cut by -s;
 * at most -s elements, then "..."; data shown only up to a total (a read's
 * result); an unreadable first element leaves the address, a later one
 * ends the list with "..." and the address in a comment. Layout: the guest's BTF
 * `struct iovec`. */
#include "decode/decode-private.h"
#include "decode/families.h"
#include "escape/escape.h"

/* The kernel refuses more than UIO_MAXIOV (1024) elements: no walk goes
 * further, whatever -s says. */
#define IOV_WALK_MAX 1024

/* One element: {iov_base=..., iov_len=N}; *left is what data may still be
 * shown (G_MAXUINT64: no limit). */
static void
iovec_elem(const GtDc *c, const GtStructView *v, gboolean data, guint64 *left, GString *s,
           JsonArray *ja)
{
  guint64 base = 0, len = 0;
  sv_get(v, "iov_base", FALSE, &base);
  sv_get(v, "iov_len", FALSE, &len);
  guint64 show = MIN(len, *left);
  if (*left != G_MAXUINT64)
    *left -= show;
  JsonObject *o = json_object_new();
  json_object_set_int_member(o, "iov_base", (gint64)base);
  json_object_set_int_member(o, "iov_len", (gint64)len);
  g_string_append(s, "{iov_base=");
  if (data) {
    gsize got = 0;
    g_autofree guint8 *bytes = dc_strn(c, base, show, s, &got);
    if (bytes) {
      /* JSON keeps up to its own size, quoted as in the text. */
      g_autofree char *q = gt_escape_quoted(bytes, got, dc_opt(c)->json_size, show > got,
                                            dc_opt(c)->style);
      json_object_set_string_member(o, "data", q);
    }
  } else {
    dc_addr_text(s, base);
  }
  g_string_append_printf(s, ", iov_len=%" G_GUINT64_FORMAT "}", len);
  json_array_add_object_element(ja, o);
}

gboolean
dc_iovec(const GtDc *c, guint64 va, guint64 n, guint64 data_size, gboolean data, GString *s,
         JsonNode **json)
{
  guint size = dc_struct_size(c, "iovec");
  if (!size)
    return FALSE;
  if (dc_array_unwalkable(s, va, n, size))
    return TRUE;
  guint64 shown = MIN(n, MIN((guint64)dc_opt(c)->text_size, (guint64)IOV_WALK_MAX));
  guint64 left = data_size;
  JsonArray *ja = json_array_new();
  for (guint64 k = 0; k < n; k++) {
    guint64 at = va + k * size;
    if (k)
      g_string_append(s, ", ");
    if (k >= shown) {
      g_string_append(s, "...");
      break;
    }
    GtStructView v;
    if (!dc_struct_read(c, "iovec", at, &v)) {
      if (!k) {
        dc_addr_text(s, va);
        json_array_unref(ja);
        return TRUE;
      }
      g_string_append_printf(s, "... /* %#" G_GINT64_MODIFIER "x */", at);
      break;
    }
    if (!k)
      g_string_append_c(s, '[');
    iovec_elem(c, &v, data, &left, s, ja);
  }
  g_string_append_c(s, ']');
  if (json) {
    *json = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(*json, ja);
  } else {
    json_array_unref(ja);
  }
  return TRUE;
}

/* The iovec argument i: at the call (in-data: writev) or at the return
 * (out-data: readv, shown up to the result; addresses after a failure). */
static void
iov_arg(GtDc *c, guint i, guint n_i, gboolean out)
{
  g_autoptr(GString) s = g_string_new(NULL);
  JsonNode *j = NULL;
  guint64 size = out ? (guint64)c->rec->result : G_MAXUINT64;
  if (dc_iovec(c, dc_arg(c, i), dc_arg(c, n_i), size, !out || dc_ok(c), s, &j))
    dc_set(c, i, g_string_free(g_steal_pointer(&s), FALSE), j);
}

/* fd, iov, iovcnt, then preadv's offset (pos_l; pos_h, the high half for
 * 32-bit callers, is not shown on x86-64) and preadv2's flags (arg 5). */
static void
vector_head(GtDc *c, gboolean out)
{
  dc_fd(c, 0);
  dc_hex(c, 1);
  if (!out)
    iov_arg(c, 1, 2, FALSE);
  dc_ulong(c, 2);
  if (c->rec->nargs > 3)
    dc_long(c, 3);
  if (c->rec->nargs > 4)
    dc_hide(c, 4);
  if (c->rec->nargs > 5)
    dc_flags(c, 5, &gt_xlat_rwf_flags, "0");
}

/* readv, preadv, preadv2: the buffers at the return. */
void
gt_dec_readv(GtDc *c)
{
  if (!c->exiting)
    vector_head(c, TRUE);
  else if (c->rec->has_result)
    iov_arg(c, 1, 2, TRUE);
}

/* writev, pwritev, pwritev2: the buffers at the call. */
void
gt_dec_writev(GtDc *c)
{
  if (!c->exiting)
    vector_head(c, FALSE);
}
