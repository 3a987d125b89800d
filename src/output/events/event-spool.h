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
 * (over-long) lines are skipped. */
gboolean gt_spool_peek(GtSpool *sp, guint max, GPtrArray *out, GError **error);
/* Consumes the first pending line, which must be @line as peeked; truncates
 * the file when nothing is pending any more. */
void gt_spool_consume(GtSpool *sp, const char *line);
guint gt_spool_pending(const GtSpool *sp);
const char *gt_spool_path(const GtSpool *sp);

G_END_DECLS
