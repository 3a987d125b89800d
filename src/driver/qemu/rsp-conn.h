/* A GDB remote-protocol connection: socket I/O with timeouts, acks ('+'),
 * NAKs and bounded retransmission, request/reply pairing, and a queue for
 * stop replies that arrive while we wait for something else. */
#pragma once

#include <glib.h>

typedef struct GtRspConn GtRspConn;

/* Takes ownership of fd (closed by gt_rsp_conn_free). timeout_ms > 0. */
GtRspConn *gt_rsp_conn_new(int fd, int timeout_ms);
void gt_rsp_conn_free(GtRspConn *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GtRspConn, gt_rsp_conn_free)

int gt_rsp_conn_fd(GtRspConn *c);
int gt_rsp_conn_timeout(GtRspConn *c);
/* TRUE once the peer closed the socket or reported W/X. */
gboolean gt_rsp_conn_is_gone(GtRspConn *c);
void gt_rsp_conn_set_gone(GtRspConn *c);

/* After the stub accepted QStartNoAckMode: no '+'/'-' either way from now
 * on (the transport is reliable); a corrupt packet is then an error. */
void gt_rsp_conn_set_no_ack(GtRspConn *c);
gboolean gt_rsp_conn_no_ack(GtRspConn *c);
/* Packets sent so far (requests, resumes; not acks or 0x03). */
guint64 gt_rsp_conn_packets_sent(GtRspConn *c);

/* Send one packet and wait for the stub's '+', retransmitting on '-'
 * (in no-ack mode: just send it). */
gboolean gt_rsp_conn_send(GtRspConn *c, const char *payload, gsize len, GError **error);
/* Send raw bytes outside any packet (the 0x03 interrupt). */
gboolean gt_rsp_conn_send_raw(GtRspConn *c, const void *data, gsize len, GError **error);
/* Receive the next good packet and ack it. timeout_ms: -1 forever, 0 poll.
 * On timeout returns TRUE with *out = NULL. */
gboolean gt_rsp_conn_recv(GtRspConn *c, int timeout_ms, GString **out, GError **error);
/* Send a request and return its reply. Stop replies arriving meanwhile are
 * queued (console 'O' packets dropped); W/X fail with GT_ERROR_GUEST_GONE. */
gboolean gt_rsp_conn_request(GtRspConn *c, const char *payload, GString **reply,
                             GError **error);
/* Like gt_rsp_conn_request, for requests whose reply is a stop reply ('?'). */
gboolean gt_rsp_conn_request_stop(GtRspConn *c, const char *payload, GString **reply,
                                  GError **error);

/* Queued stop replies, oldest first. pop returns NULL when empty. */
GString *gt_rsp_conn_pop_stop(GtRspConn *c);
void gt_rsp_conn_clear_stops(GtRspConn *c);

/* Classify a received payload. */
gboolean gt_rsp_is_stop_reply(const char *p, gsize len);
gboolean gt_rsp_is_console(const char *p, gsize len);
gboolean gt_rsp_is_error(const char *p, gsize len);
