/* The journal: records survive a reopen, undoing removes them, a torn or
 * corrupted tail is ignored, the file goes when nothing is in force, and
 * compaction keeps only what is. */
#include <string.h>
#include <glib/gstdio.h>
#include "driver/journal.h"

static char *dir;

static GtJournal *
open_ok(const char *id)
{
  g_autoptr(GError) err = NULL;
  GtJournal *j = gt_journal_open(id, GT_JOURNAL_TRACE, &err);
  g_assert_no_error(err);
  return j;
}

static void
note_slot(GtJournal *j, guint64 pa, guint64 orig, guint64 trap)
{
  g_autoptr(GError) err = NULL;
  g_assert_true(gt_journal_note_write(j, GT_JOURNAL_SLOT, pa, pa | 0xffff888000000000ULL,
                                      &orig, &trap, 8, &err));
  g_assert_no_error(err);
}

static void
test_reopen_keeps_what_is_in_force(void)
{
  GtJournal *j = open_ok("t1");
  g_autofree char *path = g_strdup(gt_journal_path(j));
  note_slot(j, 0x1000, 0xffffffff81000010ULL, 0xffffffff81000100ULL);
  note_slot(j, 0x2000, 0xffffffff81000020ULL, 0xffffffff81000100ULL);
  g_assert_true(gt_journal_note_bp(j, 0xffffffff81234560ULL, TRUE, NULL));
  g_assert_true(gt_journal_note_undone(j, 0x1000, NULL));
  /* A second tracer on the same guest is refused while this one lives. */
  g_autoptr(GError) err = NULL;
  g_assert_null(gt_journal_open("t1", GT_JOURNAL_TRACE, &err));
  g_assert_nonnull(err);
  /* Killed here: nothing closes the journal. A copy stands for the file
   * the dead process left. */
  g_autofree char *data = NULL;
  gsize len = 0;
  g_assert_true(g_file_get_contents(path, &data, &len, NULL));
  g_assert_cmpuint(len, ==, 4 * GT_JOURNAL_RECORD_SIZE);
  gt_journal_close(j);   /* still in force: kept */
  g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
  g_assert_true(g_file_set_contents(path, data, (gssize)len, NULL));

  j = open_ok("t1");
  g_autoptr(GArray) live = gt_journal_live(j);
  g_assert_cmpuint(live->len, ==, 2);
  const GtJournalEntry *e = &g_array_index(live, GtJournalEntry, 0);
  g_assert_cmpint(e->kind, ==, GT_JOURNAL_WRITE);
  g_assert_cmpuint(e->pa, ==, 0x2000);
  guint64 orig;
  memcpy(&orig, e->orig, 8);
  g_assert_cmpuint(orig, ==, 0xffffffff81000020ULL);
  g_assert_cmpint(g_array_index(live, GtJournalEntry, 1).kind, ==, GT_JOURNAL_BP);
  g_assert_true(gt_journal_note_undone(j, 0x2000, NULL));
  g_assert_true(gt_journal_note_bp(j, 0xffffffff81234560ULL, FALSE, NULL));
  gt_journal_close(j);
  g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
}

static void
test_torn_and_corrupt_tails(void)
{
  GtJournal *j = open_ok("t2");
  g_autofree char *path = g_strdup(gt_journal_path(j));
  note_slot(j, 0x3000, 1, 2);
  note_slot(j, 0x4000, 3, 4);
  g_autofree guint8 *data = NULL;
  gsize len = 0;
  g_assert_true(g_file_get_contents(path, (char **)&data, &len, NULL));
  gt_journal_close(j);
  /* Every cut and every flipped byte of the second record: the first one
   * is still read, the broken one never. */
  for (gsize cut = GT_JOURNAL_RECORD_SIZE; cut < len; cut++) {
    gsize valid = 0;
    g_autoptr(GArray) r = gt_journal_parse(data, cut, &valid);
    g_assert_cmpuint(r->len, ==, 1);
    g_assert_cmpuint(valid, ==, GT_JOURNAL_RECORD_SIZE);
  }
  for (gsize i = GT_JOURNAL_RECORD_SIZE; i < len; i++) {
    data[i] ^= 0x40;
    g_autoptr(GArray) r = gt_journal_parse(data, len, NULL);
    g_assert_cmpuint(r->len, ==, 1);
    data[i] ^= 0x40;
  }
  g_assert_true(g_file_set_contents(path, (char *)data, (gssize)len - 5, NULL));
  j = open_ok("t2");
  g_autoptr(GArray) live = gt_journal_live(j);
  g_assert_cmpuint(live->len, ==, 1);
  g_assert_true(gt_journal_note_undone(j, 0x3000, NULL));
  gt_journal_close(j);
  g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
}

static void
test_compaction_keeps_only_what_is_in_force(void)
{
  GtJournal *j = open_ok("t3");
  g_autofree char *path = g_strdup(gt_journal_path(j));
  /* Far more than the compaction threshold of records, one slot left. */
  for (guint i = 0; i < 30000; i++) {
    note_slot(j, 0x10000 + 8 * (i % 64), i, 0xdead);
    g_assert_true(gt_journal_note_undone(j, 0x10000 + 8 * (i % 64), NULL));
  }
  note_slot(j, 0x5000, 7, 0xdead);
  GStatBuf st;
  g_assert_cmpint(g_stat(path, &st), ==, 0);
  g_assert_cmpint(st.st_size, <, 1 << 21);
  g_autofree char *data = NULL;
  gsize len = 0;
  g_assert_true(g_file_get_contents(path, &data, &len, NULL));
  g_autoptr(GArray) recs = gt_journal_parse((guint8 *)data, len, NULL);
  g_autoptr(GArray) live = gt_journal_fold(recs);
  g_assert_cmpuint(live->len, ==, 1);
  g_assert_cmpuint(g_array_index(live, GtJournalEntry, 0).pa, ==, 0x5000);
  gt_journal_close(j);
  g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
  g_unlink(path);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  dir = g_dir_make_tmp("gt-journal-XXXXXX", NULL);
  g_setenv("GUESTRACE_JOURNAL_DIR", dir, TRUE);
  g_test_add_func("/journal/reopen", test_reopen_keeps_what_is_in_force);
  g_test_add_func("/journal/torn", test_torn_and_corrupt_tails);
  g_test_add_func("/journal/compaction", test_compaction_keeps_only_what_is_in_force);
  int rc = g_test_run();
  g_rmdir(dir);
  g_free(dir);
  return rc;
}
