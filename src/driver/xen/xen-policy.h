/* What the monitor answers: classifies a vm_event request (ours to stop
 * on, the guest's own #BP to re-inject, or background traffic to allow at
 * once), converts registers between vm_event and GtRegs, and builds
 * responses. Pure functions, unit-tested on crafted requests. */
#pragma once

#include "driver/xen/xen-backend.h"
#include "driver/xen/xen-ring.h"

typedef enum {
  GT_XEN_ACT_ALLOW,     /* answer at once, unchanged */
  GT_XEN_ACT_STOP,      /* one of our breakpoints: report a stop */
  GT_XEN_ACT_REINJECT,  /* the guest's own int3: give the #BP back */
  GT_XEN_ACT_BAD,       /* unusable request (wrong interface version) */
} GtXenAction;

/* is_bp tells whether a guest-virtual address holds one of our armed
 * breakpoints. */
typedef gboolean (*GtXenIsBp)(void *ctx, guint64 va);

GtXenAction gt_xen_classify(const vm_event_request_t *req, GtXenTrap trap,
                            GtXenIsBp is_bp, void *ctx);

void gt_xen_regs_from_event(const struct vm_event_regs_x86 *x, GtRegs *out);
/* Only what SET_REGISTERS applies: general registers, rflags and rip. */
void gt_xen_regs_to_event(const GtRegs *in, struct vm_event_regs_x86 *x);
/* TRUE if SET_REGISTERS can change this register. */
gboolean gt_xen_reg_settable(gt_reg_name_t reg);

/* A response to req. regs: NULL to leave the registers alone. deny: refuse
 * a deferred control-register write (the CR trap). */
void gt_xen_response(const vm_event_request_t *req, const struct vm_event_regs_x86 *regs,
                     gboolean deny, vm_event_response_t *rsp);
