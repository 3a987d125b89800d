/* x86-64 page-table walk: translates a guest-virtual address to a
 * guest-physical one through 4-level or 5-level tables, by hand because no
 * Debian library walks another machine's page tables over a reader callback.
 *
 * The walk is bounded by construction: one entry read per level, at most
 * five levels, no recursion and no loop that follows guest data. A table
 * that points at itself therefore yields at worst a strange translation or
 * an error, never a hang. */
#include "vmi/pagetable.h"

#include <guestrace/types.h>

#define PTE_P    (1ULL << 0)
#define PTE_RW   (1ULL << 1)
#define PTE_US   (1ULL << 2)
#define PTE_PS   (1ULL << 7)

/* MAXPHYADDR is taken as the architectural maximum, 52: the address field
 * of an entry is bits 12..51 (GT_PT_ADDR_MASK). Bits 52..62 are ignored or
 * protection keys and bit 63 is XD, so none of them is reserved here.
 * Large pages have reserved bits between the PAT bit (12) and the start of
 * their frame address: bits 13..20 for 2 MiB, 13..29 for 1 GiB. */
#define PDE_2M_RSVD  0x00000000001fe000ULL
#define PDPTE_1G_RSVD 0x000000003fffe000ULL
#define PDE_2M_ADDR  0x000fffffffe00000ULL
#define PDPTE_1G_ADDR 0x000fffffc0000000ULL

static const char *const level_names[] = { "", "PTE", "PDE", "PDPTE", "PML4E", "PML5E" };

/* Is va a canonical address for the given virtual-address width (48 or 57)?
 * The bits above width-1 must all equal bit width-1. */
static gboolean
is_canonical(guint64 va, guint width)
{
  gint64 s = (gint64)(va << (64 - width)) >> (64 - width);
  return (guint64)s == va;
}

static gboolean
reserved_error(guint level, guint64 entry, guint64 va, GError **error)
{
  g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
              "reserved bits set in %s 0x%" G_GINT64_MODIFIER "x for 0x%"
              G_GINT64_MODIFIER "x", level_names[level], entry, va);
  return FALSE;
}

gboolean
gt_pt_translate(GtPhysReadFn read, void *ctx, guint64 cr3, gboolean la57,
                guint64 va, GtTranslation *out, GError **error)
{
  guint levels = la57 ? 5 : 4;
  guint64 table = cr3 & GT_PT_ADDR_MASK;
  gboolean writable = TRUE, user = TRUE;

  g_return_val_if_fail(read != NULL, FALSE);
  g_return_val_if_fail(out != NULL, FALSE);
  out->absent_entry = 0;
  out->absent_level = 0;

  if (!is_canonical(va, la57 ? 57 : 48)) {
    g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
                "address 0x%" G_GINT64_MODIFIER "x is not canonical (%u-bit)",
                va, la57 ? 57 : 48);
    return FALSE;
  }

  for (guint level = levels; level >= 1; level--) {
    guint shift = 12 + 9 * (level - 1);
    guint64 index = (va >> shift) & 0x1ff;
    guint64 entry_pa = table + index * 8;
    guint64 entry = 0;
    g_autoptr(GError) local = NULL;

    if (!read(ctx, entry_pa, &entry, sizeof entry, &local)) {
      g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
                  "cannot read %s for 0x%" G_GINT64_MODIFIER "x at physical "
                  "0x%" G_GINT64_MODIFIER "x: %s",
                  level_names[level], va, entry_pa, local ? local->message : "read failed");
      return FALSE;
    }
    entry = GUINT64_FROM_LE(entry);

    if (!(entry & PTE_P)) {
      out->absent_entry = entry;
      out->absent_level = level;
      g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
                  "address 0x%" G_GINT64_MODIFIER "x is not mapped (%s not present)",
                  va, level_names[level]);
      return FALSE;
    }
    writable = writable && (entry & PTE_RW);
    user = user && (entry & PTE_US);

    gboolean leaf = FALSE;
    guint64 frame = entry & GT_PT_ADDR_MASK;
    guint64 size = 4096;
    if (level >= 4 && (entry & PTE_PS)) {
      g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
                  "reserved bit (PS) set in %s for 0x%" G_GINT64_MODIFIER "x",
                  level_names[level], va);
      return FALSE;
    } else if (level == 3 && (entry & PTE_PS)) {
      if (entry & PDPTE_1G_RSVD)
        return reserved_error(level, entry, va, error);
      leaf = TRUE;
      frame = entry & PDPTE_1G_ADDR;
      size = 1ULL << 30;
    } else if (level == 2 && (entry & PTE_PS)) {
      if (entry & PDE_2M_RSVD)
        return reserved_error(level, entry, va, error);
      leaf = TRUE;
      frame = entry & PDE_2M_ADDR;
      size = 1ULL << 21;
    } else if (level == 1) {
      leaf = TRUE;   /* bit 7 of a PTE is PAT, not a page size */
    }

    if (leaf) {
      out->pa = frame | (va & (size - 1));
      out->page_size = size;
      out->writable = writable;
      out->user = user;
      return TRUE;
    }
    table = frame;
  }
  g_assert_not_reached();
  return FALSE;
}
