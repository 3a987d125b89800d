/* strace's rendering of single arguments: numbers, addresses, modes,
 * descriptors, paths, strings, constants and flags. Every renderer sets
 * the text form and, where there is meaning beyond the number, the
 * decoded JSON value. */
#include "decode/decode-private.h"

#include <string.h>
#include "escape/escape.h"

/* AT_FDCWD is (-100) in linux/fcntl.h. */
#define DC_AT_FDCWD (-100)

static void
take_json(JsonNode **slot, JsonNode *n)
{
  if (*slot)
    json_node_unref(*slot);
  *slot = n;
}

void
dc_set(GtDc *c, guint i, char *text, JsonNode *decoded)
{
  GtRecordArg *a = &c->rec->args[i];
  if (c->exiting) {
    g_free(a->out);
    a->out = text;
    take_json(&a->out_json, decoded);
  } else {
    g_free(a->text);
    a->text = text;
    take_json(&a->decoded, decoded);
  }
}

void
dc_hide(GtDc *c, guint i)
{
  c->rec->args[i].hidden_in_text = TRUE;
}

void
dc_result(GtDc *c, char *text, JsonNode *decoded)
{
  g_free(c->rec->ret_text);
  c->rec->ret_text = text;
  take_json(&c->rec->ret_decoded, decoded);
}

JsonNode *
dc_json_int(gint64 v)
{
  JsonNode *n = json_node_new(JSON_NODE_VALUE);
  json_node_set_int(n, v);
  return n;
}

JsonNode *
dc_json_str(const char *s)
{
  JsonNode *n = json_node_new(JSON_NODE_VALUE);
  json_node_set_string(n, s);
  return n;
}

JsonNode *
dc_json_value(const char *name, guint64 raw)
{
  return name ? dc_json_str(name) : dc_json_int((gint64)raw);
}

/* The JSON number form of an argument (is_signed/svalue), kept for every
 * argument; text renderers below also call this. */
static void
set_num(GtRecordArg *a, gboolean is_signed, gint64 v)
{
  a->is_signed = is_signed;
  a->svalue = v;
}

void
dc_int(GtDc *c, guint i)
{
  GtRecordArg *a = &c->rec->args[i];
  set_num(a, TRUE, (gint32)a->value);
  dc_set(c, i, g_strdup_printf("%d", (gint32)a->value), NULL);
}

void
dc_uint(GtDc *c, guint i)
{
  GtRecordArg *a = &c->rec->args[i];
  set_num(a, FALSE, (guint32)a->value);
  dc_set(c, i, g_strdup_printf("%u", (guint32)a->value), NULL);
}

void
dc_long(GtDc *c, guint i)
{
  GtRecordArg *a = &c->rec->args[i];
  set_num(a, TRUE, (gint64)a->value);
  dc_set(c, i, g_strdup_printf("%" G_GINT64_FORMAT, (gint64)a->value), NULL);
}

void
dc_ulong(GtDc *c, guint i)
{
  GtRecordArg *a = &c->rec->args[i];
  set_num(a, FALSE, (gint64)a->value);
  dc_set(c, i, g_strdup_printf("%" G_GUINT64_FORMAT, a->value), NULL);
}

void
dc_addr_text(GString *s, guint64 va)
{
  if (va)
    g_string_append_printf(s, "%#" G_GINT64_MODIFIER "x", va);
  else
    g_string_append(s, "NULL");
}

gboolean
dc_array_unwalkable(GString *s, guint64 va, guint64 n, guint size)
{
  if (!va || (n && (n > G_MAXUINT64 / size || va + n * size <= va))) {
    dc_addr_text(s, va);
    return TRUE;
  }
  if (!n) {
    g_string_append(s, "[]");
    return TRUE;
  }
  return FALSE;
}

void
dc_hex(GtDc *c, guint i)
{
  GtRecordArg *a = &c->rec->args[i];
  set_num(a, FALSE, (gint64)a->value);
  GString *s = g_string_new(NULL);
  dc_addr_text(s, a->value);
  dc_set(c, i, g_string_free(s, FALSE), NULL);
}

void
dc_oct(GtDc *c, guint i)
{
  GtRecordArg *a = &c->rec->args[i];
  set_num(a, FALSE, (guint32)a->value);
  dc_set(c, i, g_strdup_printf("%#03o", (guint32)a->value), NULL);
}

void
dc_fd(GtDc *c, guint i)
{
  dc_int(c, i);
  g_autoptr(GString) s = g_string_new(c->exiting ? c->rec->args[i].out : c->rec->args[i].text);
  if (dc_append_fd_path(c, s, dc_i32(c, i)))
    dc_set(c, i, g_strdup(s->str), NULL);
}

