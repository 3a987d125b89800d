/* Finding the VMA (vm_area_struct) that covers a user address: a lookup in
 * the mm's maple tree (mm->mm_mt, Linux 6.1+), the way the kernel's
 * mtree_load() descends it, or, on kernels whose BTF has no maple tree but
 * mm->mmap and vm_next (before 6.1), a walk of that list in address order.
 * Both are guest data: the descent is bounded by the maple tree's maximum
 * height, never visits a node twice, and checks that every node's pivots
 * stay inside the range its parent gave it; the list walk is bounded by
 * the kernel's VMA limit and each VMA must start at or after the end of the
 * one before (so a cycle stops it). */
#include <guestrace/types.h>
#include "os/linux/linux-private.h"

/* Encoding of a maple node pointer (include/linux/maple_tree.h,
 * lib/maple_tree.c; macros, so not in BTF): the node is 256-aligned and
 * bits 3..6 hold its type; the root entry (ma_root) is tagged like an
 * xarray node (low two bits 2, above 4096). */
#define MAPLE_NODE_MASK 0xffULL
#define MAPLE_TYPE_SHIFT 3
#define MAPLE_TYPE_MASK 0xfULL
/* MAPLE_HEIGHT_MAX in lib/maple_tree.c. */
#define MAPLE_HEIGHT_MAX 31
/* XA_ZERO_ENTRY (xa_mk_internal(257)): a reserved empty slot. */
#define XA_ZERO_ENTRY 0x406ULL
#define MAX_PIVOTS 15
#define MAX_SLOTS 16

static gboolean
is_node_entry(guint64 v)
{
  return (v & 3) == 2 && v > 4096;
}

/* DEFAULT_MAX_MAP_COUNT (include/linux/mm.h): 65530; the sysctl can raise
 * it, this walk does not follow. */
#define MAX_LIST_VMAS 65536u

static gboolean
all_known(const guint *need, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (need[i] == G_MAXUINT)
      return FALSE;
  return TRUE;
}

static gboolean
has_maple(const GtLinuxOffsets *o)
{
  const guint need[] = {
    o->mm_mt_root, o->mr64_pivot, o->mr64_slot, o->mr64_meta_end, o->ma64_pivot,
    o->ma64_slot, o->ma64_meta_end, o->mt_leaf_64, o->mt_range_64, o->mt_arange_64,
  };
  return all_known(need, G_N_ELEMENTS(need));
}

static gboolean
has_list(const GtLinuxOffsets *o)
{
  return o->mm_mmap != G_MAXUINT && o->vma_next != G_MAXUINT;
}

gboolean
gt_linux_has_vmas(GtLinux *lx)
{
  const GtLinuxOffsets *o = &lx->off;
  const guint need[] = { o->vma_start, o->vma_end, o->vma_pgoff, o->vma_file, o->vma_flags };
  return all_known(need, G_N_ELEMENTS(need)) && (has_maple(o) || has_list(o));
}

/* One node as the descent needs it. */
typedef struct {
  guint64 pivots[MAX_PIVOTS];
  guint64 slots[MAX_SLOTS];
  guint npivots, end;     /* end: index of the last used slot */
  gboolean leaf;
} MapleNode;

static gboolean
corrupt(GError **error, const char *why, guint64 node)
{
  g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
              "maple tree node 0x%" G_GINT64_MODIFIER "x: %s", node, why);
  return FALSE;
}

/* The last used slot, as ma_data_end() finds it: a range node's metadata
 * holds it unless the last pivot is set; an arange node always keeps it. */
static guint
data_end(const MapleNode *n, guint8 meta_end, gboolean arange, guint64 max)
{
  if (arange)
    return meta_end;
  guint64 last = n->pivots[n->npivots - 1];
  if (last == 0)
    return meta_end;
  if (last == max)
    return n->npivots - 1;
  return n->npivots;
}

