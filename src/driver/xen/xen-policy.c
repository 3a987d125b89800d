/* Classifying vm_event requests and building responses (see xen-policy.h). */
#include "driver/xen/xen-policy.h"

#include <string.h>

GtXenAction
gt_xen_classify(const vm_event_request_t *req, GtXenTrap trap, GtXenIsBp is_bp, void *ctx)
{
  if (req->version != VM_EVENT_INTERFACE_VERSION)
    return GT_XEN_ACT_BAD;
  guint64 rip = req->data.regs.x86.rip;
  switch (req->reason) {
  case VM_EVENT_REASON_SOFTWARE_BREAKPOINT:
    if (trap == GT_XEN_TRAP_INT3 && is_bp(ctx, rip))
      return GT_XEN_ACT_STOP;
    return GT_XEN_ACT_REINJECT;
  case VM_EVENT_REASON_WRITE_CTRLREG:
    /* Every CR3 write of the guest comes here while the CR trap is armed;
     * only a write at one of our patched addresses is a hook. */
    if (trap == GT_XEN_TRAP_CR3 && req->u.write_ctrlreg.index == VM_EVENT_X86_CR3 &&
        is_bp(ctx, rip))
      return GT_XEN_ACT_STOP;
    return GT_XEN_ACT_ALLOW;
  default:
    return GT_XEN_ACT_ALLOW;
  }
}

void
gt_xen_regs_from_event(const struct vm_event_regs_x86 *x, GtRegs *o)
{
  memset(o, 0, sizeof *o);
  o->r[GT_REG_RAX] = x->rax;
  o->r[GT_REG_RBX] = x->rbx;
  o->r[GT_REG_RCX] = x->rcx;
  o->r[GT_REG_RDX] = x->rdx;
  o->r[GT_REG_RSI] = x->rsi;
  o->r[GT_REG_RDI] = x->rdi;
  o->r[GT_REG_RBP] = x->rbp;
  o->r[GT_REG_RSP] = x->rsp;
  o->r[GT_REG_R8] = x->r8;
  o->r[GT_REG_R9] = x->r9;
  o->r[GT_REG_R10] = x->r10;
  o->r[GT_REG_R11] = x->r11;
  o->r[GT_REG_R12] = x->r12;
  o->r[GT_REG_R13] = x->r13;
  o->r[GT_REG_R14] = x->r14;
  o->r[GT_REG_R15] = x->r15;
  o->r[GT_REG_RIP] = x->rip;
  o->r[GT_REG_RFLAGS] = x->rflags;
  o->r[GT_REG_CS] = x->cs_sel;
  o->r[GT_REG_SS] = x->ss_sel;
  o->r[GT_REG_FS_BASE] = x->fs_base;
  o->r[GT_REG_GS_BASE] = x->gs_base;
  o->r[GT_REG_KERNEL_GS_BASE] = x->shadow_gs;
  o->r[GT_REG_CR0] = x->cr0;
  o->r[GT_REG_CR2] = x->cr2;
  o->r[GT_REG_CR3] = x->cr3;
  o->r[GT_REG_CR4] = x->cr4;
  o->r[GT_REG_EFER] = x->msr_efer;
}

void
gt_xen_regs_to_event(const GtRegs *i, struct vm_event_regs_x86 *x)
{
  x->rax = i->r[GT_REG_RAX];
  x->rbx = i->r[GT_REG_RBX];
  x->rcx = i->r[GT_REG_RCX];
  x->rdx = i->r[GT_REG_RDX];
  x->rsi = i->r[GT_REG_RSI];
  x->rdi = i->r[GT_REG_RDI];
  x->rbp = i->r[GT_REG_RBP];
  x->rsp = i->r[GT_REG_RSP];
  x->r8 = i->r[GT_REG_R8];
  x->r9 = i->r[GT_REG_R9];
  x->r10 = i->r[GT_REG_R10];
  x->r11 = i->r[GT_REG_R11];
  x->r12 = i->r[GT_REG_R12];
  x->r13 = i->r[GT_REG_R13];
  x->r14 = i->r[GT_REG_R14];
  x->r15 = i->r[GT_REG_R15];
  x->rip = i->r[GT_REG_RIP];
  x->rflags = i->r[GT_REG_RFLAGS];
}

gboolean
gt_xen_reg_settable(gt_reg_name_t reg)
{
  return reg <= GT_REG_RFLAGS;
}

void
gt_xen_response(const vm_event_request_t *req, const struct vm_event_regs_x86 *regs,
                gboolean deny, vm_event_response_t *rsp)
{
  memset(rsp, 0, sizeof *rsp);
  rsp->version = VM_EVENT_INTERFACE_VERSION;
  rsp->vcpu_id = req->vcpu_id;
  rsp->reason = req->reason;
  rsp->altp2m_idx = req->altp2m_idx;
  rsp->u = req->u;  /* DENY reads u.write_ctrlreg.index back */
  rsp->flags = req->flags & VM_EVENT_FLAG_VCPU_PAUSED;
  if (deny)
    rsp->flags |= VM_EVENT_FLAG_DENY;
  if (regs) {
    rsp->flags |= VM_EVENT_FLAG_SET_REGISTERS;
    rsp->data.regs.x86 = *regs;
  }
}
