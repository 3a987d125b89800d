/* The guardian's driver: taking over the monitor ring of a tracer that
 * died, to let the vCPUs it holds go (xen-guard.c says why the guardian
 * holds the ring page at all).
 *
 * What Xen 4.17 leaves behind (xen/common/vm_event.c): each vCPU that
 * raised a synchronous request (every CR3 write while the CR trap is
 * armed, every int3 while software breakpoints are monitored) is paused
 * (vm_event_vcpu_pause()) until a response for it comes through the ring
 * (vm_event_resume(): VCPU_PAUSED flag). The dead tracer answered out of
 * order, so the ring no longer tells which requests are open: a held
 * request's slot may carry a later response already. The guardian
 * therefore answers per vCPU, every vCPU once: vm_event_resume() ignores a
 * response for a vCPU it does not hold (it acts only while
 * vm_event_pause_count is set), so answering one that runs is harmless.
 *
 * Which vCPUs stopped on our traps is rebuilt from their registers and the
 * journal: the CR trap's `mov %rax,%cr3` completes with its write deferred
 * (hvm_set_cr3() with may_defer sets write_data.do_write.cr3; the write is
 * done, or denied by the response, at hvm_vm_event_do_resume()), so RIP is
 * the 3 bytes of the mov past the patch; an int3 leaves RIP on itself (the
 * #BP intercept sent the event and injected nothing). Those get the
 * tracer's own answer (xen_answer(): DENY for the CR trap, SET_REGISTERS)
 * with RIP back on the instruction the journal restores, or at the real
 * return address when recovery finds the vCPU on the return trap
 * (recover.c, through xen_get_regs/xen_set_reg on the held slot). A vCPU
 * the dead tracer had already handled at the return trap (it puts the
 * slot's own bytes back and journals that before it answers the vCPU) is
 * not in the journal any more: its real return address is in the slot
 * `ret` popped, which the tracer restored, at RSP - 8. Every
 * other vCPU is answered plainly: a context switch's CR3 write is allowed,
 * a guest's own int3 runs again once monitoring is off and raises its #BP
 * in the guest. Then the detach goes on as the tracer's does
 * (xen-driver.c): let every vCPU run once, tear the ring down. */
#include <string.h>

#include "driver/xen/xen-private.h"
#include "driver/journal.h"

#define MOV_CR3_LEN 3   /* 0f 22 d8: mov %rax,%cr3 */

/* The trap of the dead session a vCPU at rip stopped on, from the
 * journal's patched code: the va of its first byte, the request's reason,
 * and whether it is the return trap (patched over int3 padding). */
static gboolean
trap_at(GArray *live, guint64 rip, guint64 *va, guint32 *reason, gboolean *ret_trap)
{
  for (guint i = 0; i < live->len; i++) {
    const GtJournalEntry *e = &g_array_index(live, GtJournalEntry, i);
    if (e->kind != GT_JOURNAL_WRITE || e->what != GT_JOURNAL_CODE)
      continue;
    if (e->ours[0] == 0x0f && e->va + MOV_CR3_LEN == rip) {
      *reason = VM_EVENT_REASON_WRITE_CTRLREG;
    } else if (e->ours[0] == 0xcc && e->va == rip) {
      *reason = VM_EVENT_REASON_SOFTWARE_BREAKPOINT;
    } else {
      continue;
    }
    *va = e->va;
    *ret_trap = e->orig[0] == 0xcc;
    return TRUE;
  }
  return FALSE;
}

/* Holds vcpu as if its request had come in: the request Xen sent, RIP on
 * the trap; answered with RIP there, the restored instruction. */
static void
hold(XenDriver *x, guint vcpu, const GtRegs *regs, guint64 va, guint32 reason)
{
  XenSlot *s = &x->slots[vcpu];
  memset(s, 0, sizeof *s);
  s->held = TRUE;
  s->reported = TRUE;
  s->regs = *regs;
  s->regs.r[GT_REG_RIP] = va;
  s->regs_dirty = TRUE;
  s->req.version = VM_EVENT_INTERFACE_VERSION;
  s->req.vcpu_id = vcpu;
  s->req.flags = VM_EVENT_FLAG_VCPU_PAUSED;
  s->req.reason = reason;
  if (reason == VM_EVENT_REASON_WRITE_CTRLREG)
    s->req.u.write_ctrlreg.index = VM_EVENT_X86_CR3;
  gt_xen_regs_to_event(&s->regs, &s->req.data.regs.x86);
}

