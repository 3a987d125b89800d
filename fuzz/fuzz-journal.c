/* Fuzz target: the journal of changes to a guest (src/driver/journal.c).
 * Its file lives in a directory other users may write to when
 * $XDG_RUNTIME_DIR is shared or wrong, and recovery acts on what it says:
 * whatever the bytes, parsing keeps only whole records that check out, and
 * folding leaves at most one change in force per address. */
#include "fuzz-common.h"

#include "driver/journal.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  gsize valid = 0;
  g_autoptr(GArray) recs = gt_journal_parse(data, size, &valid);
  g_assert(valid <= size);
  g_assert(valid == (gsize)recs->len * GT_JOURNAL_RECORD_SIZE);
  g_autoptr(GArray) live = gt_journal_fold(recs);
  g_assert(live->len <= recs->len);
  g_autoptr(GHashTable) writes = g_hash_table_new(g_int64_hash, g_int64_equal);
  g_autoptr(GHashTable) bps = g_hash_table_new(g_int64_hash, g_int64_equal);
  for (guint i = 0; i < live->len; i++) {
    GtJournalEntry *e = &g_array_index(live, GtJournalEntry, i);
    if (e->kind == GT_JOURNAL_WRITE) {
      g_assert(e->len >= 1 && e->len <= 8);
      g_assert(e->what == GT_JOURNAL_SLOT || e->what == GT_JOURNAL_CODE);
      g_assert(!g_hash_table_contains(writes, &e->pa));
      g_hash_table_add(writes, &e->pa);
    } else {
      g_assert(e->kind == GT_JOURNAL_BP);
      g_assert(!g_hash_table_contains(bps, &e->va));
      g_hash_table_add(bps, &e->va);
    }
  }
  return 0;
}
