/* libguestrace — rendering guest bytes safely. Every byte a guest wrote
 * (file names, buffers, process names) is hostile: these functions turn
 * bytes into text that never carries a raw control byte to a terminal, and
 * into JSON strings that always parse and keep the exact bytes.
 *
 * JSON convention (one for every guest string guestrace writes as JSON):
 * the string member holds the bytes as valid UTF-8 text: valid UTF-8 passes
 * through, '"', '\\' and every control byte (0x00-0x1f, 0x7f) are escaped,
 * and each byte that is not part of valid UTF-8 becomes U+FFFD. Whenever
 * that text is not exactly the bytes (a byte was not valid UTF-8, or a
 * byte was NUL, which many JSON libraries cut strings at), a sibling member
 * named "<member>@b64" carries the exact bytes in base64 (RFC 4648). Every
 * line is strict JSON that any parser accepts; the exact bytes are the
 * "@b64" member when present, else the string's UTF-8. Lone surrogate
 * escapes (\udcXX) were not used: json-glib and serde_json reject them. */
#pragma once

#include <glib.h>
#include <guestrace/types.h>

G_BEGIN_DECLS

/**
 * GtEscapeStyle:
 * @GT_ESCAPE_OCTAL: strace's default: printable ASCII as is, \" \\ \f \n
 *   \r \t \v named, every other byte in the shortest octal form (three
 *   digits when the next shown byte is an octal digit).
 * @GT_ESCAPE_HEX_NONASCII: strace -x: as @GT_ESCAPE_OCTAL, but a string
 *   holding any byte that is neither printable ASCII nor whitespace is
 *   written wholly in \xNN form.
 * @GT_ESCAPE_HEX_ALL: strace -xx: every byte as \xNN.
 * @GT_ESCAPE_HEX_CHARS: strace --strings-in-hex=non-ascii-chars: as
 *   @GT_ESCAPE_OCTAL with \xNN in place of octal.
 *
 * How gt_escape_text() writes bytes that are not printable ASCII.
 */
typedef enum {
  GT_ESCAPE_OCTAL = 0,
  GT_ESCAPE_HEX_NONASCII,
  GT_ESCAPE_HEX_ALL,
  GT_ESCAPE_HEX_CHARS,
} GtEscapeStyle;

/**
 * gt_escape_text:
 * @data: (array length=len): the bytes (may hold NULs).
 * @len: how many bytes.
 * @style: how non-printable bytes are written.
 *
 * Escapes @data as strace does inside a quoted string, without the quotes:
 * the result is printable ASCII only.
 *
 * Returns: (transfer full): the escaped text; free with g_free().
 */
GT_API char *gt_escape_text(const void *data, gsize len, GtEscapeStyle style);

/**
 * gt_escape_json:
 * @data: (array length=len): the bytes (may hold NULs).
 * @len: how many bytes.
 * @exact: (out) (optional): set to whether the string carries @data
 *   exactly (valid UTF-8 without NUL); when FALSE, add the "@b64" sibling
 *   member (g_base64_encode()) as the convention above says.
 *
 * Encodes @data as one JSON string literal, quotes included, following the
 * convention described at the top of this header: always valid JSON in
 * UTF-8.
 *
 * Returns: (transfer full): the JSON string; free with g_free().
 */
GT_API char *gt_escape_json(const void *data, gsize len, gboolean *exact);

G_END_DECLS
