/* Decoders of time calls: clock ids, timespecs and timevals (layouts from
 * the guest's BTF). */
#include "decode/decode-private.h"
#include "decode/families.h"

static void
timespec_arg(GtDc *c, guint i)
{
  dc_pointee(c, i, dc_timespec_pointee, 0);
}

void
gt_dec_clock_gettime(GtDc *c)
{
  if (!c->exiting)
    dc_xval(c, 0, &gt_xlat_clocks, "CLOCK_???");
  if (c->exiting)
    timespec_arg(c, 1);
  else
    dc_hex(c, 1);
}

void
gt_dec_clock_settime(GtDc *c)
{
  if (c->exiting)
    return;
  dc_xval(c, 0, &gt_xlat_clocks, "CLOCK_???");
  timespec_arg(c, 1);
}

void
gt_dec_nanosleep(GtDc *c)
{
  if (!c->exiting) {
    timespec_arg(c, 0);
    dc_hex(c, 1);
  }
  /* rem is written only when interrupted (a failed call). */
}

void
gt_dec_clock_nanosleep(GtDc *c)
{
  if (c->exiting)
    return;
  dc_xval(c, 0, &gt_xlat_clocks, "CLOCK_???");
  dc_flags(c, 1, &gt_xlat_timer_flags, "0");
  timespec_arg(c, 2);
  dc_hex(c, 3);
}

void
gt_dec_gettimeofday(GtDc *c)
{
  if (!c->exiting) {
    dc_hex(c, 0);
    dc_hex(c, 1);
    return;
  }
  if (!dc_ok(c) || !dc_arg(c, 0))
    return;
  GString *s = g_string_new(NULL);
  JsonObject *o = json_object_new();
  if (!dc_timeval(c, dc_arg(c, 0), s, o)) {
    json_object_unref(o);
    g_string_free(s, TRUE);
    return;
  }
  JsonNode *n = json_node_new(JSON_NODE_OBJECT);
  json_node_take_object(n, o);
  dc_set(c, 0, g_string_free(s, FALSE), n);
}

void
gt_dec_alarm(GtDc *c)
{
  if (!c->exiting)
    dc_uint(c, 0);
}
