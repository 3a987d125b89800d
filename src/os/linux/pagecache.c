/* Looking a file page up in the page cache: address_space.i_pages is an
 * xarray (Linux 4.20+) whose entries are folios (head struct page
 * pointers); a page's physical address follows from its place in the
 * vmemmap array. The xarray is guest data: the descent follows the kernel's
 * xas_load(), each level must sit exactly one chunk shift below its parent
 * (so it ends within 11 levels), and a sibling entry is followed once. */
#include <guestrace/types.h>
#include "os/linux/linux-private.h"

/* The xarray entry encoding (include/linux/xarray.h; macros, not in BTF).
 * Debian builds without CONFIG_BASE_SMALL: 64 slots a node. */
#define XA_CHUNK_SHIFT 6
#define XA_CHUNK_MASK 63ULL
#define XA_MAX_LEVELS ((64 + XA_CHUNK_SHIFT - 1) / XA_CHUNK_SHIFT)
/* Largest folio in the page cache on x86-64 (MAX_PAGECACHE_ORDER = PMD). */
#define MAX_FOLIO_PAGES 512ULL
/* x86-64 vmemmap base without memory-layout randomisation
 * (__VMEMMAP_BASE_L4, arch/x86/include/asm/pgtable_64_types.h); used only
 * when the kernel has no `vmemmap_base` variable. */
#define VMEMMAP_BASE_DEFAULT 0xffffea0000000000ULL

static gboolean xa_is_internal(guint64 v) { return (v & 3) == 2; }
static gboolean xa_is_node(guint64 v) { return xa_is_internal(v) && v > 4096; }
static gboolean xa_is_sibling(guint64 v) { return xa_is_internal(v) && v < ((XA_CHUNK_MASK << 2) | 2); }

gboolean
gt_linux_has_pagecache(GtLinux *lx)
{
  const GtLinuxOffsets *o = &lx->off;
  return o->file_mapping != G_MAXUINT && o->as_xa_head != G_MAXUINT &&
         o->xa_node_shift != G_MAXUINT && o->xa_node_slots != G_MAXUINT &&
         o->page_flags != G_MAXUINT && o->page_index != G_MAXUINT &&
         o->page_struct_size != G_MAXUINT && o->page_struct_size != 0 &&
         o->pg_uptodate_bit < 64;
}

static gboolean
not_cached(guint64 mapping, guint64 index, const char *why, GError **error)
{
  g_set_error(error, GT_ERROR, GT_ERROR_NOT_FOUND,
              "page %" G_GUINT64_FORMAT " of mapping 0x%" G_GINT64_MODIFIER "x is not in "
              "the page cache (%s)", index, mapping, why);
  return FALSE;
}

static gboolean
corrupt(guint64 node, const char *why, GError **error)
{
  g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
              "xarray node 0x%" G_GINT64_MODIFIER "x: %s", node, why);
  return FALSE;
}

/* One step down: the entry for index in node (shift given), following a
 * sibling entry to the slot holding the multi-index entry. */
static gboolean
xa_descend(GtLinux *lx, guint64 node, guint shift, guint64 index, guint64 *entry,
           GError **error)
{
  guint64 offset = (index >> shift) & XA_CHUNK_MASK;
  guint64 slots = node + lx->off.xa_node_slots;
  if (!gt_mem_read_u64(lx->mem, lx->kcr3, slots + offset * 8, entry, error))
    return FALSE;
  if (xa_is_sibling(*entry)) {
    guint64 canon = *entry >> 2;
    if (canon >= offset)
      return corrupt(node, "a sibling entry pointing forward", error);
    if (!gt_mem_read_u64(lx->mem, lx->kcr3, slots + canon * 8, entry, error))
      return FALSE;
    if (xa_is_sibling(*entry) || (shift != 0 && xa_is_node(*entry)))
      return corrupt(node, "a sibling entry to another sibling or a node", error);
  }
  return TRUE;
}

static gboolean
read_shift(GtLinux *lx, guint64 node, guint *shift, GError **error)
{
  guint8 s = 0;
  if (!gt_mem_read(lx->mem, lx->kcr3, node + lx->off.xa_node_shift, &s, 1, error))
    return FALSE;
  if (s % XA_CHUNK_SHIFT != 0 || s >= 64)
    return corrupt(node, "a shift that is not a multiple of 6 below 64", error);
  *shift = s;
  return TRUE;
}

