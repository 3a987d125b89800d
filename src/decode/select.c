/* select and pselect6 as strace prints them (decode_select): the three
 * descriptor sets at the call as [3 4] (annotated under -y), the timeout
 * (a timeval, or pselect6's timespec), pselect6's {sigmask=, sigsetsize=};
 * at the return the ready descriptors from the sets the kernel wrote back,
 * "1 (in [3], left {...})", or "0 (Timeout)". */
#include "decode/decode-private.h"
#include "decode/families.h"

#include <string.h>

/* strace's bound on nfds (the kernel refuses more than its fd limit). */
#define SELECT_NFDS_MAX (1024 * 1024)
/* strace builds the result in 1024 bytes and stops adding descriptors
 * when fewer than this many are left. */
#define RESULT_MAX 1024
#define RESULT_ROOM (sizeof(", except [") + sizeof(int) * 3 + 2)

typedef gboolean (*TimeFn)(const GtDc *c, guint64 va, GString *s, JsonObject *o);

/* The set's size in bytes: nfds bits rounded up to whole longs. */
static gsize
fdset_size(const GtDc *c)
{
  gint32 nfds = dc_i32(c, 0);
  nfds = CLAMP(nfds, 0, SELECT_NFDS_MAX);
  return (((gsize)nfds + 7) / 8 + 7) & ~(gsize)7;
}

static gboolean
bit(const guint8 *set, gint j)
{
  return (set[j / 8] >> (j % 8)) & 1;
}

static void
fdset_arg(GtDc *c, guint i, gsize size, gint nfds)
{
  dc_hex(c, i);
  g_autofree guint8 *set = size ? g_malloc(size) : NULL;
  if (!set || !dc_read(c, dc_arg(c, i), set, size))
    return;
  GString *s = g_string_new("[");
  JsonArray *a = json_array_new();
  gboolean first = TRUE;
  for (gint j = 0; j < nfds; j++) {
    if (!bit(set, j))
      continue;
    g_string_append_printf(s, "%s%d", first ? "" : " ", j);
    dc_append_fd_path(c, s, j);
    json_array_add_int_element(a, j);
    first = FALSE;
  }
  g_string_append_c(s, ']');
  JsonNode *n = json_node_new(JSON_NODE_ARRAY);
  json_node_take_array(n, a);
  dc_set(c, i, g_string_free(s, FALSE), n);
}

static void
time_arg(GtDc *c, guint i, TimeFn fn)
{
  dc_hex(c, i);
  g_autoptr(GString) s = g_string_new(NULL);
  JsonObject *o = json_object_new();
  if (dc_arg(c, i) && fn(c, dc_arg(c, i), s, o)) {
    JsonNode *n = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(n, o);
    dc_set(c, i, g_string_free(g_steal_pointer(&s), FALSE), n);
  } else {
    json_object_unref(o);
  }
}

/* "in [3], out [4], left {...}" from the sets the kernel wrote back. */
static void
select_result(GtDc *c, TimeFn fn)
{
  if (!dc_ok(c))
    return;
  if (c->rec->result == 0) {
    dc_result(c, g_strdup("0 (Timeout)"), NULL);
    return;
  }
  gsize size = fdset_size(c);
  gint nfds = (gint)MIN(MAX(dc_i32(c, 0), 0), SELECT_NFDS_MAX);
  gint64 ready = c->rec->result;
  static const char *const names[] = { "in", "out", "except" };
  g_autofree guint8 *set = size ? g_malloc(size) : NULL;
  g_autoptr(GString) s = g_string_new(NULL);
  const char *sep = "";
  for (guint i = 0; i < 3 && ready > 0; i++) {
    gboolean first = TRUE;
    if (!set || !dc_read(c, dc_arg(c, i + 1), set, size))
      continue;
    for (gint j = 0; j < nfds; j++) {
      if (!bit(set, j))
        continue;
      if (s->len < RESULT_MAX - RESULT_ROOM) {
        if (first)
          g_string_append_printf(s, "%s%s [%d", sep, names[i], j);
        else
          g_string_append_printf(s, " %d", j);
        first = FALSE;
        sep = ", ";
      }
      if (--ready == 0)
        break;
    }
    if (s->len)
      g_string_append_c(s, ']');
  }
  if (dc_arg(c, 4)) {
    g_autoptr(GString) t = g_string_new(NULL);
    if (!fn(c, dc_arg(c, 4), t, NULL))
      g_string_append_printf(t, "%#" G_GINT64_MODIFIER "x", dc_arg(c, 4));
    if (s->len + sizeof("left ") + strlen(sep) + t->len < RESULT_MAX)
      g_string_append_printf(s, "%sleft %s", sep, t->str);
  }
  dc_result(c, g_strdup_printf("%" G_GINT64_FORMAT " (%s)", c->rec->result, s->str), NULL);
}

static void
select_call(GtDc *c, TimeFn fn)
{
  dc_int(c, 0);
  gsize size = fdset_size(c);
  gint nfds = (gint)MIN(MAX(dc_i32(c, 0), 0), SELECT_NFDS_MAX);
  for (guint i = 1; i <= 3; i++)
    fdset_arg(c, i, size, nfds);
  time_arg(c, 4, fn);
}

void
gt_dec_select(GtDc *c)
{
  if (!c->exiting)
    select_call(c, dc_timeval);
  else
    select_result(c, dc_timeval);
}

/* pselect6's sixth argument: {const sigset_t *ss; size_t ss_len}, read
 * as two longs (no kernel struct names it). */
static gboolean
sigmask_pointee(GtDc *c, guint64 va, G_GNUC_UNUSED gint64 n, GString *s, JsonNode **json)
{
  guint64 w[2];
  if (!dc_read(c, va, w, sizeof w))
    return FALSE;
  g_string_append(s, "{sigmask=");
  if (!w[0] || !dc_sigset_sized(c, w[0], (gint64)w[1], s, json))
    dc_addr_text(s, w[0]);
  g_string_append_printf(s, ", sigsetsize=%" G_GUINT64_FORMAT "}", w[1]);
  return TRUE;
}

void
gt_dec_pselect6(GtDc *c)
{
  if (!c->exiting) {
    select_call(c, dc_timespec);
    dc_pointee(c, 5, sigmask_pointee, 0);
  } else {
    select_result(c, dc_timespec);
  }
}
