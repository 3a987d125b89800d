/* Guest memory: virtual reads and writes through the guest's page tables,
 * with a translation cache. The cache must be invalidated (gt_mem_invalidate)
 * every time the guest has run, because the guest may have changed its page
 * tables. Every read is bounded by its caller's length. A GtMem is not
 * thread-safe: use it from one thread at a time. */
#pragma once

#include <glib.h>
#include "vmi/pagetable.h"

typedef struct GtMem GtMem;

/* What guest reads may still cost: physical reads (page-table entries
 * included) and bytes. */
typedef struct {
  guint64 reads;
  guint64 bytes;
} GtMemBudget;

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

/* User-pointer reads, with the checks the kernel's copy_from_user makes:
 * nothing at or above the user-space limit (gt_mem_user_limit()) is read,
 * nor any page whose translation lacks the U/S bit at some level. A user
 * pointer to kernel memory therefore reads nothing. */
/* 0x00007ffffffff000 under 4-level paging, 0x00fffffffffff000 under
 * 5-level (CR4.LA57): the kernel's TASK_SIZE_MAX. */
guint64 gt_mem_user_limit(GtMem *mem);
/* Up to len bytes; returns how many leading bytes were readable, with
 * error set (if non-NULL) when fewer than len. */
gsize gt_mem_read_user(GtMem *mem, guint64 cr3, guint64 va, void *buf, gsize len,
                       GError **error);
/* As gt_mem_read_string, for a user pointer. */
char *gt_mem_read_user_string(GtMem *mem, guint64 cr3, guint64 va, gsize max_len,
                              gboolean *truncated, GError **error);

/* A reader of virtual memory: up to len bytes at va, returns how many
 * leading bytes it read (error set when fewer). */
typedef gsize (*GtVirtReadFn)(void *ctx, guint64 va, void *buf, gsize len, GError **error);
/* The one bounded string loop (as gt_mem_read_string) over any reader. */
char *gt_read_string_with(GtVirtReadFn read, void *ctx, guint64 va, gsize max_len,
                          gboolean *truncated, GError **error);

/* Metering: between begin and end every physical read (page-table walks
 * included) is charged to *budget and fails once it is spent.
 * gt_mem_meter_end writes back what is left and returns whether a read
 * failed for want of budget. Reads outside a metered section are free
 * (the tracer's own bookkeeping: current task, registers, return slots). */
void gt_mem_meter_begin(GtMem *mem, GtMemBudget *budget);
gboolean gt_mem_meter_end(GtMem *mem, GtMemBudget *budget);
