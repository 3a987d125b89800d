/* Fuzz target: gdb target descriptions (qXfer:features:read annexes) as a
 * hostile stub could serve them. The input is several documents separated
 * by "\n--\n": the first is target.xml, and any other annex name fetches
 * the document its hash picks, so includes can nest, repeat and loop. */
#include "fuzz-common.h"

#include "driver/qemu/target-xml.h"

typedef struct {
  char **docs;
  guint n;
} Annexes;

static char *
fetch(const char *annex, gpointer user, GError **error)
{
  Annexes *a = user;
  guint i = g_str_equal(annex, "target.xml") ? 0 : g_str_hash(annex) % a->n;
  if (i >= a->n || a->docs[i][0] == 'E') {   /* "E..." plays a stub's error */
    g_set_error(error, GT_ERROR, GT_ERROR_NOT_FOUND, "no annex %s", annex);
    return NULL;
  }
  return g_strdup(a->docs[i]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  g_auto(GStrv) docs = gt_fuzz_split(data, size, 8, NULL);
  Annexes a = { docs, g_strv_length(docs) };
  g_autoptr(GError) error = NULL;
  g_autoptr(GtTargetLayout) l = gt_target_layout_parse("target.xml", fetch, &a, &error);
  g_assert((l == NULL) == (error != NULL));
  if (l) {
    gsize end = 0;
    for (guint i = 0; i < l->regs->len; i++) {
      const GtRegDesc *r = &g_array_index(l->regs, GtRegDesc, i);
      g_assert(r->name != NULL);
      end = MAX(end, r->offset + r->bitsize / 8);
    }
    g_assert(end <= l->g_size);
    for (int r = 0; r < GT_REG_COUNT; r++)
      gt_target_layout_reg(l, (gt_reg_name_t)r);
  }
  g_free(gt_xml_strip_comments(docs[0]));
  return 0;
}
