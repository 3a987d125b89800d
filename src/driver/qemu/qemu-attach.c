/* Attaching to a running QEMU through its monitor alone, with no restart
 * (qemu-attach.h): the gdb stub is started at run time on a private unix
 * socket (HMP `gdbserver`, in a fresh 0700 directory owned by QEMU's user)
 * and stopped again on detach (`gdbserver none`); guest RAM is read from
 * the QEMU process itself when it runs on this host (located and verified,
 * see qemu-ram-locate.c and qemu-ram-verify.c). A stub the VM already has
 * (-gdb) is used as it is and left in place; one with a debugger connected
 * is refused; one a killed guestrace left in its private directory is used
 * and then removed. */
#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <guestrace/types.h>

#include "driver/qemu/qemu-attach.h"
#include "driver/qemu/qemu-driver.h"
#include "driver/qemu/qmp.h"

typedef struct {
  GtQemuMonitor *m;
  char *dir;        /* our private directory, NULL if the stub is not ours */
  char *sock;
} MonitorAttach;

static void
monitor_free(GtQemuMonitor *m)
{
  if (m->free_ctx && m->ctx)
    m->free_ctx(m->ctx);
  g_free(m->what);
  g_free(m);
}

static void
attach_free(gpointer data)
{
  MonitorAttach *a = data;
  if (a->dir) {
    g_autoptr(GError) err = NULL;
    if (!a->m->hmp(a->m->ctx, "gdbserver none", NULL, &err))
      g_warning("cannot stop the gdb stub started in QEMU: %s", err->message);
    g_unlink(a->sock);
    g_rmdir(a->dir);
  }
  monitor_free(a->m);
  g_free(a->dir);
  g_free(a->sock);
  g_free(a);
}

/* The "gdb" chardev line of `info chardev`, e.g.
 * "gdb: filename=disconnected:tcp:127.0.0.1:1234,server=on", or NULL. */
static char *
existing_stub(GtQemuMonitor *m, GError **error)
{
  g_autofree char *out = NULL;
  if (!m->hmp(m->ctx, "info chardev", &out, error))
    return NULL;
  g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix(lines[i], "gdb: filename="))
      return g_strstrip(g_strdup(lines[i] + 14));
  return g_strdup("");
}

/* A stub at TMPDIR/guestrace-XXXXXX/gdb.sock, nobody connected, is one a
 * guestrace killed before its detach started (open_private's): it is ours
 * to remove again once the guest is repaired, not the VM's own. */
static gboolean
is_leftover(MonitorAttach *a, const char *path)
{
  g_autofree char *dir = g_path_get_dirname(path);
  g_autofree char *parent = g_path_get_dirname(dir);
  g_autofree char *base = g_path_get_basename(dir);
  if (g_strcmp0(parent, g_get_tmp_dir()) != 0 || !g_str_has_prefix(base, "guestrace-") ||
      strlen(base) != strlen("guestrace-XXXXXX") || !g_str_has_suffix(path, "/gdb.sock"))
    return FALSE;
  a->dir = g_steal_pointer(&dir);
  a->sock = g_strdup(path);
  return TRUE;
}

/* Connects to a stub the VM already has: "disconnected:tcp:HOST:PORT,..."
 * or "disconnected:unix:PATH,...". */
static GtDriver *
open_existing(MonitorAttach *a, const char *desc, const GtDriverOptions *opts,
              GError **error)
{
  const GtQemuMonitor *m = a->m;
  if (!g_str_has_prefix(desc, "disconnected:")) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG,
                "the gdb stub of %s is in use by another debugger (%s)", m->what, desc);
    return NULL;
  }
  const char *spec = desc + 13;
  g_autofree char *addr = g_strndup(spec, strcspn(spec, ","));
  if (g_str_has_prefix(addr, "unix:")) {
    if (is_leftover(a, addr + 5))
      g_debug("the gdb stub at %s was left by a guestrace that died: removed on exit",
              addr + 5);
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
              "%s has a gdb stub on '%s', which guestrace cannot reach", m->what, addr);
  return NULL;
}

