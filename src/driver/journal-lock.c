/* Who holds a guest's journal, and the guardian's mark: the sidecar notes
 * beside the journal (IDENTITY.holder, IDENTITY.guardian) and the waits
 * they decide (journal.h, journal-lock.h). */
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

#define LOCK_WAIT_US G_USEC_PER_SEC          /* a tracer's lock is waited for 1 s */
#define REPAIR_WAIT_US (30 * G_USEC_PER_SEC) /* a repairer's, a guardian's: 30 s */
#define LOCK_RETRY_US 10000
#define NOTE_MAX 64               /* a sidecar is never read beyond this */

/* ---- who holds a guest ------------------------------------------------ */

gboolean
gt_journal_make_dir(GError **error)
{
  g_autofree char *dir = gt_journal_dir();
  if (g_mkdir_with_parents(dir, 0700) == 0)
    return TRUE;
  g_set_error(error, GT_ERROR, GT_ERROR_FAILED, "cannot create %s: %s", dir, g_strerror(errno));
  return FALSE;
}

/* dir/identity.suffix */
char *
gt_journal_sibling(const char *identity, const char *suffix)
{
  g_autofree char *dir = gt_journal_dir();
  g_autofree char *name = g_strconcat(identity, suffix, NULL);
  return g_build_filename(dir, name, NULL);
}

/* The two numbers or the number and word a sidecar holds ("PID trace",
 * "GUARDIAN TRACER"): read bounded, anything else is no note (an unknown
 * holder: nobody is waited for longer than today). */
gboolean
gt_journal_parse_note(const char *data, gsize n, gint64 *pid, char **word)
{
  if (n == 0 || n > NOTE_MAX || data[n - 1] != '\n' || memchr(data, '\0', n) ||
      memchr(data, '\n', n - 1))
    return FALSE;
  g_autofree char *line = g_strndup(data, n - 1);
  g_auto(GStrv) f = g_strsplit(line, " ", 3);
  return f[0] && f[1] && !f[2] &&
         g_ascii_string_to_signed(f[0], 10, 1, G_MAXINT32, pid, NULL) &&
         (*word = g_strdup(f[1])) != NULL;
}

static gboolean
read_note(int fd, gint64 *pid, char **word)
{
  char buf[NOTE_MAX + 1];
  ssize_t n;
  do
    n = pread(fd, buf, sizeof buf, 0);
  while (n < 0 && errno == EINTR);
  return n > 0 && gt_journal_parse_note(buf, (gsize)n, pid, word);
}

static gboolean
read_note_at(const char *path, gint64 *pid, char **word)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return FALSE;
  gboolean ok = read_note(fd, pid, word);
  close(fd);
  return ok;
}

/* Whether process pid has ended: gone, or a zombie not reaped yet (which
 * kill(pid, 0) still finds: a tracer just killed by its shell's job). */
static gboolean
process_ended(gint64 pid)
{
  if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
    return TRUE;
  char path[48], buf[512];
  snprintf(path, sizeof path, "/proc/%" G_GINT64_FORMAT "/stat", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT && kill((pid_t)pid, 0) < 0 && errno == ESRCH;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0)
    return FALSE;
  buf[n] = '\0';
  const char *end = strrchr(buf, ')');   /* the name may hold anything but the last ')' */
  return end && end[1] == ' ' && (end[2] == 'Z' || end[2] == 'X');
}

/* Opens path (created if absent) and takes its lock, following the file if
 * it was replaced while we waited (compaction renames a new file over it,
 * the last close removes it): a lock on a file no longer at path guards
 * nothing. -1 with errno EWOULDBLOCK while someone holds it. */
static int
open_locked(const char *path, int flags)
{
  for (guint pass = 0; pass < 100; pass++) {   /* each pass the file changed */
    int fd = open(path, flags | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
      return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
      int e = errno;
      close(fd);
      errno = e;
      return -1;
    }
    struct stat a, b;
    if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
        a.st_ino == b.st_ino)
      return fd;
    close(fd);
  }
  errno = EWOULDBLOCK;
  return -1;
}

/* ---- the guardian's mark ------------------------------------------------ */

/* The marks this process holds (a guardian: one; a library may guard
 * several guests): path -> fd. */
static GHashTable *marks;
G_LOCK_DEFINE_STATIC(marks);

