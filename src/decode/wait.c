/* Decoders of the calls that reap children and report resource usage:
 * wait4, waitid, getrusage, as strace 6.1 prints them (wait.c,
 * printsiginfo.c, printrusage.c): the status as WIF... macros, the
 * SIGCHLD siginfo, struct rusage abbreviated to its two times. Layouts
 * from the guest's BTF (rusage, siginfo); everything is an out-parameter. */
#include "decode/decode-private.h"
#include "decode/families.h"

static char *
status_text(int s)
{
  int sig = s & 0x7f;
  if (sig == 0)
    return g_strdup_printf("[{WIFEXITED(s) && WEXITSTATUS(s) == %d}]", (s >> 8) & 0xff);
  if (sig != 0x7f) {
    const char *n = gt_signal_name(sig);
    return g_strdup_printf("[{WIFSIGNALED(s) && WTERMSIG(s) == %s%s}]", n ? n : "?",
                           (s & 0x80) ? " && WCOREDUMP(s)" : "");
  }
  const char *n = gt_signal_name((s >> 8) & 0xff);
  return g_strdup_printf("[{WIFSTOPPED(s) && WSTOPSIG(s) == %s}]", n ? n : "?");
}

/* {ru_utime={tv_sec=0, tv_usec=87}, ru_stime={...}, ...}: the two
 * timevals at their BTF offsets inside struct rusage. */
static gboolean
rusage_text(GtDc *c, guint64 va, G_GNUC_UNUSED gint64 n, GString *s, JsonNode **json)
{
  GtStructView v;
  static const char *const fields[] = { "ru_utime", "ru_stime" };
  if (!dc_struct_read(c, "rusage", va, &v))
    return FALSE;
  JsonObject *o = json_object_new();
  g_autoptr(GString) t = g_string_new("{");
  for (guint i = 0; i < 2; i++) {
    guint len;
    const guint8 *m = sv_bytes(&v, fields[i], &len);
    JsonObject *tv = json_object_new();
    g_string_append_printf(t, "%s%s=", i ? ", " : "", fields[i]);
    if (!m || !dc_timeval(c, va + (guint64)(m - v.data), t, tv)) {
      json_object_unref(tv);
      json_object_unref(o);
      return FALSE;
    }
    json_object_set_object_member(o, fields[i], tv);
  }
  g_string_append(s, t->str);
  g_string_append(s, ", ...}");
  *json = json_node_new(JSON_NODE_OBJECT);
  json_node_take_object(*json, o);
  return TRUE;
}

/* The pid argument: 0x... never, an int always (strace's printpid). */
void
gt_dec_wait4(GtDc *c)
{
  if (!c->exiting) {
    dc_int(c, 0);
    dc_hex(c, 1);
    dc_flags(c, 2, &gt_xlat_wait_options, "0");
    dc_hex(c, 3);
    return;
  }
  /* No child reaped (WNOHANG: 0) or a failure: the addresses stay. */
  if (c->rec->result <= 0)
    return;
  gint32 st;
  if (dc_read(c, dc_arg(c, 1), &st, sizeof st)) {
    GtRecordArg *a = &c->rec->args[1];
    a->out_is_int = TRUE;
    a->out_int = st;
    dc_set(c, 1, status_text(st), NULL);
  }
  dc_pointee(c, 3, rusage_text, 0);
}

/* clock_t fields: ticks, and when non-zero the seconds in a comment
 * (strace's print_clock_t, with the USER_HZ ticks per second). */
static void
clock_t_text(GString *s, guint64 v)
{
  guint64 hz = gt_xlat_bits(&gt_xlat_user_hz, "HZ");
  g_string_append_printf(s, "%" G_GUINT64_FORMAT, v);
  if (v && hz == 100)
    g_string_append_printf(s, " /* %" G_GUINT64_FORMAT ".%02u s */", v / hz, (guint)(v % hz));
}

static const char *
si_code_name(gint32 signo, gint32 code)
{
  const char *n = gt_xlat_name(&gt_xlat_siginfo_codes, (guint64)(gint64)code);
  if (!n && signo == (gint32)gt_xlat_bits(&gt_xlat_signals, "SIGCHLD"))
    n = gt_xlat_name(&gt_xlat_sigchld_codes, (guint64)(gint64)code);
  return n;
}

