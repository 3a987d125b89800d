/* Socket addresses as strace prints them (print_sockaddr): the family's
 * name, then the family's fields when the address is long enough for
 * them, else the bytes after the family as sa_data. Layouts (offsets and
 * sizes of sockaddr_in, sockaddr_in6, sockaddr_un, sockaddr_nl) come from
 * the guest's BTF; a family whose type the BTF lacks is shown as sa_data.
 * The AF_* numbers are the C library's, the same on every Linux
 * architecture. */
#include "decode/decode-private.h"
#include "escape/escape.h"

#include <arpa/inet.h>
#include <linux/socket.h>
#include <sys/socket.h>
#include <string.h>

/* Bytes past the family: the family is a 2-byte sa_family_t on Linux. */
#define FAMILY_SIZE 2u

/* One address read from the guest, zero-padded past len as strace pads it. */
typedef struct {
  guint8 b[_K_SS_MAXSIZE + 1];
  gsize len;
} SockBuf;

/* The little-endian (x86-64) or network-order integer of a member. */
static gboolean
member_uint(const GtDc *c, const SockBuf *a, const char *type, const char *member,
            gboolean network, guint64 *out)
{
  guint off, size;
  if (!dc_member(c, type, member, &off, &size) || size > 8 || off + size > sizeof a->b)
    return FALSE;
  guint64 v = 0;
  for (guint k = 0; k < size; k++) {
    guint shift = network ? 8 * (size - 1 - k) : 8 * k;
    v |= (guint64)a->b[off + k] << shift;
  }
  *out = v;
  return TRUE;
}

static const guint8 *
member_bytes(const GtDc *c, const SockBuf *a, const char *type, const char *member, guint want)
{
  guint off, size;
  if (!dc_member(c, type, member, &off, &size) || size != want || off + size > sizeof a->b)
    return NULL;
  return a->b + off;
}

static void
raw_data(const SockBuf *a, GString *s, JsonObject *o)
{
  gsize n = a->len - FAMILY_SIZE;
  g_autofree char *q = gt_quote_bytes((const char *)a->b + FAMILY_SIZE, n, n, FALSE);
  g_string_append_printf(s, "sa_data=%s", q);
  json_object_set_string_member(o, "sa_data", q);
}

static gboolean
inet4(const GtDc *c, const SockBuf *a, GString *s, JsonObject *o)
{
  guint64 port;
  const guint8 *addr = member_bytes(c, a, "sockaddr_in", "sin_addr", 4);
  if (a->len < dc_struct_size(c, "sockaddr_in") || !addr ||
      !member_uint(c, a, "sockaddr_in", "sin_port", TRUE, &port))
    return FALSE;
  char text[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, addr, text, sizeof text);
  g_string_append_printf(s, "sin_port=htons(%u), sin_addr=inet_addr(\"%s\")", (guint)port, text);
  json_object_set_int_member(o, "sin_port", (gint64)port);
  json_object_set_string_member(o, "sin_addr", text);
  return TRUE;
}

/* sin6_scope_id only when the address reaches it (strace's SIN6_MIN_LEN). */
static gboolean
inet6(const GtDc *c, const SockBuf *a, GString *s, JsonObject *o)
{
  guint scope_off, scope_size;
  guint64 port, flow, scope;
  const guint8 *addr = member_bytes(c, a, "sockaddr_in6", "sin6_addr", 16);
  if (!dc_member(c, "sockaddr_in6", "sin6_scope_id", &scope_off, &scope_size) ||
      a->len < scope_off || !addr ||
      !member_uint(c, a, "sockaddr_in6", "sin6_port", TRUE, &port) ||
      !member_uint(c, a, "sockaddr_in6", "sin6_flowinfo", TRUE, &flow) ||
      !member_uint(c, a, "sockaddr_in6", "sin6_scope_id", FALSE, &scope))
    return FALSE;
  char text[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, addr, text, sizeof text);
  g_string_append_printf(s, "sin6_port=htons(%u), sin6_flowinfo=htonl(%u), "
                         "inet_pton(AF_INET6, \"%s\", &sin6_addr)", (guint)port, (guint)flow, text);
  json_object_set_int_member(o, "sin6_port", (gint64)port);
  json_object_set_int_member(o, "sin6_flowinfo", (gint64)flow);
  json_object_set_string_member(o, "sin6_addr", text);
  if (a->len > scope_off) {
    g_string_append_printf(s, ", sin6_scope_id=%u", (guint)scope);
    json_object_set_int_member(o, "sin6_scope_id", (gint64)scope);
  }
  return TRUE;
}

