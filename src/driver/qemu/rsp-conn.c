/* A GDB remote-protocol connection over a stream socket. Every wait has a
 * deadline, every buffer a cap; a peer that vanishes gives
 * GT_ERROR_GUEST_GONE, never a hang or a crash. */
#include "driver/qemu/rsp-conn.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <guestrace/types.h>

#include "driver/qemu/rsp-codec.h"

#define MAX_RETRANSMITS 5      /* resends of one packet after '-' */
#define MAX_BAD_IN_A_ROW 16    /* bad packets NAKed before giving up */
#define MAX_QUEUED_STOPS 64

struct GtRspConn {
  int fd;
  int timeout_ms;
  gboolean gone;
  gboolean no_ack;
  guint64 sent;
  GtRspDecoder dec;
  guint8 rbuf[4096];
  gsize rpos, rlen;
  GQueue stops;           /* GString*, oldest first */
};

GtRspConn *
gt_rsp_conn_new(int fd, int timeout_ms)
{
  GtRspConn *c = g_new0(GtRspConn, 1);
  c->fd = fd;
  c->timeout_ms = timeout_ms > 0 ? timeout_ms : 5000;
  gt_rsp_decoder_init(&c->dec);
  g_queue_init(&c->stops);
  return c;
}

static void
string_free(gpointer s)
{
  g_string_free(s, TRUE);
}

void
gt_rsp_conn_free(GtRspConn *c)
{
  if (!c)
    return;
  if (c->fd >= 0)
    close(c->fd);
  gt_rsp_decoder_clear(&c->dec);
  g_queue_clear_full(&c->stops, string_free);
  g_free(c);
}

int gt_rsp_conn_fd(GtRspConn *c) { return c->fd; }
int gt_rsp_conn_timeout(GtRspConn *c) { return c->timeout_ms; }
gboolean gt_rsp_conn_is_gone(GtRspConn *c) { return c->gone; }
void gt_rsp_conn_set_gone(GtRspConn *c) { c->gone = TRUE; }
void gt_rsp_conn_set_no_ack(GtRspConn *c) { c->no_ack = TRUE; }
gboolean gt_rsp_conn_no_ack(GtRspConn *c) { return c->no_ack; }
guint64 gt_rsp_conn_packets_sent(GtRspConn *c) { return c->sent; }

static gboolean
gone_error(GtRspConn *c, GError **error)
{
  c->gone = TRUE;
  g_set_error(error, GT_ERROR, GT_ERROR_GUEST_GONE, "the gdb stub closed the connection");
  return FALSE;
}

/* Milliseconds left until deadline (-1 = none), at least 0. */
static int
ms_left(gint64 deadline)
{
  if (deadline < 0)
    return -1;
  gint64 left = deadline - g_get_monotonic_time();
  if (left <= 0)
    return 0;
  return (int)MIN((left + 999) / 1000, G_MAXINT);
}

static gint64
deadline_in(int timeout_ms)
{
  return timeout_ms < 0 ? -1 : g_get_monotonic_time() + (gint64)timeout_ms * 1000;
}

gboolean
gt_rsp_conn_send_raw(GtRspConn *c, const void *data, gsize len, GError **error)
{
  const guint8 *p = data;
  gint64 deadline = deadline_in(c->timeout_ms);
  if (c->gone)
    return gone_error(c, error);
  while (len > 0) {
    ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      p += n;
      len -= (gsize)n;
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      struct pollfd pfd = { .fd = c->fd, .events = POLLOUT };
      int left = ms_left(deadline);
      int r = left == 0 ? 0 : poll(&pfd, 1, left);
      if (r == 0) {
        g_set_error(error, GT_ERROR, GT_ERROR_TIMEOUT, "timed out sending to the gdb stub");
        return FALSE;
      }
      if (r < 0 && errno != EINTR) {
        g_set_error(error, GT_ERROR, GT_ERROR_CONNECT, "poll: %s", g_strerror(errno));
        return FALSE;
      }
      continue;
    }
    return gone_error(c, error);
  }
  return TRUE;
}

