/* sendmsg and recvmsg: the message header as strace prints it
 * (print_struct_msghdr, decode_msg_control): the address, the iovec
 * array (the shared renderer of iovec.c, data up to the result for
 * recvmsg), the ancillary data walked as cmsghdr records, the flags.
 * Layouts: the guest's BTF `struct user_msghdr` and `struct cmsghdr`. */
#include "decode/decode-private.h"
#include "decode/families.h"

#include <string.h>

/* strace caps the ancillary data it reads at the guest's
 * net.core.optmem_max; its default (sizeof(long long) * (2 * UIO_MAXIOV +
 * 512), hand-written: no header gives it) stands in for it here. */
#define CONTROL_MAX (8 * (2 * 1024 + 512))

/* SCM_RIGHTS: [3, 4], descriptors annotated under -y; at most -s of them
 * (strace's print_local_array). */
static void
scm_rights(const GtDc *c, const guint8 *data, guint len, GString *s)
{
  guint n = len / 4;
  g_string_append_c(s, '[');
  for (guint k = 0; k < n; k++) {
    if (k)
      g_string_append(s, ", ");
    if (k >= dc_opt(c)->text_size) {
      g_string_append(s, "...");
      break;
    }
    gint32 fd;
    memcpy(&fd, data + 4 * k, 4);
    g_string_append_printf(s, "%d", fd);
    dc_append_fd_path(c, s, fd);
  }
  g_string_append_c(s, ']');
}

/* cmsg_type and cmsg_data of one record. Data printers exist for
 * SCM_RIGHTS and SCM_CREDENTIALS; other SOL_SOCKET types show their name
 * only (strace would add the data), other levels the type in hex. */
static void
cmsg_type_data(const GtDc *c, gint32 level, gint32 type, const guint8 *data, guint len,
               GString *s)
{
  const char *lvl = gt_xlat_name(&gt_xlat_socket_levels, (guint32)level);
  if (g_strcmp0(lvl, "SOL_SOCKET")) {
    g_string_append_printf(s, "%#x", (guint32)type);
    return;
  }
  gt_xlat_print_value(s, &gt_xlat_scm_types, (guint32)type, "SCM_???");
  const char *name = gt_xlat_name(&gt_xlat_scm_types, (guint32)type);
  if (!g_strcmp0(name, "SCM_RIGHTS") && len >= 4) {
    g_string_append(s, ", cmsg_data=");
    scm_rights(c, data, len, s);
  } else if (!g_strcmp0(name, "SCM_CREDENTIALS") && len >= 12) {
    gint32 v[3];
    memcpy(v, data, sizeof v);   /* struct ucred: pid, uid, gid */
    g_string_append_printf(s, ", cmsg_data={pid=%d, uid=%u, gid=%u}", v[0], (guint32)v[1],
                           (guint32)v[2]);
  }
}

/* ", msg_control=[{cmsg_len=.., cmsg_level=.., cmsg_type=.., ...}]". */
static void
msg_control(const GtDc *c, guint64 va, guint64 in_len, GString *s)
{
  guint hsize = dc_struct_size(c, "cmsghdr");
  if (!in_len)
    return;
  g_string_append(s, ", msg_control=");
  guint control_len = (guint)MIN(in_len, (guint64)CONTROL_MAX);
  g_autofree guint8 *buf = hsize && control_len >= hsize ? g_malloc(control_len) : NULL;
  if (!buf || !dc_read(c, va, buf, control_len)) {
    g_string_append_printf(s, "%#" G_GINT64_MODIFIER "x", va);
    return;
  }
  guint off = 0, buf_len = control_len;
  g_string_append_c(s, '[');
  while (buf_len >= hsize) {   /* each turn consumes at least hsize bytes */
    GtStructView v = { .type = "cmsghdr", .size = hsize, .btf = c->rd->btf };
    memcpy(v.data, buf + off, MIN(hsize, sizeof v.data));
    guint64 clen = 0, level = 0, type = 0;
    sv_get(&v, "cmsg_len", FALSE, &clen);
    sv_get(&v, "cmsg_level", TRUE, &level);
    sv_get(&v, "cmsg_type", TRUE, &type);
    if (off)
      g_string_append(s, ", ");
    g_string_append_printf(s, "{cmsg_len=%" G_GUINT64_FORMAT ", cmsg_level=", clen);
    gt_xlat_print_value(s, &gt_xlat_socket_levels, (guint32)level, "SOL_???");
    g_string_append(s, ", cmsg_type=");
    guint64 len = MIN(clen, (guint64)buf_len);
    cmsg_type_data(c, (gint32)level, (gint32)type, buf + off + hsize,
                   len > hsize ? (guint)(len - hsize) : 0, s);
    g_string_append_c(s, '}');
    if (len < hsize) {
      buf_len -= hsize;
      break;
    }
    len = (clen + 7) & ~7ULL;   /* CMSG_ALIGN: the caller's word size */
    if (len >= buf_len) {
      buf_len = 0;
      break;
    }
    off += (guint)len;
    buf_len -= (guint)len;
  }
  if (buf_len)
    g_string_append_printf(s, ", ... /* %#" G_GINT64_MODIFIER "x */",
                           va + (control_len - buf_len));
  else if (control_len < in_len)
    g_string_append(s, ", ...");
  g_string_append_c(s, ']');
}

