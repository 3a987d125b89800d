/* gtw-net PORT: a TCP connection over loopback inside one process: socket,
 * bind, listen, a second socket that connects, accept, close. Every call is
 * logged; the connect is to 127.0.0.1:PORT. */
#include "wl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static long
logged(const char *name, long nr, int nargs, const wl_arg *args, long a0, long a1, long a2)
{
  long r = syscall(nr, a0, a1, a2);
  if (r == -1)
    r = -(long)errno;
  wl_log(name, nr, nargs, args, 1, r, NULL);
  return r;
}

int main(int argc, char **argv)
{
  wl_init(argv[0]);
  int port = argc > 1 ? atoi(argv[1]) : 7777;
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

  wl_arg sargs[3] = { WL_I(AF_INET), WL_I(SOCK_STREAM), WL_I(0) };
  long srv = logged("socket", SYS_socket, 3, sargs, AF_INET, SOCK_STREAM, 0);
  wl_arg bargs[3] = { WL_I(srv), WL_I((long)&a), WL_I(sizeof a) };
  logged("bind", SYS_bind, 3, bargs, srv, (long)&a, sizeof a);
  wl_arg largs[2] = { WL_I(srv), WL_I(4) };
  logged("listen", SYS_listen, 2, largs, srv, 4, 0);
  long cli = logged("socket", SYS_socket, 3, sargs, AF_INET, SOCK_STREAM, 0);
  wl_arg cargs[3] = { WL_I(cli), WL_I((long)&a), WL_I(sizeof a) };
  if (logged("connect", SYS_connect, 3, cargs, cli, (long)&a, sizeof a) < 0)
    wl_exit_group(1);   /* accept would wait forever */
  struct sockaddr_in peer;
  socklen_t plen = sizeof peer;
  wl_arg aargs[3] = { WL_I(srv), WL_I((long)&peer), WL_I((long)&plen) };
  long conn = logged("accept", SYS_accept, 3, aargs, srv, (long)&peer, (long)&plen);
  wl_close((int)conn);
  wl_close((int)cli);
  wl_close((int)srv);
  wl_exit_group(0);
}
