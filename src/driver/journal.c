/* The journal of changes made to a guest: records, their checksum, the
 * file, and what is still in force. See journal.h for the promise. */
#include "driver/journal.h"
#include "driver/journal-lock.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <guestrace/types.h>

#define MAGIC 0x4752544aU        /* "JTRG" little-endian: guestrace journal */
#define MAX_FILE (64u << 20)      /* a journal is never read beyond this */
#define COMPACT_AT (1u << 20)     /* rewrite with only what is in force */

G_DEFINE_QUARK(gt-journal-error-quark, gt_journal_error)

struct GtJournal {
  char *path;
  char *holder;               /* IDENTITY.holder: who holds the lock */
  int fd;
  gsize size;                 /* bytes in the file */
  GHashTable *writes;         /* pa -> GtJournalEntry* in force */
  GHashTable *bps;            /* va -> GtJournalEntry* in force */
  GHashTable *pauses;         /* 0 -> the GT_JOURNAL_PAUSE in force, if any */
  GHashTable *order;          /* GtJournalEntry* -> sequence number */
  guint64 seq;
};

/* ---- records ---------------------------------------------------------- */

static guint64
checksum(const guint8 *p, gsize n)
{
  guint64 h = 0xcbf29ce484222325ULL;  /* FNV-1a */
  for (gsize i = 0; i < n; i++)
    h = (h ^ p[i]) * 0x100000001b3ULL;
  return h;
}

static void
put64(guint8 *p, guint64 v)
{
  for (guint i = 0; i < 8; i++)
    p[i] = (guint8)(v >> (8 * i));
}

guint64
gt_journal_u64(const guint8 *p)
{
  guint64 v = 0;
  for (guint i = 8; i-- > 0;)
    v = v << 8 | p[i];
  return v;
}

/* Layout: magic u32, kind u8, what u8, len u8, 0 u8, pa u64, va u64,
 * orig[8], ours[8], checksum u64 over the 40 bytes before it. All
 * little-endian. */
static void
encode(const GtJournalEntry *e, guint8 r[GT_JOURNAL_RECORD_SIZE])
{
  memset(r, 0, GT_JOURNAL_RECORD_SIZE);
  r[0] = MAGIC & 0xff;
  r[1] = (MAGIC >> 8) & 0xff;
  r[2] = (MAGIC >> 16) & 0xff;
  r[3] = MAGIC >> 24;
  r[4] = e->kind;
  r[5] = e->what;
  r[6] = e->len;
  put64(r + 8, e->pa);
  put64(r + 16, e->va);
  memcpy(r + 24, e->orig, 8);
  memcpy(r + 32, e->ours, 8);
  put64(r + 40, checksum(r, 40));
}

static gboolean
decode(const guint8 *r, GtJournalEntry *e)
{
  guint32 magic = r[0] | r[1] << 8 | r[2] << 16 | (guint32)r[3] << 24;
  if (magic != MAGIC || r[7] != 0 || gt_journal_u64(r + 40) != checksum(r, 40))
    return FALSE;
  memset(e, 0, sizeof *e);
  e->kind = r[4];
  e->what = r[5];
  e->len = r[6];
  e->pa = gt_journal_u64(r + 8);
  e->va = gt_journal_u64(r + 16);
  memcpy(e->orig, r + 24, 8);
  memcpy(e->ours, r + 32, 8);
  switch (e->kind) {
  case GT_JOURNAL_WRITE:
    return e->len >= 1 && e->len <= 8 &&
           (e->what == GT_JOURNAL_SLOT || e->what == GT_JOURNAL_CODE) &&
           e->pa <= G_MAXUINT64 - e->len;
  case GT_JOURNAL_UNDONE:
  case GT_JOURNAL_BP:
  case GT_JOURNAL_BP_GONE:
    return TRUE;
  case GT_JOURNAL_PAUSE:
  case GT_JOURNAL_UNPAUSE:
    return e->pa == 0;   /* one pause, under key 0 */
  default:
    return FALSE;
  }
}

