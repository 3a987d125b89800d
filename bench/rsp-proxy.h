/* A counting TCP proxy in front of a gdb stub: guestrace (or any client)
 * connects to the proxy's port, every byte is forwarded both ways, and the
 * packets the client sends are counted. Measures requests per stop from
 * outside the tracer. One client at a time. */
#pragma once

#include <glib.h>

typedef struct RspProxy RspProxy;

RspProxy *rsp_proxy_new(guint16 stub_port, GError **error);
guint16 rsp_proxy_port(RspProxy *p);
/* Packets ('$') and acknowledgements ('+') sent by clients so far. */
guint64 rsp_proxy_packets(RspProxy *p);
guint64 rsp_proxy_acks(RspProxy *p);
void rsp_proxy_free(RspProxy *p);