static gboolean
read_node(GtLinux *lx, guint64 entry, guint64 max, MapleNode *n, GError **error)
{
  const GtLinuxOffsets *o = &lx->off;
  guint64 node = entry & ~MAPLE_NODE_MASK;
  guint type = (entry >> MAPLE_TYPE_SHIFT) & MAPLE_TYPE_MASK;
  gboolean arange = type == o->mt_arange_64;
  if (!gt_linux_is_kernel_addr(node))
    return corrupt(error, "not a kernel address", node);
  if (type != o->mt_leaf_64 && type != o->mt_range_64 && !arange)
    return corrupt(error, "unknown node type", node);
  n->leaf = type == o->mt_leaf_64;
  n->npivots = arange ? 9 : 15;
  guint poff = arange ? o->ma64_pivot : o->mr64_pivot;
  guint soff = arange ? o->ma64_slot : o->mr64_slot;
  guint moff = arange ? o->ma64_meta_end : o->mr64_meta_end;
  guint8 meta_end = 0;
  if (!gt_mem_read(lx->mem, lx->kcr3, node + poff, n->pivots, n->npivots * 8, error) ||
      !gt_mem_read(lx->mem, lx->kcr3, node + soff, n->slots, (n->npivots + 1) * 8, error) ||
      !gt_mem_read(lx->mem, lx->kcr3, node + moff, &meta_end, 1, error))
    return FALSE;
  for (guint i = 0; i < n->npivots; i++)
    n->pivots[i] = GUINT64_FROM_LE(n->pivots[i]);
  for (guint i = 0; i <= n->npivots; i++)
    n->slots[i] = GUINT64_FROM_LE(n->slots[i]);
  n->end = data_end(n, meta_end, arange, max);
  if (n->end > n->npivots)
    return corrupt(error, "metadata end past the last slot", node);
  return TRUE;
}

/* Picks the slot covering addr and narrows [*min, *max] to it; the pivots
 * used must rise inside the parent's range. */
static gboolean
choose_slot(const MapleNode *n, guint64 node, guint64 addr, guint64 *min, guint64 *max,
            guint *slot, GError **error)
{
  guint64 lo = *min;
  guint i;
  for (i = 0; i < n->end; i++) {
    guint64 piv = n->pivots[i];
    if (piv < lo || piv > *max)
      return corrupt(error, "pivots out of order", node);
    if (piv >= addr)
      break;
    lo = piv + 1;
    if (lo == 0)
      return corrupt(error, "pivot at the top of the range", node);
  }
  if (i < n->end)
    *max = n->pivots[i];
  *min = lo;
  *slot = i;
  return TRUE;
}

/* The entry the tree stores at addr (0 when none). */
static gboolean
mtree_load(GtLinux *lx, guint64 mm, guint64 addr, guint64 *out, GError **error)
{
  guint64 entry;
  if (!gt_mem_read_u64(lx->mem, lx->kcr3, mm + lx->off.mm_mt_root, &entry, error))
    return FALSE;
  if (!is_node_entry(entry)) {
    /* A tree holding one entry keeps it in the root, for index 0 only. */
    *out = addr == 0 ? entry : 0;
    return TRUE;
  }
  guint64 min = 0, max = G_MAXUINT64;
  guint64 seen[MAPLE_HEIGHT_MAX];
  for (guint depth = 0; depth < MAPLE_HEIGHT_MAX; depth++) {
    guint64 node = entry & ~MAPLE_NODE_MASK;
    for (guint k = 0; k < depth; k++)
      if (seen[k] == node)
        return corrupt(error, "visited twice (a cycle)", node);
    seen[depth] = node;
    MapleNode n;
    guint slot;
    if (!read_node(lx, entry, max, &n, error) ||
        !choose_slot(&n, node, addr, &min, &max, &slot, error))
      return FALSE;
    entry = n.slots[slot];
    if (n.leaf) {
      *out = entry == XA_ZERO_ENTRY ? 0 : entry;
      return TRUE;
    }
    /* Child entries are node | type << 3 | MAPLE_ENODE_NULL (4): only the
     * root carries the xarray-style node tag (2). */
    if (!gt_linux_is_kernel_addr(entry & ~MAPLE_NODE_MASK))
      return corrupt(error, "an inner slot that is not a node", node);
  }
  g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
              "maple tree of mm 0x%" G_GINT64_MODIFIER "x deeper than %d levels", mm,
              MAPLE_HEIGHT_MAX);
  return FALSE;
}

static gboolean
list_corrupt(GError **error, const char *why, guint64 vma)
{
  g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
              "VMA list at 0x%" G_GINT64_MODIFIER "x: %s", vma, why);
  return FALSE;
}

