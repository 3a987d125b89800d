/* Decoders of the file-system calls: open, read/write, stat, paths,
 * links, modes, directories. strace's rules: the open mode appears only
 * with O_CREAT or O_TMPFILE; read buffers are shown at the return, cut at
 * the result; paths are never cut. */
#include "decode/decode-private.h"
#include "decode/families.h"
#include "escape/escape.h"

/* open's flags: the access mode (a two-bit value), then the flags; the
 * same rendering for fcntl's F_SETFL and F_GETFL. */
void
gt_open_flags_text(GString *s, guint64 v)
{
  gt_xlat_print_value(s, &gt_xlat_open_access, v & 3, "O_???");
  if (v & ~3ULL) {
    g_string_append_c(s, '|');
    gt_xlat_print_flags(s, &gt_xlat_open_flags, v & ~3ULL, NULL);
  }
}

JsonNode *
gt_open_flags_json(guint64 v)
{
  const char *acc = gt_xlat_name(&gt_xlat_open_access, v & 3);
  g_autoptr(JsonNode) rest = gt_xlat_flags_json(&gt_xlat_open_flags, v & ~3ULL);
  JsonArray *a = json_array_new();
  if (acc)
    json_array_add_string_element(a, acc);
  else
    json_array_add_int_element(a, (gint64)(v & 3));
  JsonArray *r = json_node_get_array(rest);
  for (guint i = 0; i < json_array_get_length(r); i++)
    json_array_add_element(a, json_node_copy(json_array_get_element(r, i)));
  JsonNode *n = json_node_new(JSON_NODE_ARRAY);
  json_node_take_array(n, a);
  return n;
}

static void
open_flags(GtDc *c, guint i)
{
  GtRecordArg *a = &c->rec->args[i];
  guint64 v = (guint32)a->value;
  GString *s = g_string_new(NULL);
  gt_open_flags_text(s, v);
  a->is_signed = FALSE;
  a->svalue = (gint64)v;
  dc_set(c, i, g_string_free(s, FALSE), gt_open_flags_json(v));
}

/* The mode matters only with O_CREAT or __O_TMPFILE. */
static void
open_mode(GtDc *c, guint flags_i, guint mode_i)
{
  guint64 f = (guint32)dc_arg(c, flags_i);
  guint64 creat = 0, tmpfile = 0;
  for (guint k = 0; k < gt_xlat_open_flags.n; k++) {
    if (!g_strcmp0(gt_xlat_open_flags.entries[k].name, "O_CREAT"))
      creat = gt_xlat_open_flags.entries[k].value;
    if (!g_strcmp0(gt_xlat_open_flags.entries[k].name, "O_TMPFILE"))
      tmpfile = gt_xlat_open_flags.entries[k].value;
  }
  dc_oct(c, mode_i);
  if (!(f & creat) && (f & tmpfile) != tmpfile)
    dc_hide(c, mode_i);
}

/* The open family: [dirfd,] the path, then the flags and the mode they
 * call for (creat: the mode alone); at the return, the descriptor.
 * path_i: where the path is (1 after openat's dirfd). */
static void
open_family(GtDc *c, guint path_i, gboolean has_flags)
{
  if (c->exiting) {
    dc_fd_result(c);
    return;
  }
  if (path_i > 0)
    dc_dirfd(c, 0);
  dc_path(c, path_i);
  if (!has_flags) {
    dc_oct(c, path_i + 1);
    return;
  }
  open_flags(c, path_i + 1);
  open_mode(c, path_i + 1, path_i + 2);
}

void gt_dec_open(GtDc *c) { open_family(c, 0, TRUE); }
void gt_dec_openat(GtDc *c) { open_family(c, 1, TRUE); }
void gt_dec_creat(GtDc *c) { open_family(c, 0, FALSE); }

/* read(fd, buf, count): the buffer at the return, result bytes. */
void
gt_dec_read(GtDc *c)
{
  if (!c->exiting) {
    dc_fd(c, 0);
    dc_hex(c, 1);
    dc_ulong(c, 2);
    if (c->rec->nargs > 3)
      dc_long(c, 3);
  } else if (dc_ok(c)) {
    dc_buf(c, 1, c->rec->result);
  }
}

void
gt_dec_write(GtDc *c)
{
  if (c->exiting)
    return;
  dc_fd(c, 0);
  dc_buf(c, 1, (gint64)dc_arg(c, 2));
  dc_ulong(c, 2);
  if (c->rec->nargs > 3)
    dc_long(c, 3);
}

void
gt_dec_lseek(GtDc *c)
{
  if (c->exiting)
    return;
  dc_fd(c, 0);
  dc_long(c, 1);
  dc_xval(c, 2, &gt_xlat_whence, "SEEK_???");
}

