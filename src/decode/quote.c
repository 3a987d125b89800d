/* Quoting guest bytes for display: C escapes, bounded length. */
#include "decode/decode.h"

char *
gt_quote_bytes(const char *data, gsize len, gsize max, gboolean truncated)
{
  GString *s = g_string_sized_new(MIN(len, max) + 8);
  g_string_append_c(s, '"');
  gsize n = MIN(len, max);
  for (gsize i = 0; i < n; i++) {
    guchar c = (guchar)data[i];
    switch (c) {
    case '"': g_string_append(s, "\\\""); break;
    case '\\': g_string_append(s, "\\\\"); break;
    case '\n': g_string_append(s, "\\n"); break;
    case '\t': g_string_append(s, "\\t"); break;
    case '\r': g_string_append(s, "\\r"); break;
    default:
      if (c >= 0x20 && c < 0x7f)
        g_string_append_c(s, (char)c);
      else
        g_string_append_printf(s, "\\%o", c);
    }
  }
  g_string_append_c(s, '"');
  if (truncated || len > max)
    g_string_append(s, "...");
  return g_string_free(s, FALSE);
}
