/* Decoders of socket calls: families, types and protocols by name, socket
 * options by level, addresses with their lengths, message flags. */
#include "decode/decode-private.h"
#include "decode/families.h"

static void
family(GtDc *c, guint i)
{
  dc_xval(c, i, &gt_xlat_address_families, "AF_???");
}

/* SOCK_STREAM|SOCK_CLOEXEC: the type is the low four bits. */
static void
socktype(GtDc *c, guint i)
{
  guint64 v = (guint32)dc_arg(c, i);
  GString *s = g_string_new(NULL);
  gt_xlat_print_value(s, &gt_xlat_socket_types, v & 0xf, "SOCK_???");
  if (v & ~0xfULL) {
    g_string_append_c(s, '|');
    gt_xlat_print_flags(s, &gt_xlat_socket_flags, v & ~0xfULL, NULL);
  }
  JsonNode *j = gt_xlat_flags_json(&gt_xlat_socket_flags, v & ~0xfULL);
  const char *t = gt_xlat_name(&gt_xlat_socket_types, v & 0xf);
  json_array_add_string_element(json_node_get_array(j), t ? t : "SOCK_???");
  c->rec->args[i].svalue = (gint64)v;
  dc_set(c, i, g_string_free(s, FALSE), j);
}

/* The protocol table depends on the family. */
static void
protocol(GtDc *c, guint i, guint fam_i)
{
  const char *fam = gt_xlat_name(&gt_xlat_address_families, (guint32)dc_arg(c, fam_i));
  if (!g_strcmp0(fam, "AF_INET") || !g_strcmp0(fam, "AF_INET6"))
    dc_xval(c, i, &gt_xlat_inet_protocols, "IPPROTO_???");
  else if (!g_strcmp0(fam, "AF_NETLINK"))
    dc_xval(c, i, &gt_xlat_netlink_protocols, "NETLINK_???");
  else
    dc_int(c, i);
}

void
gt_dec_socket(GtDc *c)
{
  if (c->exiting) {
    dc_fd_result(c);
    return;
  }
  family(c, 0);
  socktype(c, 1);
  protocol(c, 2, 0);
}

void
gt_dec_socketpair(GtDc *c)
{
  if (!c->exiting) {
    family(c, 0);
    socktype(c, 1);
    protocol(c, 2, 0);
  }
  gt_dec_socketpair_fds(c, 3);
}

static gboolean
sockaddr_pointee(GtDc *c, guint64 va, gint64 len, GString *s, JsonNode **json)
{
  g_autoptr(JsonObject) o = json_object_new();
  if (!dc_sockaddr(c, va, len, s, o))
    return FALSE;
  *json = json_node_new(JSON_NODE_OBJECT);
  json_node_set_object(*json, o);
  return TRUE;
}

static void
sockaddr_arg(GtDc *c, guint i, gint64 len)
{
  dc_pointee(c, i, sockaddr_pointee, len);
}

/* bind/connect(fd, addr, addrlen) */
void
gt_dec_sockaddr_in(GtDc *c)
{
  if (c->exiting)
    return;
  dc_fd(c, 0);
  sockaddr_arg(c, 1, dc_i32(c, 2));
  dc_int(c, 2);
}

/* An address written back with its length: addr at the return, the
 * length as [in] or [in => out]. */
static void
sockaddr_out(GtDc *c, guint addr_i, guint len_i)
{
  GtRecordArg *l = &c->rec->args[len_i];
  gint32 in, out;
  if (!c->exiting) {
    dc_hex(c, addr_i);
    dc_hex(c, len_i);
    if (l->value && dc_read(c, l->value, &in, sizeof in)) {
      l->out_int = in;   /* remembered for the return */
      dc_set(c, len_i, g_strdup_printf("[%d]", in), dc_json_int(in));
    }
    return;
  }
  if (!dc_ok(c) || !l->value || !dc_read(c, l->value, &out, sizeof out))
    return;
  in = (gint32)l->out_int;
  sockaddr_arg(c, addr_i, MIN(in, out));
  dc_set(c, len_i, in == out ? g_strdup_printf("[%d]", out)
                             : g_strdup_printf("[%d => %d]", in, out), dc_json_int(out));
  l->out_int = 0;
}