/* Next codec event. TRUE with *ev = GT_RSP_EV_NONE on timeout. */
static gboolean
next_event(GtRspConn *c, gint64 deadline, GtRspEvent *ev, GError **error)
{
  for (;;) {
    while (c->rpos < c->rlen) {
      GtRspEvent e = gt_rsp_decoder_feed(&c->dec, c->rbuf[c->rpos++]);
      if (e != GT_RSP_EV_NONE) {
        *ev = e;
        return TRUE;
      }
    }
    if (c->gone)
      return gone_error(c, error);
    struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
    int r = poll(&pfd, 1, ms_left(deadline));
    if (r < 0) {
      if (errno == EINTR)
        continue;
      g_set_error(error, GT_ERROR, GT_ERROR_CONNECT, "poll: %s", g_strerror(errno));
      return FALSE;
    }
    if (r == 0) {
      *ev = GT_RSP_EV_NONE;
      return TRUE;
    }
    ssize_t n = recv(c->fd, c->rbuf, sizeof c->rbuf, MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
      continue;
    if (n <= 0)
      return gone_error(c, error);
    c->rpos = 0;
    c->rlen = (gsize)n;
  }
}

static GString *
take_payload(GtRspConn *c)
{
  return g_string_new_len((const char *)c->dec.payload->data, c->dec.payload->len);
}

static void
queue_stop(GtRspConn *c, GString *s)
{
  if (g_queue_get_length(&c->stops) >= MAX_QUEUED_STOPS)
    string_free(g_queue_pop_head(&c->stops));
  g_queue_push_tail(&c->stops, s);
}

/* A packet that arrived while we waited for an ack: keep stop replies. */
static void
stash_unexpected(GtRspConn *c, GString *s)
{
  if (gt_rsp_is_stop_reply(s->str, s->len)) {
    if (s->str[0] == 'W' || s->str[0] == 'X')
      c->gone = TRUE;
    queue_stop(c, s);
    return;
  }
  if (!gt_rsp_is_console(s->str, s->len))
    g_debug("gdb stub: dropping unexpected packet '%.40s'", s->str);
  string_free(s);
}

gboolean
gt_rsp_conn_send(GtRspConn *c, const char *payload, gsize len, GError **error)
{
  g_autoptr(GByteArray) frame = g_byte_array_new();
  gt_rsp_frame(frame, payload, len);
  guint bad = 0;
  c->sent++;
  if (c->no_ack)
    return gt_rsp_conn_send_raw(c, frame->data, frame->len, error);

  for (guint attempt = 0; attempt <= MAX_RETRANSMITS; attempt++) {
    if (!gt_rsp_conn_send_raw(c, frame->data, frame->len, error))
      return FALSE;
    gint64 deadline = deadline_in(c->timeout_ms);
    for (;;) {
      GtRspEvent ev;
      if (!next_event(c, deadline, &ev, error))
        return FALSE;
      if (ev == GT_RSP_EV_NONE) {
        g_set_error(error, GT_ERROR, GT_ERROR_TIMEOUT,
                    "no acknowledgement from the gdb stub for '%.20s'", payload);
        return FALSE;
      }
      if (ev == GT_RSP_EV_ACK)
        return TRUE;
      if (ev == GT_RSP_EV_NAK)
        break;  /* retransmit */
      if (ev == GT_RSP_EV_PACKET) {
        if (!gt_rsp_conn_send_raw(c, "+", 1, error))
          return FALSE;
        stash_unexpected(c, take_payload(c));
        continue;
      }
      if (ev == GT_RSP_EV_BAD || ev == GT_RSP_EV_TOO_BIG) {
        if (++bad > MAX_BAD_IN_A_ROW) {
          g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL, "too many corrupt packets");
          return FALSE;
        }
        if (!gt_rsp_conn_send_raw(c, "-", 1, error))
          return FALSE;
      }
    }
  }
  g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL,
              "the gdb stub rejected '%.20s' %d times", payload, MAX_RETRANSMITS + 1);
  return FALSE;
}

