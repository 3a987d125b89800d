/* Decoders of memory calls: addresses in hex, lengths in decimal, mmap's
 * type and flags, and address results in hex, as strace prints them. */
#include "decode/decode-private.h"
#include "decode/families.h"

static void
hex_result(GtDc *c)
{
  if (c->exiting && dc_ok(c))
    dc_result(c, g_strdup_printf("%#" G_GINT64_MODIFIER "x", (guint64)c->rec->result), NULL);
}

void
gt_dec_brk(GtDc *c)
{
  if (!c->exiting)
    dc_hex(c, 0);
  hex_result(c);
}

static void
prot(GtDc *c, guint i)
{
  dc_flags(c, i, &gt_xlat_mmap_prot, "PROT_NONE");
}

void
gt_dec_mmap(GtDc *c)
{
  hex_result(c);
  if (c->exiting)
    return;
  dc_hex(c, 0);
  dc_ulong(c, 1);
  prot(c, 2);
  GtRecordArg *f = &c->rec->args[3];
  guint64 v = (guint32)f->value;
  GString *s = g_string_new(NULL);
  gt_xlat_print_value(s, &gt_xlat_mmap_types, v & 0xf, "MAP_???");
  JsonNode *j = gt_xlat_flags_json(&gt_xlat_mmap_flags, v & ~0xfULL);
  const char *type = gt_xlat_name(&gt_xlat_mmap_types, v & 0xf);
  if (type)
    json_array_add_string_element(json_node_get_array(j), type);
  if (v & ~0xfULL) {
    g_string_append_c(s, '|');
    gt_xlat_print_flags(s, &gt_xlat_mmap_flags, v & ~0xfULL, NULL);
  }
  f->svalue = (gint64)v;
  dc_set(c, 3, g_string_free(s, FALSE), j);
  dc_fd(c, 4);
  GtRecordArg *o = &c->rec->args[5];
  o->svalue = (gint64)o->value;
  dc_set(c, 5, o->value ? g_strdup_printf("%#" G_GINT64_MODIFIER "x", o->value) : g_strdup("0"),
         NULL);
}

void
gt_dec_mprotect(GtDc *c)
{
  if (c->exiting)
    return;
  dc_hex(c, 0);
  dc_ulong(c, 1);
  prot(c, 2);
}

void
gt_dec_addr_len(GtDc *c)
{
  if (c->exiting)
    return;
  dc_hex(c, 0);
  dc_ulong(c, 1);
}

void
gt_dec_madvise(GtDc *c)
{
  if (c->exiting)
    return;
  gt_dec_addr_len(c);
  dc_xval(c, 2, &gt_xlat_madvise_advice, "MADV_???");
}

void
gt_dec_msync(GtDc *c)
{
  if (c->exiting)
    return;
  gt_dec_addr_len(c);
  dc_flags(c, 2, &gt_xlat_msync_flags, "0");
}

void
gt_dec_mlockall(GtDc *c)
{
  if (!c->exiting)
    dc_flags(c, 0, &gt_xlat_mlockall_flags, "0");
}

/* mincore: one byte per page, strace prints each page's residency bit. */
void
gt_dec_mincore(GtDc *c)
{
  if (!c->exiting) {
    gt_dec_addr_len(c);
    dc_hex(c, 2);
    return;
  }
  guint64 pages = (dc_arg(c, 1) + 4095) / 4096;
  guint8 vec[64];
  if (!dc_ok(c) || pages > sizeof vec || !dc_read(c, dc_arg(c, 2), vec, pages))
    return;
  GString *s = g_string_new("[");
  for (guint64 k = 0; k < pages; k++)
    g_string_append_c(s, (vec[k] & 1) ? '1' : '0');
  g_string_append_c(s, ']');
  dc_set(c, 2, g_string_free(s, FALSE), NULL);
}

void
gt_dec_mremap(GtDc *c)
{
  hex_result(c);
  if (c->exiting)
    return;
  dc_hex(c, 0);
  dc_ulong(c, 1);
  dc_ulong(c, 2);
  dc_flags(c, 3, &gt_xlat_mremap_flags, "0");
  dc_hex(c, 4);
  const char *fixed = NULL;
  for (guint k = 0; k < gt_xlat_mremap_flags.n; k++)
    if (!g_strcmp0(gt_xlat_mremap_flags.entries[k].name, "MREMAP_FIXED"))
      fixed = (dc_arg(c, 3) & gt_xlat_mremap_flags.entries[k].value) ? "y" : NULL;
  if (!fixed)
    dc_hide(c, 4);
}
