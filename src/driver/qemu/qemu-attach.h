/* Attaching to a running QEMU through a monitor that runs HMP commands,
 * whatever carries them: the QMP socket (qmp:PATH, qemu-qmp.c) or libvirt's
 * monitor passthrough (libvirt:NAME, qemu-libvirt.c). One flow for both:
 * the gdb stub the VM already has is used as it is (refused when another
 * debugger holds it), else one is started at run time on a private unix
 * socket and stopped again on detach; guest RAM is read from the QEMU
 * process when it runs on this host. */
#pragma once

#include <sys/types.h>
#include "driver/driver.h"
#include "driver/qemu/qemu-ram-locate.h"

typedef struct {
  GtQemuHmpFn hmp;
  gpointer ctx;
  GDestroyNotify free_ctx;  /* frees ctx once the stub is stopped */
  pid_t pid;                /* the QEMU process on this host, 0 if unknown */
  char *what;               /* names the VM in messages: "the QEMU at PATH" */
} GtQemuMonitor;

/* Takes ownership of m (freed on failure too). */
GtDriver *gt_qemu_attach_monitor(GtQemuMonitor *m, const GtDriverOptions *opts,
                                 GError **error);