gboolean
gt_rsp_conn_recv(GtRspConn *c, int timeout_ms, GString **out, GError **error)
{
  gint64 deadline = deadline_in(timeout_ms);
  guint bad = 0;
  *out = NULL;
  for (;;) {
    GtRspEvent ev;
    if (!next_event(c, deadline, &ev, error))
      return FALSE;
    switch (ev) {
    case GT_RSP_EV_NONE:
      return TRUE;  /* timeout */
    case GT_RSP_EV_PACKET:
      if (!c->no_ack && !gt_rsp_conn_send_raw(c, "+", 1, error))
        return FALSE;
      *out = take_payload(c);
      return TRUE;
    case GT_RSP_EV_BAD:
    case GT_RSP_EV_TOO_BIG:
      if (c->no_ack) {
        /* Nothing can ask for it again: the stream is broken. */
        g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL, "corrupt packet from the gdb stub");
        return FALSE;
      }
      if (++bad > MAX_BAD_IN_A_ROW) {
        g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL, "too many corrupt packets");
        return FALSE;
      }
      if (!gt_rsp_conn_send_raw(c, "-", 1, error))
        return FALSE;
      break;
    default:
      break;  /* stray '+', '-' or 0x03: nothing to do */
    }
  }
}

static gboolean
request(GtRspConn *c, const char *payload, gboolean want_stop, GString **reply,
        GError **error)
{
  *reply = NULL;
  if (c->gone)
    return gone_error(c, error);
  if (!gt_rsp_conn_send(c, payload, strlen(payload), error))
    return FALSE;
  gint64 deadline = deadline_in(c->timeout_ms);
  for (;;) {
    GString *s = NULL;
    if (!gt_rsp_conn_recv(c, ms_left(deadline), &s, error))
      return FALSE;
    if (!s) {
      g_set_error(error, GT_ERROR, GT_ERROR_TIMEOUT,
                  "no reply from the gdb stub to '%.20s'", payload);
      return FALSE;
    }
    if (gt_rsp_is_console(s->str, s->len)) {
      string_free(s);
      continue;
    }
    if (gt_rsp_is_stop_reply(s->str, s->len)) {
      gboolean exited = s->str[0] == 'W' || s->str[0] == 'X';
      if (want_stop && !exited) {
        *reply = s;
        return TRUE;
      }
      queue_stop(c, s);
      if (exited) {
        c->gone = TRUE;
        g_set_error(error, GT_ERROR, GT_ERROR_GUEST_GONE, "the guest is gone");
        return FALSE;
      }
      continue;
    }
    if (want_stop) {
      g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL,
                  "expected a stop reply to '%.20s', got '%.40s'", payload, s->str);
      string_free(s);
      return FALSE;
    }
    *reply = s;
    return TRUE;
  }
}

gboolean
gt_rsp_conn_request(GtRspConn *c, const char *payload, GString **reply, GError **error)
{
  return request(c, payload, FALSE, reply, error);
}

gboolean
gt_rsp_conn_request_stop(GtRspConn *c, const char *payload, GString **reply,
                         GError **error)
{
  return request(c, payload, TRUE, reply, error);
}

GString *
gt_rsp_conn_pop_stop(GtRspConn *c)
{
  return g_queue_pop_head(&c->stops);
}

void
gt_rsp_conn_clear_stops(GtRspConn *c)
{
  g_queue_clear_full(&c->stops, string_free);
  g_queue_init(&c->stops);
}

static gboolean
all_hex(const char *p, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if (gt_rsp_hexval(p[i]) < 0)
      return FALSE;
  return TRUE;
}

gboolean
gt_rsp_is_stop_reply(const char *p, gsize len)
{
  if (len < 2)
    return FALSE;
  switch (p[0]) {
  case 'T':
  case 'S':
    return len >= 3 && all_hex(p + 1, 2);
  case 'W':
  case 'X':
    return gt_rsp_hexval(p[1]) >= 0;
  default:
    return FALSE;
  }
}

gboolean
gt_rsp_is_console(const char *p, gsize len)
{
  /* "O" + hex; "OK" is not hex, so it is not console output. */
  return len >= 3 && p[0] == 'O' && (len - 1) % 2 == 0 && all_hex(p + 1, len - 1);
}

gboolean
gt_rsp_is_error(const char *p, gsize len)
{
  return len >= 1 && p[0] == 'E' && (len == 1 || gt_rsp_hexval(p[1]) >= 0 || p[1] == '.');
}
