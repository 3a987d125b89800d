/* qmp:PATH — attaching to a running QEMU through its QMP socket alone, with
 * no restart: the gdb stub is started at run time on a private unix socket
 * (HMP `gdbserver`, in a fresh 0700 directory) and stopped again on detach
 * (`gdbserver none`); guest RAM is read from the QEMU process itself when
 * it runs on this host (located and verified, see qemu-ram-locate.c and
 * qemu-ram-verify.c). A stub the VM already has (-gdb) is used as it is and
 * left in place; one with a debugger connected is refused. */
#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <guestrace/types.h>

#include "driver/qemu/qemu-driver.h"
#include "driver/qemu/qemu-ram-locate.h"
#include "driver/qemu/qmp.h"

typedef struct {
  GtQmp *qmp;
  char *dir;        /* our private directory, NULL if the stub is not ours */
  char *sock;
} QmpAttach;

static void
attach_free(gpointer data)
{
  QmpAttach *a = data;
  if (a->dir) {
    g_autoptr(GError) err = NULL;
    if (a->qmp && !gt_qmp_hmp(a->qmp, "gdbserver none", NULL, &err))
      g_warning("cannot stop the gdb stub started in QEMU: %s", err->message);
    g_unlink(a->sock);
    g_rmdir(a->dir);
  }
  g_clear_pointer(&a->qmp, gt_qmp_free);
  g_free(a->dir);
  g_free(a->sock);
  g_free(a);
}

/* The "gdb" chardev line of `info chardev`, e.g.
 * "gdb: filename=disconnected:tcp:127.0.0.1:1234,server=on", or NULL. */
static char *
existing_stub(GtQmp *qmp, GError **error)
{
  g_autofree char *out = NULL;
  if (!gt_qmp_hmp(qmp, "info chardev", &out, error))
    return NULL;
  g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix(lines[i], "gdb: filename="))
      return g_strstrip(g_strdup(lines[i] + 14));
  return g_strdup("");
}

/* Connects to a stub the VM already has: "disconnected:tcp:HOST:PORT,..."
 * or "disconnected:unix:PATH,...". */
static GtDriver *
open_existing(const char *qmp_path, const char *desc, const GtDriverOptions *opts,
              GError **error)
{
  if (!g_str_has_prefix(desc, "disconnected:")) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG,
                "the gdb stub of the QEMU at %s is in use by another debugger (%s)",
                qmp_path, desc);
    return NULL;
  }
  const char *spec = desc + 13;
  g_autofree char *addr = g_strndup(spec, strcspn(spec, ","));
  if (g_str_has_prefix(addr, "unix:")) {
    int fd = gt_unix_connect(addr + 5, "the gdb stub at ", error);
    return fd < 0 ? NULL : gt_qemu_driver_open_fd(fd, opts, error);
  }
  const char *colon = strrchr(addr, ':');
  guint64 port = 0;
  if (g_str_has_prefix(addr, "tcp:") && colon && colon > addr + 4 &&
      g_ascii_string_to_unsigned(colon + 1, 10, 1, 65535, &port, NULL)) {
    g_autofree char *host = g_strndup(addr + 4, colon - (addr + 4));
    return gt_qemu_driver_open(*host ? host : "127.0.0.1", (guint16)port, opts, error);
  }
  g_set_error(error, GT_ERROR, GT_ERROR_UNSUPPORTED,
              "the QEMU at %s has a gdb stub on '%s', which guestrace cannot reach", qmp_path,
              addr);
  return NULL;
}

/* Starts a stub on a private unix socket and connects to it. */
static GtDriver *
open_private(QmpAttach *a, const char *qmp_path, const GtDriverOptions *opts, GError **error)
{
  a->dir = g_dir_make_tmp("guestrace-XXXXXX", error);
  if (!a->dir)
    return NULL;
  a->sock = g_build_filename(a->dir, "gdb.sock", NULL);
  g_autofree char *cmd = g_strdup_printf("gdbserver unix:%s,server=on,wait=off", a->sock);
  g_autofree char *out = NULL;
  if (!gt_qmp_hmp(a->qmp, cmd, &out, error))
    return NULL;
  if (!g_file_test(a->sock, G_FILE_TEST_EXISTS)) {
    g_strstrip(out);
    g_set_error(error, GT_ERROR, GT_ERROR_UNSUPPORTED,
                "the QEMU at %s did not start a gdb stub: %s", qmp_path, out);
    return NULL;
  }
  int fd = gt_unix_connect(a->sock, "the gdb stub at ", error);
  return fd < 0 ? NULL : gt_qemu_driver_open_fd(fd, opts, error);
}

static gboolean
qmp_hmp(gpointer ctx, const char *cmd, char **output, GError **error)
{
  return gt_qmp_hmp(ctx, cmd, output, error);
}

/* Guest RAM from the QEMU process, verified; without it memory goes
 * through the stub (slow), which is said once. */
static gboolean
use_process_ram(GtDriver *d, GtQmp *qmp, const char *qmp_path, GError **error)
{
  g_autoptr(GError) err = NULL;
  g_autoptr(GtQemuRam) ram = gt_qemu_ram_locate(qmp_hmp, qmp, gt_qmp_peer_pid(qmp), &err);
  if (ram && gt_qemu_driver_use_ram(d, ram, &err)) {
    ram = NULL;  /* the driver owns it */
    return TRUE;
  }
  if (err && err->domain == GT_ERROR && err->code == GT_ERROR_PROTOCOL) {
    g_propagate_prefixed_error(error, g_steal_pointer(&err), "%s: ", qmp_path);
    return FALSE;
  }
  g_warning("reading guest memory through the gdb stub, which is slow (%s); "
            "give --mem or run guestrace as root on QEMU's host",
            err ? err->message : "?");
  return TRUE;
}

GtDriver *
gt_qmp_driver_open(const char *path, const GtDriverOptions *opts, GError **error)
{
  QmpAttach *a = g_new0(QmpAttach, 1);
  a->qmp = gt_qmp_connect(path, opts && opts->timeout_ms > 0 ? opts->timeout_ms : 5000, error);
  g_autofree char *stub = a->qmp ? existing_stub(a->qmp, error) : NULL;
  GtDriver *d = NULL;
  if (stub && *stub)
    d = open_existing(path, stub, opts, error);
  else if (stub)
    d = open_private(a, path, opts, error);
  if (!d) {
    attach_free(a);
    return NULL;
  }
  gt_qemu_driver_set_qemu_pid(d, gt_qmp_peer_pid(a->qmp));
  if (gt_qemu_driver_qemu_pid(d) > 0) {
    /* The journal's name: the same guest as through its TCP stub. */
    g_free(d->identity);
    d->identity = gt_qemu_identity_of_pid(gt_qemu_driver_qemu_pid(d));
  }
  gt_qemu_driver_set_detach_hook(d, attach_free, a);
  if (!(opts && opts->mem_path) && !use_process_ram(d, a->qmp, path, error)) {
    gt_driver_close(d);
    return NULL;
  }
  return d;
}
