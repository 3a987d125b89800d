/* Decoders of polling calls: poll's pollfd array (events at the call,
 * revents in the result), epoll's operations and events. */
#include "decode/decode-private.h"
#include "decode/families.h"

#define POLL_MAX 64

static gboolean
read_pollfds(GtDc *c, guint64 va, guint64 n, GtStructView *v, guint *size)
{
  *size = dc_struct_size(c, "pollfd");
  return *size && n <= POLL_MAX && va;
}

/* [{fd=3, events=POLLIN}, ...] at the call; with `revents`, only the
 * entries with events returned. */
static char *
pollfds_text(GtDc *c, gboolean revents)
{
  guint64 va = dc_arg(c, 0), n = dc_arg(c, 1);
  GtStructView v;
  guint size;
  if (!read_pollfds(c, va, n, &v, &size))
    return NULL;
  GString *s = g_string_new("[");
  gboolean first = TRUE;
  for (guint64 k = 0; k < n; k++) {
    guint64 fd, ev;
    if (!dc_struct_read(c, "pollfd", va + k * size, &v) || !sv_get(&v, "fd", TRUE, &fd) ||
        !sv_get(&v, revents ? "revents" : "events", FALSE, &ev)) {
      g_string_free(s, TRUE);
      return NULL;
    }
    if (revents && !ev)
      continue;
    g_string_append_printf(s, "%s{fd=%d", first ? "" : ", ", (gint32)fd);
    if (!revents)   /* strace annotates the descriptors at the call only */
      dc_append_fd_path(c, s, (gint32)fd);
    g_string_append_printf(s, ", %s=", revents ? "revents" : "events");
    gt_xlat_print_flags(s, &gt_xlat_poll_events, (guint16)ev, "0");
    g_string_append_c(s, '}');
    first = FALSE;
  }
  g_string_append_c(s, ']');
  return g_string_free(s, FALSE);
}

void
gt_dec_poll(GtDc *c)
{
  if (!c->exiting) {
    dc_hex(c, 0);
    char *t = pollfds_text(c, FALSE);
    if (t)
      dc_set(c, 0, t, NULL);
    dc_uint(c, 1);
    dc_int(c, 2);
    return;
  }
  if (!dc_ok(c))
    return;
  if (c->rec->result == 0) {
    dc_result(c, g_strdup("0 (Timeout)"), NULL);
    return;
  }
  g_autofree char *t = pollfds_text(c, TRUE);
  if (t)
    dc_result(c, g_strdup_printf("%" G_GINT64_FORMAT " (%s)", c->rec->result, t), NULL);
}

static gboolean
epoll_event_text(GtDc *c, guint64 va, GString *s)
{
  GtStructView v;
  guint64 ev, data;
  if (!dc_struct_read(c, "epoll_event", va, &v) || !sv_get(&v, "events", FALSE, &ev) ||
      !sv_get(&v, "data", FALSE, &data))
    return FALSE;
  g_string_append(s, "{events=");
  gt_xlat_print_flags(s, &gt_xlat_epoll_events, (guint32)ev, "0");
  g_string_append_printf(s, ", data={u32=%u, u64=%" G_GUINT64_FORMAT "}}", (guint32)data, data);
  return TRUE;
}

void
gt_dec_epoll_create1(GtDc *c)
{
  if (!c->exiting)
    dc_flags(c, 0, &gt_xlat_epoll_flags, "0");
  dc_fd_result(c);
}

void
gt_dec_epoll_ctl(GtDc *c)
{
  if (c->exiting)
    return;
  dc_fd(c, 0);
  dc_xval(c, 1, &gt_xlat_epoll_ops, "EPOLL_CTL_???");
  dc_fd(c, 2);
  dc_hex(c, 3);
  GString *s = g_string_new(NULL);
  if (dc_arg(c, 3) && epoll_event_text(c, dc_arg(c, 3), s))
    dc_set(c, 3, g_string_free(s, FALSE), NULL);
  else
    g_string_free(s, TRUE);
}

void
gt_dec_epoll_wait(GtDc *c)
{
  if (!c->exiting) {
    dc_fd(c, 0);
    dc_hex(c, 1);
    dc_int(c, 2);
    dc_int(c, 3);
    for (guint k = 4; k < c->rec->nargs; k++)
      dc_hex(c, k);
    return;
  }
  guint size = dc_struct_size(c, "epoll_event");
  gint64 n = c->rec->result;
  if (!dc_ok(c) || !size || n > POLL_MAX)
    return;
  GString *s = g_string_new("[");
  for (gint64 k = 0; k < n; k++) {
    if (k)
      g_string_append(s, ", ");
    if (!epoll_event_text(c, dc_arg(c, 1) + (guint64)k * size, s)) {
      g_string_free(s, TRUE);
      return;
    }
  }
  g_string_append_c(s, ']');
  dc_set(c, 1, g_string_free(s, FALSE), NULL);
}
