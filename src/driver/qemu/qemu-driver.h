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
/* Runs an HMP command through the stub (qRcmd); *output gets its text. */
gboolean gt_qemu_driver_monitor(GtDriver *d, const char *cmd, char **output, GError **error);
int gt_qemu_driver_conn_fd(GtDriver *d);
/* The local process at the other end of a loopback TCP connection fd
 * (/proc/net/tcp{,6} and /proc/PID/fd), 0 if none or not local. */
pid_t gt_qemu_tcp_peer_pid(int fd);
/* An identity of the guest that outlives us: "qemu-pid-PID", or
 * "qemu-HOST-PORT" when the QEMU process is unknown (pid 0)
 * (qemu-identity.c). */
char *gt_qemu_identity(gint64 pid, const char *host, guint16 port);
char *gt_qemu_identity_of_pid(gint64 pid);
/* TRUE when process pid (> 0) has exited (waits up to 1 s for it). */
gboolean gt_qemu_process_gone(gint64 pid);
/* The one local process started with `-uuid UUID` (libvirt's QEMU), 0 if
 * none or several (qemu-uuid-pid.c). */
pid_t gt_qemu_pid_of_uuid(const char *uuid);
/* Exposed for tests: args is a /proc/PID/cmdline (NUL-separated). */
gboolean gt_qemu_cmdline_has_uuid(const char *args, gsize len, const char *uuid);
