/* Decoders of the scheduling calls, as strace 6.1 prints them (sched.c,
 * affinity.c): policies by name, struct sched_param as its one int
 * ("[0]"), CPU masks as the list of set bits ("[0 1]"). */
#include "decode/decode-private.h"
#include "decode/families.h"

/* The most mask bytes strace reads: its cpuset size, 128 bytes on a guest
 * with up to 1024 CPUs (affinity.c probes the kernel for it). */
#define STRACE_CPUSET_SIZE 128u

static gboolean
cpumask_text(GtDc *c, guint64 va, gint64 len, GString *s, JsonNode **json)
{
  guint8 buf[STRACE_CPUSET_SIZE];
  if (len <= 0) {
    g_string_append(s, "[]");
    return len == 0;
  }
  guint want = MIN((guint)MIN(len, (gint64)G_MAXUINT), STRACE_CPUSET_SIZE);
  if (!dc_read(c, va, buf, want))
    return FALSE;
  JsonArray *a = json_array_new();
  g_string_append_c(s, '[');
  gboolean first = TRUE;
  for (guint b = 0; b < want * 8; b++)
    if ((buf[b / 8] >> (b % 8)) & 1) {
      g_string_append_printf(s, "%s%u", first ? "" : " ", b);
      json_array_add_int_element(a, b);
      first = FALSE;
    }
  /* Whole words are read: a mask longer than what strace reads ends in "...". */
  guint size = (want + 7) & ~7u;
  if (size < (guint64)len)
    g_string_append(s, first ? "..." : " ...");
  g_string_append_c(s, ']');
  *json = json_node_new(JSON_NODE_ARRAY);
  json_node_take_array(*json, a);
  return TRUE;
}

void
gt_dec_sched_setaffinity(GtDc *c)
{
  if (c->exiting)
    return;
  dc_int(c, 0);
  dc_uint(c, 1);
  dc_pointee(c, 2, cpumask_text, (guint32)dc_arg(c, 1));
}

void
gt_dec_sched_getaffinity(GtDc *c)
{
  if (!c->exiting) {
    dc_int(c, 0);
    dc_uint(c, 1);
    dc_hex(c, 2);
    return;
  }
  /* The result is the mask's size in bytes. */
  dc_pointee(c, 2, cpumask_text, c->rec->result);
}

static gboolean
param_text(GtDc *c, guint64 va, G_GNUC_UNUSED gint64 n, GString *s, JsonNode **json)
{
  gint32 v;
  if (!dc_read(c, va, &v, sizeof v))
    return FALSE;
  g_string_append_printf(s, "[%d]", v);
  JsonObject *o = json_object_new();
  json_object_set_int_member(o, "sched_priority", v);
  *json = json_node_new(JSON_NODE_OBJECT);
  json_node_take_object(*json, o);
  return TRUE;
}

void
gt_dec_sched_getparam(GtDc *c)
{
  if (!c->exiting) {
    dc_int(c, 0);
    dc_hex(c, 1);
    return;
  }
  dc_pointee(c, 1, param_text, 0);
}

void
gt_dec_sched_setparam(GtDc *c)
{
  if (c->exiting)
    return;
  dc_int(c, 0);
  dc_pointee(c, 1, param_text, 0);
}

void
gt_dec_sched_setscheduler(GtDc *c)
{
  if (c->exiting)
    return;
  dc_int(c, 0);
  dc_xval(c, 1, &gt_xlat_sched_policies, "SCHED_???");
  dc_pointee(c, 2, param_text, 0);
}

/* The result is a policy: "0 (SCHED_OTHER)". */
void
gt_dec_sched_getscheduler(GtDc *c)
{
  if (!c->exiting) {
    dc_int(c, 0);
    return;
  }
  const char *n = dc_ok(c) ? gt_xlat_name(&gt_xlat_sched_policies, (guint64)c->rec->result) : NULL;
  if (n)
    dc_result(c, g_strdup_printf("%" G_GINT64_FORMAT " (%s)", c->rec->result, n), dc_json_str(n));
}

void
gt_dec_sched_policy(GtDc *c)
{
  if (!c->exiting)
    dc_xval(c, 0, &gt_xlat_sched_policies, "SCHED_???");
}

void
gt_dec_sched_rr_get_interval(GtDc *c)
{
  if (!c->exiting) {
    dc_int(c, 0);
    dc_hex(c, 1);
    return;
  }
  dc_pointee(c, 1, dc_timespec_pointee, 0);
}
