/* Decoders of descriptor calls: close, dup*, pipe*, fcntl, memfd_create,
 * eventfd2. fcntl's result is decoded by command, as strace does. */
#include "decode/decode-private.h"
#include "decode/families.h"

void gt_dec_fd(GtDc *c) { if (!c->exiting) dc_fd(c, 0); }

/* A call that returns a new descriptor (dup, epoll_create...). */
void
gt_dec_dup(GtDc *c)
{
  if (!c->exiting)
    dc_fd(c, 0);
  dc_fd_result(c);
}

void
gt_dec_dup2(GtDc *c)
{
  if (c->exiting) {
    dc_fd_result(c);
    return;
  }
  dc_fd(c, 0);
  dc_fd(c, 1);
}

void
gt_dec_dup3(GtDc *c)
{
  if (c->exiting) {
    dc_fd_result(c);
    return;
  }
  dc_fd(c, 0);
  dc_fd(c, 1);
  dc_flags(c, 2, &gt_xlat_open_flags, "0");
}

/* The two descriptors written back: [3, 4]. */
static void
fd_pair_out(GtDc *c, guint i)
{
  gint32 v[2];
  if (!c->exiting) {
    dc_hex(c, i);
    return;
  }
  if (!dc_ok(c) || !dc_read(c, dc_arg(c, i), v, sizeof v))
    return;
  GtRecordArg *a = &c->rec->args[i];
  if (!a->out_ints) {
    a->out_ints = g_array_new(FALSE, FALSE, sizeof(gint64));
    for (guint k = 0; k < 2; k++) {
      gint64 x = v[k];
      g_array_append_val(a->out_ints, x);
    }
  }
  g_autoptr(GString) s = g_string_new("[");
  for (guint k = 0; k < 2; k++) {
    g_string_append_printf(s, "%s%d", k ? ", " : "", v[k]);
    dc_append_fd_path(c, s, v[k]);
  }
  g_string_append_c(s, ']');
  dc_set(c, i, g_strdup(s->str), NULL);
}

void
gt_dec_pipe(GtDc *c)
{
  fd_pair_out(c, 0);
}

void
gt_dec_pipe2(GtDc *c)
{
  fd_pair_out(c, 0);
  if (!c->exiting)
    dc_flags(c, 1, &gt_xlat_open_flags, "0");
}

void
gt_dec_socketpair_fds(GtDc *c, guint i)
{
  fd_pair_out(c, i);
}

/* fcntl(fd, cmd, arg): which commands take an argument, and how their
 * results read, is strace's knowledge of the commands. */
void
gt_dec_fcntl(GtDc *c)
{
  const char *cmd = gt_xlat_name(&gt_xlat_fcntl_cmds, (guint32)dc_arg(c, 1));
  if (!c->exiting) {
    dc_fd(c, 0);
    dc_xval(c, 1, &gt_xlat_fcntl_cmds, "F_???");
    if (!cmd || !g_strcmp0(cmd, "F_GETFD") || !g_strcmp0(cmd, "F_GETFL") ||
        !g_strcmp0(cmd, "F_GETOWN") || !g_strcmp0(cmd, "F_GETSIG") ||
        !g_strcmp0(cmd, "F_GETLEASE") || !g_strcmp0(cmd, "F_GETPIPE_SZ") ||
        !g_strcmp0(cmd, "F_GET_SEALS")) {
      dc_hex(c, 2);
      if (cmd)
        dc_hide(c, 2);
    } else if (!g_strcmp0(cmd, "F_SETFD")) {
      dc_flags(c, 2, &gt_xlat_fd_flags, "0");
    } else if (!g_strcmp0(cmd, "F_SETFL")) {
      GString *s = g_string_new(NULL);
      gt_open_flags_text(s, (guint32)dc_arg(c, 2));
      dc_set(c, 2, g_string_free(s, FALSE), gt_open_flags_json((guint32)dc_arg(c, 2)));
    } else if (!g_strcmp0(cmd, "F_SETSIG")) {
      dc_signal(c, 2);
    } else if (!g_strcmp0(cmd, "F_DUPFD") || !g_strcmp0(cmd, "F_DUPFD_CLOEXEC") ||
               !g_strcmp0(cmd, "F_SETOWN") || !g_strcmp0(cmd, "F_SETPIPE_SZ")) {
      dc_int(c, 2);
    } else {
      dc_hex(c, 2);
    }
    if (c->rec->nargs > 3)
      for (guint k = 3; k < c->rec->nargs; k++)
        dc_hide(c, k);
    return;
  }
  if (!dc_ok(c) || !cmd)
    return;
  if (!g_strcmp0(cmd, "F_DUPFD") || !g_strcmp0(cmd, "F_DUPFD_CLOEXEC")) {
    dc_fd_result(c);
    return;
  }
  guint64 r = (guint64)c->rec->result;
  GString *s = g_string_new(NULL);
  if (!g_strcmp0(cmd, "F_GETFD")) {
    g_string_append_printf(s, "%#" G_GINT64_MODIFIER "x (flags ", r);
    gt_xlat_print_flags(s, &gt_xlat_fd_flags, r, "0");
    g_string_append_c(s, ')');
    dc_result(c, g_string_free(s, FALSE), gt_xlat_flags_json(&gt_xlat_fd_flags, r));
  } else if (!g_strcmp0(cmd, "F_GETFL")) {
    g_string_append_printf(s, "%#" G_GINT64_MODIFIER "x (flags ", r);
    gt_open_flags_text(s, r);
    g_string_append_c(s, ')');
    dc_result(c, g_string_free(s, FALSE), gt_open_flags_json(r));
  } else {
    g_string_free(s, TRUE);
  }
}

void
gt_dec_memfd_create(GtDc *c)
{
  if (c->exiting) {
    dc_fd_result(c);
    return;
  }
  dc_path(c, 0);
  dc_flags(c, 1, &gt_xlat_memfd_flags, "0");
}

void
gt_dec_eventfd2(GtDc *c)
{
  if (c->exiting) {
    dc_fd_result(c);
    return;
  }
  dc_uint(c, 0);
  dc_flags(c, 1, &gt_xlat_eventfd_flags, "0");
}

void
gt_dec_flock(GtDc *c)
{
  if (c->exiting)
    return;
  dc_fd(c, 0);
  dc_flags(c, 1, &gt_xlat_flock_ops, "0");
}
