/* The counting proxy (see rsp-proxy.h). A thread accepts a client,
 * connects to the stub and copies bytes both ways until either side
 * closes, then accepts the next client. */
#include "rsp-proxy.h"

#include <gio/gio.h>

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

struct RspProxy {
  int listen_fd;
  guint16 port, stub_port;
  GThread *thread;
  gint stop;
  guint64 packets, acks;   /* atomics */
  gboolean in_packet;      /* client->stub parser: between '$' and '#' */
  guint sum_left;          /* checksum digits still to come */
};

static int
tcp_connect(guint16 port)
{
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
    if (fd >= 0)
      close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

/* Count what the client sends: '$' outside a packet starts one ('$' is
 * escaped inside), '+' outside a packet is an acknowledgement. */
static void
count(RspProxy *p, const guint8 *b, gssize n)
{
  for (gssize i = 0; i < n; i++) {
    if (p->sum_left) {
      p->sum_left--;
    } else if (p->in_packet) {
      if (b[i] == '#') {
        p->in_packet = FALSE;
        p->sum_left = 2;
      }
    } else if (b[i] == '$') {
      p->in_packet = TRUE;
      __atomic_fetch_add(&p->packets, 1, __ATOMIC_RELAXED);
    } else if (b[i] == '+') {
      __atomic_fetch_add(&p->acks, 1, __ATOMIC_RELAXED);
    }
  }
}

static void
shuttle(RspProxy *p, int client, int stub)
{
  guint8 buf[65536];
  struct pollfd fds[2] = { { .fd = client, .events = POLLIN }, { .fd = stub, .events = POLLIN } };
  p->in_packet = FALSE;
  p->sum_left = 0;
  while (!g_atomic_int_get(&p->stop)) {
    int r = poll(fds, 2, 200);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return;
    for (guint k = 0; k < 2; k++) {
      if (!(fds[k].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      gssize n = read(fds[k].fd, buf, sizeof buf);
      if (n <= 0)
        return;
      if (k == 0)
        count(p, buf, n);
      for (gssize off = 0; off < n;) {
        gssize w = write(fds[1 - k].fd, buf + off, (gsize)(n - off));
        if (w <= 0)
          return;
        off += w;
      }
    }
  }
}

static gpointer
run(gpointer data)
{
  RspProxy *p = data;
  while (!g_atomic_int_get(&p->stop)) {
    struct pollfd pfd = { .fd = p->listen_fd, .events = POLLIN };
    if (poll(&pfd, 1, 200) <= 0)
      continue;
    int client = accept4(p->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (client < 0)
      continue;
    int one = 1;
    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int stub = tcp_connect(p->stub_port);
    if (stub >= 0) {
      shuttle(p, client, stub);
      close(stub);
    }
    close(client);
  }
  return NULL;
}

RspProxy *
rsp_proxy_new(guint16 stub_port, GError **error)
{
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  socklen_t al = sizeof a;
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 1) < 0 ||
      getsockname(fd, (struct sockaddr *)&a, &al) < 0) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "proxy: %s",
                g_strerror(errno));
    if (fd >= 0)
      close(fd);
    return NULL;
  }
  RspProxy *p = g_new0(RspProxy, 1);
  p->listen_fd = fd;
  p->port = ntohs(a.sin_port);
  p->stub_port = stub_port;
  p->thread = g_thread_new("rsp-proxy", run, p);
  return p;
}

guint16 rsp_proxy_port(RspProxy *p) { return p->port; }
guint64 rsp_proxy_packets(RspProxy *p) { return __atomic_load_n(&p->packets, __ATOMIC_RELAXED); }
guint64 rsp_proxy_acks(RspProxy *p) { return __atomic_load_n(&p->acks, __ATOMIC_RELAXED); }

void
rsp_proxy_free(RspProxy *p)
{
  g_atomic_int_set(&p->stop, 1);
  g_thread_join(p->thread);
  close(p->listen_fd);
  g_free(p);
}
