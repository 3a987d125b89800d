/* Breakpoints as bytes patched into guest memory through foreign mappings:
 * an int3 byte (software-breakpoint events), or for the CR trap the 5-byte
 * "mov %rax,%cr3; xchg %ax,%ax" over the 5-byte ftrace NOP at a function
 * entry, or its first 3 bytes "mov %rax,%cr3" over int3 padding (the
 * return trap, which is never reached by control flow). Whatever rax
 * holds (a return value at the return trap) is harmless: the CPU checks
 * the intercept before the operand (VMX and SVM alike, and QEMU's SVM),
 * Xen 4.17 sends the monitor event before it validates the value, and we
 * always DENY the write at our own addresses. The
 * original bytes are kept and written back on removal and on close.
 *
 * Virtual addresses are translated with the vmi layer's page-table walker
 * (a pure function over our read_phys) through a kernel page-table root
 * taken from a vCPU's CR3. Under PTI a vCPU in user mode has the user root,
 * which does not map kernel text; Linux allocates the kernel root 8 KiB
 * aligned with the user root in the upper 4 KiB, so the root with bit 12
 * cleared is tried too. */
#include <string.h>

#include "driver/xen/xen-private.h"
#include "driver/journal.h"
#include "vmi/pagetable.h"

static const guint8 FTRACE_NOP[5] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };
static const guint8 CR3_TRAP[5] = { 0x0f, 0x22, 0xd8, 0x66, 0x90 };
static const guint8 INT3 = 0xcc;

static gboolean
read_cb(void *ctx, guint64 pa, void *buf, gsize len, GError **error)
{
  return xen_read_raw(ctx, pa, buf, len, error);
}

static gboolean
try_root(XenDriver *x, guint64 root, gboolean la57, guint64 va, guint64 *pa)
{
  GtTranslation t;
  if (!root || !gt_pt_translate(read_cb, x, root, la57, va, &t, NULL))
    return FALSE;
  *pa = t.pa;
  return TRUE;
}

gboolean
xen_translate(XenDriver *x, guint64 va, guint64 *pa, GError **error)
{
  for (guint v = 0; v < x->nvcpu; v++) {
    GtRegs regs;
    if (!xen_get_regs(&x->parent, v, &regs, NULL))
      continue;
    gboolean la57 = (regs.r[GT_REG_CR4] >> 12) & 1;
    guint64 cr3 = regs.r[GT_REG_CR3] & GT_PT_ADDR_MASK;
    guint64 roots[3] = { x->kroot, cr3, cr3 & ~0x1000ULL };
    for (guint i = 0; i < G_N_ELEMENTS(roots); i++) {
      if (try_root(x, roots[i], la57, va, pa)) {
        x->kroot = roots[i];
        return TRUE;
      }
    }
  }
  g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
              "cannot translate 0x%" G_GINT64_MODIFIER "x through any vCPU's page tables", va);
  return FALSE;
}

static gboolean
overlaps(XenDriver *x, guint64 va, guint len)
{
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, x->bps);
  while (g_hash_table_iter_next(&it, NULL, &value)) {
    XenBp *b = value;
    if (va < b->va + b->len && b->va < va + len)
      return TRUE;
  }
  return FALSE;
}

static gboolean
write_bytes(XenDriver *x, const XenBp *b, const guint8 *bytes, GError **error)
{
  for (guint i = 0; i < b->len; i++)
    if (!xen_write_phys(&x->parent, b->pa[i], &bytes[i], 1, error))
      return FALSE;
  return TRUE;
}

/* Patches b: each byte journalled before it changes. */
static gboolean
patch_bytes(XenDriver *x, const XenBp *b, const guint8 *bytes, GError **error)
{
  for (guint i = 0; i < b->len; i++)
    if (!gt_journal_note_write(x->parent.journal, GT_JOURNAL_CODE, b->pa[i], b->va + i,
                               &b->orig[i], &bytes[i], 1, error) ||
        !xen_write_phys(&x->parent, b->pa[i], &bytes[i], 1, error))
      return FALSE;
  return TRUE;
}

/* Puts b's original bytes back, and says so in the journal. */
static gboolean
unpatch_bytes(XenDriver *x, const XenBp *b, GError **error)
{
  if (!write_bytes(x, b, b->orig, error))
    return FALSE;
  for (guint i = 0; i < b->len; i++)
    if (!gt_journal_note_undone(x->parent.journal, b->pa[i], error))
      return FALSE;
  return TRUE;
}

/* The guest's own byte at pa: what the journal says was there when a byte
 * of ours is still in place there (recovery could not restore it), never
 * our own int3 or mov %rax,%cr3 taken for the original. */
