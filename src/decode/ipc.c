/* Decoders of basic IPC: futex, as strace 6.1 prints it (futex.c): the
 * operation with its _PRIVATE and FUTEX_CLOCK_REALTIME parts, then only
 * the arguments the operation uses (timeouts as timespecs, val3 by name
 * for the bitset operations, FUTEX_WAKE_OP's encoded operation). */
#include "decode/decode-private.h"
#include "decode/families.h"

/* strace's futex.c picks the operation's arguments by op & 127 (the
 * command bits below FUTEX_PRIVATE_FLAG). */
#define FUTEX_CMD_BITS 127u

static guint64
futex_flag(const char *name)
{
  return gt_xlat_bits(&gt_xlat_futex_flags, name);
}

/* The operation word: "FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME". */
static void
op_arg(GtDc *c, guint32 op, const char *cmd)
{
  guint32 priv = (guint32)futex_flag("FUTEX_PRIVATE_FLAG");
  guint32 rt = (guint32)futex_flag("FUTEX_CLOCK_REALTIME");
  guint32 known = FUTEX_CMD_BITS | priv | rt;
  GString *s = g_string_new(NULL);
  /* strace names FUTEX_CLOCK_REALTIME only with the waits, and FUTEX_FD's
   * private form FUTEX_FD|FUTEX_PRIVATE_FLAG (its futexops list). */
  gboolean rt_ok = !g_strcmp0(cmd, "FUTEX_WAIT") || !g_strcmp0(cmd, "FUTEX_WAIT_BITSET") ||
                   !g_strcmp0(cmd, "FUTEX_WAIT_REQUEUE_PI");
  if (cmd && !(op & ~known) && (rt_ok || !(op & rt))) {
    if (!g_strcmp0(cmd, "FUTEX_FD") && (op & priv))
      g_string_append_printf(s, "%s|FUTEX_PRIVATE_FLAG", cmd);
    else
      g_string_append_printf(s, "%s%s", cmd, (op & priv) ? "_PRIVATE" : "");
    if (op & rt)
      g_string_append(s, "|FUTEX_CLOCK_REALTIME");
  } else {
    g_string_append_printf(s, "%#x /* FUTEX_??? */", op);
  }
  GtRecordArg *a = &c->rec->args[1];
  a->is_signed = FALSE;
  a->svalue = op;
  dc_set(c, 1, g_string_free(s, FALSE), cmd ? dc_json_str(cmd) : NULL);
}

static void
timeout_arg(GtDc *c, guint i)
{
  dc_pointee(c, i, dc_timespec_pointee, 0);
}

static void
bitset_arg(GtDc *c, guint i)
{
  guint32 v = (guint32)dc_arg(c, i);
  const char *n = gt_xlat_name(&gt_xlat_futex_bitset, v);
  GtRecordArg *a = &c->rec->args[i];
  a->is_signed = FALSE;
  a->svalue = v;
  dc_set(c, i, n ? g_strdup(n) : g_strdup_printf("%#x", v), n ? dc_json_str(n) : NULL);
}

/* FUTEX_WAKE_OP's val3: [FUTEX_OP_OPARG_SHIFT<<28|]OP<<28|OPARG<<12|CMP<<24|CMPARG. */
static void
wake_op_arg(GtDc *c, guint i)
{
  guint32 v = (guint32)dc_arg(c, i);
  guint32 shift = (guint32)futex_flag("FUTEX_OP_OPARG_SHIFT");
  GString *s = g_string_new(NULL);
  if ((v >> 28) & shift)
    g_string_append(s, "FUTEX_OP_OPARG_SHIFT<<28|");
  const char *op = gt_xlat_name(&gt_xlat_futex_wakeops, (v >> 28) & 7);
  if (op)
    g_string_append_printf(s, "%s<<28", op);
  else
    g_string_append_printf(s, "%#x<<28 /* FUTEX_OP_??? */", (v >> 28) & 7);
  g_string_append_printf(s, (v >> 12) & 0xfff ? "|%#x<<12|" : "|%u<<12|", (v >> 12) & 0xfff);
  const char *cmp = gt_xlat_name(&gt_xlat_futex_wakecmps, (v >> 24) & 0xf);
  if (cmp)
    g_string_append_printf(s, "%s<<24", cmp);
  else
    g_string_append_printf(s, "%#x<<24 /* FUTEX_OP_CMP_??? */", (v >> 24) & 0xf);
  g_string_append_printf(s, (v & 0xfff) ? "|%#x" : "|%u", v & 0xfff);
  dc_set(c, i, g_string_free(s, FALSE), NULL);
}

