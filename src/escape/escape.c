/* The one escaper for guest bytes (see escape.h): strace-style text and
 * lossless JSON strings. Hand-written: g_strescape() has no hex forms, no
 * strace octal-digit rule and escapes all non-ASCII; json-glib leaves some
 * control bytes raw and cannot carry bytes that are not UTF-8. */
#include "escape/escape.h"

#include <string.h>

static gboolean
is_printable(guint8 c)
{
  return c >= 0x20 && c < 0x7f;
}

static gboolean
is_octal_digit(guint8 c)
{
  return c >= '0' && c <= '7';
}

/* strace's test for -x: does any byte force the whole string into hex? */
static gboolean
needs_hex(const guint8 *p, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if (p[i] > 0x7e || (p[i] < 0x20 && (p[i] < '\t' || p[i] > '\r')))
      return TRUE;
  return FALSE;
}

static char
named_escape(guint8 c)
{
  switch (c) {
  case '\f': return 'f';
  case '\n': return 'n';
  case '\r': return 'r';
  case '\t': return 't';
  case '\v': return 'v';
  default: return 0;
  }
}

/* \ooo with strace's rule: shortest form unless the next shown byte is an
 * octal digit, which would otherwise read as part of the escape. */
static void
append_octal(GString *out, guint8 c, gboolean next_is_digit)
{
  g_string_append_c(out, '\\');
  if (next_is_digit || c >> 6)
    g_string_append_c(out, (char)('0' + (c >> 6)));
  if (next_is_digit || c >> 3)
    g_string_append_c(out, (char)('0' + ((c >> 3) & 7)));
  g_string_append_c(out, (char)('0' + (c & 7)));
}

static void
append_hex(GString *out, guint8 c)
{
  static const char digits[] = "0123456789abcdef";
  g_string_append_c(out, '\\');
  g_string_append_c(out, 'x');
  g_string_append_c(out, digits[c >> 4]);
  g_string_append_c(out, digits[c & 15]);
}

void
gt_escape_append_text(GString *out, const void *data, gsize len, GtEscapeStyle style,
                      const char *special)
{
  const guint8 *p = data;
  if (special == NULL)
    special = GT_ESCAPE_QUOTED_SPECIAL;
  if (style == GT_ESCAPE_HEX_ALL || (style == GT_ESCAPE_HEX_NONASCII && needs_hex(p, len))) {
    for (gsize i = 0; i < len; i++)
      append_hex(out, p[i]);
    return;
  }
  for (gsize i = 0; i < len; i++) {
    guint8 c = p[i];
    gboolean is_special = c && strchr(special, c) != NULL;
    char named = named_escape(c);
    if (is_printable(c) && !is_special) {
      g_string_append_c(out, (char)c);
    } else if (is_special && (c == '"' || c == '\\')) {
      g_string_append_c(out, '\\');
      g_string_append_c(out, (char)c);
    } else if (named) {
      g_string_append_c(out, '\\');
      g_string_append_c(out, named);
    } else if (style == GT_ESCAPE_HEX_CHARS) {
      append_hex(out, c);
    } else {
      append_octal(out, c, i + 1 < len && is_octal_digit(p[i + 1]));
    }
  }
}

void
gt_escape_append_quoted(GString *out, const void *data, gsize len, gsize max,
                        gboolean truncated, GtEscapeStyle style)
{
  g_string_append_c(out, '"');
  gt_escape_append_text(out, data, MIN(len, max), style, NULL);
  g_string_append_c(out, '"');
  if (truncated || len > max)
    g_string_append(out, "...");
}

char *
gt_escape_quoted(const void *data, gsize len, gsize max, gboolean truncated,
                 GtEscapeStyle style)
{
  GString *s = g_string_sized_new(MIN(len, max) + 8);
  gt_escape_append_quoted(s, data, len, max, truncated, style);
  return g_string_free(s, FALSE);
}

GT_API char *
gt_escape_text(const void *data, gsize len, GtEscapeStyle style)
{
  GString *s = g_string_sized_new(len + 1);
  gt_escape_append_text(s, data, len, style, NULL);
  return g_string_free(s, FALSE);
}

static gboolean
is_cont(guint8 c)
{
  return (c & 0xc0) == 0x80;
}

gsize
gt_escape_utf8_len(const guint8 *p, gsize avail)
{
  if (avail == 0)
    return 0;
  guint8 c = p[0];
  if (c < 0x80)
    return 1;
  /* The second byte's range depends on the first (RFC 3629, section 4). */
  gsize n;
  guint8 lo = 0x80, hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf)
    n = 2;
  else if (c == 0xe0)
    n = 3, lo = 0xa0;
  else if (c == 0xed)
    n = 3, hi = 0x9f;                /* no surrogates */
  else if (c >= 0xe1 && c <= 0xef)
    n = 3;
  else if (c == 0xf0)
    n = 4, lo = 0x90;
  else if (c >= 0xf1 && c <= 0xf3)
    n = 4;
  else if (c == 0xf4)
    n = 4, hi = 0x8f;                /* nothing above U+10FFFF */
  else
    return 0;
  if (avail < n || p[1] < lo || p[1] > hi)
    return 0;
  for (gsize i = 2; i < n; i++)
    if (!is_cont(p[i]))
      return 0;
  return n;
}

static void
append_json_byte(GString *out, guint8 c)
{
  switch (c) {
  case '"': g_string_append(out, "\\\""); return;
  case '\\': g_string_append(out, "\\\\"); return;
  case '\b': g_string_append(out, "\\b"); return;
  case '\f': g_string_append(out, "\\f"); return;
  case '\n': g_string_append(out, "\\n"); return;
  case '\r': g_string_append(out, "\\r"); return;
  case '\t': g_string_append(out, "\\t"); return;
  default:
    break;
  }
  if (c < 0x20 || c == 0x7f)
    g_string_append_printf(out, "\\u%04x", c);
  else if (c >= 0x80)
    g_string_append(out, "\xef\xbf\xbd");  /* U+FFFD: not valid UTF-8 here */
  else
    g_string_append_c(out, (char)c);
}

gboolean
gt_escape_append_json(GString *out, const void *data, gsize len)
{
  const guint8 *p = data;
  gboolean exact = TRUE;
  g_string_append_c(out, '"');
  for (gsize i = 0; i < len;) {
    gsize n = p[i] >= 0x80 ? gt_escape_utf8_len(p + i, len - i) : 0;
    if (n > 0) {
      g_string_append_len(out, (const char *)p + i, n);
      i += n;
    } else {
      exact &= p[i] != 0 && p[i] < 0x80;
      append_json_byte(out, p[i++]);
    }
  }
  g_string_append_c(out, '"');
  return exact;
}

gboolean
gt_escape_json_is_exact(const void *data, gsize len)
{
  const guint8 *p = data;
  for (gsize i = 0; i < len;) {
    gsize n = gt_escape_utf8_len(p + i, len - i);
    if (n == 0 || p[i] == 0)
      return FALSE;
    i += n;
  }
  return TRUE;
}

gboolean
gt_escape_append_json_str(GString *out, const char *str)
{
  return gt_escape_append_json(out, str ? str : "", str ? strlen(str) : 0);
}

GT_API char *
gt_escape_json(const void *data, gsize len, gboolean *exact)
{
  GString *s = g_string_sized_new(len + 2);
  gboolean ok = gt_escape_append_json(s, data, len);
  if (exact)
    *exact = ok;
  return g_string_free(s, FALSE);
}