/* {st_mode=S_IFREG|0644, st_size=N, ...}; devices show st_rdev instead of
 * st_size, as strace does. */
static void
stat_out(GtDc *c, guint i)
{
  GtStructView v;
  guint64 mode, size, rdev;
  if (!c->exiting) {
    dc_hex(c, i);
    return;
  }
  if (!dc_ok(c) || !dc_struct_read(c, "stat", dc_arg(c, i), &v) ||
      !sv_get(&v, "st_mode", FALSE, &mode) || !sv_get(&v, "st_size", TRUE, &size) ||
      !sv_get(&v, "st_rdev", FALSE, &rdev))
    return;
  GString *s = g_string_new("{st_mode=");
  JsonObject *o = json_object_new();
  const char *type = gt_xlat_name(&gt_xlat_file_types, mode & 0170000);
  dc_mode_text(s, (guint32)mode);
  json_object_set_string_member(o, "st_mode_type", type ? type : "");
  json_object_set_int_member(o, "st_mode", (gint64)mode);
  if (type && (!g_strcmp0(type, "S_IFCHR") || !g_strcmp0(type, "S_IFBLK"))) {
    /* The kernel's new_encode_dev layout. */
    guint major = (guint)((rdev & 0xfff00) >> 8), minor = (guint)((rdev & 0xff) | ((rdev >> 12) & 0xfff00));
    g_string_append_printf(s, ", st_rdev=makedev(%#x, %#x)", major, minor);
    json_object_set_int_member(o, "st_rdev", (gint64)rdev);
  } else {
    g_string_append_printf(s, ", st_size=%" G_GINT64_FORMAT, (gint64)size);
  }
  json_object_set_int_member(o, "st_size", (gint64)size);
  static const char *const more[] = { "st_ino", "st_nlink", "st_uid", "st_gid", "st_blksize",
                                      "st_blocks", "st_dev" };
  for (guint k = 0; k < G_N_ELEMENTS(more); k++) {
    guint64 x;
    if (sv_get(&v, more[k], FALSE, &x))
      json_object_set_int_member(o, more[k], (gint64)x);
  }
  g_string_append(s, ", ...}");
  JsonNode *n = json_node_new(JSON_NODE_OBJECT);
  json_node_take_object(n, o);
  dc_set(c, i, g_string_free(s, FALSE), n);
}

void
gt_dec_stat(GtDc *c)
{
  if (!c->exiting)
    dc_path(c, 0);
  stat_out(c, 1);
}

void
gt_dec_fstat(GtDc *c)
{
  if (!c->exiting)
    dc_fd(c, 0);
  stat_out(c, 1);
}

void
gt_dec_newfstatat(GtDc *c)
{
  if (!c->exiting) {
    dc_dirfd(c, 0);
    dc_path(c, 1);
    dc_flags(c, 3, &gt_xlat_at_flags, "0");
  }
  stat_out(c, 2);
}

static void
access_mode(GtDc *c, guint i)
{
  dc_flags(c, i, &gt_xlat_access_modes, "F_OK");
}

void
gt_dec_access(GtDc *c)
{
  if (c->exiting)
    return;
  dc_path(c, 0);
  access_mode(c, 1);
}

void
gt_dec_faccessat(GtDc *c)
{
  if (c->exiting)
    return;
  dc_dirfd(c, 0);
  dc_path(c, 1);
  access_mode(c, 2);
  if (c->rec->nargs > 3)
    dc_flags(c, 3, &gt_xlat_faccessat_flags, "0");
}

/* A link's target written back: result bytes, shown whole as a path is
 * (what was read: at most the read size, never past the buffer). */
static void
link_out(GtDc *c, guint i)
{
  GtRecordArg *a = &c->rec->args[i];
  dc_buf(c, i, c->rec->result);
  if (!a->out_str)
    return;
  g_free(a->out);
  a->out = gt_escape_quoted(a->out_str, a->out_str_len, G_MAXSIZE,
                            (gsize)c->rec->result > a->out_str_len, dc_opt(c)->style);
}

/* readlink(path, buf, size): buf at the return, result bytes. */
void
gt_dec_readlink(GtDc *c)
{
  if (!c->exiting) {
    dc_path(c, 0);
    dc_hex(c, 1);
    dc_int(c, 2);
  } else if (dc_ok(c)) {
    link_out(c, 1);
  }
}

void
gt_dec_readlinkat(GtDc *c)
{
  if (!c->exiting) {
    dc_dirfd(c, 0);
    dc_path(c, 1);
    dc_hex(c, 2);
    dc_int(c, 3);
  } else if (dc_ok(c)) {
    link_out(c, 2);
  }
}

