/* qmp:PATH — a running QEMU reached through its QMP socket alone: HMP
 * commands go through QMP's human-monitor-command, and QEMU's pid is the
 * socket's peer. The attach itself is qemu-attach.c's. */
#include <guestrace/types.h>

#include "driver/qemu/qemu-attach.h"
#include "driver/qemu/qmp.h"

static gboolean
qmp_hmp(gpointer ctx, const char *cmd, char **output, GError **error)
{
  return gt_qmp_hmp(ctx, cmd, output, error);
}

static void
qmp_free(gpointer ctx)
{
  gt_qmp_free(ctx);
}

GtDriver *
gt_qmp_driver_open(const char *path, const GtDriverOptions *opts, GError **error)
{
  GtQmp *qmp = gt_qmp_connect(path, opts && opts->timeout_ms > 0 ? opts->timeout_ms : 5000,
                              error);
  if (!qmp)
    return NULL;
  GtQemuMonitor *m = g_new0(GtQemuMonitor, 1);
  *m = (GtQemuMonitor){ .hmp = qmp_hmp, .ctx = qmp, .free_ctx = qmp_free,
                        .pid = gt_qmp_peer_pid(qmp),
                        .what = g_strdup_printf("the QEMU at %s", path) };
  return gt_qemu_attach_monitor(m, opts, error);
}
