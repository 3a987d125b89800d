/* A small JSON writer for records and events: one line, no spaces, every
 * string (member names too: the guest's kernel supplies argument names)
 * through the one escaper, so the line is valid JSON whatever the guest
 * wrote. Hand-written because json-glib's generator leaves some control
 * bytes raw and cannot carry bytes that are not UTF-8. */
#pragma once

#include <glib.h>

#define GT_JSON_MAX_DEPTH 8

typedef struct {
  GString *s;
  guint depth;
  gboolean has_item[GT_JSON_MAX_DEPTH]; /* a value was written at that depth */
} GtJsonWriter;

/* Every function takes an optional member name (NULL inside arrays). */
void gt_json_begin_object(GtJsonWriter *w, const char *member);
void gt_json_end_object(GtJsonWriter *w);
void gt_json_begin_array(GtJsonWriter *w, const char *member);
void gt_json_end_array(GtJsonWriter *w);
/* A guest string, per the convention of <guestrace/escape.h>: with a
 * member name, the "<member>@b64" sibling follows when the text is not the
 * exact bytes. Returns whether the text was exact. */
gboolean gt_json_bytes(GtJsonWriter *w, const char *member, const void *data, gsize len);
gboolean gt_json_string(GtJsonWriter *w, const char *member, const char *str);
/* An array of guest strings; when any is not exact, the "<member>@b64"
 * sibling array holds base64 for those and null for the others. */
void gt_json_strv(GtJsonWriter *w, const char *member, const char *const *strv);
void gt_json_int(GtJsonWriter *w, const char *member, gint64 v);
void gt_json_uint(GtJsonWriter *w, const char *member, guint64 v);
void gt_json_bool(GtJsonWriter *w, const char *member, gboolean v);
void gt_json_null(GtJsonWriter *w, const char *member);
/* Ends the writer and returns the text. */
char *gt_json_finish(GtJsonWriter *w);
