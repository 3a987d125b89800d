/* Decoders of identity calls: user, group, process-group and session ids. */
#include "decode/decode-private.h"
#include "decode/families.h"

void gt_dec_none(GtDc *c) { (void)c; }

void
gt_dec_int(GtDc *c)
{
  if (!c->exiting)
    dc_int(c, 0);
}

void
gt_dec_int_int(GtDc *c)
{
  if (c->exiting)
    return;
  dc_int(c, 0);
  dc_int(c, 1);
}

void
gt_dec_int3(GtDc *c)
{
  if (c->exiting)
    return;
  dc_int(c, 0);
  dc_int(c, 1);
  dc_int(c, 2);
}

/* getgroups(size, list): the list at the return. */
void
gt_dec_getgroups(GtDc *c)
{
  if (!c->exiting) {
    dc_int(c, 0);
    dc_hex(c, 1);
    return;
  }
  gint64 n = c->rec->result;
  if (!dc_ok(c) || !dc_arg(c, 1) || n > 64)
    return;
  guint32 g[64];
  if (n && !dc_read(c, dc_arg(c, 1), g, (gsize)n * 4))
    return;
  GString *s = g_string_new("[");
  for (gint64 k = 0; k < n; k++)
    g_string_append_printf(s, "%s%u", k ? ", " : "", g[k]);
  g_string_append_c(s, ']');
  dc_set(c, 1, g_string_free(s, FALSE), NULL);
}
