/* ioctl: the request by name (every name of its number, as strace), and
 * the terminal requests' arguments as strace 6.1 prints them by default
 * (term.c): struct termios (abbreviated: the four flag words, then "..."),
 * struct winsize, ints through pointers, TCFLSH/TCXONC by name. Layouts
 * come from the guest's BTF; output structs are shown at the return. */
#include "decode/decode-private.h"
#include "decode/families.h"

#include <string.h>

static guint64
mask(const char *name)
{
  return gt_xlat_bits(&gt_xlat_term_masks, name);
}

/* c_oflag: each delay field by value, then the single bits. */
static void
oflag_text(GString *s, guint64 v)
{
  static const struct {
    const GtXlat *x;
    const char *mask, *dflt;
  } fields[] = {
    { &gt_xlat_term_oflags_nldly, "NLDLY", "NL?" },   { &gt_xlat_term_oflags_crdly, "CRDLY", "CR?" },
    { &gt_xlat_term_oflags_tabdly, "TABDLY", "TAB?" }, { &gt_xlat_term_oflags_bsdly, "BSDLY", "BS?" },
    { &gt_xlat_term_oflags_vtdly, "VTDLY", "VT?" },   { &gt_xlat_term_oflags_ffdly, "FFDLY", "FF?" },
  };
  for (guint i = 0; i < G_N_ELEMENTS(fields); i++) {
    guint64 m = mask(fields[i].mask);
    gt_xlat_print_value(s, fields[i].x, v & m, fields[i].dflt);
    g_string_append_c(s, '|');
    v &= ~m;
  }
  gt_xlat_print_flags(s, &gt_xlat_term_oflags, v, "");
}

/* c_cflag: output speed, input speed when set (B...<<IBSHIFT), character
 * size, then the single bits. */
static void
cflag_text(GString *s, guint64 v)
{
  guint64 cbaud = mask("CBAUD"), cibaud = mask("CIBAUD"), csize = mask("CSIZE");
  guint64 shift = mask("IBSHIFT");
  gt_xlat_print_value(s, &gt_xlat_baud_options, v & cbaud, "B???");
  g_string_append_c(s, '|');
  if (v & cibaud) {
    gt_xlat_print_value(s, &gt_xlat_baud_options, (v & cibaud) >> shift, "B???");
    g_string_append(s, "<<IBSHIFT|");
  }
  gt_xlat_print_value(s, &gt_xlat_term_cflags_csize, v & csize, "CS?");
  g_string_append_c(s, '|');
  gt_xlat_print_flags(s, &gt_xlat_term_cflags, v & ~(cbaud | cibaud | csize), "");
}

/* strace prints the flag words with printflags64(..., NULL): no bits set
 * prints nothing at all ("c_iflag=,"). */
static gboolean
termios_text(GtDc *c, guint64 va, G_GNUC_UNUSED gint64 n, GString *s, JsonNode **json)
{
  GtStructView v;
  guint64 f[4];
  static const char *const names[] = { "c_iflag", "c_oflag", "c_cflag", "c_lflag" };
  if (!dc_struct_read(c, "termios", va, &v))
    return FALSE;
  for (guint i = 0; i < 4; i++)
    if (!sv_get(&v, names[i], FALSE, &f[i]))
      return FALSE;
  g_string_append(s, "{c_iflag=");
  gt_xlat_print_flags(s, &gt_xlat_term_iflags, f[0], "");
  g_string_append(s, ", c_oflag=");
  oflag_text(s, f[1]);
  g_string_append(s, ", c_cflag=");
  cflag_text(s, f[2]);
  g_string_append(s, ", c_lflag=");
  gt_xlat_print_flags(s, &gt_xlat_term_lflags, f[3], "");
  g_string_append(s, ", ...}");
  JsonObject *o = json_object_new();
  for (guint i = 0; i < 4; i++)
    json_object_set_int_member(o, names[i], (gint64)f[i]);
  json_object_set_member(o, "c_iflag_names", gt_xlat_flags_json(&gt_xlat_term_iflags, f[0]));
  json_object_set_member(o, "c_lflag_names", gt_xlat_flags_json(&gt_xlat_term_lflags, f[3]));
  *json = json_node_new(JSON_NODE_OBJECT);
  json_node_take_object(*json, o);
  return TRUE;
}

static gboolean
winsize_text(GtDc *c, guint64 va, G_GNUC_UNUSED gint64 n, GString *s, JsonNode **json)
{
  GtStructView v;
  static const char *const names[] = { "ws_row", "ws_col", "ws_xpixel", "ws_ypixel" };
  guint64 f[4];
  if (!dc_struct_read(c, "winsize", va, &v))
    return FALSE;
  for (guint i = 0; i < 4; i++)
    if (!sv_get(&v, names[i], FALSE, &f[i]))
      return FALSE;
  JsonObject *o = json_object_new();
  g_string_append_c(s, '{');
  for (guint i = 0; i < 4; i++) {
    g_string_append_printf(s, "%s%s=%" G_GUINT64_FORMAT, i ? ", " : "", names[i], f[i]);
    json_object_set_int_member(o, names[i], (gint64)f[i]);
  }
  g_string_append_c(s, '}');
  *json = json_node_new(JSON_NODE_OBJECT);
  json_node_take_object(*json, o);
  return TRUE;
}

/* How a request's third argument is shown: read at the call (in), at the
 * return (out), or a plain value. */
