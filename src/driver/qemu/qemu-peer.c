/* Which local process serves a loopback TCP connection: the socket whose
 * local end is our peer and whose remote end is us (/proc/net/tcp{,6}
 * gives its inode), then the process holding that inode among its fds.
 * Used to read a local QEMU's RAM for qemu:127.0.0.1:PORT. Every scan is
 * bounded. */
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "driver/qemu/qemu-driver.h"

#define MAX_LINES 200000u
#define MAX_PROCS 100000u
#define MAX_FDS 100000u

/* "0100007F:04D2" for 127.0.0.1:1234 (the kernel prints the address as
 * the host-order hex of its network-order bytes, then the port). */
static char *
proc_net_addr(const struct sockaddr_storage *ss)
{
  if (ss->ss_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
    return g_strdup_printf("%08X:%04X", in->sin_addr.s_addr, ntohs(in->sin_port));
  }
  const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
  guint32 w[4];
  memcpy(w, &in6->sin6_addr, 16);
  return g_strdup_printf("%08X%08X%08X%08X:%04X", w[0], w[1], w[2], w[3],
                         ntohs(in6->sin6_port));
}

static gboolean
is_loopback(const struct sockaddr_storage *ss)
{
  if (ss->ss_family == AF_INET)
    return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
  return ss->ss_family == AF_INET6 &&
         IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

static guint64
find_inode(const char *table, const char *local, const char *remote)
{
  g_autofree char *text = NULL;
  if (!g_file_get_contents(table, &text, NULL, NULL))
    return 0;
  g_auto(GStrv) lines = g_strsplit(text, "\n", MAX_LINES);
  for (guint i = 1; lines[i]; i++) {
    char l[64], r[64];
    unsigned long long inode;
    if (sscanf(lines[i], " %*u: %63s %63s %*x %*s %*s %*s %*u %*u %llu", l, r, &inode) == 3 &&
        strcmp(l, local) == 0 && strcmp(r, remote) == 0)
      return inode;
  }
  return 0;
}

static pid_t
owner_of(guint64 inode)
{
  g_autofree char *want = g_strdup_printf("socket:[%" G_GUINT64_FORMAT "]", inode);
  DIR *proc = opendir("/proc");
  if (!proc)
    return 0;
  pid_t found = 0, self = getpid();
  guint procs = 0, fds = 0;
  struct dirent *e;
  while (!found && (e = readdir(proc)) && procs++ < MAX_PROCS) {
    char *end;
    long pid = strtol(e->d_name, &end, 10);
    if (*end || pid <= 0 || pid == self)
      continue;
    g_autofree char *dir = g_strdup_printf("/proc/%ld/fd", pid);
    DIR *fdd = opendir(dir);
    if (!fdd)
      continue;
    struct dirent *f;
    while (!found && (f = readdir(fdd)) && fds++ < MAX_FDS) {
      g_autofree char *link = g_strdup_printf("%s/%s", dir, f->d_name);
      char buf[64];
      ssize_t n = readlink(link, buf, sizeof buf - 1);
      if (n > 0 && (buf[n] = '\0', strcmp(buf, want) == 0))
        found = (pid_t)pid;
    }
    closedir(fdd);
  }
  closedir(proc);
  return found;
}

pid_t
gt_qemu_tcp_peer_pid(int fd)
{
  struct sockaddr_storage me, peer;
  socklen_t ml = sizeof me, pl = sizeof peer;
  if (getsockname(fd, (struct sockaddr *)&me, &ml) < 0 ||
      getpeername(fd, (struct sockaddr *)&peer, &pl) < 0 || !is_loopback(&peer) ||
      (peer.ss_family != AF_INET && peer.ss_family != AF_INET6))
    return 0;
  g_autofree char *local = proc_net_addr(&peer);
  g_autofree char *remote = proc_net_addr(&me);
  guint64 inode = find_inode(peer.ss_family == AF_INET ? "/proc/net/tcp" : "/proc/net/tcp6",
                             local, remote);
  return inode ? owner_of(inode) : 0;
}
