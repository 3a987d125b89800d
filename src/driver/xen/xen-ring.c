/* vm_event back ring: requests in, responses out (see xen-ring.h). Uses
 * Xen's own ring macros from io/ring.h; the checks on the producer index
 * are ours, so a corrupt index cannot make us walk stale slots forever. */
#include "driver/xen/xen-ring.h"

#include <string.h>

#include <guestrace/types.h>

void
gt_xen_ring_init(GtXenRing *r, void *page, gsize size, gboolean init_shared)
{
  vm_event_sring_t *s = page;
  if (init_shared)
    SHARED_RING_INIT(s);
  BACK_RING_INIT(&r->back, s, size);
  r->size = size;
}

gboolean
gt_xen_ring_get(GtXenRing *r, vm_event_request_t *req)
{
  RING_IDX prod = r->back.sring->req_prod;
  __atomic_thread_fence(__ATOMIC_ACQUIRE);
  RING_IDX cons = r->back.req_cons;
  if ((RING_IDX)(prod - cons) > RING_SIZE(&r->back)) {
    g_warning("xen: vm_event ring producer index is corrupt (%u, consumer %u)", prod, cons);
    return FALSE;
  }
  if (!RING_HAS_UNCONSUMED_REQUESTS(&r->back))
    return FALSE;
  memcpy(req, RING_GET_REQUEST(&r->back, cons), sizeof *req);
  r->back.req_cons = ++cons;
  r->back.sring->req_event = cons + 1;
  return TRUE;
}

gboolean
gt_xen_ring_pending(GtXenRing *r)
{
  RING_IDX prod = __atomic_load_n(&r->back.sring->req_prod, __ATOMIC_ACQUIRE);
  return prod != r->back.req_cons;
}

gboolean
gt_xen_ring_put(GtXenRing *r, const vm_event_response_t *rsp, GError **error)
{
  /* A response may only take the slot of a request already consumed. */
  if ((RING_IDX)(r->back.req_cons - r->back.rsp_prod_pvt) == 0) {
    g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL, "vm_event ring: no room for a response");
    return FALSE;
  }
  RING_IDX p = r->back.rsp_prod_pvt;
  memcpy(RING_GET_RESPONSE(&r->back, p), rsp, sizeof *rsp);
  r->back.rsp_prod_pvt = p + 1;
  return TRUE;
}

void
gt_xen_ring_push(GtXenRing *r)
{
  RING_PUSH_RESPONSES(&r->back);
}

/* 8 bytes at the start of the shared ring's padding. */
static const char RING_MARK[8] = { 'g', 't', '-', 'r', 'i', 'n', 'g', '1' };
G_STATIC_ASSERT(sizeof(((vm_event_sring_t *)0)->__pad) >= sizeof RING_MARK);

void
gt_xen_ring_mark(GtXenRing *r)
{
  memcpy(r->back.sring->__pad, RING_MARK, sizeof RING_MARK);
}

gboolean
gt_xen_ring_marked(const void *page)
{
  return memcmp(((const vm_event_sring_t *)page)->__pad, RING_MARK, sizeof RING_MARK) == 0;
}

void
gt_xen_ring_adopt(GtXenRing *r, void *page, gsize size)
{
  gt_xen_ring_init(r, page, size, FALSE);
  RING_IDX published = __atomic_load_n(&r->back.sring->rsp_prod, __ATOMIC_ACQUIRE);
  r->back.rsp_prod_pvt = published;
  r->back.req_cons = published + RING_SIZE(&r->back);
}
