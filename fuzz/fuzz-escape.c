/* Fuzz target: the one escaper (src/escape) and the JSON writer over any
 * bytes. Input: one byte of options (style, shown size), then the guest
 * bytes. Text must be printable ASCII; JSON must be valid UTF-8 without a
 * raw control byte, parse (json-glib), and give back the exact bytes per
 * the convention (the string, or NAME@b64 when not exact). */
#include "fuzz-common.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "escape/escape.h"
#include "output/json-writer.h"

static void
check_printable(const char *s)
{
  for (const guchar *p = (const guchar *)s; *p; p++)
    g_assert(*p >= 0x20 && *p < 0x7f);
}

static void
check_json(const guint8 *data, gsize len)
{
  GtJsonWriter w = { 0 };
  gt_json_begin_object(&w, NULL);
  gboolean exact = gt_json_bytes(&w, "s", data, len);
  gt_json_end_object(&w);
  g_autofree char *line = gt_json_finish(&w);
  g_assert(g_utf8_validate(line, -1, NULL));
  for (const guchar *p = (const guchar *)line; *p; p++)
    g_assert(*p >= 0x20 && *p != 0x7f);
  g_assert(exact == gt_escape_json_is_exact(data, len));
  g_autoptr(JsonParser) parser = json_parser_new();
  g_assert(json_parser_load_from_data(parser, line, -1, NULL));
  JsonObject *o = json_node_get_object(json_parser_get_root(parser));
  if (exact) {
    const char *s = json_object_get_string_member(o, "s");
    g_assert(strlen(s) == len && memcmp(s, data, len) == 0);
  } else {
    gsize n = 0;
    g_autofree guchar *raw = g_base64_decode(json_object_get_string_member(o, "s@b64"), &n);
    g_assert(n == len && memcmp(raw, data, len) == 0);
  }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  GtFuzzIn in = gt_fuzz_in(data, size);
  guint8 opt = gt_fuzz_u8(&in);
  const guint8 *bytes = in.p;
  gsize len = in.left;
  GtEscapeStyle style = (GtEscapeStyle)(opt & 3);
  g_autofree char *t = gt_escape_text(bytes, len, style);
  check_printable(t);
  g_autofree char *q = gt_escape_quoted(bytes, len, opt >> 2, opt & 0x80, style);
  check_printable(q);
  g_assert(q[0] == '"');
  check_json(bytes, len);
  return 0;
}
