/* Printing values and flag sets from the generated tables. One walk
 * (take_flags) decides which names a flag value has; the text and JSON
 * forms both come from it. */
#include "decode/xlat.h"

const char *
gt_xlat_name(const GtXlat *x, guint64 v)
{
  for (guint i = 0; i < x->n; i++)
    if (x->entries[i].value == v)
      return x->entries[i].name;
  return NULL;
}

guint64
gt_xlat_bits(const GtXlat *x, const char *name)
{
  guint64 v = 0;
  gt_xlat_value(x, name, &v);
  return v;
}

static gint
cmp_names(gconstpointer a, gconstpointer b)
{
  return g_strcmp0(*(const char *const *)a, *(const char *const *)b);
}

gboolean
gt_xlat_print_all_names(GString *s, const GtXlat *x, guint64 v)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new();
  for (guint i = 0; i < x->n; i++)
    if (x->entries[i].value == v)
      g_ptr_array_add(names, (gpointer)x->entries[i].name);
  g_ptr_array_sort(names, cmp_names);
  for (guint i = 0; i < names->len; i++)
    g_string_append_printf(s, "%s%s", i ? " or " : "", (const char *)names->pdata[i]);
  return names->len > 0;
}

void
gt_xlat_print_value(GString *s, const GtXlat *x, guint64 v, const char *dflt)
{
  const char *n = gt_xlat_name(x, v);
  if (n)
    g_string_append(s, n);
  else
    g_string_append_printf(s, "%#" G_GINT64_MODIFIER "x /* %s */", v, dflt);
}

/* Appends the names of v's flags (table order, multi-bit entries take all
 * their bits) to names; returns the leftover bits. */
static guint64
take_flags(const GtXlat *x, guint64 v, GPtrArray *names)
{
  for (guint i = 0; i < x->n && v; i++) {
    guint64 b = x->entries[i].value;
    if (b && (v & b) == b) {
      g_ptr_array_add(names, (gpointer)x->entries[i].name);
      v &= ~b;
    }
  }
  return v;
}

void
gt_xlat_print_flags(GString *s, const GtXlat *x, guint64 v, const char *zero)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new();
  guint64 rest = take_flags(x, v, names);
  for (guint i = 0; i < names->len; i++)
    g_string_append_printf(s, "%s%s", i ? "|" : "", (const char *)names->pdata[i]);
  if (rest)
    g_string_append_printf(s, "%s%#" G_GINT64_MODIFIER "x", names->len ? "|" : "", rest);
  else if (!names->len)
    g_string_append(s, zero ? zero : "0");
}

JsonNode *
gt_xlat_flags_json(const GtXlat *x, guint64 v)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new();
  guint64 rest = take_flags(x, v, names);
  JsonArray *a = json_array_new();
  for (guint i = 0; i < names->len; i++)
    json_array_add_string_element(a, names->pdata[i]);
  if (rest)
    json_array_add_int_element(a, (gint64)rest);
  JsonNode *n = json_node_new(JSON_NODE_ARRAY);
  json_node_take_array(n, a);
  return n;
}

gboolean
gt_xlat_value(const GtXlat *x, const char *name, guint64 *out)
{
  for (guint i = 0; i < x->n; i++)
    if (!g_strcmp0(x->entries[i].name, name)) {
      *out = x->entries[i].value;
      return TRUE;
    }
  return FALSE;
}
