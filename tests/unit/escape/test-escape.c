/* The one escaper: strace's text rules byte by byte, and the JSON
 * convention (text + "@b64") round-tripping every byte. */
#include "escape/escape.h"
#include "output/json-writer.h"

#include <json-glib/json-glib.h>
#include <string.h>

static char *
text(const char *data, gsize len, GtEscapeStyle style)
{
  return gt_escape_text(data, len, style);
}

/* Every byte alone: the text is printable ASCII, decodes back to the byte
 * under C rules, and uses the form strace uses. */
static void
test_text_every_byte(void)
{
  for (guint b = 0; b < 256; b++) {
    char c = (char)b;
    g_autofree char *t = text(&c, 1, GT_ESCAPE_OCTAL);
    for (const char *p = t; *p; p++)
      g_assert_true(*p >= 0x20 && *p < 0x7f);
    g_autofree char *back = g_strcompress(t);
    if (b == 0)
      g_assert_cmpstr(t, ==, "\\0");
    else
      g_assert_cmpmem(back, strlen(back), &c, 1);
    g_autofree char *h = text(&c, 1, GT_ESCAPE_HEX_ALL);
    g_autofree char *want = g_strdup_printf("\\x%02x", b);
    g_assert_cmpstr(h, ==, want);
  }
}

static void
test_text_strace_rules(void)
{
  g_autofree char *a = text("\"\\\f\n\r\t\v", 7, GT_ESCAPE_OCTAL);
  g_assert_cmpstr(a, ==, "\\\"\\\\\\f\\n\\r\\t\\v");
  /* Shortest octal, three digits before an octal digit only. */
  g_autofree char *b = text("\001x\0011\0018\033[", 8, GT_ESCAPE_OCTAL);
  g_assert_cmpstr(b, ==, "\\1x\\0011\\18\\33[");
  g_autofree char *c = text("\177\377\0000", 4, GT_ESCAPE_OCTAL);
  g_assert_cmpstr(c, ==, "\\177\\377\\0000");
  /* -x: printable or whitespace only stays as text; anything else turns
   * the whole string to hex. */
  g_autofree char *d = text("a\tb\n", 4, GT_ESCAPE_HEX_NONASCII);
  g_assert_cmpstr(d, ==, "a\\tb\\n");
  g_autofree char *e = text("ab\001", 3, GT_ESCAPE_HEX_NONASCII);
  g_assert_cmpstr(e, ==, "\\x61\\x62\\x01");
  g_autofree char *f = text("a\033\xc3\xa9\n", 5, GT_ESCAPE_HEX_CHARS);
  g_assert_cmpstr(f, ==, "a\\x1b\\xc3\\xa9\\n");
}

static void
test_quoted_limit(void)
{
  g_autofree char *a = gt_escape_quoted("abcdef", 6, 4, FALSE, GT_ESCAPE_OCTAL);
  g_assert_cmpstr(a, ==, "\"abcd\"...");
  g_autofree char *b = gt_escape_quoted("ab", 2, 4, TRUE, GT_ESCAPE_OCTAL);
  g_assert_cmpstr(b, ==, "\"ab\"...");
  g_autofree char *c = gt_escape_quoted("ab", 2, 4, FALSE, GT_ESCAPE_OCTAL);
  g_assert_cmpstr(c, ==, "\"ab\"");
  /* The octal-digit rule looks only at bytes that are shown. */
  g_autofree char *d = gt_escape_quoted("\0011", 2, 1, FALSE, GT_ESCAPE_OCTAL);
  g_assert_cmpstr(d, ==, "\"\\1\"...");
}

/* Decodes one JSON object {"s":..., ["s@b64":...]} written by the writer
 * with json-glib (strict) and returns the exact bytes per the convention. */