void
dc_dirfd(GtDc *c, guint i)
{
  if (dc_i32(c, i) == DC_AT_FDCWD) {
    GtRecordArg *a = &c->rec->args[i];
    set_num(a, TRUE, DC_AT_FDCWD);
    g_autoptr(GString) s = g_string_new("AT_FDCWD");
    dc_append_fd_path(c, s, DC_AT_FDCWD);   /* -y: the working directory */
    dc_set(c, i, g_strdup(s->str), dc_json_str("AT_FDCWD"));
    return;
  }
  dc_fd(c, i);
}

void
gt_decode_options_init(GtDecodeOptions *o)
{
  o->text_size = GT_DECODE_TEXT_SIZE_DEFAULT;
  o->json_size = GT_DECODE_JSON_SIZE_DEFAULT;
  o->style = GT_ESCAPE_OCTAL;
  o->fd_paths = FALSE;
  o->envp_strings = TRUE;
}

const GtDecodeOptions *
dc_opt(const GtDc *c)
{
  static const GtDecodeOptions defaults = {
    GT_DECODE_TEXT_SIZE_DEFAULT, GT_DECODE_JSON_SIZE_DEFAULT, GT_ESCAPE_OCTAL, FALSE, TRUE,
  };
  return c->rd->opt ? c->rd->opt : &defaults;
}

/* Bytes to read for a string or buffer: what text shows and JSON keeps. */
static gsize
read_size(const GtDc *c)
{
  const GtDecodeOptions *o = dc_opt(c);
  return MIN((gsize)GT_DECODE_SIZE_LIMIT, MAX(o->json_size, (gsize)o->text_size));
}

char *
dc_quote(const GtDc *c, const guint8 *data, gsize len, gboolean more)
{
  return gt_escape_quoted(data, len, dc_opt(c)->text_size, more, dc_opt(c)->style);
}

gboolean
dc_append_fd_path(const GtDc *c, GString *s, gint fd)
{
  if (!dc_opt(c)->fd_paths || !c->rd->describe_fd)
    return FALSE;
  g_autoptr(GString) path = g_string_new(NULL);
  gboolean deleted = FALSE;
  if (!c->rd->describe_fd(c->rd->ctx, fd, path, &deleted))
    return FALSE;
  gt_record_note_fd_path(c->rec, fd, path->str, path->len, deleted);
  /* strace escapes '<' and '>' inside the brackets; "(deleted)" follows. */
  g_string_append_c(s, '<');
  gt_escape_append_text(s, path->str, path->len, dc_opt(c)->style, "<>\\\"");
  g_string_append_c(s, '>');
  if (deleted)
    g_string_append(s, "(deleted)");
  return TRUE;
}

void
dc_fd_result(GtDc *c)
{
  if (!c->exiting || !dc_ok(c))
    return;
  g_autoptr(GString) s = g_string_new(NULL);
  g_string_append_printf(s, "%" G_GINT64_FORMAT, c->rec->result);
  if (dc_append_fd_path(c, s, (gint)c->rec->result))
    dc_result(c, g_strdup(s->str), NULL);
}

/* strace reads a string's first max + 1 bytes (a path's first
 * GT_DECODE_STRING_MAX) and shows the address when an unreadable byte
 * comes before the NUL in them. The reader stopped after n bytes without a
 * NUL: at its limit, or at an unreadable page; one byte more tells which. */
static gboolean
runs_into_unreadable(const GtDc *c, guint64 va, gsize n, gsize max)
{
  gsize window = max == G_MAXSIZE ? GT_DECODE_STRING_MAX : max + 1;
  guint8 b;
  return n < window && c->rd->read_bytes(c->rd->ctx, va + n, &b, 1) != 1;
}

/* A NUL-terminated string: text cut at `max` (G_MAXSIZE: a path, never
 * cut, read up to GT_DECODE_STRING_MAX). */
static void
string_arg(GtDc *c, guint i, gsize max)
{
  gsize limit = max == G_MAXSIZE ? GT_DECODE_STRING_MAX : read_size(c);
  GtRecordArg *a = &c->rec->args[i];
  if (!a->value) {
    dc_hex(c, i);
    return;
  }
  gboolean trunc = FALSE;
  g_autofree char *s = c->rd->read_string(c->rd->ctx, a->value, limit, &trunc);
  if (!s) {
    dc_hex(c, i);
    return;
  }
  gsize n = strlen(s);
  if (trunc && runs_into_unreadable(c, a->value, n, max)) {
    dc_hex(c, i);
    return;
  }
  dc_set(c, i, gt_escape_quoted(s, n, max, trunc, dc_opt(c)->style), NULL);
  if (c->exiting) {
    g_free(a->out_str);
    a->out_str = g_steal_pointer(&s);
  } else {
    g_free(a->str);
    a->str = g_steal_pointer(&s);
  }
}

void
dc_path(GtDc *c, guint i)
{
  string_arg(c, i, G_MAXSIZE);
}

