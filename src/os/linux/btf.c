/* The guest kernel's BTF: reading it out of guest memory, parsing it with
 * libbpf, and resolving struct member offsets (through anonymous members,
 * typedefs and dotted paths). The BTF comes from the guest and is hostile:
 * its size is bounded, its header is checked before libbpf parses and
 * validates it, and every walk over its types has a depth limit; member
 * lookups also a visited set and a work limit (offsets.h). */
#include <errno.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/btf.h>
#include <guestrace/types.h>
#include "os/linux/offsets.h"

/* Nesting bound for anonymous members, dotted paths and modifier chains. */
#define GT_KBTF_MAX_DEPTH 32

struct GtKernelBtf {
  struct btf *btf;
};

void
gt_kbtf_free(GtKernelBtf *kb)
{
  if (kb == NULL)
    return;
  btf__free(kb->btf);
  g_free(kb);
}

gpointer
gt_kbtf_handle(GtKernelBtf *kb)
{
  return kb->btf;
}

/* The header must describe sections inside the blob, as the kernel
 * writes them: checked here so the error says what is wrong, and so
 * libbpf only ever sees a blob whose layout is sane. */
static gboolean
check_header(const void *data, gsize size, GError **error)
{
  struct btf_header h;
  memcpy(&h, data, sizeof h);
  const char *problem = NULL;
  guint64 body = size - MIN(size, (gsize) h.hdr_len);
  if (h.magic != BTF_MAGIC)
    problem = "a bad magic number";
  else if (h.version != BTF_VERSION || h.flags != 0)
    problem = "an unknown version or flags";
  else if (h.hdr_len < sizeof h || h.hdr_len > size)
    problem = "a bad header length";
  else if (h.type_off % 4 != 0 || (guint64) h.type_off + h.type_len > body)
    problem = "a type section outside the blob";
  else if (h.str_len == 0 || (guint64) h.str_off + h.str_len > body)
    problem = "a string section outside the blob";
  else if (((const char *) data)[h.hdr_len + h.str_off + h.str_len - 1] != '\0')
    problem = "an unterminated string section";
  if (problem == NULL)
    return TRUE;
  g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG,
              "BTF blob has %s (magic 0x%04x, version %u, header %u bytes, types %u+%u, "
              "strings %u+%u, blob %" G_GSIZE_FORMAT " bytes)", problem, h.magic, h.version,
              h.hdr_len, h.type_off, h.type_len, h.str_off, h.str_len, size);
  return FALSE;
}

GtKernelBtf *
gt_kbtf_load_raw(const void *data, gsize size, GError **error)
{
  if (data == NULL || size < sizeof(struct btf_header) || size > GT_KBTF_MAX_SIZE) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG,
                "BTF blob has an invalid size (%" G_GSIZE_FORMAT " bytes; at most %u MiB)",
                size, GT_KBTF_MAX_SIZE >> 20);
    return NULL;
  }
  if (!check_header(data, size, error))
    return NULL;
  /* btf__new copies the data and validates the header and every type. */
  struct btf *b = btf__new(data, (guint32) size);
  if (b == NULL) {
    int err = errno;
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG,
                "libbpf cannot parse the BTF blob: %s", g_strerror(err));
    return NULL;
  }
  GtKernelBtf *kb = g_new0(GtKernelBtf, 1);
  kb->btf = b;
  return kb;
}

GtKernelBtf *
gt_kbtf_load_guest(GtMem *mem, guint64 cr3, const GtSymbols *syms, GError **error)
{
  guint64 start, stop;
  if (!gt_symbols_lookup(syms, "__start_BTF", &start) ||
      !gt_symbols_lookup(syms, "__stop_BTF", &stop)) {
    g_set_error(error, GT_ERROR, GT_ERROR_NOT_FOUND,
                "the kernel has no BTF (symbols __start_BTF/__stop_BTF not found); "
                "use an offsets profile");
    return NULL;
  }
  if (stop <= start || stop - start > GT_KBTF_MAX_SIZE) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG,
                "kernel BTF bounds are implausible: __start_BTF=0x%" G_GINT64_MODIFIER
                "x __stop_BTF=0x%" G_GINT64_MODIFIER "x (limit %u MiB)",
                start, stop, GT_KBTF_MAX_SIZE >> 20);
    return NULL;
  }
  gsize size = stop - start;
  g_autofree guint8 *buf = g_malloc(size);
  g_autoptr(GError) local = NULL;
  if (!gt_mem_read(mem, cr3, start, buf, size, &local)) {
    g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
                "cannot read the kernel BTF (%" G_GSIZE_FORMAT " bytes at 0x%"
                G_GINT64_MODIFIER "x): %s", size, start, local->message);
    return NULL;
  }
  GtKernelBtf *kb = gt_kbtf_load_raw(buf, size, &local);
  if (kb == NULL) {
    g_set_error(error, GT_ERROR, local->code, "kernel BTF at 0x%" G_GINT64_MODIFIER
                "x: %s", start, local->message);
    return NULL;
  }
  return kb;
}

