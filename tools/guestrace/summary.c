/* The --summary table. Times are host time between the call and return
 * stops, so they include the tracer's own cost per stop. */
#include "summary.h"

typedef struct {
  const char *name;   /* owned by the table's key */
  guint64 calls, errors;
  gint64 total_ns;
} Row;

struct GtSummary {
  GHashTable *rows;   /* name -> Row* */
};

GtSummary *
gt_summary_new(void)
{
  GtSummary *s = g_new0(GtSummary, 1);
  s->rows = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  return s;
}

void
gt_summary_free(GtSummary *s)
{
  if (!s)
    return;
  g_hash_table_destroy(s->rows);
  g_free(s);
}

void
gt_summary_add(GtSummary *s, const GtRecord *rec)
{
  const char *name = gt_record_get_name(rec);
  Row *r = g_hash_table_lookup(s->rows, name);
  if (!r) {
    r = g_new0(Row, 1);
    char *key = g_strdup(name);
    r->name = key;
    g_hash_table_insert(s->rows, key, r);
  }
  r->calls++;
  if (gt_record_has_result(rec) && gt_record_get_result(rec) < 0 &&
      gt_record_get_result(rec) >= -4095)
    r->errors++;
  r->total_ns += gt_record_get_duration_ns(rec);
}

static gint
by_time(gconstpointer a, gconstpointer b)
{
  const Row *x = *(Row *const *)a, *y = *(Row *const *)b;
  if (x->total_ns != y->total_ns)
    return x->total_ns < y->total_ns ? 1 : -1;
  return g_strcmp0(x->name, y->name);
}

void
gt_summary_print(GtSummary *s, FILE *out)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new();
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, s->rows);
  while (g_hash_table_iter_next(&it, NULL, &value))
    g_ptr_array_add(rows, value);
  g_ptr_array_sort(rows, by_time);
  gint64 total = 0;
  guint64 calls = 0, errors = 0;
  for (guint i = 0; i < rows->len; i++) {
    const Row *r = rows->pdata[i];
    total += r->total_ns;
    calls += r->calls;
    errors += r->errors;
  }
  fprintf(out, "%% time     seconds  usecs/call     calls    errors syscall\n");
  fprintf(out, "------ ----------- ----------- --------- --------- ----------------\n");
  for (guint i = 0; i < rows->len; i++) {
    const Row *r = rows->pdata[i];
    double pct = total ? 100.0 * (double)r->total_ns / (double)total : 0.0;
    char errs[24] = "";
    if (r->errors)
      g_snprintf(errs, sizeof errs, "%" G_GUINT64_FORMAT, r->errors);
    fprintf(out, "%6.2f %11.6f %11" G_GUINT64_FORMAT " %9" G_GUINT64_FORMAT " %9s %s\n", pct,
            (double)r->total_ns / 1e9, (guint64)(r->total_ns / 1000 / (gint64)r->calls),
            r->calls, errs, r->name);
  }
  fprintf(out, "------ ----------- ----------- --------- --------- ----------------\n");
  fprintf(out, "100.00 %11.6f %11" G_GUINT64_FORMAT " %9" G_GUINT64_FORMAT " %9" G_GUINT64_FORMAT " total\n",
          (double)total / 1e9, calls ? (guint64)(total / 1000 / (gint64)calls) : 0, calls, errors);
}