void
dc_cstr(GtDc *c, guint i)
{
  string_arg(c, i, dc_opt(c)->text_size);
}

guint8 *
dc_strn(const GtDc *c, guint64 va, guint64 len, GString *s, gsize *got)
{
  if (!va) {
    g_string_append(s, "NULL");
    return NULL;
  }
  gsize want = (gsize)MIN(len, (guint64)read_size(c));
  guint8 *buf = g_malloc(want + 1);
  if (want && c->rd->read_bytes(c->rd->ctx, va, buf, want) != want) {
    g_free(buf);
    g_string_append_printf(s, "%#" G_GINT64_MODIFIER "x", va);
    return NULL;
  }
  buf[want] = 0;   /* a buffer may hold NULs: its length is kept */
  g_autofree char *q = dc_quote(c, buf, want, len > want);
  g_string_append(s, q);
  *got = want;
  return buf;
}

void
dc_buf(GtDc *c, guint i, gint64 len)
{
  GtRecordArg *a = &c->rec->args[i];
  if (!a->value || len < 0) {
    dc_hex(c, i);
    return;
  }
  g_autoptr(GString) s = g_string_new(NULL);
  gsize got = 0;
  guint8 *buf = dc_strn(c, a->value, (guint64)len, s, &got);
  if (!buf) {
    dc_hex(c, i);
    return;
  }
  dc_set(c, i, g_strdup(s->str), NULL);
  if (c->exiting) {
    g_free(a->out_str);
    a->out_str = (char *)buf;
    a->out_str_len = got;
  } else {
    g_free(a->str);
    a->str = (char *)buf;
    a->str_len = got;
  }
}

void
dc_xval(GtDc *c, guint i, const GtXlat *x, const char *dflt)
{
  GtRecordArg *a = &c->rec->args[i];
  guint64 v = a->value;
  /* Constants are ints in every call that takes them. */
  if ((gint64)(gint32)v == (gint64)v || (v >> 32) == 0)
    v = (guint32)v;
  set_num(a, FALSE, (gint64)v);
  /* A negative constant (RUSAGE_CHILDREN, -1) sits in the tables
   * sign-extended. */
  const char *n = gt_xlat_name(x, v);
  if (!n && v == (guint32)v && (gint32)v < 0)
    n = gt_xlat_name(x, (guint64)(gint64)(gint32)v);
  GString *s = g_string_new(n);
  if (!n)
    gt_xlat_print_value(s, x, v, dflt);
  dc_set(c, i, g_string_free(s, FALSE), n ? dc_json_str(n) : NULL);
}

void
dc_flags(GtDc *c, guint i, const GtXlat *x, const char *zero)
{
  GtRecordArg *a = &c->rec->args[i];
  guint64 v = (guint32)a->value;
  set_num(a, FALSE, (gint64)v);
  GString *s = g_string_new(NULL);
  gt_xlat_print_flags(s, x, v, zero);
  dc_set(c, i, g_string_free(s, FALSE), gt_xlat_flags_json(x, v));
}

void
dc_append_signal(GString *s, guint64 sig)
{
  const char *n = sig <= 64 ? gt_signal_name((int)sig) : NULL;
  if (n)
    g_string_append(s, n);
  else
    g_string_append_printf(s, "%" G_GUINT64_FORMAT, sig);
}

void
dc_signal(GtDc *c, guint i)
{
  GtRecordArg *a = &c->rec->args[i];
  gint32 v = (gint32)a->value;
  set_num(a, TRUE, v);
  const char *n = v > 0 ? gt_signal_name(v) : NULL;
  dc_set(c, i, n ? g_strdup(n) : g_strdup_printf("%d", v), n ? dc_json_str(n) : NULL);
}

void
dc_out_int(GtDc *c, guint i)
{
  gint32 v;
  if (!c->exiting) {
    dc_hex(c, i);
    return;
  }
  if (!dc_ok(c) || !dc_arg(c, i) || !dc_read(c, dc_arg(c, i), &v, sizeof v))
    return;
  dc_set(c, i, g_strdup_printf("[%d]", v), dc_json_int(v));
}

gboolean
dc_read(const GtDc *c, guint64 va, void *buf, gsize len)
{
  return va && c->rd->read_bytes(c->rd->ctx, va, buf, len) == len;
}

void
dc_pointee(GtDc *c, guint i, GtDcPointeeFn fn, gint64 n)
{
  if (!c->exiting)
    dc_hex(c, i);
  if (!dc_arg(c, i) || (c->exiting && !dc_ok(c)))
    return;
  g_autoptr(GString) s = g_string_new(NULL);
  JsonNode *j = NULL;
  if (fn(c, dc_arg(c, i), n, s, &j))
    dc_set(c, i, g_string_free(g_steal_pointer(&s), FALSE), j);
  else if (j)
    json_node_unref(j);
}