/* {msg_name=..., msg_namelen=N, msg_iov=[...], msg_iovlen=N,
 * [msg_control=[...], ]msg_controllen=N, msg_flags=...}. user_namelen:
 * recvmsg's msg_namelen at the call (NULL: sendmsg), shown as "in => out"
 * when the kernel changed it. */
static gboolean
msghdr_text(GtDc *c, guint64 va, const gint32 *user_namelen, guint64 data_size, GString *s,
            JsonNode **json)
{
  GtStructView v;
  guint64 name, namelen, iov, iovlen, control, controllen, flags;
  if (!dc_struct_read(c, "user_msghdr", va, &v) || !sv_get(&v, "msg_name", FALSE, &name) ||
      !sv_get(&v, "msg_namelen", TRUE, &namelen) || !sv_get(&v, "msg_iov", FALSE, &iov) ||
      !sv_get(&v, "msg_iovlen", FALSE, &iovlen) ||
      !sv_get(&v, "msg_control", FALSE, &control) ||
      !sv_get(&v, "msg_controllen", FALSE, &controllen) ||
      !sv_get(&v, "msg_flags", FALSE, &flags))
    return FALSE;
  gint32 out_len = (gint32)namelen;
  gint32 addr_len = user_namelen && out_len > *user_namelen ? *user_namelen : out_len;
  JsonObject *o = json_object_new();
  g_string_append(s, "{msg_name=");
  if (addr_len < 2 || !dc_sockaddr(c, name, addr_len, s, NULL))
    dc_addr_text(s, name);
  json_object_set_int_member(o, "msg_name", (gint64)name);
  g_string_append(s, ", msg_namelen=");
  if (user_namelen && *user_namelen != out_len)
    g_string_append_printf(s, "%d => ", *user_namelen);
  g_string_append_printf(s, "%d, msg_iov=", out_len);
  json_object_set_int_member(o, "msg_namelen", out_len);
  JsonNode *ij = NULL;
  if (!dc_iovec(c, iov, iovlen, data_size, TRUE, s, &ij))
    g_string_append_printf(s, "%#" G_GINT64_MODIFIER "x", iov);
  if (ij)
    json_object_set_member(o, "msg_iov", ij);
  g_string_append_printf(s, ", msg_iovlen=%" G_GUINT64_FORMAT, iovlen);
  msg_control(c, control, controllen, s);
  g_string_append_printf(s, ", msg_controllen=%" G_GUINT64_FORMAT ", msg_flags=", controllen);
  gt_xlat_print_flags(s, &gt_xlat_msg_flags, (guint32)flags, "0");
  g_string_append_c(s, '}');
  json_object_set_int_member(o, "msg_iovlen", (gint64)iovlen);
  json_object_set_int_member(o, "msg_controllen", (gint64)controllen);
  json_object_set_member(o, "msg_flags", gt_xlat_flags_json(&gt_xlat_msg_flags, (guint32)flags));
  *json = json_node_new(JSON_NODE_OBJECT);
  json_node_take_object(*json, o);
  return TRUE;
}

