/* Stand-in for the Xen driver when libxen-dev was not found at configure
 * time: refuses xen: guests with a clear error instead of failing to link. */
#include "driver/driver.h"

GtDriver *
gt_xen_driver_open(const char *domain, const GtDriverOptions *opts, GError **error)
{
  g_set_error(error, GT_ERROR, GT_ERROR_UNSUPPORTED,
              "cannot trace xen:%s: guestrace was built without Xen support "
              "(install libxen-dev and reconfigure)", domain);
  return NULL;
}

GtXenGuard *
gt_xen_guard_new(const char *domain, gint64 tracer, GError **error)
{
  g_set_error(error, GT_ERROR, GT_ERROR_UNSUPPORTED,
              "cannot guard xen:%s: guestrace was built without Xen support", domain);
  return NULL;
}

void *gt_xen_guard_page(GtXenGuard *g) { return NULL; }
char *gt_xen_identity(const char *domain) { return NULL; }
void gt_xen_guard_free(GtXenGuard *g) { }
