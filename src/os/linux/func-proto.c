/* A kernel function's parameters (names and types) from the kernel's BTF,
 * so any traced function, not only system calls, shows named arguments
 * (do_exit(code=...)) and filters can name them. */
#include "os/linux/linux.h"

#include <bpf/btf.h>

#define TYPE_DEPTH 8

/* A C-like spelling of a BTF type, enough for decoders to tell strings,
 * pointers, signed and unsigned integers apart. */
static void
render_type(const struct btf *b, guint32 id, GString *out, int depth)
{
  const struct btf_type *t = id ? btf__type_by_id(b, id) : NULL;
  if (!t || depth > TYPE_DEPTH) {
    g_string_append(out, id ? "?" : "void");
    return;
  }
  const char *name = btf__name_by_offset(b, t->name_off);
  switch (btf_kind(t)) {
  case BTF_KIND_CONST:
    g_string_append(out, "const ");
    render_type(b, t->type, out, depth + 1);
    return;
  case BTF_KIND_VOLATILE:
  case BTF_KIND_RESTRICT:
  case BTF_KIND_TYPE_TAG:
    render_type(b, t->type, out, depth + 1);
    return;
  case BTF_KIND_PTR:
    render_type(b, t->type, out, depth + 1);
    g_string_append(out, " *");
    return;
  case BTF_KIND_STRUCT:
    g_string_append_printf(out, "struct %s", name ? name : "");
    return;
  case BTF_KIND_UNION:
    g_string_append_printf(out, "union %s", name ? name : "");
    return;
  case BTF_KIND_ENUM:
  case BTF_KIND_ENUM64:
    g_string_append_printf(out, "enum %s", name ? name : "");
    return;
  default:
    g_string_append(out, name && *name ? name : "?");
    return;
  }
}

/* The width and signedness of a result of type id (typedefs and qualifiers
 * looked through): integers (bool included) and enums narrower than rax;
 * anything else leaves *size 0 (all of rax). */
static void
result_width(const struct btf *b, guint32 id, guint *size, gboolean *is_signed)
{
  *size = 0;
  *is_signed = FALSE;
  __s32 rid = id ? btf__resolve_type(b, id) : -1;
  const struct btf_type *t = rid > 0 ? btf__type_by_id(b, (guint32)rid) : NULL;
  if (!t || !(btf_is_int(t) || btf_is_any_enum(t)) ||
      !(t->size == 1 || t->size == 2 || t->size == 4))
    return;
  *size = t->size;
  /* BTF marks signed enums with kind_flag. */
  *is_signed = btf_is_int(t) ? (btf_int_encoding(t) & BTF_INT_SIGNED) != 0 : btf_kflag(t);
}

GtSyscallMeta *
gt_kbtf_func_meta(GtKernelBtf *kb, const char *func)
{
  const struct btf *b = gt_kbtf_handle(kb);
  if (!b)
    return NULL;
  __s32 id = btf__find_by_name_kind(b, func, BTF_KIND_FUNC);
  if (id <= 0)
    return NULL;
  const struct btf_type *fn = btf__type_by_id(b, (guint32)id);
  const struct btf_type *proto = fn ? btf__type_by_id(b, fn->type) : NULL;
  if (!proto || !btf_is_func_proto(proto) || btf_vlen(proto) > 6)
    return NULL;
  GtSyscallMeta *m = g_new0(GtSyscallMeta, 1);
  m->name = g_strdup(func);
  m->nr = -1;
  m->nargs = btf_vlen(proto);
  m->returns_void = proto->type == 0;
  result_width(b, proto->type, &m->ret_size, &m->ret_signed);
  const struct btf_param *p = btf_params(proto);
  for (guint i = 0; i < m->nargs; i++) {
    const char *pname = btf__name_by_offset(b, p[i].name_off);
    m->arg_names[i] = pname && *pname ? g_strdup(pname) : g_strdup_printf("arg%u", i);
    GString *type = g_string_new(NULL);
    render_type(b, p[i].type, type, 0);
    m->arg_types[i] = g_string_free(type, FALSE);
  }
  return m;
}
