/* Guest memory: virtual reads and writes through the guest's page tables,
 * with a translation cache. The cache must be invalidated (gt_mem_invalidate)
 * every time the guest has run, because the guest may have changed its page
 * tables. Every read is bounded by its caller's length. A GtMem is not
 * thread-safe: use it from one thread at a time. */
#pragma once

#include <glib.h>
#include "vmi/pagetable.h"

typedef struct GtMem GtMem;

GtMem *gt_mem_new(GtPhysReadFn read, GtPhysWriteFn write, void *ctx);
void gt_mem_free(GtMem *mem);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GtMem, gt_mem_free)

/* 5-level paging on or off for every later translation (CR4.LA57). */
void gt_mem_set_la57(GtMem *mem, gboolean la57);
/* Forget every cached translation (call after the guest ran). */
void gt_mem_invalidate(GtMem *mem);

gboolean gt_mem_translate(GtMem *mem, guint64 cr3, guint64 va, guint64 *pa,
                          GError **error);
/* The page-table walk for va, uncached, with the details of GtTranslation
 * (including which entry was absent when it fails). */
gboolean gt_mem_walk(GtMem *mem, guint64 cr3, guint64 va, GtTranslation *out,
                     GError **error);
/* Physical access, straight to the reader/writer. */
gboolean gt_mem_read_phys(GtMem *mem, guint64 pa, void *buf, gsize len, GError **error);
gboolean gt_mem_write_phys(GtMem *mem, guint64 pa, const void *buf, gsize len,
                           GError **error);
/* Virtual access in the address space rooted at cr3; may cross pages
 * (each page translated on its own). Fails as a whole if any byte fails. */
gboolean gt_mem_read(GtMem *mem, guint64 cr3, guint64 va, void *buf, gsize len,
                     GError **error);
gboolean gt_mem_write(GtMem *mem, guint64 cr3, guint64 va, const void *buf, gsize len,
                      GError **error);
gboolean gt_mem_read_u64(GtMem *mem, guint64 cr3, guint64 va, guint64 *out, GError **error);
gboolean gt_mem_read_u32(GtMem *mem, guint64 cr3, guint64 va, guint32 *out, GError **error);
/* A NUL-terminated string of at most max_len bytes (not counting the NUL).
 * Stops at the first unreadable page. *truncated (if non-NULL) is set when no
 * NUL was found within max_len or before an unreadable page. Returns NULL
 * only if not even the first byte is readable. */
char *gt_mem_read_string(GtMem *mem, guint64 cr3, guint64 va, gsize max_len,
                         gboolean *truncated, GError **error);
/* Up to len bytes; returns how many leading bytes were readable (0..len). */
gsize gt_mem_read_partial(GtMem *mem, guint64 cr3, guint64 va, void *buf, gsize len);