GArray *
gt_journal_parse(const guint8 *data, gsize len, gsize *valid_len)
{
  GArray *out = g_array_new(FALSE, FALSE, sizeof(GtJournalEntry));
  gsize off = 0;
  while (len - off >= GT_JOURNAL_RECORD_SIZE) {
    GtJournalEntry e;
    if (!decode(data + off, &e))
      break;
    g_array_append_val(out, e);
    off += GT_JOURNAL_RECORD_SIZE;
  }
  if (valid_len)
    *valid_len = off;
  return out;
}

/* ---- what is in force --------------------------------------------------- */

static GHashTable *
new_table(void)
{
  return g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free);
}

/* Which table a record's change is kept in, and under which key field:
 * writes by physical address, breakpoints by virtual address, the pause
 * under the zero pa that PAUSE records carry. */
static GHashTable *
table_of(GtJournal *j, guint8 kind, gboolean *by_va)
{
  *by_va = kind == GT_JOURNAL_BP || kind == GT_JOURNAL_BP_GONE;
  if (*by_va)
    return j->bps;
  if (kind == GT_JOURNAL_PAUSE || kind == GT_JOURNAL_UNPAUSE)
    return j->pauses;
  return j->writes;
}

static void
apply(GtJournal *j, const GtJournalEntry *e)
{
  gboolean by_va;
  GHashTable *t = table_of(j, e->kind, &by_va);
  guint64 key = by_va ? e->va : e->pa;
  GtJournalEntry *old = g_hash_table_lookup(t, &key);
  if (old) {
    g_hash_table_remove(j->order, old);
    g_hash_table_remove(t, &key);
  }
  if (e->kind == GT_JOURNAL_WRITE || e->kind == GT_JOURNAL_BP || e->kind == GT_JOURNAL_PAUSE) {
    GtJournalEntry *n = g_memdup2(e, sizeof *e);
    g_hash_table_insert(t, by_va ? &n->va : &n->pa, n);
    g_hash_table_insert(j->order, n, GSIZE_TO_POINTER(++j->seq));
  }
}

static gint
by_order(gconstpointer a, gconstpointer b, gpointer order)
{
  gsize x = GPOINTER_TO_SIZE(g_hash_table_lookup(order, *(gpointer *)a));
  gsize y = GPOINTER_TO_SIZE(g_hash_table_lookup(order, *(gpointer *)b));
  return x < y ? -1 : x > y;
}

GArray *
gt_journal_live(GtJournal *j)
{
  guint n = 0;
  g_autofree gpointer *all = g_hash_table_get_keys_as_array(j->order, &n);
  g_qsort_with_data(all, (gint)n, sizeof(gpointer), by_order, j->order);
  GArray *out = g_array_sized_new(FALSE, FALSE, sizeof(GtJournalEntry), n);
  for (guint i = 0; i < n; i++)
    g_array_append_vals(out, all[i], 1);
  return out;
}

static void
tables_init(GtJournal *j)
{
  j->writes = new_table();
  j->bps = new_table();
  j->pauses = new_table();
  j->order = g_hash_table_new(g_direct_hash, g_direct_equal);
}

static void
tables_clear(GtJournal *j)
{
  g_clear_pointer(&j->order, g_hash_table_unref);
  g_clear_pointer(&j->writes, g_hash_table_unref);
  g_clear_pointer(&j->bps, g_hash_table_unref);
  g_clear_pointer(&j->pauses, g_hash_table_unref);
}

GArray *
gt_journal_fold(GArray *records)
{
  GtJournal j = { 0 };
  tables_init(&j);
  for (guint i = 0; i < records->len; i++)
    apply(&j, &g_array_index(records, GtJournalEntry, i));
  GArray *out = gt_journal_live(&j);
  tables_clear(&j);
  return out;
}

/* ---- the file ----------------------------------------------------------- */

char *
gt_journal_dir(void)
{
  const char *env = g_getenv("GUESTRACE_JOURNAL_DIR");
  if (env && *env)
    return g_strdup(env);
  if (geteuid() == 0)
    return g_strdup("/run/guestrace");
  return g_build_filename(g_get_user_runtime_dir(), "guestrace", NULL);
}

static gboolean
write_all(int fd, const guint8 *p, gsize n, GError **error)
{
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0) {
      g_set_error(error, GT_ERROR, GT_ERROR_FAILED, "cannot write the journal: %s",
                  g_strerror(w < 0 ? errno : ENOSPC));
      return FALSE;
    }
    p += w;
    n -= (gsize)w;
  }
  return TRUE;
}

