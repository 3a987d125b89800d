/* Fuzz target: a gdb stub's replies as the connection code receives them
 * (acks, NAKs, stop replies arriving between a request and its reply,
 * console output, errors, exit packets, garbage, a peer that stops
 * talking). The input is everything the stub sends, written into a
 * socketpair whose far end then closes; the connection makes a register
 * read request, a stop-reply request, then receives until the end. Every
 * call must return (the stream ends), whatever the bytes. Seeds: the
 * rsp-codec corpus's streams work here too. */
#include "fuzz-common.h"

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "driver/qemu/rsp-conn.h"
#include "driver/qemu/rsp-stop.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  int sv[2];
  if (size > 64 * 1024 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    return 0;
  int sndbuf = 256 * 1024;
  setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  gsize off = 0;
  while (off < size) {
    ssize_t n = write(sv[1], data + off, size - off);
    if (n <= 0)
      break;
    off += (gsize)n;
  }
  shutdown(sv[1], SHUT_WR);   /* the stub says no more; our packets still go out */
  g_autoptr(GtRspConn) c = gt_rsp_conn_new(sv[0], 20);
  g_autoptr(GString) reply = NULL;
  if (gt_rsp_conn_request(c, "g", &reply, NULL))
    g_assert(reply != NULL);
  if (reply)
    g_string_free(g_steal_pointer(&reply), TRUE);
  if (gt_rsp_conn_request_stop(c, "?", &reply, NULL) && reply) {
    GtRspStop stop;
    gt_rsp_parse_stop(reply->str, reply->len, &stop);
  }
  for (guint i = 0; i < 1000 && !gt_rsp_conn_is_gone(c); i++) {
    g_autoptr(GString) pkt = NULL;
    if (!gt_rsp_conn_recv(c, 0, &pkt, NULL) || !pkt)
      break;
  }
  for (GString *s; (s = gt_rsp_conn_pop_stop(c)) != NULL;)
    g_string_free(s, TRUE);
  close(sv[1]);
  return 0;
}