static gboolean
ours(const char *path)
{
  G_LOCK(marks);
  gboolean held = marks && g_hash_table_contains(marks, path);
  G_UNLOCK(marks);
  return held;
}

/* The guardian of a dead tracer holds the mark at path: its pid in *gpid.
 * flock locks conflict between two opens even in one process: the mark
 * this process holds is never another's. */
static gboolean
guardian_repairing(const char *path, gint64 *gpid)
{
  if (ours(path))
    return FALSE;
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return FALSE;
  /* A shared lock only to see whether it is held; a guardian taking its
   * mark just then tries again (gt_journal_guard). */
  gboolean held = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
  gint64 tracer = 0;
  g_autofree char *word = NULL;
  gboolean known = held && read_note(fd, gpid, &word) &&
                   g_ascii_string_to_signed(word, 10, 1, G_MAXINT32, &tracer, NULL);
  close(fd);
  return known && *gpid != getpid() && tracer != getpid() && !process_ended(*gpid) &&
         process_ended(tracer);
}

gboolean
gt_journal_wait_guardian(const char *identity, GError **error)
{
  g_autofree char *path = gt_journal_sibling(identity, ".guardian");
  gint64 end = g_get_monotonic_time() + REPAIR_WAIT_US, gpid = 0;
  gboolean said = FALSE;
  while (guardian_repairing(path, &gpid)) {
    if (!said)
      g_message("waiting for %" G_GINT64_FORMAT " (the guardian of a guestrace that died, "
                "repairing this guest) to finish", gpid);
    said = TRUE;
    if (g_get_monotonic_time() > end) {
      g_set_error(error, GT_JOURNAL_ERROR, GT_JOURNAL_ERROR_GUARDIAN,
                  "the guardian %" G_GINT64_FORMAT " of a guestrace that died is still "
                  "repairing this guest after %d s (%s is locked): try again once it has "
                  "exited", gpid, (int)(REPAIR_WAIT_US / G_USEC_PER_SEC), path);
      return FALSE;
    }
    g_usleep(LOCK_RETRY_US);
  }
  return TRUE;
}

/* Takes the mark at path, retrying for a moment: a reader's look (a
 * shared lock) or another guardian just starting may hold it. */
static int
take_mark(const char *path)
{
  gint64 end = g_get_monotonic_time() + LOCK_WAIT_US;
  int fd;
  while ((fd = open_locked(path, O_RDWR)) < 0 && errno == EWOULDBLOCK &&
         g_get_monotonic_time() < end)
    g_usleep(LOCK_RETRY_US);
  return fd;
}

gboolean
gt_journal_guard(const char *identity, gint64 tracer, GError **error)
{
  if (!gt_journal_make_dir(error) || !gt_journal_wait_guardian(identity, error))
    return FALSE;
  g_autofree char *path = gt_journal_sibling(identity, ".guardian");
  if (ours(path)) {
    g_set_error(error, GT_ERROR, GT_ERROR_FAILED, "this process already marks %s", path);
    return FALSE;
  }
  int fd = take_mark(path);
  if (fd < 0) {
    gint64 gpid = 0;
    g_autofree char *word = NULL;
    if (errno == EWOULDBLOCK && read_note_at(path, &gpid, &word))
      g_set_error(error, GT_ERROR, GT_ERROR_FAILED, "another guardian (%" G_GINT64_FORMAT
                  ") watches this guest (%s is locked)", gpid, path);
    else
      g_set_error(error, GT_ERROR, GT_ERROR_FAILED, "cannot lock %s: %s", path,
                  g_strerror(errno));
    return FALSE;
  }
  g_autofree char *note = g_strdup_printf("%d %" G_GINT64_FORMAT "\n", (int)getpid(), tracer);
  gsize len = strlen(note);
  if (ftruncate(fd, 0) < 0 || pwrite(fd, note, len, 0) != (ssize_t)len) {
    g_set_error(error, GT_ERROR, GT_ERROR_FAILED, "cannot write %s: %s", path,
                g_strerror(errno));
    g_unlink(path);
    close(fd);
    return FALSE;
  }
  G_LOCK(marks);
  if (!marks)
    marks = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_insert(marks, g_steal_pointer(&path), GINT_TO_POINTER(fd));
  G_UNLOCK(marks);
  return TRUE;
}

