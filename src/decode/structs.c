/* Structs in the caller's memory, with their layouts from the guest's BTF
 * (the kernel that made the call), rendered with strace's conventions.
 * Member lookups are cached per BTF: resolving a name walks every type. */
#include "decode/decode-private.h"

#include <string.h>

G_LOCK_DEFINE_STATIC(layout_cache);
static GHashTable *layout_cache;   /* "btf:struct.member" -> offset<<16|size, +1 */

static guint64
cached_member(GtKernelBtf *btf, const char *type, const char *member)
{
  g_autofree char *key = g_strdup_printf("%p:%s.%s", (void *)btf, type, member ? member : "");
  G_LOCK(layout_cache);
  if (!layout_cache)
    layout_cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  gpointer hit = g_hash_table_lookup(layout_cache, key);
  G_UNLOCK(layout_cache);
  if (hit)
    return GPOINTER_TO_SIZE(hit);
  guint off = 0, size = 0;
  gboolean ok = member ? gt_kbtf_member_offset(btf, type, member, &off, &size, NULL)
                       : gt_kbtf_struct_size(btf, type, &size, NULL);
  guint64 v = ok ? (((guint64)off << 16) | size) + 1 : 0;
  /* Unknown members are cached too (as 1: size 0, never used). */
  G_LOCK(layout_cache);
  g_hash_table_replace(layout_cache, g_steal_pointer(&key), GSIZE_TO_POINTER(v ? v : 1));
  G_UNLOCK(layout_cache);
  return v;
}

guint
dc_struct_size(const GtDc *c, const char *type)
{
  if (!c->rd->btf)
    return 0;
  guint64 v = cached_member(c->rd->btf, type, NULL);
  return v > 1 ? (guint)((v - 1) & 0xffff) : 0;
}

gboolean
dc_member(const GtDc *c, const char *type, const char *member, guint *off, guint *size)
{
  guint64 v = c->rd->btf ? cached_member(c->rd->btf, type, member) : 0;
  if (v <= 1)
    return FALSE;
  *off = (guint)((v - 1) >> 16);
  *size = (guint)((v - 1) & 0xffff);
  return TRUE;
}

gboolean
dc_struct_read(const GtDc *c, const char *type, guint64 va, GtStructView *v)
{
  memset(v, 0, sizeof *v);
  guint size = dc_struct_size(c, type);
  if (!size || size > sizeof v->data || !dc_read(c, va, v->data, size))
    return FALSE;
  v->type = type;
  v->size = size;
  v->btf = c->rd->btf;
  return TRUE;
}

static gboolean
member(const GtStructView *v, const char *name, guint *off, guint *size)
{
  guint64 m = cached_member(v->btf, v->type, name);
  if (m <= 1)
    return FALSE;
  *off = (guint)((m - 1) >> 16);
  *size = (guint)((m - 1) & 0xffff);
  return *size && *off + *size <= v->size;
}

gboolean
sv_get(const GtStructView *v, const char *name, gboolean is_signed, guint64 *out)
{
  guint off, size;
  if (!member(v, name, &off, &size) || size > 8)
    return FALSE;
  guint64 x = 0;
  memcpy(&x, v->data + off, size);   /* little-endian guest */
  if (is_signed && size < 8 && (x >> (size * 8 - 1)) & 1)
    x |= ~0ULL << (size * 8);
  *out = x;
  return TRUE;
}

const guint8 *
sv_bytes(const GtStructView *v, const char *name, guint *len)
{
  guint off, size;
  if (!member(v, name, &off, &size))
    return NULL;
  *len = size;
  return v->data + off;
}

/* {tv_sec=1, FRAC=2}: a struct of tv_sec and one fraction member (the
 * kernel's timespec and timeval differ only in those). */
static gboolean
time_pair(const GtDc *c, const char *type, const char *frac, guint64 va, GString *s,
          JsonObject *o)
{
  GtStructView v;
  guint64 sec, part;
  if (!dc_struct_read(c, type, va, &v) || !sv_get(&v, "tv_sec", TRUE, &sec) ||
      !sv_get(&v, frac, TRUE, &part))
    return FALSE;
  g_string_append_printf(s, "{tv_sec=%" G_GINT64_FORMAT ", %s=%" G_GINT64_FORMAT "}",
                         (gint64)sec, frac, (gint64)part);
  if (o) {
    json_object_set_int_member(o, "tv_sec", (gint64)sec);
    json_object_set_int_member(o, frac, (gint64)part);
  }
  return TRUE;
}

