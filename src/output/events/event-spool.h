/* The spool: an append-only local file of undelivered events, one per
 * line, oldest first, with a read cursor. Events spill here while a server
 * is down and are delivered from here first when it is back; the file is
 * truncated once everything in it is delivered. The cursor lives only in
 * memory, so after a crash the whole file is delivered again (at-least-once
 * across a crash). Not thread-safe: the channel serialises access. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Longest line the spool accepts or reads back (a big pslist fits). */
#define GT_SPOOL_MAX_LINE (4u * 1024 * 1024)

/* Default bound on a spool file: a day of a busy guest with the server
 * down. Events are filter matches, aborts and process lists, not every
 * call: 20 events a second all day is 1.73 million events; a JSON match
 * event with its arguments is about 400-600 bytes (a text one less), so
 * 1.73e6 x 600 B = 1.04 GB, about 1 GiB. A pslist of a few hundred
 * processes is ~15 KB but follows only execve/fork/wait. */
#define GT_SPOOL_DEFAULT_MAX_BYTES (1024ull * 1024 * 1024)

typedef struct GtSpool GtSpool;

/* Opens (creating the file and its folder) and locks @path for this
 * process; lines left by an earlier run become pending; a torn last line
 * (a crash in mid-write) is cut off. */
GtSpool *gt_spool_open(const char *path, GError **error);
void gt_spool_close(GtSpool *sp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GtSpool, gt_spool_close)

/* Appends @n lines (no '\n' inside; one is added) with one write and one
 * fdatasync. */
gboolean gt_spool_append(GtSpool *sp, char *const *lines, guint n, GError **error);
/* Puts @n lines before every pending line (rewrites the file unless nothing
 * is pending; rare: only when a batch taken from memory fails). */
gboolean gt_spool_prepend(GtSpool *sp, char *const *lines, guint n, GError **error);
/* Reads up to @max pending lines from the cursor (without consuming them)
 * into @out (g_free'd strings). Returns FALSE on an I/O error. Corrupt
 * lines (over-long, or holding a NUL byte) are skipped. */
gboolean gt_spool_peek(GtSpool *sp, guint max, GPtrArray *out, GError **error);
/* Consumes the first pending line, which must be @line as peeked; truncates
 * the file when nothing is pending any more. */
void gt_spool_consume(GtSpool *sp, const char *line);
guint gt_spool_pending(const GtSpool *sp);
/* Bounds the file's size in bytes (0: no bound). A file left bigger by an
 * earlier run stays as it is; nothing more is stored until it drains. */
void gt_spool_set_max_bytes(GtSpool *sp, guint64 max);
/* How many of the first @n lines gt_spool_append (@prepend FALSE) or
 * gt_spool_prepend (TRUE) could store now within the bound. The callers
 * store only those: the bound is theirs to enforce, the spool says what
 * fits. */
guint gt_spool_room(const GtSpool *sp, char *const *lines, guint n, gboolean prepend);
const char *gt_spool_path(const GtSpool *sp);

G_END_DECLS
