/* NATS transport: publish each event on its subject with libnats, then
 * flush, so a batch counts as delivered only when the server has it. The
 * connection is made in the background and re-made forever; while it is
 * down, deliver() fails at once and the channel spools. */
#include "output/events/event-transports.h"
#include "output/events/events-config.h"

#include <guestrace/types.h>

#if GT_HAVE_NATS
#include <nats/nats.h>
#include <string.h>

typedef struct {
  natsConnection *nc;
  char *url;
  GMutex lock;          /* guards chan against the callbacks */
  GtEventChannel *chan;
  gboolean down;        /* for messages on state changes only */
} NatsImpl;

static void
connected_cb(natsConnection *nc, void *closure)
{
  NatsImpl *n = closure;
  g_mutex_lock(&n->lock);
  if (n->chan)
    gt_event_channel_kick(n->chan);
  g_mutex_unlock(&n->lock);
}

void
gt_nats_transport_set_channel(gpointer impl, GtEventChannel *c)
{
  NatsImpl *n = impl;
  g_mutex_lock(&n->lock);
  n->chan = c;
  g_mutex_unlock(&n->lock);
}

static void
set_down(NatsImpl *n, gboolean down, natsStatus s)
{
  if (down && !n->down)
    g_message("events (nats): %s: %s; spooling and retrying", n->url, natsStatus_GetText(s));
  else if (!down && n->down)
    g_message("events (nats): %s: delivering again", n->url);
  n->down = down;
}

static guint
nats_deliver(gpointer impl, char *const *lines, guint count, const gint *cancel)
{
  NatsImpl *n = impl;
  if (natsConnection_Status(n->nc) != NATS_CONN_STATUS_CONNECTED) {
    set_down(n, TRUE, NATS_CONNECTION_DISCONNECTED);
    return 0;
  }
  natsStatus s = NATS_OK;
  guint published = 0;
  for (; published < count && s == NATS_OK; published++) {
    if (g_atomic_int_get(cancel))
      break;
    const char *line = lines[published];
    const char *tab = strchr(line, '\t');
    g_autofree char *subject = tab ? g_strndup(line, (gsize)(tab - line))
                                   : g_strdup("guestrace._.unknown");
    const char *payload = tab ? tab + 1 : line;
    s = natsConnection_Publish(n->nc, subject, payload, (int)strlen(payload));
    if (s != NATS_OK)
      break;
  }
  if (s == NATS_OK && published)
    s = natsConnection_FlushTimeout(n->nc, 2000);
  if (s != NATS_OK) {
    set_down(n, TRUE, s);
    /* Unconfirmed: the whole batch again (at-least-once). */
    return 0;
  }
  set_down(n, FALSE, NATS_OK);
  return published;
}

static void
nats_destroy(gpointer impl)
{
  NatsImpl *n = impl;
  gt_nats_transport_set_channel(n, NULL);
  if (n->nc) {
    natsConnection_Close(n->nc);
    natsConnection_Destroy(n->nc);
  }
  g_mutex_clear(&n->lock);
  g_free(n->url);
  g_free(n);
}

gboolean
gt_nats_transport_init(GtEventTransport *out, const char *url, GError **error)
{
  NatsImpl *n = g_new0(NatsImpl, 1);
  g_mutex_init(&n->lock);
  n->url = g_strdup(url);
  natsOptions *opts = NULL;
  natsStatus s = natsOptions_Create(&opts);
  if (s == NATS_OK) s = natsOptions_SetURL(opts, url);
  if (s == NATS_OK) s = natsOptions_SetName(opts, "guestrace");
  if (s == NATS_OK) s = natsOptions_SetTimeout(opts, 2000);
  if (s == NATS_OK) s = natsOptions_SetAllowReconnect(opts, true);
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts, -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(opts, 1000);
  if (s == NATS_OK) s = natsOptions_SetReconnectedCB(opts, connected_cb, n);
  if (s == NATS_OK) s = natsOptions_SetRetryOnFailedConnect(opts, true, connected_cb, n);
  if (s == NATS_OK) {
    s = natsConnection_Connect(&n->nc, opts);
    if (s == NATS_NOT_YET_CONNECTED)
      s = NATS_OK;
  }
  natsOptions_Destroy(opts);
  if (s != NATS_OK) {
    g_set_error(error, GT_ERROR, GT_ERROR_CONNECT, "NATS %s: %s", url,
                nats_GetLastError(NULL) ? nats_GetLastError(NULL) : natsStatus_GetText(s));
    nats_destroy(n);
    return FALSE;
  }
  *out = (GtEventTransport){
    .name = "nats",
    .max_batch = 256,
    .deliver = nats_deliver,
    .destroy = nats_destroy,
    .impl = n,
  };
  return TRUE;
}

#else /* !GT_HAVE_NATS */

gboolean
gt_nats_transport_init(GtEventTransport *out, const char *url, GError **error)
{
  g_set_error(error, GT_ERROR, GT_ERROR_UNSUPPORTED,
              "NATS %s: guestrace was built without libnats", url);
  return FALSE;
}

void
gt_nats_transport_set_channel(gpointer impl, GtEventChannel *c)
{
}

#endif