static gboolean
slot_in_journal(GArray *live, guint64 slot)
{
  for (guint i = 0; i < live->len; i++) {
    const GtJournalEntry *e = &g_array_index(live, GtJournalEntry, i);
    if (e->kind == GT_JOURNAL_WRITE && e->what == GT_JOURNAL_SLOT && e->va == slot)
      return TRUE;
  }
  return FALSE;
}

/* vcpu, held on the return trap at va, was handled by the dead tracer
 * already (its slot is no longer in the journal): RIP from the slot. */
static void
returned_already(XenDriver *x, guint vcpu, guint64 va)
{
  XenSlot *s = &x->slots[vcpu];
  guint64 ret = 0;
  g_autoptr(GError) err = NULL;
  if (!xen_return_address(x, &s->regs, va, &ret, &err)) {
    g_warning("xen guardian: vCPU %u is on the return trap and its real return address "
              "is lost: %s", vcpu, err->message);
    return;
  }
  s->regs.r[GT_REG_RIP] = ret;
}

/* GtDriverOps.adopt: the journal is open, recovery has not run yet. */
gboolean
xen_adopt(GtDriver *d, GError **error)
{
  XenDriver *x = (XenDriver *)d;
  if (!x->adopted || !d->journal)
    return TRUE;
  g_autoptr(GArray) live = gt_journal_live(d->journal);
  for (guint v = 0; v < x->nvcpu; v++) {
    GtRegs regs;
    guint64 va;
    guint32 reason;
    gboolean ret_trap;
    if (!x->be_ops->get_regs(x->be, v, &regs, error))
      return FALSE;
    if (!trap_at(live, regs.r[GT_REG_RIP], &va, &reason, &ret_trap))
      continue;
    hold(x, v, &regs, va, reason);
    if (ret_trap && !slot_in_journal(live, regs.r[GT_REG_RSP] - 8))
      returned_already(x, v, va);
  }
  x->adopt_done = TRUE;
  return TRUE;
}

/* Without the journal (the guardian could not open it) the vCPUs on our
 * traps cannot be told from the others nor the bytes restored: answering
 * them would send one on a return trap into the int3 padding, and turning
 * the monitor off would leave our `mov %rax,%cr3` live. The ring is left
 * as the dead tracer left it, for the next try. */
gboolean
xen_adopt_ready(XenDriver *x)
{
  if (x->adopted && !x->adopt_done) {
    g_warning("xen guardian: the dead session's journal was not read: its monitor ring "
              "is left as it is");
    x->ring_up = FALSE;
    return FALSE;
  }
  return TRUE;
}

/* Publishes the responses put, has Xen take them, and makes the ring's
 * slots free for the next batch. */
static void
flush(XenDriver *x)
{
  g_autoptr(GError) err = NULL;
  gt_xen_ring_push(&x->ring);
  if (!x->be_ops->notify(x->be, &err))
    g_warning("xen guardian: %s", err->message);
  gt_xen_ring_adopt(&x->ring, x->ring.back.sring, x->ring.size);
}

/* Every vCPU once: held ones with the tracer's answer, the others plainly
 * (no reason needed: vm_event_resume() reads it only with DENY or for
 * paging). At most a ring's worth per batch. */
void
xen_answer_adopted(XenDriver *x)
{
  guint room = RING_SIZE(&x->ring.back), put = 0, held = 0;
  for (guint v = 0; v < x->nvcpu; v++) {
    g_autoptr(GError) err = NULL;
    gboolean ok;
    if (x->slots[v].held) {
      held++;
      ok = xen_answer(x, v, &err);
    } else {
      vm_event_request_t req = { .version = VM_EVENT_INTERFACE_VERSION, .vcpu_id = v,
                                 .flags = VM_EVENT_FLAG_VCPU_PAUSED };
      vm_event_response_t rsp;
      gt_xen_response(&req, NULL, FALSE, &rsp);
      ok = gt_xen_ring_put(&x->ring, &rsp, &err);
    }
    if (!ok)
      g_critical("xen guardian: cannot answer vCPU %u: %s", v, err->message);
    else if (++put == room) {
      flush(x);
      put = 0;
    }
  }
  if (put)
    flush(x);
  g_message("xen guardian: answered the %u vCPUs of the dead session's monitor ring (%u "
            "on its traps, sent back to the restored code)", x->nvcpu, held);
}
