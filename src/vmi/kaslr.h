/* Finding the KASLR slide of a running kernel from guest state. */
#pragma once

#include "vmi/memory.h"
#include "vmi/symbols.h"

/* Finds the difference between the addresses in syms and where the kernel
 * really is, by reading guest memory through the page tables at cr3 (a
 * kernel CR3). Returns 0 for a map that already holds run-time addresses.
 * Fails with GT_ERROR_NOT_FOUND if no candidate verifies. */
gboolean gt_kaslr_find_slide(GtMem *mem, guint64 cr3, const GtSymbols *syms,
                             gint64 *slide, GError **error);

/* Added: like gt_kaslr_find_slide, and also returns in *kernel_cr3 (if not
 * NULL) the CR3 that verified: cr3 itself, or, for a page-table-isolation
 * user CR3 (bit 12 set) whose tables do not map the kernel image, its kernel
 * twin cr3 & ~0x1000. Use that value for later kernel reads. */
gboolean gt_kaslr_find_slide_ex(GtMem *mem, guint64 cr3, const GtSymbols *syms,
                                gint64 *slide, guint64 *kernel_cr3, GError **error);
