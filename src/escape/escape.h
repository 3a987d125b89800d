/* The one escaper: every guest byte that reaches text output, JSON records,
 * report events (text and JSON) or a filter's rendering goes through here.
 * Text follows strace's quoting rules; JSON follows the convention in
 * <guestrace/escape.h> (text + exact bytes in a "@b64" member). */
#pragma once

#include <glib.h>
#include <guestrace/escape.h>

/* Bytes escaped by strace inside a quoted string besides non-printables. */
#define GT_ESCAPE_QUOTED_SPECIAL "\"\\"

/* Appends @len bytes escaped in @style. @special lists printable ASCII
 * bytes to escape too ('"' as \", '\\' as \\, others numerically, as the
 * style writes non-printables); NULL means GT_ESCAPE_QUOTED_SPECIAL. */
void gt_escape_append_text(GString *out, const void *data, gsize len,
                           GtEscapeStyle style, const char *special);

/* Appends "escaped" for the first MIN(len, max) bytes, followed by "..."
 * when len > max or @truncated (the string went on in the guest), as strace
 * prints a string cut at its -s size. */
void gt_escape_append_quoted(GString *out, const void *data, gsize len, gsize max,
                             gboolean truncated, GtEscapeStyle style);
char *gt_escape_quoted(const void *data, gsize len, gsize max, gboolean truncated,
                       GtEscapeStyle style);

/* Appends one JSON string literal (quotes included) for @len bytes, as
 * <guestrace/escape.h> says; returns whether it carries the bytes exactly
 * (FALSE: the caller adds the "@b64" member). */
gboolean gt_escape_append_json(GString *out, const void *data, gsize len);
/* The same for a NUL-terminated string (NULL writes ""). */
gboolean gt_escape_append_json_str(GString *out, const char *str);

/* Whether gt_escape_append_json() would carry these bytes exactly. */
gboolean gt_escape_json_is_exact(const void *data, gsize len);

/* The suffix of the member carrying the exact bytes in base64. */
#define GT_ESCAPE_B64_SUFFIX "@b64"

/* Length of the valid UTF-8 sequence at @p (RFC 3629: no overlong forms,
 * no surrogates, nothing above U+10FFFF), 0 if the bytes there are not one.
 * @avail bytes are readable at @p. */
gsize gt_escape_utf8_len(const guint8 *p, gsize avail);