void
gt_journal_unguard(const char *identity)
{
  g_autofree char *path = gt_journal_sibling(identity, ".guardian");
  gpointer key = NULL, fd = NULL;
  G_LOCK(marks);
  gboolean held = marks && g_hash_table_steal_extended(marks, path, &key, &fd);
  G_UNLOCK(marks);
  if (!held)
    return;
  g_unlink(path);   /* while held: never another guardian's */
  close(GPOINTER_TO_INT(fd));
  g_free(key);
}

/* ---- opening ------------------------------------------------------------- */

/* Whoever holds the journal says so beside it (journal.h). */
void
gt_journal_write_holder(const char *path, GtJournalRole role)
{
  g_autofree char *note = g_strdup_printf("%d %s\n", (int)getpid(),
                                          role == GT_JOURNAL_REPAIR ? "repair" : "trace");
  g_autoptr(GError) err = NULL;
  if (!g_file_set_contents(path, note, -1, &err))
    g_debug("%s", err->message);   /* others then wait as for an unknown holder */
}

/* Who holds the journal, if its note says so and it lives. */
static gboolean
read_holder(const char *path, gint64 *pid, GtJournalRole *role)
{
  g_autofree char *word = NULL;
  if (!read_note_at(path, pid, &word) || process_ended(*pid))
    return FALSE;
  if (g_str_equal(word, "repair"))
    *role = GT_JOURNAL_REPAIR;
  else if (g_str_equal(word, "trace"))
    *role = GT_JOURNAL_TRACE;
  else
    return FALSE;
  return TRUE;
}

gboolean
gt_journal_refuse_for_guardian(const char *identity, GError **error)
{
  g_autofree char *path = gt_journal_sibling(identity, ".guardian");
  gint64 gpid = 0;
  if (!guardian_repairing(path, &gpid))
    return FALSE;
  g_set_error(error, GT_JOURNAL_ERROR, GT_JOURNAL_ERROR_GUARDIAN,
              "the guardian %" G_GINT64_FORMAT " of a guestrace that died is about to repair "
              "this guest (%s is locked)", gpid, path);
  return TRUE;
}

static void
say_locked(const char *path, gboolean known, gint64 pid, GtJournalRole role, GError **error)
{
  if (!known)
    g_set_error(error, GT_ERROR, GT_ERROR_FAILED,
                "another guestrace is attached to this guest (%s is locked)", path);
  else if (role == GT_JOURNAL_REPAIR)
    g_set_error(error, GT_ERROR, GT_ERROR_FAILED,
                "guestrace %" G_GINT64_FORMAT " is still repairing this guest after %d s "
                "(%s is locked)", pid, (int)(REPAIR_WAIT_US / G_USEC_PER_SEC), path);
  else
    g_set_error(error, GT_ERROR, GT_ERROR_FAILED,
                "another guestrace (%" G_GINT64_FORMAT ", tracing) is attached to this guest "
                "(%s is locked)", pid, path);
}

/* The journal's lock: a tracer that was just killed may still hold it for
 * a moment (its descriptors are closed one by one as it exits, and the
 * guardian wakes when the first, its pipe, goes): 1 s; a live repairer
 * (its note says so) 30 s. -1 with error set. */
int
gt_journal_lock(const char *identity, const char *path, const char *holder, GError **error)
{
  gint64 start = g_get_monotonic_time(), end = start + LOCK_WAIT_US, pid = 0;
  GtJournalRole role = GT_JOURNAL_TRACE;
  gboolean known = FALSE, said = FALSE;
  int fd;
  while ((fd = open_locked(path, O_RDWR | O_APPEND)) < 0) {
    if (errno != EWOULDBLOCK) {
      g_set_error(error, GT_ERROR, GT_ERROR_FAILED, "cannot open %s: %s", path,
                  g_strerror(errno));
      return -1;
    }
    if (gt_journal_refuse_for_guardian(identity, error))
      return -1;
    known = read_holder(holder, &pid, &role);
    if (known && role == GT_JOURNAL_REPAIR && !said) {
      g_message("waiting for %" G_GINT64_FORMAT " (repairing this guest) to finish", pid);
      said = TRUE;
      end = start + REPAIR_WAIT_US;
    }
    if (g_get_monotonic_time() > end) {
      say_locked(path, known, pid, role, error);
      return -1;
    }
    g_usleep(LOCK_RETRY_US);
  }
  return fd;
}
