/* The Xen driver's back end: every call into Xen (libxenctrl, foreign
 * memory, event channels) behind one table, so that the driver's ring
 * handling, stop/resume logic and breakpoint patching can be unit-tested
 * with a fake back end that plays the hypervisor. xen-hw.c is the real one. */
#pragma once

#include "driver/driver.h"

/* How a breakpoint traps into the monitor. */
typedef enum {
  GT_XEN_TRAP_INT3 = 0,   /* int3 byte + software-breakpoint vm_events (default) */
  GT_XEN_TRAP_CR3,        /* "mov %rax,%cr3; xchg %ax,%ax" + sync CR3-write events */
} GtXenTrap;

typedef struct {
  void (*close)(void *be);
  guint (*vcpu_count)(void *be);
  /* FALSE when the domain is gone, dying or shut down. */
  gboolean (*alive)(void *be);
  gboolean (*pause)(void *be, GError **error);
  gboolean (*unpause)(void *be, GError **error);
  gboolean (*vcpu_running)(void *be, guint vcpu, gboolean *running, GError **error);
  /* Registers of a vCPU that has no vm_event request outstanding. */
  gboolean (*get_regs)(void *be, guint vcpu, GtRegs *regs, GError **error);
  gboolean (*set_regs)(void *be, guint vcpu, const GtRegs *regs, GError **error);
  /* Map one guest frame read-write; NULL with GT_ERROR_MEMORY if no RAM. */
  void *(*map_frame)(void *be, guint64 gfn, GError **error);
  void (*unmap_frame)(void *be, void *page);
  /* Enable the monitor ring and the events of `trap`; returns the ring
   * page (XEN_PAGE_SIZE bytes), owned by the back end. */
  void *(*monitor_enable)(void *be, GtXenTrap trap, GError **error);
  /* The guardian (xen-adopt.c): take over the monitor ring a dead tracer
   * enabled, through the page the guard mapped before it did (xen-guard.c;
   * the guard keeps that mapping). Then notify() hands responses to Xen by
   * the XEN_VM_EVENT_RESUME domctl (the dead tracer's event channel is not
   * ours), monitor_events_off() turns every kind of event we use off (the
   * dead tracer's trap method is not known here), and monitor_disable()
   * leaves the page to the guard. */
  void (*monitor_adopt)(void *be, void *page);
  /* Stop raising new events (trap monitoring off); the ring stays up so
   * requests already on it can still be answered. */
  void (*monitor_events_off)(void *be);
  /* Unpause the (paused) domain, then wait, bounded, until every vCPU has
   * entered the guest once: Xen applies an answered request's
   * SET_REGISTERS and deferred CR write only then, from per-vCPU vm_event
   * state that tearing the ring down frees. FALSE only if the unpause
   * failed; *stuck is the first vCPU that did not run in time (-1 if
   * none). A domain someone else still holds paused cannot settle: not
   * waited for, *stuck -1. */
  gboolean (*unpause_settled)(void *be, int *stuck, GError **error);
  /* Tear the ring down (events off first). Call only after
   * unpause_settled: an answer Xen has not applied yet is lost with it. */
  void (*monitor_disable)(void *be);
  /* Wait up to timeout_ms (-1 forever) for the ring's event channel.
   * *fired tells whether it fired. */
  gboolean (*wait_event)(void *be, int timeout_ms, gboolean *fired, GError **error);
  gboolean (*notify)(void *be, GError **error);
  int (*event_fd)(void *be);
  /* Re-inject a #BP the guest raised itself (not one of ours). */
  gboolean (*inject_bp)(void *be, guint vcpu, guint insn_len, GError **error);
} GtXenBackendOps;

/* Builds the driver over any back end (xen-driver.c). Takes ownership of
 * `be`; on return the domain is paused. */
GtDriver *gt_xen_driver_new(const GtXenBackendOps *ops, void *be, GtXenTrap trap,
                            GError **error);

/* The real back end (xen-hw.c): attach to a domain by name or id. */
void *gt_xen_hw_open(const char *domain, const GtXenBackendOps **ops, GError **error);
/* A domain id from a name or a number (xenstore's /local/domain/N/name). */
gboolean gt_xen_hw_domid(const char *domain, guint32 *domid, GError **error);
/* The DOMAIN of a spec "DOMAIN[,OPTION...]". */
char *gt_xen_spec_domain(const char *spec);
/* "xen-DOMID-UUID" of the domain behind the real back end be, NULL if it
 * is gone: the identity its journal is kept under. */
char *gt_xen_hw_identity(void *be);
/* The same from a libxenctrl handle (an xc_interface *: the guard's). */
typedef struct xc_interface_core xc_interface;   /* as xenctrl.h */
char *gt_xen_hw_identity_of(xc_interface *xch, guint32 domid);

/* Makes d (just built, paused) the guardian's driver of the dead tracer's
 * ring behind page: FALSE if page is not a ring guestrace enabled (then d
 * stays a plain driver: recovery restores bytes only). */
gboolean gt_xen_driver_adopt_ring(GtDriver *d, void *page);