static gboolean
read_original(XenDriver *x, guint64 pa, guint8 *out, GError **error)
{
  if (!xen_read_raw(x, pa, out, 1, error))
    return FALSE;
  GtJournalEntry e;
  if (gt_journal_lookup(x->parent.journal, pa, &e) && e.len == 1 && e.ours[0] == *out)
    *out = e.orig[0];
  return TRUE;
}

gboolean
xen_insert_bp(GtDriver *d, guint64 va, GError **error)
{
  XenDriver *x = (XenDriver *)d;
  if (g_hash_table_contains(x->bps, &va))
    return TRUE;
  if (!xen_check_stopped(x, "insert a breakpoint", error))
    return FALSE;
  g_autofree XenBp *b = g_new0(XenBp, 1);
  b->va = va;
  b->len = x->trap == GT_XEN_TRAP_CR3 ? 5 : 1;
  for (guint i = 0; i < b->len; i++) {
    if ((i == 0 || ((va + i) & 0xfff) == 0) && !xen_translate(x, va + i, &b->pa[i], error))
      return FALSE;
    if (i > 0 && ((va + i) & 0xfff) != 0)
      b->pa[i] = b->pa[i - 1] + 1;
    if (!read_original(x, b->pa[i], &b->orig[i], error))
      return FALSE;
  }
  const guint8 *patch = &INT3;
  if (x->trap == GT_XEN_TRAP_CR3) {
    static const guint8 pad[3] = { 0xcc, 0xcc, 0xcc };
    patch = CR3_TRAP;
    if (memcmp(b->orig, pad, 3) == 0) {
      b->len = 3;  /* padding never executed: the bare mov %rax,%cr3 fits */
    } else if (memcmp(b->orig, FTRACE_NOP, 5) != 0) {
      g_set_error(error, GT_ERROR, GT_ERROR_UNSUPPORTED,
                  "the CR trap needs a 5-byte ftrace NOP or 3 int3 padding bytes at 0x%"
                  G_GINT64_MODIFIER "x (found %02x %02x %02x %02x %02x)", va,
                  b->orig[0], b->orig[1], b->orig[2], b->orig[3], b->orig[4]);
      return FALSE;
    }
  }
  if (overlaps(x, va, b->len)) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG,
                "breakpoint at 0x%" G_GINT64_MODIFIER "x overlaps another", va);
    return FALSE;
  }
  if (!patch_bytes(x, b, patch, error)) {
    unpatch_bytes(x, b, NULL);
    return FALSE;
  }
  XenBp *owned = g_steal_pointer(&b);
  g_hash_table_insert(x->bps, &owned->va, owned);
  return TRUE;
}

gboolean
xen_remove_bp(GtDriver *d, guint64 va, GError **error)
{
  XenDriver *x = (XenDriver *)d;
  XenBp *b = g_hash_table_lookup(x->bps, &va);
  if (!b)
    return TRUE;
  if (!xen_check_stopped(x, "remove a breakpoint", error) || !unpatch_bytes(x, b, error))
    return FALSE;
  g_hash_table_remove(x->bps, &va);
  return TRUE;
}

void
xen_restore_all_bps(XenDriver *x)
{
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, x->bps);
  while (g_hash_table_iter_next(&it, NULL, &value)) {
    g_autoptr(GError) err = NULL;
    XenBp *b = value;
    if (!unpatch_bytes(x, b, &err))
      g_critical("xen: cannot restore the bytes at 0x%" G_GINT64_MODIFIER "x: %s", b->va,
                 err->message);
    g_hash_table_iter_remove(&it);
  }
}

guint
xen_bp_len(XenDriver *x, guint64 va)
{
  XenBp *b = g_hash_table_lookup(x->bps, &va);
  return b ? b->len : 0;
}

gboolean
xen_is_return_trap(XenDriver *x, guint64 va)
{
  XenBp *b = g_hash_table_lookup(x->bps, &va);
  return b && b->orig[0] == INT3;
}

gboolean
xen_is_bp(void *ctx, guint64 va)
{
  XenDriver *x = ctx;
  return g_hash_table_contains(x->bps, &va);
}

void
xen_hide_bps(XenDriver *x, guint64 pa, guint8 *buf, gsize len)
{
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, x->bps);
  while (g_hash_table_iter_next(&it, NULL, &value)) {
    XenBp *b = value;
    for (guint i = 0; i < b->len; i++)
      if (b->pa[i] >= pa && b->pa[i] - pa < len)
        buf[b->pa[i] - pa] = b->orig[i];
  }
}
