/* The QEMU gdb-stub driver: internal entry points beside the public
 * gt_qemu_driver_open (declared in driver/driver.h). */
#pragma once

#include <sys/types.h>
#include "driver/driver.h"

/* Takes ownership of fd, a connected stream socket to a gdb stub (closed on
 * failure too). On return the guest is stopped. */
GtDriver *gt_qemu_driver_open_fd(int fd, const GtDriverOptions *opts, GError **error);

typedef struct GtQemuRam GtQemuRam;
/* Serves guest-physical memory from ram from now on, once a few pages of
 * every range compare equal with the stub's physical-mode reads. Takes
 * ownership of ram on success only. The guest must be stopped. */
gboolean gt_qemu_driver_use_ram(GtDriver *d, GtQemuRam *ram, GError **error);
/* Called once the driver has detached from the stub (guest running, no
 * breakpoints), before it is freed: the QMP attach removes its stub there. */
void gt_qemu_driver_set_detach_hook(GtDriver *d, GDestroyNotify hook, gpointer data);
/* The QEMU process id when known (QMP attach: SO_PEERCRED), else 0. It
 * names the guest for as long as it runs. */
pid_t gt_qemu_driver_qemu_pid(GtDriver *d);
void gt_qemu_driver_set_qemu_pid(GtDriver *d, pid_t pid);