/* getcwd(buf, size): the path at the return (result bytes with the NUL). */
void
gt_dec_getcwd(GtDc *c)
{
  if (!c->exiting) {
    dc_hex(c, 0);
    dc_ulong(c, 1);
  } else if (dc_ok(c)) {
    dc_path(c, 0);
  }
}

void gt_dec_path(GtDc *c) { if (!c->exiting) dc_path(c, 0); }

void
gt_dec_path_path(GtDc *c)
{
  if (c->exiting)
    return;
  dc_path(c, 0);
  dc_path(c, 1);
}

void
gt_dec_path_mode(GtDc *c)
{
  if (c->exiting)
    return;
  dc_path(c, 0);
  dc_oct(c, 1);
}

void
gt_dec_fd_mode(GtDc *c)
{
  if (c->exiting)
    return;
  dc_fd(c, 0);
  dc_oct(c, 1);
}

void
gt_dec_dirfd_path_mode(GtDc *c)
{
  if (c->exiting)
    return;
  dc_dirfd(c, 0);
  dc_path(c, 1);
  dc_oct(c, 2);
}

void
gt_dec_chown(GtDc *c)
{
  if (c->exiting)
    return;
  dc_path(c, 0);
  dc_int(c, 1);
  dc_int(c, 2);
}

void
gt_dec_fchown(GtDc *c)
{
  if (c->exiting)
    return;
  dc_fd(c, 0);
  dc_int(c, 1);
  dc_int(c, 2);
}

void
gt_dec_path_len(GtDc *c)
{
  if (c->exiting)
    return;
  dc_path(c, 0);
  dc_long(c, 1);
}

void
gt_dec_fd_len(GtDc *c)
{
  if (c->exiting)
    return;
  dc_fd(c, 0);
  dc_long(c, 1);
}

void
gt_dec_umask(GtDc *c)
{
  if (!c->exiting)
    dc_oct(c, 0);
  else if (dc_ok(c))
    dc_result(c, g_strdup_printf("%#03o", (guint)c->rec->result), NULL);
}

void
gt_dec_unlinkat(GtDc *c)
{
  if (c->exiting)
    return;
  dc_dirfd(c, 0);
  dc_path(c, 1);
  dc_flags(c, 2, &gt_xlat_unlinkat_flags, "0");
}

void
gt_dec_symlinkat(GtDc *c)
{
  if (c->exiting)
    return;
  dc_path(c, 0);
  dc_dirfd(c, 1);
  dc_path(c, 2);
}

void
gt_dec_linkat(GtDc *c)
{
  if (c->exiting)
    return;
  dc_dirfd(c, 0);
  dc_path(c, 1);
  dc_dirfd(c, 2);
  dc_path(c, 3);
  dc_flags(c, 4, &gt_xlat_at_flags, "0");
}

void
gt_dec_renameat(GtDc *c)
{
  if (c->exiting)
    return;
  dc_dirfd(c, 0);
  dc_path(c, 1);
  dc_dirfd(c, 2);
  dc_path(c, 3);
  if (c->rec->nargs > 4)
    dc_flags(c, 4, &gt_xlat_rename_flags, "0");
}

void
gt_dec_utimensat(GtDc *c)
{
  if (c->exiting)
    return;
  dc_dirfd(c, 0);
  dc_path(c, 1);
  guint64 va = dc_arg(c, 2);
  g_autoptr(GString) s = g_string_new("[");
  dc_hex(c, 2);
  if (va && dc_timespec(c, va, s, NULL) && (g_string_append(s, ", "), TRUE) &&
      dc_timespec(c, va + 16, s, NULL)) {
    g_string_append_c(s, ']');
    dc_set(c, 2, g_strdup(s->str), NULL);
  }
  dc_flags(c, 3, &gt_xlat_at_flags, "0");
}

void
gt_dec_getrandom(GtDc *c)
{
  if (!c->exiting) {
    dc_hex(c, 0);
    dc_ulong(c, 1);
    dc_flags(c, 2, &gt_xlat_getrandom_flags, "0");
    return;
  }
  if (!dc_ok(c))
    return;
  /* strace shows the random bytes in hex. */
  gsize n = MIN(MIN((gsize)c->rec->result, (gsize)dc_opt(c)->text_size),
                (gsize)GT_DECODE_SIZE_LIMIT);
  g_autofree guint8 *buf = g_malloc(n + 1);
  if (!dc_read(c, dc_arg(c, 0), buf, n))
    return;
  dc_set(c, 0, gt_escape_quoted(buf, n, n, (gsize)c->rec->result > n, GT_ESCAPE_HEX_ALL), NULL);
}
