/* The journal: every change made to a guest, written down before it is
 * made, in a file that outlives the tracer, so that whoever attaches next
 * (the guardian, `guestrace recover`, any later attach) can put the guest
 * back as it was.
 *
 * One file per guest, named after an identity of the guest that outlives
 * the tracer (QEMU: its process id and stub address; Xen: domain id and
 * uuid), in gt_journal_dir().
 *
 * The file is a sequence of fixed-size records, each carrying its own
 * checksum, only ever appended (one write(2) each) or replaced as a whole
 * by rename(2) when it is compacted. A process killed at any instruction
 * leaves every record complete or absent: the kernel finishes a write(2)
 * to a regular file that has begun. After a host power loss the tail may
 * be torn (the checksum tells; reading stops there), but then the guest
 * died with the host and the file (on a tmpfs) is gone anyway: nothing is
 * fsync'ed.
 *
 * A change is journalled before it is made ("write ours over orig at
 * pa"), and its undoing after ("pa is the original again"). Recovery
 * restores a change only where the guest still holds our bytes, so a
 * crash between the two steps of either is harmless. */
#pragma once

#include <glib.h>

typedef enum {
  GT_JOURNAL_WRITE = 1,     /* about to write `ours` over `orig` at pa */
  GT_JOURNAL_UNDONE = 2,    /* the bytes at pa are no longer ours */
  GT_JOURNAL_BP = 3,        /* a hypervisor breakpoint at va was inserted */
  GT_JOURNAL_BP_GONE = 4,   /* ... and removed */
  GT_JOURNAL_PAUSE = 5,     /* the domain holds one pause of ours (Xen) */
  GT_JOURNAL_UNPAUSE = 6,   /* ... no more */
} GtJournalKind;

/* What a write is: a redirected return slot (va is the slot; ours is the
 * trap address) or patched code (va is the code address). */
typedef enum {
  GT_JOURNAL_SLOT = 1,
  GT_JOURNAL_CODE = 2,
} GtJournalWhat;

typedef struct {
  guint8 kind;              /* GtJournalKind */
  guint8 what;              /* GtJournalWhat, for writes */
  guint8 len;               /* bytes in orig/ours: 1..8 */
  guint64 pa;               /* guest-physical address of the change */
  guint64 va;               /* its virtual address */
  guint8 orig[8], ours[8];
} GtJournalEntry;

#define GT_JOURNAL_RECORD_SIZE 48

typedef struct GtJournal GtJournal;

/* Who opens a journal: a tracing attach, or a repair (the guardian,
 * `guestrace recover`: strict, it fails on what it cannot repair). Beside
 * the locked journal its holder writes IDENTITY.holder ("PID trace" or
 * "PID repair"): an opener that finds the lock held waits 1 s for a
 * tracer (one just killed lets go as it exits), 30 s for a live repairer
 * (a repair on Xen lets every vCPU run, seconds in a slow dom0). */
typedef enum {
  GT_JOURNAL_TRACE = 0,
  GT_JOURNAL_REPAIR = 1,
} GtJournalRole;

#define GT_JOURNAL_ERROR gt_journal_error_quark()
GQuark gt_journal_error_quark(void);
typedef enum {
  /* A guardian whose tracer died is about to repair the guest: it must
   * take the journal first (gt_journal_wait_guardian). */
  GT_JOURNAL_ERROR_GUARDIAN = 1,
} GtJournalError;

/* The directory journals live in (created on demand): $GUESTRACE_JOURNAL_DIR
 * if set, else /run/guestrace (root) or $XDG_RUNTIME_DIR/guestrace. */
char *gt_journal_dir(void);
/* Opens the journal of the guest `identity` (a file-name-safe string),
 * creating it if absent, and takes an exclusive lock on it (one tracer per
 * guest). What a dead session left is read first: gt_journal_live().
 * Refused with GT_JOURNAL_ERROR_GUARDIAN, at once, while a guardian whose
 * tracer died is about to repair the guest: the guardian alone can answer
 * what the dead tracer's ring holds (Xen), and only from the journal's
 * entries in force, so nobody else may undo them first. It does not wait
 * there: its caller may hold the guest stopped, which the guardian's
 * repair needs running; the caller lets go of the guest and waits
 * (gt_journal_wait_guardian). */