/* QEMU may run as another user (libvirt's QEMU runs as libvirt-qemu): it
 * must be able to create its socket in our directory, which stays 0700. */
static gboolean
give_dir_to_qemu(const char *dir, pid_t pid, GError **error)
{
  struct stat st;
  g_autofree char *proc = g_strdup_printf("/proc/%d", (int)pid);
  if (pid <= 0 || stat(proc, &st) < 0 || st.st_uid == geteuid())
    return TRUE;
  if (chown(dir, st.st_uid, st.st_gid) == 0)
    return TRUE;
  g_set_error(error, GT_ERROR, GT_ERROR_CONNECT,
              "cannot give the gdb stub's directory %s to QEMU's user %u: %s", dir,
              (unsigned)st.st_uid, g_strerror(errno));
  return FALSE;
}

/* Starts a stub on a private unix socket and connects to it. */
static GtDriver *
open_private(MonitorAttach *a, const GtDriverOptions *opts, GError **error)
{
  GtQemuMonitor *m = a->m;
  a->dir = g_dir_make_tmp("guestrace-XXXXXX", error);
  if (!a->dir)
    return NULL;
  a->sock = g_build_filename(a->dir, "gdb.sock", NULL);
  if (!give_dir_to_qemu(a->dir, m->pid, error))
    return NULL;
  g_autofree char *cmd = g_strdup_printf("gdbserver unix:%s,server=on,wait=off", a->sock);
  g_autofree char *out = NULL;
  if (!m->hmp(m->ctx, cmd, &out, error))
    return NULL;
  if (!g_file_test(a->sock, G_FILE_TEST_EXISTS)) {
    g_strstrip(out);
    g_set_error(error, GT_ERROR, GT_ERROR_UNSUPPORTED, "%s did not start a gdb stub: %s",
                m->what, out);
    return NULL;
  }
  int fd = gt_unix_connect(a->sock, "the gdb stub at ", error);
  return fd < 0 ? NULL : gt_qemu_driver_open_fd(fd, opts, error);
}

/* Guest RAM from the QEMU process, verified; without it memory goes
 * through the stub (slow), which is said once. */
static gboolean
use_process_ram(GtDriver *d, GtQemuMonitor *m, GError **error)
{
  g_autoptr(GError) err = NULL;
  g_autoptr(GtQemuRam) ram = NULL;
  if (m->pid > 0)
    ram = gt_qemu_ram_locate(m->hmp, m->ctx, m->pid, &err);
  else
    g_set_error(&err, GT_ERROR, GT_ERROR_UNSUPPORTED, "QEMU's process is not on this host");
  if (ram && gt_qemu_driver_use_ram(d, ram, &err)) {
    ram = NULL;  /* the driver owns it */
    return TRUE;
  }
  if (err && err->domain == GT_ERROR && err->code == GT_ERROR_PROTOCOL) {
    g_propagate_prefixed_error(error, g_steal_pointer(&err), "%s: ", m->what);
    return FALSE;
  }
  g_warning("reading guest memory through the gdb stub, which is slow (%s); "
            "give --mem or run guestrace as root on QEMU's host",
            err ? err->message : "?");
  return TRUE;
}

GtDriver *
gt_qemu_attach_monitor(GtQemuMonitor *m, const GtDriverOptions *opts, GError **error)
{
  MonitorAttach *a = g_new0(MonitorAttach, 1);
  a->m = m;
  g_autofree char *stub = existing_stub(m, error);
  GtDriver *d = NULL;
  if (stub && *stub)
    d = open_existing(a, stub, opts, error);
  else if (stub)
    d = open_private(a, opts, error);
  if (!d) {
    attach_free(a);
    return NULL;
  }
  if (m->pid > 0) {
    gt_qemu_driver_set_qemu_pid(d, m->pid);
    /* The journal's name: the same guest whichever way it is reached. */
    g_free(d->identity);
    d->identity = gt_qemu_identity_of_pid(m->pid);
  }
  gt_qemu_driver_set_detach_hook(d, attach_free, a);
  if (!(opts && opts->mem_path) && !use_process_ram(d, m, error)) {
    gt_driver_close(d);
    return NULL;
  }
  return d;
}
