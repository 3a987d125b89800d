/* User memory of the calling process as the kernel would see it: through
 * its page tables, and for a page it has not faulted in, what a read fault
 * would map (gt_linux_read_unfaulted). The user-read rework (U/S checks,
 * per-stop budget) takes this over as its fallback reader. */
#pragma once

#include "os/linux/linux.h"

/* Up to len bytes at va of the process whose task is `task` (0: page tables
 * only) and whose page tables are at root; returns the count of leading
 * bytes read. */
gsize gt_user_read(GtLinux *lx, GtMem *mem, guint64 task, guint64 root, guint64 va,
                   void *buf, gsize len);
/* A NUL-terminated string of at most max bytes, the same way; NULL if not
 * even its first byte is readable. */
char *gt_user_read_string(GtLinux *lx, GtMem *mem, guint64 task, guint64 root, guint64 va,
                          gsize max, gboolean *truncated);
