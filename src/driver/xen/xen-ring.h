/* The vm_event ring seen from the monitor's side (the back ring): take
 * requests, put responses. Pure memory operations on the shared page, no
 * Xen calls, so it runs in tests against a page the test fills as Xen would. */
#pragma once

#define __XEN_TOOLS__ 1
#include <glib.h>
#include <xenctrl.h>
#include <xen/vm_event.h>

typedef struct {
  vm_event_back_ring_t back;
  gsize size;
} GtXenRing;

/* Attach to a shared ring page of `size` bytes. init_shared resets the
 * shared indexes (done once after xc_monitor_enable). */
void gt_xen_ring_init(GtXenRing *r, void *page, gsize size, gboolean init_shared);
/* Take the next request; FALSE if none (or the producer index is insane,
 * which is reported once as a warning and treated as empty). */
gboolean gt_xen_ring_get(GtXenRing *r, vm_event_request_t *req);
/* TRUE if a request waits (nothing is consumed). */
gboolean gt_xen_ring_pending(GtXenRing *r);
/* Put one response (not yet pushed); FALSE if the ring has no room. */
gboolean gt_xen_ring_put(GtXenRing *r, const vm_event_response_t *rsp, GError **error);
/* Publish the responses put so far (the caller then notifies Xen). */
void gt_xen_ring_push(GtXenRing *r);

/* The guardian's side (xen-adopt.c). The tracer marks the ring it enabled
 * (in the shared page's padding, which neither Xen nor the ring macros
 * touch after SHARED_RING_INIT), so that the guardian acts on a ring page
 * only if it is the ring guestrace set up, never on another monitor's. */
void gt_xen_ring_mark(GtXenRing *r);
gboolean gt_xen_ring_marked(const void *page);
/* Attach to the ring a dead monitor left, to answer its vCPUs: the dead
 * monitor's private indexes are lost and it answered out of order, so a
 * held request's slot may hold a later response already; the guardian
 * answers per vCPU, not per slot, and every slot from the last published
 * response on may take one (Xen 4.17 takes responses up to rsp_prod and
 * ignores one for a vCPU it does not hold: vm_event_resume() checks
 * vm_event_pause_count). Call again after Xen took a batch. */
void gt_xen_ring_adopt(GtXenRing *r, void *page, gsize size);
