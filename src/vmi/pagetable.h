/* x86-64 page-table walk (4-level and 5-level paging, 4 KiB / 2 MiB / 1 GiB
 * pages) over a physical-memory reader. The guest controls its page tables:
 * the walk reads at most 5 entries, checks every entry's present bit and
 * reserved physical-address bits, and never loops. */
#pragma once

#include <glib.h>

/* Reads guest-physical memory; returns FALSE with error set on failure. */
typedef gboolean (*GtPhysReadFn)(void *ctx, guint64 pa, void *buf, gsize len,
                                 GError **error);
typedef gboolean (*GtPhysWriteFn)(void *ctx, guint64 pa, const void *buf,
                                  gsize len, GError **error);

/* Mask of the physical-address bits of a CR3 value or a paging entry
 * (bits 12..51). PCID and flag bits are dropped. */
#define GT_PT_ADDR_MASK 0x000ffffffffff000ULL

typedef struct {
  guint64 pa;         /* physical address of va */
  guint64 page_size;  /* 4096, 2 MiB or 1 GiB */
  gboolean writable;  /* every level allows writes */
  gboolean user;      /* every level allows user access */
  /* On a failure because an entry is not present: that entry and its level
   * (1 = PTE .. 5 = PML5E). An entry of 0 means nothing was ever mapped
   * there (Linux: pte_none); anything else is a swap, migration or
   * PROT_NONE entry. Both 0 for other failures. */
  guint64 absent_entry;
  guint absent_level;
} GtTranslation;

/* Translate va through the tables rooted at cr3. la57 selects 5-level
 * paging (CR4.LA57). Non-canonical addresses, non-present entries and
 * entries with reserved bits set fail with GT_ERROR_MEMORY. */
gboolean gt_pt_translate(GtPhysReadFn read, void *ctx, guint64 cr3, gboolean la57,
                         guint64 va, GtTranslation *out, GError **error);
