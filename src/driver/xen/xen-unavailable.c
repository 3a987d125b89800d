/* Stand-in for the Xen driver until it exists: refuses xen: guests with a
 * clear error instead of failing to link. */
#include "driver/driver.h"

GtDriver *
gt_xen_driver_open(const char *domain, const GtDriverOptions *opts, GError **error)
{
  g_set_error(error, GT_ERROR, GT_ERROR_UNSUPPORTED,
              "cannot trace xen:%s: this build has no Xen driver", domain);
  return NULL;
}