/* Which arguments after val each operation uses: strace's futex.c. */
typedef enum { F_VAL, F_TIMEOUT, F_WAIT, F_WAIT_BITSET, F_WAKE_BITSET, F_REQUEUE,
               F_CMP_REQUEUE, F_WAKE_OP, F_WAIT_REQUEUE_PI, F_NONE, F_OTHER } FutexShape;

static FutexShape
shape(const char *cmd)
{
  static const struct { const char *cmd; FutexShape s; } shapes[] = {
    { "FUTEX_WAIT", F_WAIT }, { "FUTEX_LOCK_PI", F_TIMEOUT }, { "FUTEX_LOCK_PI2", F_TIMEOUT },
    { "FUTEX_WAIT_BITSET", F_WAIT_BITSET }, { "FUTEX_WAKE_BITSET", F_WAKE_BITSET },
    { "FUTEX_REQUEUE", F_REQUEUE }, { "FUTEX_CMP_REQUEUE", F_CMP_REQUEUE },
    { "FUTEX_CMP_REQUEUE_PI", F_CMP_REQUEUE }, { "FUTEX_WAKE_OP", F_WAKE_OP },
    { "FUTEX_WAIT_REQUEUE_PI", F_WAIT_REQUEUE_PI }, { "FUTEX_FD", F_VAL },
    { "FUTEX_WAKE", F_VAL }, { "FUTEX_UNLOCK_PI", F_NONE }, { "FUTEX_TRYLOCK_PI", F_NONE },
  };
  for (guint i = 0; cmd && i < G_N_ELEMENTS(shapes); i++)
    if (!g_strcmp0(shapes[i].cmd, cmd))
      return shapes[i].s;
  return F_OTHER;
}

void
gt_dec_futex(GtDc *c)
{
  if (c->exiting || c->rec->nargs < 6)
    return;
  guint32 op = (guint32)dc_arg(c, 1);
  const char *cmd = gt_xlat_name(&gt_xlat_futex_ops, op & FUTEX_CMD_BITS);
  dc_hex(c, 0);
  op_arg(c, op, cmd);
  for (guint k = 2; k < 6; k++)
    dc_uint(c, k);
  dc_hex(c, 4);
  FutexShape sh = shape(cmd);
  /* Arguments shown, beyond uaddr and op: a bit mask over 2..5. */
  guint shown = 0;
  switch (sh) {
  case F_VAL: shown = 1u << 2; break;
  case F_NONE: break;
  case F_TIMEOUT: shown = 1u << 3; timeout_arg(c, 3); break;
  case F_WAIT: shown = 1u << 2 | 1u << 3; timeout_arg(c, 3); break;
  case F_WAIT_BITSET:
    shown = 1u << 2 | 1u << 3 | 1u << 5;
    timeout_arg(c, 3);
    bitset_arg(c, 5);
    break;
  case F_WAKE_BITSET: shown = 1u << 2 | 1u << 5; bitset_arg(c, 5); break;
  case F_REQUEUE: shown = 1u << 2 | 1u << 3 | 1u << 4; break;
  case F_CMP_REQUEUE: shown = 0x3c; break;
  case F_WAKE_OP: shown = 0x3c; wake_op_arg(c, 5); break;
  case F_WAIT_REQUEUE_PI: shown = 1u << 2 | 1u << 3 | 1u << 4; timeout_arg(c, 3); break;
  case F_OTHER:
    shown = 0x3c;
    dc_hex(c, 3);
    dc_set(c, 5, g_strdup_printf(dc_arg(c, 5) & 0xffffffffu ? "%#x" : "%u",
                                 (guint32)dc_arg(c, 5)), NULL);
    break;
  }
  for (guint k = 2; k < 6; k++)
    if (!(shown & (1u << k)))
      dc_hide(c, k);
}
