/* Decoders of polling calls: poll's pollfd array (events at the call,
 * revents in the result), epoll's operations and events. */
#include "decode/decode-private.h"
#include "decode/families.h"

/* Entries walked at the return (the kernel's own limit is RLIMIT_NOFILE);
 * at the call at most -s are shown, as strace. */
#define POLL_MAX 4096

/* [{fd=3, events=POLLIN}, {fd=-1}, ...] at the call (at most -s entries,
 * then "..."); with `revents`, only the entries with events returned (at
 * most -s of them). */
static char *
pollfds_text(GtDc *c, gboolean revents)
{
  guint64 va = dc_arg(c, 0), n = (guint32)dc_arg(c, 1);
  guint size = dc_struct_size(c, "pollfd");
  if (!size || !va || (revents && n > POLL_MAX))
    return NULL;
  GString *s = g_string_new(NULL);
  guint printed = 0;
  for (guint64 k = 0; k < n; k++) {
    GtStructView v;
    guint64 fd, ev;
    if (!revents && k >= dc_opt(c)->text_size) {
      g_string_append(s, ", ...");
      break;
    }
    if (!dc_struct_read(c, "pollfd", va + k * size, &v) || !sv_get(&v, "fd", TRUE, &fd) ||
        !sv_get(&v, revents ? "revents" : "events", FALSE, &ev)) {
      g_string_free(s, TRUE);
      return NULL;
    }
    if (revents && !ev)
      continue;
    g_string_append(s, s->len ? ", " : "[");
    if (revents && printed >= dc_opt(c)->text_size) {
      g_string_append(s, "...");
      break;
    }
    g_string_append_printf(s, "{fd=%d", (gint32)fd);
    if (!revents)   /* strace annotates the descriptors at the call only */
      dc_append_fd_path(c, s, (gint32)fd);
    if (revents || (gint32)fd >= 0) {
      g_string_append_printf(s, ", %s=", revents ? "revents" : "events");
      gt_xlat_print_flags(s, &gt_xlat_poll_events, (guint16)ev, "0");
    }
    g_string_append_c(s, '}');
    printed++;
  }
  if (!s->len && !revents)
    g_string_append_c(s, '[');
  if (s->len)
    g_string_append_c(s, ']');
  return g_string_free(s, FALSE);
}

/* The result: "N ([{fd=3, revents=POLLIN}], left {...})" (ppoll's
 * remaining time when it has a timeout), "0 (Timeout)". */
static void
poll_result(GtDc *c, guint64 tmo)
{
  if (!dc_ok(c))
    return;
  if (c->rec->result == 0) {
    dc_result(c, g_strdup("0 (Timeout)"), NULL);
    return;
  }
  if (!dc_arg(c, 0) || !(guint32)dc_arg(c, 1))
    return;   /* strace: nothing to show, not even the time left */
  g_autofree char *t = pollfds_text(c, TRUE);
  g_autoptr(GString) s = g_string_new(t);
  if (tmo) {
    g_string_append(s, s->len ? ", left " : "left ");
    if (!dc_timespec(c, tmo, s, NULL))
      g_string_append_printf(s, "%#" G_GINT64_MODIFIER "x", tmo);
  }
  if (s->len)
    dc_result(c, g_strdup_printf("%" G_GINT64_FORMAT " (%s)", c->rec->result, s->str), NULL);
}

static void
pollfds_arg(GtDc *c)
{
  dc_hex(c, 0);
  char *t = pollfds_text(c, FALSE);
  if (t)
    dc_set(c, 0, t, NULL);
  dc_uint(c, 1);
}

void
gt_dec_poll(GtDc *c)
{
  if (c->exiting) {
    poll_result(c, 0);
    return;
  }
  pollfds_arg(c);
  dc_int(c, 2);
}

/* A sigset_t pointer with its size (ppoll, pselect6): strace shows the set
 * only for the size of the kernel's sigset_t (_NSIG / 8 = 8 on x86-64,
 * hand-written: no UAPI header names it), else the address. */
gboolean
dc_sigset_sized(GtDc *c, guint64 va, gint64 size, GString *s, JsonNode **json)
{
  return size == 8 && dc_sigset(c, va, (gsize)size, s, json);
}

void
gt_dec_ppoll(GtDc *c)
{
  if (c->exiting) {
    poll_result(c, dc_arg(c, 2));
    return;
  }
  pollfds_arg(c);
  dc_pointee(c, 2, dc_timespec_pointee, 0);
  dc_pointee(c, 3, dc_sigset_sized, (gint64)dc_arg(c, 4));
  dc_ulong(c, 4);
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
