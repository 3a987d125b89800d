/* Where a vCPU held on the return trap really returns to, for the paths
 * that answer it without the engine: detach (a request the engine never
 * saw, or one it could not finish) and the guardian (xen-adopt.c).
 *
 * The return trap is patched over int3 padding that no code reaches: a
 * vCPU is there only because `ret` popped a slot we redirected, so RSP - 8
 * is that slot. Its real return address is in the slot again once the
 * slot was put back (the engine restores every slot when it stops; a dead
 * tracer may have done it before it died), else in the journal entry of
 * the slot's redirection. Answering such a vCPU any other way sends it
 * into the padding: past the patch ("like a NOP") into whatever follows,
 * or, with int3, onto the guest's own int3 (an oops). */
#include "driver/xen/xen-private.h"
#include "driver/journal.h"

#define KERNEL_HALF 0xffff800000000000ULL

/* The slot's original value while the journal says it is still ours. */
static gboolean
journal_original(XenDriver *x, guint64 slot, guint64 slot_pa, guint64 trap_va, guint64 *ret)
{
  guint64 ours = 0;
  return gt_journal_slot_redirect(x->parent.journal, slot_pa, slot, &ours, ret) &&
         ours == trap_va;
}

gboolean
xen_return_address(XenDriver *x, const GtRegs *regs, guint64 trap_va, guint64 *ret,
                   GError **error)
{
  guint64 slot = regs->r[GT_REG_RSP] - 8, pa = 0, value = 0;
  if (!xen_translate(x, slot, &pa, error) || !xen_read_raw(x, pa, &value, 8, error))
    return FALSE;
  if (value == trap_va && !journal_original(x, slot, pa, trap_va, &value)) {
    g_set_error(error, GT_ERROR, GT_ERROR_FAILED,
                "its slot %#" G_GINT64_MODIFIER "x still holds the trap and the journal "
                "does not have it", slot);
    return FALSE;
  }
  if (value < KERNEL_HALF || value == trap_va) {
    g_set_error(error, GT_ERROR, GT_ERROR_FAILED,
                "its slot %#" G_GINT64_MODIFIER "x holds %#" G_GINT64_MODIFIER "x, not a "
                "kernel return address", slot, value);
    return FALSE;
  }
  *ret = value;
  return TRUE;
}

/* A held vCPU the engine did not send on (its registers untouched), at
 * the return trap: sent to its real return address. Must run while the
 * breakpoints are still known (before xen_restore_all_bps). */
static void
send_back(XenDriver *x, guint vcpu)
{
  XenSlot *s = &x->slots[vcpu];
  guint64 va = s->req.data.regs.x86.rip, ret = 0;
  g_autoptr(GError) err = NULL;
  if (!xen_is_return_trap(x, va))
    return;
  if (!xen_return_address(x, &s->regs, va, &ret, &err)) {
    g_critical("xen: vCPU %u is on the return trap and its real return address is lost: %s",
               vcpu, err->message);
    return;
  }
  s->regs.r[GT_REG_RIP] = ret;
  s->regs_dirty = TRUE;
}

void
xen_send_back_from_return_trap(XenDriver *x)
{
  for (guint v = 0; v < x->nvcpu; v++)
    if (x->slots[v].held && !x->slots[v].regs_dirty)
      send_back(x, v);
}
