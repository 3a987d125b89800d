/* The entry points: naming the call as user space knows it, setting up
 * the arguments, and running the syscall's decoder at the call and at the
 * return. Without a decoder (a syscall not in table.c, or a kernel
 * function) each argument is rendered from the kernel's declared type. */
#include "decode/families.h"

#include <string.h>

/* A register-sized value narrowed to the kernel's declared type. */
static void
generic_number(GtDc *c, guint i)
{
  const char *t = c->rec->args[i].type ? c->rec->args[i].type : "long";
  gboolean is_unsigned = strstr(t, "unsigned") || strstr(t, "size_t") ||
                         g_str_has_prefix(t, "u") || strstr(t, "__u");
  gboolean wide = strstr(t, "long") || strstr(t, "size_t") || strstr(t, "off_t") ||
                  strstr(t, "u64") || strstr(t, "s64") || strstr(t, "loff_t");
  if (strstr(t, "ssize_t"))
    is_unsigned = FALSE;
  if (wide)
    is_unsigned ? dc_ulong(c, i) : dc_long(c, i);
  else
    is_unsigned ? dc_uint(c, i) : dc_int(c, i);
}

static void
generic_arg(GtDc *c, guint i)
{
  const char *t = c->rec->args[i].type;
  if (t && g_str_has_prefix(t, "const char") && strchr(t, '*') && !strstr(t, "**") &&
      !strstr(t, "* const *") && !strstr(t, "*const *"))
    dc_path(c, i);
  else if (t && strchr(t, '*'))
    dc_hex(c, i);
  else
    generic_number(c, i);
}

void
gt_decode_call(GtRecord *rec, const GtSyscallMeta *meta, const guint64 raw[6],
               guint nargs, const GtArgReader *rd)
{
  rec->nargs = MIN(meta ? meta->nargs : nargs, GT_MAX_ARGS);
  for (guint i = 0; i < rec->nargs; i++) {
    GtRecordArg *a = &rec->args[i];
    a->value = raw[i];
    a->name = meta && meta->arg_names[i] ? g_strdup(meta->arg_names[i])
                                         : g_strdup_printf("arg%u", i);
    a->type = meta && meta->arg_types[i] ? g_strdup(meta->arg_types[i]) : NULL;
  }
  /* The name user space knows, by number (fstat, not newfstat). */
  const char *user = gt_decode_syscall_name(rec->nr);
  if (user && g_strcmp0(user, rec->name)) {
    rec->kernel_name = rec->name;
    rec->name = g_strdup(user);
  }
  GtDc c = { rec, rd, FALSE };
  for (guint i = 0; i < rec->nargs; i++)
    generic_arg(&c, i);
  GtDecoderFn fn = rec->nr >= 0 ? gt_decoder_lookup(rec->name) : NULL;
  if (fn)
    fn(&c);
}

void
gt_decode_return(GtRecord *rec, const GtArgReader *rd)
{
  GtDecoderFn fn = rec->nr >= 0 ? gt_decoder_lookup(rec->name) : NULL;
  if (!fn || !rec->has_result)
    return;
  GtDc c = { rec, rd, TRUE };
  fn(&c);
}