/* {tv_sec=1, tv_nsec=2}: struct __kernel_timespec (64-bit time). */
gboolean
dc_timespec(const GtDc *c, guint64 va, GString *s, JsonObject *o)
{
  return time_pair(c, "__kernel_timespec", "tv_nsec", va, s, o);
}

/* {tv_sec=1, tv_usec=2}: struct __kernel_old_timeval. */
gboolean
dc_timeval(const GtDc *c, guint64 va, GString *s, JsonObject *o)
{
  return time_pair(c, "__kernel_old_timeval", "tv_usec", va, s, o);
}

gboolean
dc_timespec_pointee(GtDc *c, guint64 va, G_GNUC_UNUSED gint64 n, GString *s, JsonNode **json)
{
  JsonObject *o = json_object_new();
  if (!dc_timespec(c, va, s, o)) {
    json_object_unref(o);
    return FALSE;
  }
  *json = json_node_new(JSON_NODE_OBJECT);
  json_node_take_object(*json, o);
  return TRUE;
}

/* A signal mask as strace prints it: [USR1 TERM], or ~[...] (the
 * complement) when more than half the bits are set. */
void
dc_sigset_text(GString *s, const guint8 *mask, gsize size, JsonNode **json)
{
  guint nbits = (guint)MIN(size, 16) * 8, set = 0;
  for (guint b = 0; b < nbits; b++)
    set += (mask[b / 8] >> (b % 8)) & 1;
  gboolean invert = set > nbits / 2;
  JsonArray *names = json_array_new();
  g_string_append(s, invert ? "~[" : "[");
  gboolean first = TRUE;
  for (guint b = 0; b < nbits; b++) {
    gboolean bit = (mask[b / 8] >> (b % 8)) & 1;
    if (bit)
      json_array_add_string_element(names, gt_signal_name((int)b + 1) ? gt_signal_name((int)b + 1)
                                                                       : "?");
    if (bit == invert)
      continue;
    const char *n = gt_signal_name((int)b + 1);
    g_string_append(s, first ? "" : " ");
    if (n)
      g_string_append(s, n + 3);
    else
      g_string_append_printf(s, "%u", b + 1);
    first = FALSE;
  }
  g_string_append_c(s, ']');
  if (json) {
    *json = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(*json, names);
  } else {
    json_array_unref(names);
  }
}

gboolean
dc_sigset(const GtDc *c, guint64 va, gsize size, GString *s, JsonNode **json)
{
  guint8 mask[16];
  if (size == 0 || size > sizeof mask || !dc_read(c, va, mask, size))
    return FALSE;
  dc_sigset_text(s, mask, size, json);
  return TRUE;
}

/* A file mode as strace prints it (print_symbolic_mode_t): S_IFREG|0644,
 * S_IFDIR|S_ISVTX|0777, or the octal number when the type is unknown. */
void
dc_mode_text(GString *s, guint32 mode)
{
  guint64 ifmt = 0;
  for (guint i = 0; i < gt_xlat_file_types.n; i++)
    ifmt |= gt_xlat_file_types.entries[i].value;
  const char *type = (mode & ifmt) ? gt_xlat_name(&gt_xlat_file_types, mode & ifmt) : "";
  if (!type) {
    g_string_append_printf(s, "%#03o", mode);
    return;
  }
  g_string_append_printf(s, "%s%s", type, *type ? "|" : "");
  guint32 rest = mode & ~(guint32)ifmt;
  for (guint i = 0; i < gt_xlat_mode_bits.n; i++)
    if (rest & gt_xlat_mode_bits.entries[i].value) {
      g_string_append_printf(s, "%s|", gt_xlat_mode_bits.entries[i].name);
      rest &= ~(guint32)gt_xlat_mode_bits.entries[i].value;
    }
  g_string_append_printf(s, "%#03o", rest);
}