/* Skips typedef, const, volatile, restrict and type tags. Returns the type
 * id reached, or -1 if the chain is too long or broken. */
static gint64
skip_mods(const struct btf *b, guint32 id)
{
  for (int depth = 0; depth < GT_KBTF_MAX_DEPTH; depth++) {
    const struct btf_type *t = btf__type_by_id(b, id);
    if (t == NULL)
      return -1;
    if (!btf_is_mod(t) && !btf_is_typedef(t))
      return id;
    id = t->type;
  }
  return -1;
}

/* The type id of the struct/union called name (also through a typedef of
 * that name), or -1. */
static gint64
find_composite(const struct btf *b, const char *name)
{
  gint32 id = btf__find_by_name_kind(b, name, BTF_KIND_STRUCT);
  if (id < 0)
    id = btf__find_by_name_kind(b, name, BTF_KIND_UNION);
  if (id < 0) {
    gint32 td = btf__find_by_name_kind(b, name, BTF_KIND_TYPEDEF);
    if (td < 0)
      return -1;
    gint64 r = skip_mods(b, (guint32) td);
    if (r < 0)
      return -1;
    id = (gint32) r;
  }
  const struct btf_type *t = btf__type_by_id(b, (guint32) id);
  return t != NULL && btf_is_composite(t) ? id : -1;
}

/* Without kind_flag, a bitfield is an int type narrower than its storage. */
static gboolean
is_int_bitfield(const struct btf *b, guint32 type_id)
{
  gint64 id = skip_mods(b, type_id);
  const struct btf_type *t = id < 0 ? NULL : btf__type_by_id(b, (guint32) id);
  if (t == NULL || !btf_is_int(t))
    return FALSE;
  return btf_int_offset(t) != 0 || btf_int_bits(t) != t->size * 8;
}

typedef enum { LOOKUP_FOUND, LOOKUP_ABSENT, LOOKUP_BAD } LookupResult;

/* One member lookup's bounds: the composite types entered (an anonymous
 * struct reached twice is searched once: a second search finds nothing
 * new; reached again while being searched, it contains itself) and the
 * members examined so far. */
typedef enum { SEEN_OPEN = 1, SEEN_DONE } SeenState;

typedef struct {
  const struct btf *b;
  GHashTable *seen;       /* type id -> SeenState */
  guint work;
  const char *problem;    /* why LOOKUP_BAD */
} Lookup;

static LookupResult find_member(Lookup *lk, guint32 id, const char *name, int depth,
                                guint64 *bits, guint32 *type_id, gboolean *bitfield);

/* Searches the anonymous member of type mtype (through modifiers) if it is
 * a struct or union not searched yet in this lookup. */
static LookupResult
find_in_anonymous(Lookup *lk, guint32 mtype, const char *name, int depth, guint64 *bits,
                  guint32 *type_id, gboolean *bitfield)
{
  gint64 id = skip_mods(lk->b, mtype);
  if (id < 0) {
    lk->problem = "a broken or too long modifier chain";
    return LOOKUP_BAD;
  }
  const struct btf_type *inner = btf__type_by_id(lk->b, (guint32) id);
  if (inner == NULL || !btf_is_composite(inner))
    return LOOKUP_ABSENT;
  switch (GPOINTER_TO_UINT(g_hash_table_lookup(lk->seen, GUINT_TO_POINTER(id)))) {
  case SEEN_OPEN:
    lk->problem = "a struct that contains itself";
    return LOOKUP_BAD;
  case SEEN_DONE:
    return LOOKUP_ABSENT;
  default:
    return find_member(lk, (guint32) id, name, depth + 1, bits, type_id, bitfield);
  }
}

/* Looks for a member called name directly in type id (a struct or union),
 * or inside its anonymous struct/union members (recursively). On success,
 * *bits is the member's bit offset from the start of the type and *type_id
 * its type. */
static LookupResult
find_member(Lookup *lk, guint32 id, const char *name, int depth, guint64 *bits,
            guint32 *type_id, gboolean *bitfield)
{
  if (depth > GT_KBTF_MAX_DEPTH) {
    lk->problem = "anonymous members nested too deep";
    return LOOKUP_BAD;
  }
  const struct btf *b = lk->b;
  const struct btf_type *t = btf__type_by_id(b, id);
  const struct btf_member *m = btf_members(t);
  guint16 n = btf_vlen(t);
  g_hash_table_insert(lk->seen, GUINT_TO_POINTER(id), GUINT_TO_POINTER(SEEN_OPEN));
  LookupResult r = LOOKUP_ABSENT;
  for (guint16 i = 0; i < n && r == LOOKUP_ABSENT; i++) {
    if (++lk->work > GT_KBTF_MAX_WORK) {
      lk->problem = "too many members to search";
      return LOOKUP_BAD;
    }
    const char *mname = btf__name_by_offset(b, m[i].name_off);
    if (mname != NULL && mname[0] != '\0') {
      if (strcmp(mname, name) == 0) {
        *bits = btf_member_bit_offset(t, i);
        *type_id = m[i].type;
        *bitfield = btf_member_bitfield_size(t, i) != 0 || is_int_bitfield(b, m[i].type);
        r = LOOKUP_FOUND;
      }
      continue;
    }
    guint64 inner_bits = 0;
    r = find_in_anonymous(lk, m[i].type, name, depth, &inner_bits, type_id, bitfield);
    if (r == LOOKUP_FOUND)
      *bits = btf_member_bit_offset(t, i) + inner_bits;
  }
  g_hash_table_insert(lk->seen, GUINT_TO_POINTER(id), GUINT_TO_POINTER(SEEN_DONE));
  return r;
}