/* A SIGCHLD siginfo as waitid fills it: {si_signo=SIGCHLD,
 * si_code=CLD_EXITED, si_pid=.., si_uid=.., si_status=.., si_utime=..,
 * si_stime=..}; "{}" when nothing was reaped (si_signo 0). Other signals
 * are not what waitid writes: only signo and code are shown. */
static gboolean
siginfo_text(GtDc *c, guint64 va, G_GNUC_UNUSED gint64 n, GString *s, JsonNode **json)
{
  GtStructView v;
  guint64 signo, err, code, pid, uid, status, utime, stime;
  if (!dc_struct_read(c, "siginfo", va, &v) || !sv_get(&v, "si_signo", TRUE, &signo) ||
      !sv_get(&v, "si_errno", TRUE, &err) || !sv_get(&v, "si_code", TRUE, &code))
    return FALSE;
  JsonObject *o = json_object_new();
  *json = json_node_new(JSON_NODE_OBJECT);
  json_node_take_object(*json, o);
  g_string_append_c(s, '{');
  if (!signo) {
    g_string_append_c(s, '}');
    return TRUE;
  }
  g_string_append(s, "si_signo=");
  dc_append_signal(s, signo);
  const char *cn = si_code_name((gint32)signo, (gint32)code);
  if (cn)
    g_string_append_printf(s, ", si_code=%s", cn);
  else
    g_string_append_printf(s, ", si_code=%d", (gint32)code);
  json_object_set_int_member(o, "si_signo", (gint64)signo);
  json_object_set_int_member(o, "si_code", (gint32)code);
  if ((gint32)err)
    g_string_append_printf(s, ", si_errno=%u", (guint32)err);
  gboolean chld = (gint32)code > 0 && signo == gt_xlat_bits(&gt_xlat_signals, "SIGCHLD");
  if (chld && sv_get(&v, "_sifields._sigchld._pid", TRUE, &pid) &&
      sv_get(&v, "_sifields._sigchld._uid", FALSE, &uid) &&
      sv_get(&v, "_sifields._sigchld._status", TRUE, &status) &&
      sv_get(&v, "_sifields._sigchld._utime", TRUE, &utime) &&
      sv_get(&v, "_sifields._sigchld._stime", TRUE, &stime)) {
    g_string_append_printf(s, ", si_pid=%d, si_uid=%u, si_status=", (gint32)pid, (guint32)uid);
    if (cn && !g_strcmp0(cn, "CLD_EXITED"))
      g_string_append_printf(s, "%d", (gint32)status);
    else
      dc_append_signal(s, (guint32)status);
    g_string_append(s, ", si_utime=");
    clock_t_text(s, utime);
    g_string_append(s, ", si_stime=");
    clock_t_text(s, stime);
    json_object_set_int_member(o, "si_pid", (gint32)pid);
    json_object_set_int_member(o, "si_uid", (guint32)uid);
    json_object_set_int_member(o, "si_status", (gint32)status);
    json_object_set_int_member(o, "si_utime", (gint64)utime);
    json_object_set_int_member(o, "si_stime", (gint64)stime);
  }
  g_string_append_c(s, '}');
  return TRUE;
}

void
gt_dec_waitid(GtDc *c)
{
  if (!c->exiting) {
    dc_xval(c, 0, &gt_xlat_waitid_types, "P_???");
    if (!g_strcmp0(gt_xlat_name(&gt_xlat_waitid_types, (guint32)dc_arg(c, 0)), "P_PIDFD"))
      dc_fd(c, 1);
    else
      dc_int(c, 1);
    dc_hex(c, 2);
    dc_flags(c, 3, &gt_xlat_wait_options, "0");
    dc_hex(c, 4);
    return;
  }
  dc_pointee(c, 2, siginfo_text, 0);
  dc_pointee(c, 4, rusage_text, 0);
}

void
gt_dec_getrusage(GtDc *c)
{
  if (!c->exiting) {
    dc_xval(c, 0, &gt_xlat_rusage_who, "RUSAGE_???");
    dc_hex(c, 1);
    return;
  }
  dc_pointee(c, 1, rusage_text, 0);
}
