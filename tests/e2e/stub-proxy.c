/* A gdb-stub proxy that can refuse requests (stub-proxy.h). One
 * connection at a time, as QEMU's stub takes one debugger at a time. */
#include "stub-proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_PACKET (64 * 1024)

struct StubProxy {
  GThread *thread;
  int listen_fd;
  guint16 port;
  char *up_host;
  guint16 up_port;
  gint stop, refused;
  const char *refuse;   /* kinds refused, NULL: none (atomic) */
};

/* The client-to-stub stream of one connection, packet by packet. */
typedef struct {
  GString *packet;      /* "$...#xx" being read; empty when between packets */
  guint tail;           /* checksum characters still to come */
  guint swallow_acks;   /* the client's acks of our own replies */
} ClientStream;

static gboolean
write_all(int fd, const char *p, gsize n)
{
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w <= 0)
      return FALSE;
    p += w;
    n -= (gsize)w;
  }
  return TRUE;
}

/* A whole packet from the client: forwarded, or refused when it is of a
 * kind refused. */
static gboolean
client_packet(StubProxy *p, ClientStream *cs, const char *refusing, int client, int up)
{
  const char *s = cs->packet->str;
  gboolean ok;
  if (refusing && cs->packet->len > 1 && strchr(refusing, s[1])) {
    g_atomic_int_inc(&p->refused);
    cs->swallow_acks++;
    ok = write_all(client, "+$E01#a6", 8);
  } else {
    ok = write_all(up, s, cs->packet->len);
  }
  g_string_truncate(cs->packet, 0);
  return ok;
}

static gboolean
client_bytes(StubProxy *p, ClientStream *cs, const char *refusing, const char *buf, gsize n,
             int client, int up)
{
  for (gsize i = 0; i < n; i++) {
    char c = buf[i];
    if (cs->packet->len) {
      g_string_append_c(cs->packet, c);
      if (cs->tail) {
        if (--cs->tail == 0 && !client_packet(p, cs, refusing, client, up))
          return FALSE;
      } else if (c == '#') {
        cs->tail = 2;
      }
      if (cs->packet->len > MAX_PACKET)
        return FALSE;
    } else if (c == '$') {
      g_string_append_c(cs->packet, c);
    } else if (c == '+' && cs->swallow_acks) {
      cs->swallow_acks--;
    } else if (!write_all(up, &c, 1)) {
      return FALSE;
    }
  }
  return TRUE;
}

static int
connect_up(StubProxy *p)
{
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(p->up_port) };
  inet_pton(AF_INET, p->up_host, &a.sin_addr);
  if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
    return fd;
  if (fd >= 0)
    close(fd);
  return -1;
}

/* Pumps one connection until either side closes it. */
static void
pump(StubProxy *p, int client, gboolean first)
{
  int up = connect_up(p);
  if (up < 0)
    return;
  ClientStream cs = { .packet = g_string_new(NULL) };
  char buf[4096];
  while (!g_atomic_int_get(&p->stop)) {
    struct pollfd fds[2] = { { client, POLLIN, 0 }, { up, POLLIN, 0 } };
    if (poll(fds, 2, 100) < 0)
      break;
    if (fds[0].revents) {
      ssize_t n = read(client, buf, sizeof buf);
      const char *refusing = first ? g_atomic_pointer_get(&p->refuse) : NULL;
      if (n <= 0 || !client_bytes(p, &cs, refusing, buf, (gsize)n, client, up))
        break;
    }
    if (fds[1].revents) {
      ssize_t n = read(up, buf, sizeof buf);
      if (n <= 0 || !write_all(client, buf, (gsize)n))
        break;
    }
  }
  g_string_free(cs.packet, TRUE);
  close(up);
}

static gpointer
proxy_thread(gpointer data)
{
  StubProxy *p = data;
  gboolean first = TRUE;
  while (!g_atomic_int_get(&p->stop)) {
    struct pollfd pfd = { p->listen_fd, POLLIN, 0 };
    if (poll(&pfd, 1, 100) <= 0)
      continue;
    int client = accept4(p->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (client < 0)
      continue;
    pump(p, client, first);
    first = FALSE;
    close(client);
  }
  return NULL;
}

StubProxy *
stub_proxy_new(const char *host, guint16 port)
{
  StubProxy *p = g_new0(StubProxy, 1);
  p->up_host = g_strdup(host);
  p->up_port = port;
  p->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint(p->listen_fd, >=, 0);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  socklen_t len = sizeof a;
  g_assert_cmpint(bind(p->listen_fd, (struct sockaddr *)&a, sizeof a), ==, 0);
  g_assert_cmpint(listen(p->listen_fd, 4), ==, 0);
  g_assert_cmpint(getsockname(p->listen_fd, (struct sockaddr *)&a, &len), ==, 0);
  p->port = ntohs(a.sin_port);
  p->thread = g_thread_new("stub-proxy", proxy_thread, p);
  return p;
}

guint16 stub_proxy_port(StubProxy *p) { return p->port; }
void stub_proxy_refuse(StubProxy *p, const char *kinds) { g_atomic_pointer_set(&p->refuse, kinds); }
guint stub_proxy_refused(StubProxy *p) { return (guint)g_atomic_int_get(&p->refused); }

void
stub_proxy_free(StubProxy *p)
{
  if (!p)
    return;
  g_atomic_int_set(&p->stop, 1);
  g_thread_join(p->thread);
  close(p->listen_fd);
  g_free(p->up_host);
  g_free(p);
}
