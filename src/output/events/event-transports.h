/* The transports event channels deliver through: HTTP POST (libcurl) and
 * NATS publish (libnats). */
#pragma once

#include "output/events/event-channel.h"

G_BEGIN_DECLS

/* POSTs each payload to @url, one request per event, with @content_type.
 * 2xx is delivered; other 4xx (but 408, 429) are dropped with a message,
 * since retrying cannot help; anything else is retried. */
gboolean gt_http_transport_init(GtEventTransport *out, const char *url,
                                const char *content_type, GError **error);

/* Publishes each payload on its line's subject, then flushes (a PING
 * round trip) so a batch counts as delivered only once the server has it.
 * Connects in the background and reconnects forever. */
gboolean gt_nats_transport_init(GtEventTransport *out, const char *url, GError **error);
/* Lets the transport kick @c when the connection is (re)established;
 * @impl is the GtEventTransport.impl from gt_nats_transport_init. */
void gt_nats_transport_set_channel(gpointer impl, GtEventChannel *c);

G_END_DECLS
