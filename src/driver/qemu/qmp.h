/* A small QMP client (QEMU Machine Protocol, docs/interop/qmp-spec.rst):
 * one JSON object per line over a unix socket. It reads the greeting,
 * enters command mode (qmp_capabilities) and runs HMP commands through
 * human-monitor-command. Asynchronous events are skipped. */
#pragma once

#include <glib.h>
#include <sys/types.h>

typedef struct GtQmp GtQmp;

/* A connected unix stream socket (close-on-exec), or -1 with an error
 * "cannot connect to WHAT PATH: ..." (what: "" or e.g. "the gdb stub at "). */
int gt_unix_connect(const char *path, const char *what, GError **error);

/* Connects to the QMP socket at path and negotiates. Fails with
 * GT_ERROR_PROTOCOL if the peer does not greet like QEMU. */
GtQmp *gt_qmp_connect(const char *path, int timeout_ms, GError **error);
void gt_qmp_free(GtQmp *qmp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GtQmp, gt_qmp_free)

/* The process at the other end of the socket (SO_PEERCRED): QEMU's pid. */
pid_t gt_qmp_peer_pid(const GtQmp *qmp);
/* "7.2.22" from the greeting. */
const char *gt_qmp_qemu_version(const GtQmp *qmp);
/* Runs one HMP command line; *output gets its text. */
gboolean gt_qmp_hmp(GtQmp *qmp, const char *cmdline, char **output, GError **error);