/* xas_load(): the entry stored for index (0 when none). */
static gboolean
xa_load(GtLinux *lx, guint64 mapping, guint64 index, guint64 *out, GError **error)
{
  guint64 entry;
  if (!gt_mem_read_u64(lx->mem, lx->kcr3, mapping + lx->off.as_xa_head, &entry, error))
    return FALSE;
  if (!xa_is_node(entry)) {
    *out = index == 0 ? entry : 0;   /* a head that is no node holds index 0 only */
    return TRUE;
  }
  guint expect = 0;
  for (guint level = 0; xa_is_node(entry); level++) {
    guint64 node = entry - 2;
    guint shift;
    if (level >= XA_MAX_LEVELS || !gt_linux_is_kernel_addr(node))
      return corrupt(node, "too deep, or not a kernel address", error);
    if (!read_shift(lx, node, &shift, error))
      return FALSE;
    if (level == 0 && (index >> shift) > XA_CHUNK_MASK) {
      *out = 0;               /* beyond what the tree covers */
      return TRUE;
    }
    if (level > 0 && shift != expect)
      return corrupt(node, "a child whose shift is not its parent's minus 6", error);
    if (!xa_descend(lx, node, shift, index, &entry, error))
      return FALSE;
    if (shift == 0)
      break;
    expect = shift - XA_CHUNK_SHIFT;
  }
  *out = entry;
  return TRUE;
}

static gboolean
vmemmap_base(GtLinux *lx, guint64 *base, GError **error)
{
  guint64 sym;
  if (!gt_symbols_lookup(lx->syms, "vmemmap_base", &sym)) {
    *base = VMEMMAP_BASE_DEFAULT;
    return TRUE;
  }
  return gt_mem_read_u64(lx->mem, lx->kcr3, sym, base, error);
}

/* From the folio (head page) holding index to the physical address of the
 * page for index, if the folio is up to date. */
static gboolean
folio_page_pa(GtLinux *lx, guint64 mapping, guint64 folio, guint64 index, guint64 *pa,
              GError **error)
{
  const GtLinuxOffsets *o = &lx->off;
  guint64 flags, first, base;
  if (!gt_linux_is_kernel_addr(folio) || (folio & 7) != 0)
    return corrupt(folio, "a page-cache entry that is not a struct page pointer", error);
  if (!vmemmap_base(lx, &base, error))
    return FALSE;
  if (folio < base || (folio - base) % o->page_struct_size != 0)
    return corrupt(folio, "a struct page outside the vmemmap array", error);
  if (!gt_mem_read_u64(lx->mem, lx->kcr3, folio + o->page_flags, &flags, error) ||
      !gt_mem_read_u64(lx->mem, lx->kcr3, folio + o->page_index, &first, error))
    return FALSE;
  if (!(flags & (1ULL << o->pg_uptodate_bit)))
    return not_cached(mapping, index, "not up to date", error);
  if (first > index || index - first >= MAX_FOLIO_PAGES)
    return corrupt(folio, "a folio whose index does not cover the page", error);
  guint64 page = folio + (index - first) * o->page_struct_size;
  guint64 pfn = (page - base) / o->page_struct_size;
  if (pfn >= (1ULL << 40))
    return corrupt(folio, "a page frame beyond 52-bit physical addresses", error);
  *pa = pfn << 12;
  return TRUE;
}

gboolean
gt_linux_pagecache_lookup(GtLinux *lx, guint64 mapping, guint64 index, guint64 *pa,
                          GError **error)
{
  if (!gt_linux_has_pagecache(lx)) {
    g_set_error_literal(error, GT_ERROR, GT_ERROR_UNSUPPORTED,
                        "this kernel's page cache layout is not known from its BTF");
    return FALSE;
  }
  if (!gt_linux_is_kernel_addr(mapping) || (mapping & 7) != 0)
    return corrupt(mapping, "an address_space that is not a kernel pointer", error);
  guint64 entry;
  if (!xa_load(lx, mapping, index, &entry, error))
    return FALSE;
  if (entry == 0)
    return not_cached(mapping, index, "no entry", error);
  if (entry & 1)
    return not_cached(mapping, index, "a shadow or swap entry", error);
  if (xa_is_internal(entry))
    return not_cached(mapping, index, "an internal entry", error);
  return folio_page_pa(lx, mapping, entry, index, pa, error);
}