gboolean
gt_kbtf_member_offset(GtKernelBtf *kb, const char *struct_name, const char *member,
                      guint *offset, guint *size, GError **error)
{
  const struct btf *b = kb->btf;
  gint64 id = find_composite(b, struct_name);
  if (id < 0) {
    g_set_error(error, GT_ERROR, GT_ERROR_NOT_FOUND,
                "BTF: no struct %s in the kernel", struct_name);
    return FALSE;
  }
  g_auto(GStrv) parts = g_strsplit(member, ".", GT_KBTF_MAX_DEPTH + 1);
  if (parts[0] == NULL || g_strv_length(parts) > GT_KBTF_MAX_DEPTH) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG,
                "BTF: bad member path \"%s\" in struct %s", member, struct_name);
    return FALSE;
  }
  guint64 total_bits = 0;
  guint32 type_id = 0;
  g_autoptr(GHashTable) seen = g_hash_table_new(NULL, NULL);
  Lookup lk = { b, seen, 0, NULL };
  for (guint i = 0; parts[i] != NULL; i++) {
    if (i > 0) {
      /* The previous component must itself be a struct or union. */
      id = skip_mods(b, type_id);
      const struct btf_type *next = id < 0 ? NULL : btf__type_by_id(b, (guint32) id);
      if (next == NULL || !btf_is_composite(next)) {
        g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG,
                    "BTF: %s.%s: \"%s\" is not a struct or union", struct_name,
                    member, parts[i - 1]);
        return FALSE;
      }
    }
    guint64 bits = 0;
    gboolean bitfield = FALSE;
    g_hash_table_remove_all(seen);
    LookupResult r = find_member(&lk, (guint32) id, parts[i], 0, &bits, &type_id,
                                 &bitfield);
    if (r == LOOKUP_BAD) {
      g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG,
                  "BTF: %s.%s: the type graph has %s", struct_name, member, lk.problem);
      return FALSE;
    }
    if (r == LOOKUP_ABSENT) {
      g_set_error(error, GT_ERROR, GT_ERROR_NOT_FOUND,
                  "BTF: struct %s has no member %s", struct_name, member);
      return FALSE;
    }
    if (bitfield || bits % 8 != 0) {
      g_set_error(error, GT_ERROR, GT_ERROR_UNSUPPORTED,
                  "BTF: %s.%s is a bitfield", struct_name, member);
      return FALSE;
    }
    total_bits += bits;
  }
  gint64 sz = btf__resolve_size(b, type_id);
  if (sz < 0 || total_bits / 8 > G_MAXUINT32 || sz > G_MAXUINT32) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG,
                "BTF: %s.%s has no valid size or offset", struct_name, member);
    return FALSE;
  }
  if (offset != NULL)
    *offset = (guint) (total_bits / 8);
  if (size != NULL)
    *size = (guint) sz;
  return TRUE;
}

gboolean
gt_kbtf_struct_size(GtKernelBtf *kb, const char *struct_name, guint *size, GError **error)
{
  gint64 id = find_composite(kb->btf, struct_name);
  if (id < 0) {
    g_set_error(error, GT_ERROR, GT_ERROR_NOT_FOUND,
                "BTF: no struct %s in the kernel", struct_name);
    return FALSE;
  }
  *size = btf__type_by_id(kb->btf, (guint32) id)->size;
  return TRUE;
}

gboolean
gt_kbtf_enum_value(GtKernelBtf *kb, const char *name, gint64 *value, GError **error)
{
  const struct btf *b = kb->btf;
  guint32 n = btf__type_cnt(b);
  for (guint32 id = 1; id < n; id++) {
    const struct btf_type *t = btf__type_by_id(b, id);
    if (t == NULL || !(btf_is_enum(t) || btf_is_enum64(t)))
      continue;
    guint16 vlen = btf_vlen(t);
    for (guint16 i = 0; i < vlen; i++) {
      const char *en;
      gint64 v;
      if (btf_is_enum(t)) {
        const struct btf_enum *e = btf_enum(t) + i;
        en = btf__name_by_offset(b, e->name_off);
        v = e->val;
      } else {
        const struct btf_enum64 *e = btf_enum64(t) + i;
        en = btf__name_by_offset(b, e->name_off);
        v = (gint64) btf_enum64_value(e);
      }
      if (en != NULL && strcmp(en, name) == 0) {
        *value = v;
        return TRUE;
      }
    }
  }
  g_set_error(error, GT_ERROR, GT_ERROR_NOT_FOUND, "BTF: no enumerator %s", name);
  return FALSE;
}
