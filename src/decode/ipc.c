/* Decoders of basic IPC: futex (the operation name with its _PRIVATE and
 * FUTEX_CLOCK_REALTIME parts, and only the arguments it uses). */
#include "decode/decode-private.h"
#include "decode/families.h"

/* FUTEX_PRIVATE_FLAG (128) and FUTEX_CLOCK_REALTIME (256) of
 * linux/futex.h; strace joins the first to the name with "_PRIVATE". */
#define FUTEX_CMD_MASK 127u

void
gt_dec_futex(GtDc *c)
{
  if (c->exiting)
    return;
  guint32 op = (guint32)dc_arg(c, 1);
  const char *cmd = gt_xlat_name(&gt_xlat_futex_ops, op & FUTEX_CMD_MASK);
  dc_hex(c, 0);
  GString *s = g_string_new(NULL);
  if (cmd)
    g_string_append_printf(s, "%s%s", cmd, (op & 128) ? "_PRIVATE" : "");
  else
    g_string_append_printf(s, "%#x", op & ~256u);
  if (op & 256)
    g_string_append(s, "|FUTEX_CLOCK_REALTIME");
  dc_set(c, 1, g_string_free(s, FALSE), cmd ? dc_json_str(cmd) : NULL);
  dc_int(c, 2);
  guint used = 6;
  if (!g_strcmp0(cmd, "FUTEX_WAKE"))
    used = 3;
  else if (!g_strcmp0(cmd, "FUTEX_WAIT"))
    used = 4;
  for (guint k = 3; k < c->rec->nargs; k++)
    dc_hex(c, k);
  for (guint k = used; k < c->rec->nargs; k++)
    dc_hide(c, k);
}