static void
msghdr_arg(GtDc *c, guint i, const gint32 *user_namelen, guint64 data_size)
{
  g_autoptr(GString) s = g_string_new(NULL);
  JsonNode *j = NULL;
  if (dc_arg(c, i) && msghdr_text(c, dc_arg(c, i), user_namelen, data_size, s, &j))
    dc_set(c, i, g_string_free(g_steal_pointer(&s), FALSE), j);
}

void
gt_dec_sendmsg(GtDc *c)
{
  if (c->exiting)
    return;
  dc_fd(c, 0);
  dc_hex(c, 1);
  msghdr_arg(c, 1, NULL, G_MAXUINT64);
  dc_flags(c, 2, &gt_xlat_msg_flags, "0");
}

/* recvmsg: msg_namelen read at the call (kept in out_int, +1 so that 0
 * means "not read"); the header at the return, or only {msg_namelen=N}
 * after a failure. */
void
gt_dec_recvmsg(GtDc *c)
{
  GtRecordArg *a = &c->rec->args[1];
  if (!c->exiting) {
    GtStructView v;
    guint64 namelen;
    dc_fd(c, 0);
    dc_hex(c, 1);
    dc_flags(c, 2, &gt_xlat_msg_flags, "0");
    if (a->value && dc_struct_read(c, "user_msghdr", a->value, &v) &&
        sv_get(&v, "msg_namelen", TRUE, &namelen))
      a->out_int = (gint64)(guint32)namelen + 1;
    return;
  }
  if (!c->rec->has_result || !a->out_int)
    return;
  gint32 user_namelen = (gint32)(guint32)(a->out_int - 1);
  a->out_int = 0;
  if (dc_ok(c))
    msghdr_arg(c, 1, &user_namelen, (guint64)c->rec->result);
  else
    dc_set(c, 1, g_strdup_printf("{msg_namelen=%d}", user_namelen), dc_json_int(user_namelen));
}

/* sendmmsg/recvmmsg vectors (strace's decode_mmsgvec): [{msg_hdr={...},
 * msg_len=5}, ...], at most -s elements, msg_len for the first `with_len`
 * ones, recvmmsg's data up to each msg_len, its msg_namelen read at the
 * call (`names`: past those, "..."). Layout: the
 * guest's BTF `struct mmsghdr`. */
#define MMSG_MAX 1024   /* UIO_MAXIOV, strace's limit too */

static gboolean
mmsgvec_text(GtDc *c, guint64 va, guint64 n, guint64 with_len, gboolean recv,
             const GArray *names, GString *s, JsonNode **json)
{
  guint size = dc_struct_size(c, "mmsghdr"), hoff = 0, hsize = 0;
  if (!size || !dc_member(c, "mmsghdr", "msg_hdr", &hoff, &hsize))
    return FALSE;
  if (dc_array_unwalkable(s, va, n, size))
    return TRUE;
  guint64 count = names ? names->len : MMSG_MAX;
  JsonArray *ja = json_array_new();
  for (guint64 k = 0; k < n; k++) {
    guint64 at = va + k * size, msg_len = 0;
    GtStructView v;
    if (k)
      g_string_append(s, ", ");
    if (k >= dc_opt(c)->text_size) {
      g_string_append(s, "...");
      break;
    }
    if (!dc_struct_read(c, "mmsghdr", at, &v) || !sv_get(&v, "msg_len", FALSE, &msg_len)) {
      if (!k) {
        g_string_append_printf(s, "%#" G_GINT64_MODIFIER "x", va);
        json_array_unref(ja);
        return TRUE;
      }
      g_string_append_printf(s, "... /* %#" G_GINT64_MODIFIER "x */", at);
      break;
    }
    if (!k)
      g_string_append_c(s, '[');
    if (k >= count) {
      g_string_append(s, "...");
      break;
    }
    g_string_append(s, "{msg_hdr=");
    JsonNode *hj = NULL;
    const gint32 *user = names ? &g_array_index(names, gint32, k) : NULL;
    gsize mark = s->len;
    if (!msghdr_text(c, at + hoff, user, recv ? msg_len : G_MAXUINT64, s, &hj)) {
      g_string_truncate(s, mark);
      g_string_append_printf(s, "%#" G_GINT64_MODIFIER "x", at + hoff);
    }
    JsonObject *o = json_object_new();
    if (hj)
      json_object_set_member(o, "msg_hdr", hj);
    if (k < with_len) {
      g_string_append_printf(s, ", msg_len=%u", (guint32)msg_len);
      json_object_set_int_member(o, "msg_len", (guint32)msg_len);
    }
    g_string_append_c(s, '}');
    json_array_add_object_element(ja, o);
  }
  g_string_append_c(s, ']');
  *json = json_node_new(JSON_NODE_ARRAY);
  json_node_take_array(*json, ja);
  return TRUE;
}

