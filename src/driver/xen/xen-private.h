/* The Xen driver's private state, shared by xen-driver.c (open/close and
 * the ops table), xen-run.c (stops and responses), xen-mem.c (mapped-frame
 * cache) and xen-bp.c (patched breakpoint bytes). */
#pragma once

#include <stdio.h>

#include "driver/xen/xen-backend.h"
#include "driver/xen/xen-policy.h"
#include "driver/xen/xen-ring.h"

#define XEN_MAX_VCPUS 512
#define XEN_FRAME_CACHE 512   /* mapped guest frames kept at most */
#define XEN_BP_MAX 5          /* bytes a breakpoint patches at most */

typedef struct {
  guint64 gfn;
  guint8 *page;
  guint64 used;   /* tick of last use, for eviction */
} XenFrame;

typedef struct {
  guint64 va;
  guint64 pa[XEN_BP_MAX];   /* per byte: a patch may cross a page */
  guint8 orig[XEN_BP_MAX];
  guint8 len;
} XenBp;

/* A vCPU held by an unanswered vm_event request. */
typedef struct {
  gboolean held;
  gboolean reported;        /* given to the engine as a stop */
  gboolean regs_dirty;      /* set_reg changed regs */
  vm_event_request_t req;
  GtRegs regs;
} XenSlot;

typedef struct {
  GtDriver parent;
  const GtXenBackendOps *be_ops;
  void *be;
  GtXenTrap trap;
  guint nvcpu;
  GtXenRing ring;
  gboolean ring_up;
  gboolean adopted;         /* the guardian's: a dead tracer's ring (xen-adopt.c) */
  gboolean adopt_done;      /* ... and its held vCPUs taken over (before recovery) */
  gboolean running;         /* the domain is unpaused by us */
  int stuck;                /* a vCPU that did not run after a settled release, or -1 */
  gboolean all_stop;        /* pause the domain at each stop (GT_XEN_STOP=domain) */
  gboolean gone;
  gboolean has_pending;     /* a pause() stop not yet reported */
  GtStop pending;
  XenSlot *slots;           /* per vCPU */
  GHashTable *bps;          /* guint64 va -> XenBp* */
  guint64 kroot;            /* a CR3 that maps kernel text, 0 = unknown */
  XenFrame frames[XEN_FRAME_CACHE];
  guint nframes;
  guint64 tick;
  guint64 events;           /* vm_event requests seen */
  FILE *record;             /* GT_XEN_RECORD: raw requests, for replay tests */
  guint recorded;
} XenDriver;

#define XEN_RECORD_MAX 256

/* xen-mem.c */
gboolean xen_read_phys(GtDriver *d, guint64 pa, void *buf, gsize len, GError **error);
gboolean xen_write_phys(GtDriver *d, guint64 pa, const void *buf, gsize len, GError **error);
void xen_frames_clear(XenDriver *x);
/* Read without hiding breakpoint bytes. */
gboolean xen_read_raw(XenDriver *x, guint64 pa, void *buf, gsize len, GError **error);

/* xen-bp.c */
gboolean xen_insert_bp(GtDriver *d, guint64 va, GError **error);
gboolean xen_remove_bp(GtDriver *d, guint64 va, GError **error);
void xen_restore_all_bps(XenDriver *x);
gboolean xen_is_bp(void *ctx, guint64 va);
/* A kernel virtual address through a vCPU's page tables. */
gboolean xen_translate(XenDriver *x, guint64 va, guint64 *pa, GError **error);
/* Bytes patched at va, 0 if none. */
guint xen_bp_len(XenDriver *x, guint64 va);
/* Whether va is a breakpoint over int3 padding: the return trap. */
gboolean xen_is_return_trap(XenDriver *x, guint64 va);
/* Put the original bytes over [pa, pa+len) in buf (reads hide patches). */
void xen_hide_bps(XenDriver *x, guint64 pa, guint8 *buf, gsize len);

/* xen-run.c */
gboolean xen_pause(GtDriver *d, GError **error);
gboolean xen_resume(GtDriver *d, GError **error);
gboolean xen_resume_vcpu(GtDriver *d, guint vcpu, GError **error);
gboolean xen_wait(GtDriver *d, int timeout_ms, GtStop *stop, GError **error);
gboolean xen_get_regs(GtDriver *d, guint vcpu, GtRegs *regs, GError **error);
gboolean xen_set_reg(GtDriver *d, guint vcpu, gt_reg_name_t reg, guint64 value,
                     GError **error);
/* Put the response to held vCPU's request (not pushed): DENY for the CR
 * trap, SET_REGISTERS with what set_reg changed (the CR trap: RIP past the
 * patch if nothing did); the slot is then free. */
gboolean xen_answer(XenDriver *x, guint vcpu, GError **error);
/* Answer every held vCPU (reported or not) and push: used on close. */
void xen_release_all(XenDriver *x);
/* xen-return.c: the real return address of a vCPU on the return trap at
 * trap_va (regs: its registers); every held vCPU the engine did not send
 * on from the return trap sent there. */
gboolean xen_return_address(XenDriver *x, const GtRegs *regs, guint64 trap_va, guint64 *ret,
                            GError **error);
void xen_send_back_from_return_trap(XenDriver *x);
/* Take every request on the ring: background ones answered at once, ours
 * (at a breakpoint still in the table) held. */
gboolean xen_drain(XenDriver *x, GError **error);
gboolean xen_check_stopped(XenDriver *x, const char *what, GError **error);
/* Our pause of the domain, journalled (xen-run.c). */
gboolean xen_hold_domain(XenDriver *x, GError **error);
gboolean xen_release_domain(XenDriver *x, gboolean settled, GError **error);
gboolean xen_drop_dead_pause(GtDriver *d, GError **error);
void xen_after_recovery(GtDriver *d);

/* xen-adopt.c: the guardian's driver of a dead tracer's ring */
gboolean xen_adopt(GtDriver *d, GError **error);
/* FALSE (and the ring left alone: ring_up cleared) if the guardian's
 * driver never took the dead session's vCPUs over. */
gboolean xen_adopt_ready(XenDriver *x);
void xen_answer_adopted(XenDriver *x);