typedef enum { ARG_ADDR, ARG_NONE, ARG_INT, ARG_FLUSH, ARG_XONC } ArgKind;

typedef struct {
  const char *request;
  ArgKind kind;
  GtDcPointeeFn fn;     /* a struct pointer: fn; an int pointer: NULL */
  gboolean out;         /* shown at the return */
} TermReq;

/* Which request takes what: strace's term.c (the facts of each request's
 * argument, hand-copied; the numbers come from the headers). */
static const TermReq term_reqs[] = {
  { "TCGETS", ARG_ADDR, termios_text, TRUE },
  { "TIOCGLCKTRMIOS", ARG_ADDR, termios_text, TRUE },
  { "TCSETS", ARG_ADDR, termios_text, FALSE },
  { "TCSETSW", ARG_ADDR, termios_text, FALSE },
  { "TCSETSF", ARG_ADDR, termios_text, FALSE },
  { "TIOCSLCKTRMIOS", ARG_ADDR, termios_text, FALSE },
  { "TIOCGWINSZ", ARG_ADDR, winsize_text, TRUE },
  { "TIOCSWINSZ", ARG_ADDR, winsize_text, FALSE },
  { "TIOCGPGRP", ARG_ADDR, NULL, TRUE },
  { "TIOCGSID", ARG_ADDR, NULL, TRUE },
  { "TIOCGETD", ARG_ADDR, NULL, TRUE },
  { "TIOCGSOFTCAR", ARG_ADDR, NULL, TRUE },
  { "FIONREAD", ARG_ADDR, NULL, TRUE },
  { "TIOCOUTQ", ARG_ADDR, NULL, TRUE },
  { "TIOCSPGRP", ARG_ADDR, NULL, FALSE },
  { "TIOCSETD", ARG_ADDR, NULL, FALSE },
  { "FIONBIO", ARG_ADDR, NULL, FALSE },
  { "FIOASYNC", ARG_ADDR, NULL, FALSE },
  { "TIOCPKT", ARG_ADDR, NULL, FALSE },
  { "TIOCSSOFTCAR", ARG_ADDR, NULL, FALSE },
  { "TCXONC", ARG_XONC, NULL, FALSE },
  { "TCFLSH", ARG_FLUSH, NULL, FALSE },
  { "TCSBRK", ARG_INT, NULL, FALSE },
  { "TCSBRKP", ARG_INT, NULL, FALSE },
  { "TIOCSCTTY", ARG_INT, NULL, FALSE },
  { "TIOCSBRK", ARG_NONE, NULL, FALSE },
  { "TIOCCBRK", ARG_NONE, NULL, FALSE },
  { "TIOCCONS", ARG_NONE, NULL, FALSE },
  { "TIOCNOTTY", ARG_NONE, NULL, FALSE },
  { "TIOCEXCL", ARG_NONE, NULL, FALSE },
  { "TIOCNXCL", ARG_NONE, NULL, FALSE },
  { "FIOCLEX", ARG_NONE, NULL, FALSE },
  { "FIONCLEX", ARG_NONE, NULL, FALSE },
  { "TIOCVHANGUP", ARG_NONE, NULL, FALSE },
};

static const TermReq *
term_req(guint32 req)
{
  for (guint i = 0; i < G_N_ELEMENTS(term_reqs); i++)
    if (gt_xlat_bits(&gt_xlat_ioctl_cmds, term_reqs[i].request) == req)
      return &term_reqs[i];
  return NULL;
}

/* An int through a pointer, "[42]" (strace's printnum_int). */
static gboolean
int_text(GtDc *c, guint64 va, G_GNUC_UNUSED gint64 n, GString *s, JsonNode **json)
{
  gint32 v;
  if (!dc_read(c, va, &v, sizeof v))
    return FALSE;
  g_string_append_printf(s, "[%d]", v);
  *json = dc_json_int(v);
  return TRUE;
}

static void
request_arg(GtDc *c, const TermReq *t)
{
  switch (t->kind) {
  case ARG_NONE:
    dc_hide(c, 2);
    break;
  case ARG_INT:
    dc_int(c, 2);
    break;
  case ARG_FLUSH:
    dc_xval(c, 2, &gt_xlat_tcflsh_options, "TC???");
    break;
  case ARG_XONC:
    dc_xval(c, 2, &gt_xlat_tcxonc_options, "TC???");
    break;
  case ARG_ADDR:
    if (!t->out)
      dc_pointee(c, 2, t->fn ? t->fn : int_text, 0);
    break;
  }
}

void
gt_dec_ioctl(GtDc *c)
{
  guint32 req = (guint32)dc_arg(c, 1);
  const TermReq *t = term_req(req);
  if (!c->exiting) {
    dc_fd(c, 0);
    dc_xval(c, 1, &gt_xlat_ioctl_cmds, "_IOC(...)");
    g_autoptr(GString) s = g_string_new(NULL);
    if (gt_xlat_print_all_names(s, &gt_xlat_ioctl_cmds, req) && strstr(s->str, " or "))
      dc_set(c, 1, g_strdup(s->str), dc_json_str(s->str));
    dc_hex(c, 2);
    if (t)
      request_arg(c, t);
    return;
  }
  if (t && t->kind == ARG_ADDR && t->out)
    dc_pointee(c, 2, t->fn ? t->fn : int_text, 0);
}