static void
mmsgvec_arg(GtDc *c, guint64 n, guint64 with_len, gboolean recv, const GArray *names)
{
  g_autoptr(GString) s = g_string_new(NULL);
  JsonNode *j = NULL;
  if (mmsgvec_text(c, dc_arg(c, 1), n, with_len, recv, names, s, &j))
    dc_set(c, 1, g_string_free(g_steal_pointer(&s), FALSE), j);
}

/* sendmmsg: shown at the return, with the msg_len the kernel wrote for
 * the messages it sent. */
void
gt_dec_sendmmsg(GtDc *c)
{
  if (!c->exiting) {
    dc_fd(c, 0);
    dc_hex(c, 1);
    dc_uint(c, 2);
    dc_flags(c, 3, &gt_xlat_msg_flags, "0");
    return;
  }
  if (c->rec->has_result)
    mmsgvec_arg(c, (guint32)dc_arg(c, 2), dc_ok(c) ? (guint64)c->rec->result : 0, FALSE, NULL);
}

/* recvmmsg: each msg_namelen read at the call (kept in out_ints until the
 * return), the timeout as it was at the call; at the return the messages
 * received, "N (left {...})" or "0 (Timeout)"; after a failure the
 * vector's address. */
void
gt_dec_recvmmsg(GtDc *c)
{
  GtRecordArg *a = &c->rec->args[1];
  if (!c->exiting) {
    dc_fd(c, 0);
    dc_hex(c, 1);
    dc_uint(c, 2);
    dc_flags(c, 3, &gt_xlat_msg_flags, "0");
    dc_pointee(c, 4, dc_timespec_pointee, 0);
    guint size = dc_struct_size(c, "mmsghdr"), hoff = 0, msize = 0, noff = 0, nsize = 0;
    guint64 n = MIN((guint32)dc_arg(c, 2), (guint64)MMSG_MAX);
    if (!size || !dc_member(c, "mmsghdr", "msg_hdr", &hoff, &msize) ||
        !dc_member(c, "user_msghdr", "msg_namelen", &noff, &nsize) || nsize != 4)
      return;
    g_clear_pointer(&a->out_ints, g_array_unref);
    a->out_ints = g_array_new(FALSE, FALSE, sizeof(gint32));
    for (guint64 k = 0; k < n; k++) {
      gint32 namelen;
      if (!dc_read(c, a->value + k * size + hoff + noff, &namelen, sizeof namelen))
        break;
      g_array_append_val(a->out_ints, namelen);
    }
    return;
  }
  g_autoptr(GArray) names = g_steal_pointer(&a->out_ints);
  /* After a failure strace reads no element: the address stays. */
  if (!dc_ok(c) || !names)
    return;
  mmsgvec_arg(c, (guint32)c->rec->result, (guint32)c->rec->result, TRUE, names);
  if (c->rec->result == 0) {
    dc_result(c, g_strdup("0 (Timeout)"), NULL);
    return;
  }
  if (!dc_arg(c, 4))
    return;
  g_autoptr(GString) t = g_string_new(NULL);
  if (!dc_timespec(c, dc_arg(c, 4), t, NULL))
    g_string_append_printf(t, "%#" G_GINT64_MODIFIER "x", dc_arg(c, 4));
  dc_result(c, g_strdup_printf("%" G_GINT64_FORMAT " (left %s)", c->rec->result, t->str), NULL);
}
