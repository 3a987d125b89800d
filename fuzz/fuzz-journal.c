/* Fuzz target: the journal of changes to a guest (src/driver/journal.c)
 * and the notes beside it (journal-lock.c: who holds it, the guardian's
 * mark). They live in a directory other users may write to when
 * $XDG_RUNTIME_DIR is shared or wrong, and recovery acts on what they say:
 * whatever the bytes, parsing keeps only whole records that check out,
 * folding leaves at most one change in force per address and at most one
 * pause, and a note is one bounded "PID WORD" line or nothing. */
#include "fuzz-common.h"

#include "driver/journal.h"
#include "driver/journal-lock.h"

#include <string.h>

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
  guint pauses = 0;
  for (guint i = 0; i < live->len; i++) {
    GtJournalEntry *e = &g_array_index(live, GtJournalEntry, i);
    if (e->kind == GT_JOURNAL_WRITE) {
      g_assert(e->len >= 1 && e->len <= 8);
      g_assert(e->what == GT_JOURNAL_SLOT || e->what == GT_JOURNAL_CODE);
      g_assert(!g_hash_table_contains(writes, &e->pa));
      g_hash_table_add(writes, &e->pa);
    } else if (e->kind == GT_JOURNAL_PAUSE) {
      g_assert(e->pa == 0);
      g_assert(!pauses++);
    } else {
      g_assert(e->kind == GT_JOURNAL_BP);
      g_assert(!g_hash_table_contains(bps, &e->va));
      g_hash_table_add(bps, &e->va);
    }
  }
  gint64 pid = 0;
  g_autofree char *word = NULL;
  if (gt_journal_parse_note((const char *)data, size, &pid, &word)) {
    g_assert(pid >= 1 && pid <= G_MAXINT32);
    g_assert(size <= 64 && word && !strchr(word, ' ') && !strchr(word, '\n'));
  }
  return 0;
}