/* Replaces the file by one holding only what is in force: written beside
 * it, then renamed over it, so a crash leaves one or the other whole. The
 * lock moves to the new file. */
static gboolean
compact(GtJournal *j, GError **error)
{
  g_autoptr(GArray) live = gt_journal_live(j);
  g_autofree char *tmp = g_strconcat(j->path, ".new", NULL);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    g_set_error(error, GT_ERROR, GT_ERROR_FAILED, "cannot write %s: %s", tmp,
                g_strerror(errno));
    return FALSE;
  }
  flock(fd, LOCK_EX | LOCK_NB);
  g_autofree guint8 *buf = g_malloc0(MAX(live->len, 1) * GT_JOURNAL_RECORD_SIZE);
  for (guint i = 0; i < live->len; i++)
    encode(&g_array_index(live, GtJournalEntry, i), buf + i * GT_JOURNAL_RECORD_SIZE);
  if (!write_all(fd, buf, live->len * GT_JOURNAL_RECORD_SIZE, error) ||
      rename(tmp, j->path) < 0) {
    if (error && !*error)
      g_set_error(error, GT_ERROR, GT_ERROR_FAILED, "cannot replace %s: %s", j->path,
                  g_strerror(errno));
    close(fd);
    g_unlink(tmp);
    return FALSE;
  }
  close(j->fd);
  j->fd = fd;
  j->size = live->len * GT_JOURNAL_RECORD_SIZE;
  return TRUE;
}

static gboolean
load(GtJournal *j, GError **error)
{
  struct stat st;
  if (fstat(j->fd, &st) < 0 || st.st_size > MAX_FILE) {
    g_set_error(error, GT_ERROR, GT_ERROR_FAILED, "journal %s: %s", j->path,
                st.st_size > MAX_FILE ? "too large" : g_strerror(errno));
    return FALSE;
  }
  g_autofree guint8 *data = g_malloc((gsize)st.st_size + 1);
  gsize got = 0;
  while (got < (gsize)st.st_size) {
    ssize_t r = pread(j->fd, data + got, (gsize)st.st_size - got, (off_t)got);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    got += (gsize)r;
  }
  gsize valid = 0;
  g_autoptr(GArray) recs = gt_journal_parse(data, got, &valid);
  if (valid < got)
    g_message("journal %s: %" G_GSIZE_FORMAT " bytes after the last valid record ignored",
              j->path, got - valid);
  for (guint i = 0; i < recs->len; i++)
    apply(j, &g_array_index(recs, GtJournalEntry, i));
  /* Start from a clean file holding what is in force (a torn tail goes). */
  return compact(j, error);
}

GtJournal *
gt_journal_open(const char *identity, GtJournalRole role, GError **error)
{
  if (!gt_journal_make_dir(error))
    return NULL;
  g_autofree char *path = gt_journal_sibling(identity, ".journal");
  g_autofree char *holder = gt_journal_sibling(identity, ".holder");
  int fd = gt_journal_lock(identity, path, holder, error);
  if (fd < 0)
    return NULL;
  /* The tracer died while we waited for its lock: its guardian first. */
  if (gt_journal_refuse_for_guardian(identity, error)) {
    close(fd);
    return NULL;
  }
  gt_journal_write_holder(holder, role);
  GtJournal *j = g_new0(GtJournal, 1);
  j->path = g_steal_pointer(&path);
  j->holder = g_steal_pointer(&holder);
  j->fd = fd;
  tables_init(j);
  if (!load(j, error)) {
    gt_journal_close(j);
    return NULL;
  }
  return j;
}

const char *gt_journal_path(GtJournal *j) { return j->path; }

gboolean
gt_journal_append(GtJournal *j, const GtJournalEntry *e, GError **error)
{
  if (!j)
    return TRUE;
  guint8 r[GT_JOURNAL_RECORD_SIZE];
  encode(e, r);
  /* O_APPEND: the record lands at the end whatever the offset. */
  if (!write_all(j->fd, r, sizeof r, error))
    return FALSE;
  j->size += sizeof r;
  apply(j, e);
  if (j->size >= COMPACT_AT) {
    g_autoptr(GError) cerr = NULL;
    if (!compact(j, &cerr))
      g_warning("%s", cerr->message);   /* the long file is still right */
  }
  return TRUE;
}

