/* btf-subset FULL.btf OUT.btf STRUCT...: writes a BTF blob with only the
 * named structs (and the types their members need) of a kernel's BTF, so
 * the decoder tests can keep the guest kernel's real layouts as small test
 * data. Pointers become pointers to void (same size, no type graph behind
 * them). Not part of the build's tests: run by hand to refresh the data
 * (see data/README). */
#include <bpf/btf.h>
#include <glib.h>
#include <stdio.h>

typedef struct {
  const struct btf *src;
  struct btf *dst;
  GHashTable *map;   /* src id -> dst id */
} Copy;

static int copy_type(Copy *c, guint32 id, int depth);

static int
copy_members(Copy *c, const struct btf_type *t, int depth)
{
  const struct btf_member *m = btf_members(t);
  for (guint i = 0; i < btf_vlen(t); i++)
    if (copy_type(c, m[i].type, depth + 1) < 0)
      return -1;
  return 0;
}

static int
add_kind(Copy *c, const struct btf_type *t, int depth)
{
  const char *name = btf__name_by_offset(c->src, t->name_off);
  switch (btf_kind(t)) {
  case BTF_KIND_INT:
    return btf__add_int(c->dst, name, t->size, btf_int_encoding(t));
  case BTF_KIND_FLOAT:
    return btf__add_float(c->dst, name, t->size);
  case BTF_KIND_PTR:
    return btf__add_ptr(c->dst, 0);
  case BTF_KIND_ARRAY: {
    const struct btf_array *a = btf_array(t);
    int elem = copy_type(c, a->type, depth + 1), index = copy_type(c, a->index_type, depth + 1);
    return elem < 0 || index < 0 ? -1 : btf__add_array(c->dst, index, elem, a->nelems);
  }
  case BTF_KIND_TYPEDEF:
  case BTF_KIND_CONST:
  case BTF_KIND_VOLATILE:
  case BTF_KIND_RESTRICT: {
    int to = copy_type(c, t->type, depth + 1);
    if (to < 0)
      return -1;
    if (btf_kind(t) == BTF_KIND_TYPEDEF)
      return btf__add_typedef(c->dst, name, to);
    if (btf_kind(t) == BTF_KIND_CONST)
      return btf__add_const(c->dst, to);
    if (btf_kind(t) == BTF_KIND_VOLATILE)
      return btf__add_volatile(c->dst, to);
    return btf__add_restrict(c->dst, to);
  }
  case BTF_KIND_STRUCT:
  case BTF_KIND_UNION: {
    if (copy_members(c, t, depth) < 0)
      return -1;
    int id = btf_kind(t) == BTF_KIND_STRUCT ? btf__add_struct(c->dst, name, t->size)
                                            : btf__add_union(c->dst, name, t->size);
    const struct btf_member *m = btf_members(t);
    for (guint i = 0; id > 0 && i < btf_vlen(t); i++) {
      int ft = GPOINTER_TO_INT(g_hash_table_lookup(c->map, GUINT_TO_POINTER(m[i].type)));
      if (btf__add_field(c->dst, btf__name_by_offset(c->src, m[i].name_off), ft,
                         btf_member_bit_offset(t, i), btf_member_bitfield_size(t, i)) < 0)
        return -1;
    }
    return id;
  }
  case BTF_KIND_ENUM: {
    int id = btf__add_enum(c->dst, name, t->size);
    const struct btf_enum *e = btf_enum(t);
    for (guint i = 0; id > 0 && i < btf_vlen(t); i++)
      if (btf__add_enum_value(c->dst, btf__name_by_offset(c->src, e[i].name_off), e[i].val) < 0)
        return -1;
    return id;
  }
  default:
    /* Anything else (functions): an opaque int of pointer size. */
    return btf__add_int(c->dst, "opaque", 8, 0);
  }
}

static int
copy_type(Copy *c, guint32 id, int depth)
{
  if (id == 0)
    return 0;
  gpointer hit = g_hash_table_lookup(c->map, GUINT_TO_POINTER(id));
  if (hit)
    return GPOINTER_TO_INT(hit);
  const struct btf_type *t = btf__type_by_id(c->src, id);
  if (!t || depth > 32)
    return -1;
  int nid = add_kind(c, t, depth);
  if (nid > 0)
    g_hash_table_insert(c->map, GUINT_TO_POINTER(id), GINT_TO_POINTER(nid));
  return nid;
}

int
main(int argc, char **argv)
{
  if (argc < 4) {
    fprintf(stderr, "usage: btf-subset FULL.btf OUT.btf STRUCT...\n");
    return 2;
  }
  struct btf *src = btf__parse_raw(argv[1]);
  if (!src) {
    fprintf(stderr, "btf-subset: cannot parse %s\n", argv[1]);
    return 1;
  }
  Copy c = { src, btf__new_empty(), g_hash_table_new(NULL, NULL) };
  for (int i = 3; i < argc; i++) {
    int id = btf__find_by_name_kind(src, argv[i], BTF_KIND_STRUCT);
    if (id <= 0 || copy_type(&c, (guint32)id, 0) < 0) {
      fprintf(stderr, "btf-subset: struct %s not copied\n", argv[i]);
      return 1;
    }
  }
  guint32 size = 0;
  const void *raw = btf__raw_data(c.dst, &size);
  if (!g_file_set_contents(argv[2], raw, size, NULL))
    return 1;
  printf("%u types, %u bytes\n", btf__type_cnt(c.dst) - 1, size);
  return 0;
}
