/* The JSON writer (see json-writer.h). */
#include "output/json-writer.h"
#include "escape/escape.h"

#include <string.h>

static void
start_value(GtJsonWriter *w, const char *member)
{
  if (w->s == NULL)
    w->s = g_string_new(NULL);
  if (w->depth > 0) {
    if (w->has_item[w->depth - 1])
      g_string_append_c(w->s, ',');
    w->has_item[w->depth - 1] = TRUE;
  }
  if (member) {
    gt_escape_append_json_str(w->s, member);
    g_string_append_c(w->s, ':');
  }
}

static void
open_container(GtJsonWriter *w, const char *member, char c)
{
  start_value(w, member);
  g_string_append_c(w->s, c);
  g_return_if_fail(w->depth < GT_JSON_MAX_DEPTH);
  w->has_item[w->depth++] = FALSE;
}

static void
close_container(GtJsonWriter *w, char c)
{
  g_return_if_fail(w->depth > 0);
  w->depth--;
  g_string_append_c(w->s, c);
}

void gt_json_begin_object(GtJsonWriter *w, const char *m) { open_container(w, m, '{'); }
void gt_json_end_object(GtJsonWriter *w) { close_container(w, '}'); }
void gt_json_begin_array(GtJsonWriter *w, const char *m) { open_container(w, m, '['); }
void gt_json_end_array(GtJsonWriter *w) { close_container(w, ']'); }

static void
add_b64(GtJsonWriter *w, const char *member, const void *data, gsize len)
{
  g_autofree char *b64 = g_base64_encode(data, len);
  g_autofree char *name = member ? g_strconcat(member, GT_ESCAPE_B64_SUFFIX, NULL) : NULL;
  start_value(w, name);
  gt_escape_append_json_str(w->s, b64);
}

gboolean
gt_json_bytes(GtJsonWriter *w, const char *member, const void *data, gsize len)
{
  start_value(w, member);
  gboolean exact = gt_escape_append_json(w->s, data, len);
  if (!exact && member)
    add_b64(w, member, data, len);
  return exact;
}

gboolean
gt_json_string(GtJsonWriter *w, const char *member, const char *str)
{
  const char *s = str ? str : "";
  return gt_json_bytes(w, member, s, strlen(s));
}

void
gt_json_strv(GtJsonWriter *w, const char *member, const char *const *strv)
{
  gboolean exact = TRUE;
  gt_json_begin_array(w, member);
  for (const char *const *p = strv; *p; p++)
    exact &= gt_json_string(w, NULL, *p);
  gt_json_end_array(w);
  if (exact || !member)
    return;
  g_autofree char *name = g_strconcat(member, GT_ESCAPE_B64_SUFFIX, NULL);
  gt_json_begin_array(w, name);
  for (const char *const *p = strv; *p; p++) {
    if (gt_escape_json_is_exact(*p, strlen(*p)))
      gt_json_null(w, NULL);
    else
      add_b64(w, NULL, *p, strlen(*p));
  }
  gt_json_end_array(w);
}

void
gt_json_int(GtJsonWriter *w, const char *member, gint64 v)
{
  start_value(w, member);
  g_string_append_printf(w->s, "%" G_GINT64_FORMAT, v);
}

void
gt_json_uint(GtJsonWriter *w, const char *member, guint64 v)
{
  start_value(w, member);
  g_string_append_printf(w->s, "%" G_GUINT64_FORMAT, v);
}

void
gt_json_bool(GtJsonWriter *w, const char *member, gboolean v)
{
  start_value(w, member);
  g_string_append(w->s, v ? "true" : "false");
}

void
gt_json_null(GtJsonWriter *w, const char *member)
{
  start_value(w, member);
  g_string_append(w->s, "null");
}

char *
gt_json_finish(GtJsonWriter *w)
{
  g_warn_if_fail(w->depth == 0);
  if (w->s == NULL)
    return g_strdup("");
  return g_string_free(g_steal_pointer(&w->s), FALSE);
}
