/* Decodings named in Filter lines (`argname=code:signal`): what a value
 * means, as the string a filter's regex is matched against. The names come
 * from the old tracer's manual; the meanings are today's Linux. */
#include "policy/decodings.h"

#include "decode/decode.h"

static const char *const names[] = {
  [GT_DECODING_NONE] = "",
  [GT_DECODING_SIGNAL] = "signal",
  [GT_DECODING_STATUS] = "status",
  [GT_DECODING_CALL] = "call",
  [GT_DECODING_FILENAME] = "filename",
  [GT_DECODING_ERRNO] = "errno",
};

gboolean
gt_decoding_lookup(const char *name, GtDecoding *out)
{
  if (!name || !*name)
    return FALSE;
  for (guint i = 1; i < G_N_ELEMENTS(names); i++)
    if (g_str_equal(name, names[i])) {
      *out = (GtDecoding)i;
      return TRUE;
    }
  return FALSE;
}

const char *
gt_decoding_name(GtDecoding d)
{
  return (guint)d < G_N_ELEMENTS(names) ? names[d] : "";
}

const char *
gt_decoding_known_names(void)
{
  return "signal, status, call, filename, errno";
}

char *
gt_decoding_apply(GtDecoding d, const char *function, const char *argname,
                  guint64 raw, const char *text)
{
  gint64 v = (gint64)raw;
  switch (d) {
  case GT_DECODING_SIGNAL: {
    /* do_exit(code): the low 7 bits are the killing signal, 0 for a normal
     * exit; values without a name render as decimal. */
    const char *sig = gt_signal_name((int)(raw & 0x7f));
    return sig ? g_strdup(sig) : g_strdup_printf("%d", (int)(raw & 0x7f));
  }
  case GT_DECODING_STATUS:
    return g_strdup_printf("%u", (guint)((raw >> 8) & 0xff));
  case GT_DECODING_CALL:
    /* The old sys_socketcall multiplexed socket calls by a number; x86-64
     * has one system call per socket operation, so the call is the
     * function. */
    return g_strdup(function ? function : "");
  case GT_DECODING_ERRNO:
    if (v < 0 && v >= -4095) {
      const char *e = gt_errno_name((int)-v);
      if (e)
        return g_strdup(e);
    }
    return g_strdup_printf("%" G_GINT64_FORMAT, v);
  case GT_DECODING_FILENAME:
  case GT_DECODING_NONE:
  default:
    return text ? g_strdup(text) : g_strdup_printf("0x%" G_GINT64_MODIFIER "x", raw);
  }
}

char *
gt_decoding_apply_named(const char *decoding, const char *function, const char *argname,
                        guint64 raw, const char *text)
{
  GtDecoding d;
  if (!gt_decoding_lookup(decoding, &d))
    return NULL;
  return gt_decoding_apply(d, function, argname, raw, text);
}