/* A path up to its NUL, or an abstract name (leading NUL) as @"bytes". */
static gboolean
unix_path(const GtDc *c, const SockBuf *a, GString *s, JsonObject *o)
{
  guint off, size;
  if (a->len < FAMILY_SIZE + 1 || !dc_member(c, "sockaddr_un", "sun_path", &off, &size) ||
      off + size > sizeof a->b)
    return FALSE;
  gsize n = MIN(a->len, (gsize)off + size) - off;
  const char *path = (const char *)a->b + off;
  gboolean abstract = path[0] == '\0';
  if (abstract)
    path++, n--;
  else
    n = strnlen(path, n);
  g_autofree char *q = gt_quote_bytes(path, n, n, FALSE);
  g_string_append_printf(s, "sun_path=%s%s", abstract ? "@" : "", q);
  json_object_set_string_member(o, "sun_path", q);
  json_object_set_boolean_member(o, "abstract", abstract);
  return TRUE;
}

static gboolean
netlink(const GtDc *c, const SockBuf *a, GString *s, JsonObject *o)
{
  guint64 pid, groups;
  if (a->len < FAMILY_SIZE + 1 || !member_uint(c, a, "sockaddr_nl", "nl_pid", FALSE, &pid) ||
      !member_uint(c, a, "sockaddr_nl", "nl_groups", FALSE, &groups))
    return FALSE;
  g_string_append_printf(s, "nl_pid=%d, nl_groups=%#08x", (gint32)pid, (guint32)groups);
  json_object_set_int_member(o, "nl_pid", (gint32)pid);
  json_object_set_int_member(o, "nl_groups", (gint64)groups);
  return TRUE;
}

static gboolean
family_fields(const GtDc *c, guint family, const SockBuf *a, GString *s, JsonObject *o)
{
  switch (family) {
  case AF_INET:
    return inet4(c, a, s, o);
  case AF_INET6:
    return inet6(c, a, s, o);
  case AF_UNIX:
    return unix_path(c, a, s, o);
  case AF_NETLINK:
    return netlink(c, a, s, o);
  default:
    return FALSE;
  }
}

/* strace's decode_sockaddr: an address shorter than its family is shown as
 * a pointer (FALSE here), a longer one is read up to sockaddr_storage. */
gboolean
dc_sockaddr(const GtDc *c, guint64 va, gint64 len, GString *s, JsonObject *o)
{
  SockBuf a = { .len = 0 };
  if (len < (gint64)FAMILY_SIZE)
    return FALSE;
  a.len = MIN((gsize)len, (gsize)_K_SS_MAXSIZE);
  if (!dc_read(c, va, a.b, a.len))
    return FALSE;
  g_autoptr(JsonObject) own = o ? json_object_ref(o) : json_object_new();
  guint family = a.b[0] | (guint)a.b[1] << 8;
  g_string_append(s, "{sa_family=");
  gt_xlat_print_value(s, &gt_xlat_address_families, family, "AF_???");
  json_object_set_member(own, "sa_family",
                         dc_json_value(gt_xlat_name(&gt_xlat_address_families, family), family));
  if (a.len > FAMILY_SIZE) {
    g_string_append(s, ", ");
    if (!family_fields(c, family, &a, s, own))
      raw_data(&a, s, own);
  }
  g_string_append_c(s, '}');
  return TRUE;
}