GtJournal *gt_journal_open(const char *identity, GtJournalRole role, GError **error);

/* The guardian of tracer `tracer` marks the guest `identity` as watched:
 * it holds a lock on IDENTITY.guardian (saying "GUARDIAN_PID TRACER_PID")
 * until gt_journal_unguard() or its exit. First waits
 * (gt_journal_wait_guardian) for the guardian of a dead tracer to finish;
 * FALSE if another guardian watches a live tracer of the guest (then the
 * guest is not marked: nobody waits for this guardian). */
gboolean gt_journal_guard(const char *identity, gint64 tracer, GError **error);
void gt_journal_unguard(const char *identity);
/* Waits (at most 30 s, said once on stderr) while another process's
 * guardian of the guest `identity` holds its mark and its tracer has died
 * (it is about to repair, or repairing); not for the tracer it watches,
 * nor in the guardian itself. FALSE if it still does after 30 s. */
gboolean gt_journal_wait_guardian(const char *identity, GError **error);
const char *gt_journal_path(GtJournal *j);
/* The changes still in force, in the order they were made: writes not
 * undone and breakpoints not removed (GtJournalEntry). */
GArray *gt_journal_live(GtJournal *j);
gboolean gt_journal_append(GtJournal *j, const GtJournalEntry *e, GError **error);
gboolean gt_journal_note_write(GtJournal *j, GtJournalWhat what, guint64 pa, guint64 va,
                               const void *orig, const void *ours, guint len,
                               GError **error);
/* The write in force at pa, if any (its orig is the guest's real byte). */
gboolean gt_journal_lookup(GtJournal *j, guint64 pa, GtJournalEntry *out);
/* A little-endian 8-byte orig/ours as a value. */
guint64 gt_journal_u64(const guint8 *bytes);
/* The redirection of the return slot at va (pa) still in force: its trap
 * address (ours) and the slot's real value (orig). */
gboolean gt_journal_slot_redirect(GtJournal *j, guint64 pa, guint64 va, guint64 *ours,
                                  guint64 *orig);
gboolean gt_journal_note_undone(GtJournal *j, guint64 pa, GError **error);
gboolean gt_journal_note_bp(GtJournal *j, guint64 va, gboolean inserted, GError **error);
/* Our pause of the whole domain, which Xen counts with the toolstack's and
 * a dead tracer would leave behind: noted after the pause is taken and
 * before it is dropped, so that a crash between the two steps can only
 * leave a pause (as without a journal), never make recovery drop a pause
 * that is not ours. */
gboolean gt_journal_note_pause(GtJournal *j, gboolean paused, GError **error);
/* Whether a return slot we redirected may still hold the trap address (a
 * write to one is in force): then the trap must stay trapped, by a
 * hypervisor breakpoint, until it is repaired. */
gboolean gt_journal_slots_in_force(GtJournal *j);
/* What is in force, said for a message ("2 return addresses still
 * redirected to the trap, ..."); NULL when nothing is. */
char *gt_journal_describe(GtJournal *j);
/* The guest powered off: nothing of ours is left in it (the file goes at
 * close). */
void gt_journal_forget(GtJournal *j);
/* Closes; the file is removed when nothing is in force any more, else
 * rewritten with only what is (for the next attach to repair). */
void gt_journal_close(GtJournal *j);

/* Parsing, for recovery and for the fuzz target: the valid records at the
 * start of data, in order (reading stops at the first record that does not
 * check out; *valid_len says where). */
GArray *gt_journal_parse(const guint8 *data, gsize len, gsize *valid_len);
/* Folds a record sequence into what is in force (see gt_journal_live). */
GArray *gt_journal_fold(GArray *records);
