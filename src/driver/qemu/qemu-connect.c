/* Opens a TCP connection to QEMU's gdb stub with a timeout, then hands the
 * socket to the driver. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "driver/qemu/qemu-driver.h"
#include "driver/qemu/qemu-ram-locate.h"

static int
connect_one(const struct addrinfo *ai, int timeout_ms, int *err)
{
  int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                  ai->ai_protocol);
  if (fd < 0) {
    *err = errno;
    return -1;
  }
  if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
    if (errno != EINPROGRESS) {
      *err = errno;
      close(fd);
      return -1;
    }
    struct pollfd pfd = { .fd = fd, .events = POLLOUT };
    int r;
    do
      r = poll(&pfd, 1, timeout_ms);
    while (r < 0 && errno == EINTR);
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    if (r <= 0) {
      *err = r == 0 ? ETIMEDOUT : errno;
      close(fd);
      return -1;
    }
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr) {
      *err = soerr ? soerr : errno;
      close(fd);
      return -1;
    }
  }
  /* Every request is a small packet answered at once: Nagle would add
   * delays to each round trip. */
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

static gboolean
stub_hmp(gpointer ctx, const char *cmd, char **output, GError **error)
{
  return gt_qemu_driver_monitor(ctx, cmd, output, error);
}

/* Without --mem, a QEMU on this host serves guest RAM from its own memory:
 * its pid from the loopback connection, its RAM located through the
 * monitor (qRcmd) and verified against the stub, as for qmp:PATH. If any
 * step fails memory keeps going through the stub. */
static void
use_local_ram(GtDriver *d)
{
  pid_t pid = gt_qemu_tcp_peer_pid(gt_qemu_driver_conn_fd(d));
  g_autoptr(GError) err = NULL;
  g_autoptr(GtQemuRam) ram = pid > 0 ? gt_qemu_ram_locate(stub_hmp, d, pid, &err) : NULL;
  if (pid > 0)
    gt_qemu_driver_set_qemu_pid(d, pid);
  if (ram && gt_qemu_driver_use_ram(d, ram, &err))
    ram = NULL;  /* the driver owns it */
  else
    g_debug("guest RAM through the gdb stub: %s", err ? err->message : "QEMU is not local");
}

GtDriver *
gt_qemu_driver_open(const char *host, guint16 port, const GtDriverOptions *opts,
                    GError **error)
{
  int timeout_ms = opts && opts->timeout_ms > 0 ? opts->timeout_ms : 5000;
  char portstr[8];
  g_snprintf(portstr, sizeof portstr, "%u", port);
  struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
  struct addrinfo *res = NULL;
  int rc = getaddrinfo(host, portstr, &hints, &res);
  if (rc != 0) {
    g_set_error(error, GT_ERROR, GT_ERROR_CONNECT, "cannot resolve %s: %s", host,
                gai_strerror(rc));
    return NULL;
  }
  int fd = -1, err = 0;
  for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next)
    fd = connect_one(ai, timeout_ms, &err);
  freeaddrinfo(res);
  if (fd < 0) {
    g_set_error(error, GT_ERROR, GT_ERROR_CONNECT, "cannot connect to gdb stub %s:%u: %s",
                host, port, g_strerror(err));
    return NULL;
  }
  GtDriver *d = gt_qemu_driver_open_fd(fd, opts, error);
  if (d && !(opts && (opts->mem_path || opts->stub_memory)))
    use_local_ram(d);
  if (d) {
    /* After the handshake: QEMU has accepted the connection by then (a
     * socket still in the listen queue has no descriptor to be found by). */
    if (!gt_qemu_driver_qemu_pid(d))
      gt_qemu_driver_set_qemu_pid(d, gt_qemu_tcp_peer_pid(gt_qemu_driver_conn_fd(d)));
    d->identity = gt_qemu_identity(gt_qemu_driver_qemu_pid(d), host, port);
  }
  return d;
}