/* The VMA of mm->mmap's list that covers addr (0 when none). */
static gboolean
list_load(GtLinux *lx, guint64 mm, guint64 addr, guint64 *out, GError **error)
{
  const GtLinuxOffsets *o = &lx->off;
  guint64 vma, prev_end = 0;
  if (!gt_mem_read_u64(lx->mem, lx->kcr3, mm + o->mm_mmap, &vma, error))
    return FALSE;
  for (guint i = 0; vma != 0; i++) {
    guint64 start, end;
    if (i >= MAX_LIST_VMAS)
      return list_corrupt(error, "more VMAs than the kernel allows", vma);
    if (!gt_linux_is_kernel_addr(vma) || (vma & 7) != 0)
      return list_corrupt(error, "a vm_next that is not a vm_area_struct pointer", vma);
    if (!gt_mem_read_u64(lx->mem, lx->kcr3, vma + o->vma_start, &start, error) ||
        !gt_mem_read_u64(lx->mem, lx->kcr3, vma + o->vma_end, &end, error))
      return FALSE;
    if (start >= end || start < prev_end)
      return list_corrupt(error, "out of address order (a cycle or damage)", vma);
    if (addr < start)
      break;
    if (addr < end) {
      *out = vma;
      return TRUE;
    }
    prev_end = end;
    if (!gt_mem_read_u64(lx->mem, lx->kcr3, vma + o->vma_next, &vma, error))
      return FALSE;
  }
  *out = 0;
  return TRUE;
}

static gboolean
read_vma(GtLinux *lx, guint64 vma, GtLinuxVma *out, GError **error)
{
  const GtLinuxOffsets *o = &lx->off;
  out->addr = vma;
  return gt_mem_read_u64(lx->mem, lx->kcr3, vma + o->vma_start, &out->start, error) &&
         gt_mem_read_u64(lx->mem, lx->kcr3, vma + o->vma_end, &out->end, error) &&
         gt_mem_read_u64(lx->mem, lx->kcr3, vma + o->vma_pgoff, &out->pgoff, error) &&
         gt_mem_read_u64(lx->mem, lx->kcr3, vma + o->vma_file, &out->file, error) &&
         gt_mem_read_u64(lx->mem, lx->kcr3, vma + o->vma_flags, &out->flags, error);
}

gboolean
gt_linux_vma_find(GtLinux *lx, guint64 mm, guint64 addr, GtLinuxVma *out, GError **error)
{
  if (!gt_linux_has_vmas(lx)) {
    g_set_error_literal(error, GT_ERROR, GT_ERROR_UNSUPPORTED,
                        "this kernel's VMAs are in neither a maple tree nor an mmap "
                        "list this code knows");
    return FALSE;
  }
  guint64 vma = 0;
  /* Whichever the BTF has: the maple tree (6.1+) or the list (before). */
  if (!(has_maple(&lx->off) ? mtree_load(lx, mm, addr, &vma, error)
                            : list_load(lx, mm, addr, &vma, error)))
    return FALSE;
  if (vma == 0) {
    g_set_error(error, GT_ERROR, GT_ERROR_NOT_FOUND,
                "no VMA covers 0x%" G_GINT64_MODIFIER "x", addr);
    return FALSE;
  }
  if (!gt_linux_is_kernel_addr(vma) || (vma & 7) != 0)
    return corrupt(error, "a leaf slot that is not a vm_area_struct pointer", vma);
  GtLinuxVma v;
  if (!read_vma(lx, vma, &v, error))
    return FALSE;
  if (!(v.start <= addr && addr < v.end)) {
    g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
                "VMA 0x%" G_GINT64_MODIFIER "x [0x%" G_GINT64_MODIFIER "x, 0x%"
                G_GINT64_MODIFIER "x) found for 0x%" G_GINT64_MODIFIER "x does not cover it",
                vma, v.start, v.end, addr);
    return FALSE;
  }
  if (v.file != 0 && (!gt_linux_is_kernel_addr(v.file) || (v.file & 7) != 0))
    return corrupt(error, "VMA with a vm_file that is not a kernel pointer", vma);
  *out = v;
  return TRUE;
}
