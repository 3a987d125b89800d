/* statx: the sync type and AT_* flags, the mask, and the result struct in
 * strace's abbreviated form: {stx_mask=..., stx_attributes=...,
 * stx_mode=..., stx_size=N, ...}, mode and size only when stx_mask says
 * the kernel filled them. Layout: the guest's BTF `struct statx`. */
#include "decode/decode-private.h"
#include "decode/families.h"

/* AT_STATX_SYNC_AS_STAT|AT_SYMLINK_NOFOLLOW: the sync type first. */
static void
statx_flags(GtDc *c, guint i)
{
  guint64 v = (guint32)dc_arg(c, i), type_mask = gt_xlat_bits(&gt_xlat_statx_sync, "AT_STATX_SYNC_TYPE");
  GString *s = g_string_new(NULL);
  gt_xlat_print_flags(s, &gt_xlat_statx_sync, v & type_mask, gt_xlat_name(&gt_xlat_statx_sync, 0));
  if (v & ~type_mask) {
    g_string_append_c(s, '|');
    gt_xlat_print_flags(s, &gt_xlat_at_flags, v & ~type_mask, NULL);
  }
  c->rec->args[i].svalue = (gint64)v;
  JsonNode *j = gt_xlat_flags_json(&gt_xlat_at_flags, v & ~type_mask);
  const char *sync = gt_xlat_name(&gt_xlat_statx_sync, v & type_mask);
  if (sync)
    json_array_add_string_element(json_node_get_array(j), sync);
  dc_set(c, i, g_string_free(s, FALSE), j);
}

static gboolean
statx_pointee(GtDc *c, guint64 va, G_GNUC_UNUSED gint64 n, GString *s, JsonNode **json)
{
  GtStructView v;
  guint64 mask, attrs, mode = 0, size = 0;
  if (!dc_struct_read(c, "statx", va, &v) || !sv_get(&v, "stx_mask", FALSE, &mask) ||
      !sv_get(&v, "stx_attributes", FALSE, &attrs) || !sv_get(&v, "stx_mode", FALSE, &mode) ||
      !sv_get(&v, "stx_size", FALSE, &size))
    return FALSE;
  JsonObject *o = json_object_new();
  g_string_append(s, "{stx_mask=");
  gt_xlat_print_flags(s, &gt_xlat_statx_masks, (guint32)mask, "0");
  g_string_append(s, ", stx_attributes=");
  gt_xlat_print_flags(s, &gt_xlat_statx_attrs, attrs, "0");
  json_object_set_member(o, "stx_mask", gt_xlat_flags_json(&gt_xlat_statx_masks, (guint32)mask));
  json_object_set_member(o, "stx_attributes", gt_xlat_flags_json(&gt_xlat_statx_attrs, attrs));
  if (mask & (gt_xlat_bits(&gt_xlat_statx_masks, "STATX_TYPE") |
              gt_xlat_bits(&gt_xlat_statx_masks, "STATX_MODE"))) {
    g_string_append(s, ", stx_mode=");
    dc_mode_text(s, (guint16)mode);
    json_object_set_int_member(o, "stx_mode", (gint64)(guint16)mode);
  }
  if (mask & gt_xlat_bits(&gt_xlat_statx_masks, "STATX_SIZE")) {
    g_string_append_printf(s, ", stx_size=%" G_GUINT64_FORMAT, size);
    json_object_set_int_member(o, "stx_size", (gint64)size);
  }
  static const char *const more[] = { "stx_ino", "stx_nlink", "stx_uid", "stx_gid",
                                      "stx_blksize", "stx_blocks" };
  for (guint k = 0; k < G_N_ELEMENTS(more); k++) {
    guint64 x;
    if (sv_get(&v, more[k], FALSE, &x))
      json_object_set_int_member(o, more[k], (gint64)x);
  }
  g_string_append(s, ", ...}");
  *json = json_node_new(JSON_NODE_OBJECT);
  json_node_take_object(*json, o);
  return TRUE;
}

void
gt_dec_statx(GtDc *c)
{
  if (!c->exiting) {
    dc_dirfd(c, 0);
    dc_path(c, 1);
    statx_flags(c, 2);
    dc_flags(c, 3, &gt_xlat_statx_masks, "0");
    dc_hex(c, 4);
  } else {
    dc_pointee(c, 4, statx_pointee, 0);   /* an out-parameter */
  }
}
