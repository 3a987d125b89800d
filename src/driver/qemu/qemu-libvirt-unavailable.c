/* Stand-in for the libvirt transport when libvirt-dev was not found at
 * configure time (or -Dlibvirt=disabled): refuses libvirt: guests in one
 * line instead of failing to link. */
#include "driver/driver.h"

GtDriver *
gt_libvirt_driver_open(const char *uri, const char *name, const GtDriverOptions *opts,
                       GError **error)
{
  g_set_error(error, GT_ERROR, GT_ERROR_UNSUPPORTED,
              "cannot trace libvirt domain '%s': guestrace was built without libvirt "
              "(install libvirt-dev and reconfigure)", name);
  return NULL;
}