static GBytes *
json_round_trip(const void *data, gsize len)
{
  GtJsonWriter w = { 0 };
  gt_json_begin_object(&w, NULL);
  gt_json_bytes(&w, "s", data, len);
  gt_json_end_object(&w);
  g_autofree char *line = gt_json_finish(&w);
  for (const guchar *p = (const guchar *)line; *p; p++)
    g_assert_true(*p >= 0x20 && *p != 0x7f);
  g_assert_true(g_utf8_validate(line, -1, NULL));
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;
  g_assert_true(json_parser_load_from_data(parser, line, -1, &error));
  g_assert_no_error(error);
  JsonObject *o = json_node_get_object(json_parser_get_root(parser));
  if (json_object_has_member(o, "s@b64")) {
    gsize n = 0;
    guchar *raw = g_base64_decode(json_object_get_string_member(o, "s@b64"), &n);
    return g_bytes_new_take(raw, n);
  }
  g_assert_true(gt_escape_json_is_exact(data, len));
  const char *s = json_object_get_string_member(o, "s");
  return g_bytes_new(s, strlen(s));
}

static void
assert_round_trip(const void *data, gsize len)
{
  g_autoptr(GBytes) back = json_round_trip(data, len);
  g_assert_cmpmem(g_bytes_get_data(back, NULL), g_bytes_get_size(back), data, len);
}

static void
test_json_every_byte(void)
{
  for (guint b = 0; b < 256; b++) {
    guint8 one[3] = { 'a', (guint8)b, 'z' };
    assert_round_trip(one, 3);
    assert_round_trip(one + 1, 1);
  }
  /* Every pair too: catches a byte that swallows its neighbour. */
  for (guint b = 0x80; b < 256; b++)
    for (guint c = 0; c < 256; c += 7) {
      guint8 two[2] = { (guint8)b, (guint8)c };
      assert_round_trip(two, 2);
    }
}

static void
test_json_utf8(void)
{
  /* Valid multibyte UTF-8 passes through as text, exactly. */
  static const char ok[] = "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbf";
  g_assert_true(gt_escape_json_is_exact(ok, sizeof ok - 1));
  g_autofree char *j = gt_escape_json(ok, sizeof ok - 1, NULL);
  g_assert_cmpstr(j, ==, "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbf\"");
  /* Overlong, surrogate, above U+10FFFF, truncated, lone continuation. */
  static const char *const bad[] = {
    "\xc0\x80", "\xe0\x80\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\x80",
    "\xf8\x88\x80\x80\x80", "\xff",
  };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_assert_false(gt_escape_json_is_exact(bad[i], strlen(bad[i])));
    assert_round_trip(bad[i], strlen(bad[i]));
  }
  /* A NUL makes the text inexact for C parsers: base64 carries it. */
  g_assert_false(gt_escape_json_is_exact("a\0b", 3));
  assert_round_trip("a\0b", 3);
  g_autofree char *ctl = gt_escape_json("\x1f\x7f\x01\"\\", 5, NULL);
  g_assert_cmpstr(ctl, ==, "\"\\u001f\\u007f\\u0001\\\"\\\\\"");
}

static void
test_json_strv(void)
{
  static const char *const v[] = { "ok", "b\xff", NULL };
  GtJsonWriter w = { 0 };
  gt_json_begin_object(&w, NULL);
  gt_json_strv(&w, "argv", v);
  gt_json_end_object(&w);
  g_autofree char *line = gt_json_finish(&w);
  g_assert_cmpstr(line, ==, "{\"argv\":[\"ok\",\"b\xef\xbf\xbd\"],\"argv@b64\":[null,\"Yv8=\"]}");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/escape/text/every-byte", test_text_every_byte);
  g_test_add_func("/escape/text/strace-rules", test_text_strace_rules);
  g_test_add_func("/escape/text/quoted-limit", test_quoted_limit);
  g_test_add_func("/escape/json/every-byte", test_json_every_byte);
  g_test_add_func("/escape/json/utf8", test_json_utf8);
  g_test_add_func("/escape/json/strv", test_json_strv);
  return g_test_run();
}