void
gt_dec_getsockname(GtDc *c)
{
  if (!c->exiting)
    dc_fd(c, 0);
  sockaddr_out(c, 1, 2);
}

void
gt_dec_accept(GtDc *c)
{
  dc_fd_result(c);
  if (!c->exiting) {
    dc_fd(c, 0);
    if (c->rec->nargs > 3)
      dc_flags(c, 3, &gt_xlat_socket_flags, "0");
  }
  sockaddr_out(c, 1, 2);
}

void
gt_dec_listen(GtDc *c)
{
  if (c->exiting)
    return;
  dc_fd(c, 0);
  dc_int(c, 1);
}

void
gt_dec_shutdown(GtDc *c)
{
  if (c->exiting)
    return;
  dc_fd(c, 0);
  dc_xval(c, 1, &gt_xlat_shutdown_modes, "SHUT_???");
}

void
gt_dec_sendto(GtDc *c)
{
  if (c->exiting)
    return;
  dc_fd(c, 0);
  dc_buf(c, 1, (gint64)dc_arg(c, 2));
  dc_ulong(c, 2);
  dc_flags(c, 3, &gt_xlat_msg_flags, "0");
  sockaddr_arg(c, 4, dc_i32(c, 5));
  dc_int(c, 5);
}

void
gt_dec_recvfrom(GtDc *c)
{
  if (!c->exiting) {
    dc_fd(c, 0);
    dc_hex(c, 1);
    dc_ulong(c, 2);
    dc_flags(c, 3, &gt_xlat_msg_flags, "0");
  } else if (dc_ok(c)) {
    dc_buf(c, 1, c->rec->result);
  }
  sockaddr_out(c, 4, 5);
}

static const GtXlat *
optnames(guint32 level)
{
  const char *l = gt_xlat_name(&gt_xlat_socket_levels, level);
  if (!g_strcmp0(l, "SOL_SOCKET"))
    return &gt_xlat_sockopt_socket;
  if (!g_strcmp0(l, "SOL_TCP"))
    return &gt_xlat_sockopt_tcp;
  if (!g_strcmp0(l, "SOL_IP"))
    return &gt_xlat_sockopt_ip;
  return NULL;
}

/* An option value: an int as [1], else the pointer. */
static gboolean
optval_text(GtDc *c, guint i, gint64 len)
{
  gint32 v;
  if (len != 4 || !dc_read(c, dc_arg(c, i), &v, sizeof v))
    return FALSE;
  dc_set(c, i, g_strdup_printf("[%d]", v), dc_json_int(v));
  return TRUE;
}

static void
sockopt_head(GtDc *c)
{
  guint32 level = (guint32)dc_arg(c, 1);
  const GtXlat *names = optnames(level);
  dc_fd(c, 0);
  dc_xval(c, 1, &gt_xlat_socket_levels, "SOL_???");
  if (names)
    dc_xval(c, 2, names, "???");
  else
    dc_int(c, 2);
}

void
gt_dec_setsockopt(GtDc *c)
{
  if (c->exiting)
    return;
  sockopt_head(c);
  dc_hex(c, 3);
  optval_text(c, 3, dc_i32(c, 4));
  dc_int(c, 4);
}

void
gt_dec_getsockopt(GtDc *c)
{
  if (!c->exiting) {
    sockopt_head(c);
    dc_hex(c, 3);
  } else if (dc_ok(c)) {
    gint32 len;
    if (dc_read(c, dc_arg(c, 4), &len, sizeof len))
      optval_text(c, 3, len);
  }
  dc_out_int(c, 4);
}
