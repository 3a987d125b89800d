/* The QEMU gdb-stub driver: internal entry points beside the public
 * gt_qemu_driver_open (declared in driver/driver.h). */
#pragma once

#include "driver/driver.h"

/* Takes ownership of fd, a connected stream socket to a gdb stub (closed on
 * failure too). On return the guest is stopped. */
GtDriver *gt_qemu_driver_open_fd(int fd, const GtDriverOptions *opts, GError **error);
