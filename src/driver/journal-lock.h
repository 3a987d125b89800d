/* The journal's lock and the notes beside it (journal-lock.c), for
 * journal.c: who holds a guest's journal (IDENTITY.holder: "PID trace" or
 * "PID repair"), and a guardian's mark (IDENTITY.guardian). */
#pragma once

#include "driver/journal.h"

/* A sidecar note's text: one line "PID WORD\n" of at most 64 bytes, PID
 * in 1..G_MAXINT32; anything else FALSE (an unknown holder). For the fuzz
 * target too. */
gboolean gt_journal_parse_note(const char *data, gsize n, gint64 *pid, char **word);
/* Creates gt_journal_dir() if absent (0700). */
gboolean gt_journal_make_dir(GError **error);
/* gt_journal_dir()/IDENTITY SUFFIX */
char *gt_journal_sibling(const char *identity, const char *suffix);
/* Opens and locks the journal at path: waits 1 s for a tracer's lock, up
 * to 30 s for a live repairer's (its note at holder says so), refuses at
 * once when a dead tracer's guardian is about to repair. The descriptor,
 * or -1 with error set. */
int gt_journal_lock(const char *identity, const char *path, const char *holder,
                    GError **error);
/* TRUE, error set, when a guardian of a dead tracer is about to repair
 * the guest identity: it goes first. */
gboolean gt_journal_refuse_for_guardian(const char *identity, GError **error);
/* Says beside the journal that this process holds it, as role. */
void gt_journal_write_holder(const char *path, GtJournalRole role);
