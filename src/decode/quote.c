/* Quoting guest bytes for display: the one escaper's strace-style form. */
#include "decode/decode.h"
#include "escape/escape.h"

char *
gt_quote_bytes(const char *data, gsize len, gsize max, gboolean truncated)
{
  return gt_escape_quoted(data, len, max, truncated, GT_ESCAPE_OCTAL);
}
