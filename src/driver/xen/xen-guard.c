/* The guardian's hold on a domain's monitor ring page.
 *
 * Why (read in Xen 4.17's sources): libxenctrl's xc_monitor_enable()
 * (tools/libs/ctrl/xc_vm_event.c, xc_vm_event_enable()) maps the page at
 * HVM_PARAM_MONITOR_RING_PFN, populating it first if it is not in the
 * guest's physmap, enables the ring on it and then removes it from the
 * physmap (xc_domain_decrease_reservation_exact()), so that the guest
 * cannot forge responses. From then on nobody else can map it: after the
 * tracer dies, the vCPUs its ring holds (vm_event_vcpu_pause(), undone only
 * by a response: vm_event_resume()) cannot be answered, and tearing the
 * ring down does not unpause them (vm_event_disable() only wakes vCPUs
 * blocked for ring space). A foreign mapping taken before the removal
 * holds a reference on the page and keeps it, the same page Xen uses
 * (vm_event_enable() -> prepare_ring_for_helper() on that gfn), so the
 * guardian maps it before the tracer enables the ring: guestrace starts
 * the guardian and waits until it is ready before it attaches.
 *
 * The page is found and populated exactly as libxenctrl does, so that
 * xc_monitor_enable() then finds it present and uses that same page. */
#define __XEN_TOOLS__ 1
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include <xenctrl.h>
#include <xenforeignmemory.h>
#include <xen/hvm/params.h>

#include "driver/xen/xen-backend.h"
#include "driver/journal.h"

/* Exported by libxenctrl 4.17 (symbol version VERS_4.17.0) but declared
 * only in its private xc_private.h; xc_vm_event_enable() uses it to tell
 * whether the ring's gfn is in the physmap. */
int xc_get_pfn_type_batch(xc_interface *xch, uint32_t dom, unsigned int num, xen_pfn_t *arr);

struct GtXenGuard {
  xc_interface *xch;
  xenforeignmemory_handle *fm;
  guint32 domid;
  void *page;
  char *marked;             /* the identity whose mark it holds (gt_journal_guard) */
};

void
gt_xen_guard_free(GtXenGuard *g)
{
  if (!g)
    return;
  if (g->page)
    xenforeignmemory_unmap(g->fm, g->page, 1);
  if (g->fm)
    xenforeignmemory_close(g->fm);
  if (g->xch)
    xc_interface_close(g->xch);
  if (g->marked)
    gt_journal_unguard(g->marked);
  g_free(g->marked);
  g_free(g);
}

void *
gt_xen_guard_page(GtXenGuard *g)
{
  return g ? g->page : NULL;
}

static gboolean
gfail(GError **error, const char *what)
{
  int e = errno;
  g_set_error(error, GT_ERROR, GT_ERROR_FAILED, "xen guardian: %s: %s", what, g_strerror(e));
  return FALSE;
}

/* The domain is paused around it, as xc_vm_event_enable() does. */
static gboolean
map_ring_page(GtXenGuard *g, GError **error)
{
  guint64 param = 0;
  if (xc_hvm_param_get(g->xch, g->domid, HVM_PARAM_MONITOR_RING_PFN, &param) != 0)
    return gfail(error, "read HVM_PARAM_MONITOR_RING_PFN");
  if (param == 0) {
    /* vm_event_enable() refuses such a domain (EOPNOTSUPP) too. */
    g_set_error(error, GT_ERROR, GT_ERROR_UNSUPPORTED,
                "xen guardian: domain %u has no monitor ring page", g->domid);
    return FALSE;
  }
  xen_pfn_t ring = param, type = param;
  if ((xc_get_pfn_type_batch(g->xch, g->domid, 1, &type) != 0 ||
       (type & XEN_DOMCTL_PFINFO_XTAB)) &&
      xc_domain_populate_physmap_exact(g->xch, g->domid, 1, 0, 0, &ring) != 0)
    return gfail(error, "populate the monitor ring page");
  int err = 0;
  g->page = xenforeignmemory_map(g->fm, g->domid, PROT_READ | PROT_WRITE, 1, &ring, &err);
  if (g->page && err) {
    xenforeignmemory_unmap(g->fm, g->page, 1);
    g->page = NULL;
    errno = -err;
  }
  return g->page != NULL || gfail(error, "map the monitor ring page");
}

/* The guest marked as watched by the guardian of tracer (journal.h), so
 * that nobody else takes the journal once the tracer died before this
 * guardian repaired: the journal's entries in force are all it has to
 * tell which vCPUs sit on the dead tracer's traps (xen-adopt.c). Waits
 * first for a dead tracer's guardian still repairing, before the ring page
 * is taken. Without the mark the guard still works: said, not fatal. */
static void
mark(GtXenGuard *g, gint64 tracer)
{
  g_autofree char *identity = gt_xen_hw_identity_of(g->xch, g->domid);
  g_autoptr(GError) err = NULL;
  if (!identity)
    return;
  if (gt_journal_guard(identity, tracer, &err))
    g->marked = g_steal_pointer(&identity);
  else
    g_message("xen guardian: %s: an attach or `guestrace recover` may not wait for this "
              "guardian's repair", err->message);
}

GtXenGuard *
gt_xen_guard_new(const char *spec, gint64 tracer, GError **error)
{
  g_autofree char *domain = gt_xen_spec_domain(spec);
  GtXenGuard *g = g_new0(GtXenGuard, 1);
  if (!gt_xen_hw_domid(domain, &g->domid, error)) {
    gt_xen_guard_free(g);
    return NULL;
  }
  g->xch = xc_interface_open(NULL, NULL, 0);
  g->fm = xenforeignmemory_open(NULL, 0);
  if (!g->xch || !g->fm) {
    gfail(error, "open the Xen control interfaces");
    gt_xen_guard_free(g);
    return NULL;
  }
  mark(g, tracer);
  if (xc_domain_pause(g->xch, g->domid) != 0) {
    gfail(error, "pause the domain");
    gt_xen_guard_free(g);
    return NULL;
  }
  gboolean ok = map_ring_page(g, error);
  if (xc_domain_unpause(g->xch, g->domid) != 0)
    g_warning("xen guardian: cannot unpause domain %u: %s", g->domid, g_strerror(errno));
  if (!ok) {
    gt_xen_guard_free(g);
    return NULL;
  }
  return g;
}
