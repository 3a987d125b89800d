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
