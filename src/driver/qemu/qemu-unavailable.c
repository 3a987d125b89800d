/* Placeholder until the gdb-stub driver lands. */
#include "driver/driver.h"

GtDriver *
gt_qemu_driver_open(const char *host, guint16 port, const GtDriverOptions *opts,
                    GError **error)
{
  g_set_error(error, GT_ERROR, GT_ERROR_UNSUPPORTED, "QEMU driver not built");
  return NULL;
}
