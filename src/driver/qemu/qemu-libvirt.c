/* libvirt:NAME and libvirt+URI:NAME — a libvirt-managed QEMU domain reached
 * through libvirt's C API: HMP commands go through libvirt-qemu's monitor
 * passthrough (virDomainQemuMonitorCommand, HMP flag; libvirt marks the
 * domain "tainted: custom-monitor" for it), and the attach itself is
 * qemu-attach.c's, as for qmp:PATH. QEMU's pid is found by the UUID
 * libvirt puts on its command line (gt_qemu_pid_of_uuid). libvirt's
 * client may raise SIGPIPE when the daemon goes away; its documentation
 * asks clients to ignore it (the CLI does). */
#include <stdlib.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <guestrace/types.h>

#include "driver/qemu/qemu-attach.h"
#include "driver/qemu/qemu-driver.h"

typedef struct {
  char *uri;        /* NULL: libvirt's default */
  unsigned char uuid[VIR_UUID_BUFLEN];
  virConnectPtr conn;
  virDomainPtr dom;
} Libvirt;

/* libvirt prints every error on stderr unless a handler is set: ours says
 * nothing, the error reaches the user once, as a GError. This is
 * process-wide (libvirt has no per-call switch for errors of
 * virConnectOpen). */
static void
quiet(void *data, virErrorPtr err)
{
}

static void
set_error(GError **error, int code, const char *what)
{
  const char *msg = virGetLastErrorMessage();
  g_set_error(error, GT_ERROR, code, "%s: %s", what, msg ? msg : "unknown libvirt error");
}

static void
libvirt_free(gpointer ctx)
{
  Libvirt *lv = ctx;
  if (lv->dom)
    virDomainFree(lv->dom);
  if (lv->conn)
    virConnectClose(lv->conn);
  g_free(lv->uri);
  g_free(lv);
}

/* The daemon went away under us (libvirtd restarted, e.g. by a package
 * upgrade, while we traced): a new connection to the same domain, found by
 * its UUID (its name may belong to another domain by now). */
static gboolean
reconnect(Libvirt *lv)
{
  if (virConnectIsAlive(lv->conn) != 0)
    return FALSE;
  virConnectPtr conn = virConnectOpen(lv->uri);
  virDomainPtr dom = conn ? virDomainLookupByUUID(conn, lv->uuid) : NULL;
  if (!dom) {
    if (conn)
      virConnectClose(conn);
    return FALSE;
  }
  virDomainFree(lv->dom);
  virConnectClose(lv->conn);
  lv->conn = conn;
  lv->dom = dom;
  g_debug("reconnected to libvirt");
  return TRUE;
}

static gboolean
libvirt_hmp(gpointer ctx, const char *cmd, char **output, GError **error)
{
  Libvirt *lv = ctx;
  char *result = NULL;
  int rc = virDomainQemuMonitorCommand(lv->dom, cmd, &result,
                                       VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP);
  if (rc < 0 && reconnect(lv))
    rc = virDomainQemuMonitorCommand(lv->dom, cmd, &result,
                                     VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP);
  if (rc < 0) {
    g_autofree char *what = g_strdup_printf("monitor command '%s' through libvirt", cmd);
    set_error(error, GT_ERROR_PROTOCOL, what);
    return FALSE;
  }
  if (output)
    *output = g_strdup(result ? result : "");
  free(result);
  return TRUE;
}

/* The running QEMU domain name at uri (NULL: libvirt's default URI). */
static Libvirt *
lookup(const char *uri, const char *name, GError **error)
{
  static gsize once;
  if (g_once_init_enter(&once)) {
    virSetErrorFunc(NULL, quiet);
    g_once_init_leave(&once, 1);
  }
  g_autofree char *where = g_strdup_printf("libvirt%s%s", uri ? " at " : "", uri ? uri : "");
  Libvirt *lv = g_new0(Libvirt, 1);
  lv->uri = g_strdup(uri);
  lv->conn = virConnectOpen(uri);
  if (!lv->conn) {
    g_autofree char *what = g_strdup_printf("cannot connect to %s", where);
    set_error(error, GT_ERROR_CONNECT, what);
  } else if (!(lv->dom = virDomainLookupByName(lv->conn, name))) {
    g_autofree char *what = g_strdup_printf("no domain '%s' in %s", name, where);
    set_error(error, GT_ERROR_INVALID_ARG, what);
  } else if (g_ascii_strcasecmp(virConnectGetType(lv->conn) ?: "", "QEMU") != 0) {
    g_set_error(error, GT_ERROR, GT_ERROR_UNSUPPORTED,
                "libvirt domain '%s' is not a QEMU domain (%s driver)", name,
                virConnectGetType(lv->conn) ?: "unknown");
  } else if (virDomainIsActive(lv->dom) != 1) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG,
                "libvirt domain '%s' is not running", name);
  } else if (virDomainGetUUID(lv->dom, lv->uuid) < 0) {
    set_error(error, GT_ERROR_PROTOCOL, "libvirt gives no UUID for the domain");
  } else {
    return lv;
  }
  libvirt_free(lv);
  return NULL;
}

GtDriver *
gt_libvirt_driver_open(const char *uri, const char *name, const GtDriverOptions *opts,
                       GError **error)
{
  Libvirt *lv = lookup(uri, name, error);
  if (!lv)
    return NULL;
  char uuid[VIR_UUID_STRING_BUFLEN] = "";
  pid_t pid = virDomainGetUUIDString(lv->dom, uuid) == 0 ? gt_qemu_pid_of_uuid(uuid) : 0;
  GtQemuMonitor *m = g_new0(GtQemuMonitor, 1);
  *m = (GtQemuMonitor){ .hmp = libvirt_hmp, .ctx = lv, .free_ctx = libvirt_free, .pid = pid,
                        .what = g_strdup_printf("libvirt domain '%s'", name) };
  return gt_qemu_attach_monitor(m, opts, error);
}