gboolean
gt_journal_note_write(GtJournal *j, GtJournalWhat what, guint64 pa, guint64 va,
                      const void *orig, const void *ours, guint len, GError **error)
{
  g_return_val_if_fail(len >= 1 && len <= 8, FALSE);
  GtJournalEntry e = { .kind = GT_JOURNAL_WRITE, .what = what, .len = len, .pa = pa, .va = va };
  memcpy(e.orig, orig, len);
  memcpy(e.ours, ours, len);
  return gt_journal_append(j, &e, error);
}

gboolean
gt_journal_lookup(GtJournal *j, guint64 pa, GtJournalEntry *out)
{
  GtJournalEntry *e = j ? g_hash_table_lookup(j->writes, &pa) : NULL;
  if (e)
    *out = *e;
  return e != NULL;
}

gboolean
gt_journal_slot_redirect(GtJournal *j, guint64 pa, guint64 va, guint64 *ours, guint64 *orig)
{
  GtJournalEntry e;
  if (!gt_journal_lookup(j, pa, &e) || e.kind != GT_JOURNAL_WRITE ||
      e.what != GT_JOURNAL_SLOT || e.len != 8 || e.va != va)
    return FALSE;
  *ours = gt_journal_u64(e.ours);
  *orig = gt_journal_u64(e.orig);
  return TRUE;
}

gboolean
gt_journal_note_undone(GtJournal *j, guint64 pa, GError **error)
{
  if (!j || !g_hash_table_contains(j->writes, &pa))
    return TRUE;
  GtJournalEntry e = { .kind = GT_JOURNAL_UNDONE, .pa = pa };
  return gt_journal_append(j, &e, error);
}

gboolean
gt_journal_slots_in_force(GtJournal *j)
{
  if (!j)
    return FALSE;
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, j->writes);
  while (g_hash_table_iter_next(&it, NULL, &v))
    if (((GtJournalEntry *)v)->what == GT_JOURNAL_SLOT)
      return TRUE;
  return FALSE;
}

char *
gt_journal_describe(GtJournal *j)
{
  if (!j || !g_hash_table_size(j->order))
    return NULL;
  guint slots = 0, code = 0;
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, j->writes);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    const GtJournalEntry *e = v;
    if (e->what == GT_JOURNAL_SLOT)
      slots++;
    else
      code += e->len;
  }
  return g_strdup_printf("%u return addresses still redirected to the trap, %u code bytes "
                         "still patched, %u breakpoints still set%s", slots, code,
                         g_hash_table_size(j->bps),
                         g_hash_table_size(j->pauses) ? ", the domain still paused" : "");
}

gboolean
gt_journal_note_bp(GtJournal *j, guint64 va, gboolean inserted, GError **error)
{
  if (!j)
    return TRUE;
  GtJournalEntry e = { .kind = inserted ? GT_JOURNAL_BP : GT_JOURNAL_BP_GONE, .va = va };
  return gt_journal_append(j, &e, error);
}

gboolean
gt_journal_note_pause(GtJournal *j, gboolean paused, GError **error)
{
  if (!j)
    return TRUE;
  GtJournalEntry e = { .kind = paused ? GT_JOURNAL_PAUSE : GT_JOURNAL_UNPAUSE };
  return gt_journal_append(j, &e, error);
}

void
gt_journal_forget(GtJournal *j)
{
  if (!j)
    return;
  g_hash_table_remove_all(j->order);
  g_hash_table_remove_all(j->writes);
  g_hash_table_remove_all(j->bps);
  g_hash_table_remove_all(j->pauses);
}

void
gt_journal_close(GtJournal *j)
{
  if (!j)
    return;
  if (j->fd >= 0 && j->order) {
    if (g_hash_table_size(j->order) == 0) {
      g_unlink(j->path);
    } else {
      g_autoptr(GError) err = NULL;
      if (!compact(j, &err))
        g_warning("%s", err->message);
    }
  }
  if (j->holder)
    g_unlink(j->holder);   /* while the lock is ours: never the next holder's note */
  if (j->fd >= 0)
    close(j->fd);
  tables_clear(j);
  g_free(j->holder);
  g_free(j->path);
  g_free(j);
}
