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
  GtStructView v;
  guint64 sec, usec;
  if (!dc_ok(c) || !dc_arg(c, 0) || !dc_struct_read(c, "__kernel_old_timeval", dc_arg(c, 0), &v) ||
      !sv_get(&v, "tv_sec", TRUE, &sec) || !sv_get(&v, "tv_usec", TRUE, &usec))
    return;
  JsonObject *o = json_object_new();
  json_object_set_int_member(o, "tv_sec", (gint64)sec);
  json_object_set_int_member(o, "tv_usec", (gint64)usec);
  JsonNode *n = json_node_new(JSON_NODE_OBJECT);
  json_node_take_object(n, o);
  dc_set(c, 0, g_strdup_printf("{tv_sec=%" G_GINT64_FORMAT ", tv_usec=%" G_GINT64_FORMAT "}",
                               (gint64)sec, (gint64)usec), n);
}

void
gt_dec_alarm(GtDc *c)
{
  if (!c->exiting)
    dc_uint(c, 0);
}
