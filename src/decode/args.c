/* Choosing a rendering for each argument from the kernel's argument name
 * and type, and producing it. */
#include "decode/decode.h"

#include <fcntl.h>
#include <string.h>

typedef enum {
  D_NUMBER, D_POINTER, D_STRING, D_ARGV, D_ENVP, D_BUF_IN, D_FD, D_OPEN_FLAGS,
  D_MODE, D_AT_FLAGS, D_PROT, D_MAP_FLAGS, D_CLONE_FLAGS, D_SIGNAL, D_SOCKADDR,
} Decoder;

static gboolean
in(const char *s, const char *const *set)
{
  return s && g_strv_contains(set, s);
}

static Decoder
choose(const char *sc, const char *name, const char *type)
{
  static const char *const dirfd_names[] = { "dfd", "olddfd", "newdfd", "dirfd", NULL };
  static const char *const open_calls[] = { "open", "openat", "creat", NULL };
  static const char *const at_calls[] = {
    "newfstatat", "unlinkat", "faccessat2", "linkat", "fchownat", "utimensat",
    "statx", "execveat", "name_to_handle_at", "fchmodat2", NULL,
  };
  static const char *const signal_calls[] = {
    "kill", "tkill", "tgkill", "rt_sigaction", "rt_sigqueueinfo",
    "rt_tgsigqueueinfo", "pidfd_send_signal", NULL,
  };
  static const char *const buf_in_calls[] = { "write", "pwrite64", "sendto", NULL };
  static const char *const sockaddr_calls[] = { "connect", "bind", "sendto", NULL };
  static const char *const sockaddr_names[] = { "uservaddr", "umyaddr", "addr", NULL };

  if (in(name, dirfd_names))
    return D_FD;
  if (in(sc, open_calls) && !g_strcmp0(name, "flags"))
    return D_OPEN_FLAGS;
  if (!g_strcmp0(name, "mode") && type && strstr(type, "umode_t"))
    return D_MODE;
  if (in(sc, at_calls) && (!g_strcmp0(name, "flag") || !g_strcmp0(name, "flags")))
    return D_AT_FLAGS;
  if (!g_strcmp0(name, "prot"))
    return D_PROT;
  if (!g_strcmp0(sc, "mmap") && !g_strcmp0(name, "flags"))
    return D_MAP_FLAGS;
  if (!g_strcmp0(name, "clone_flags"))
    return D_CLONE_FLAGS;
  if (in(sc, signal_calls) && !g_strcmp0(name, "sig"))
    return D_SIGNAL;
  if (in(sc, buf_in_calls) && (!g_strcmp0(name, "buf") || !g_strcmp0(name, "buff")))
    return D_BUF_IN;
  if (in(sc, sockaddr_calls) && in(name, sockaddr_names))
    return D_SOCKADDR;
  if (type && strstr(type, "char *const *"))
    return !g_strcmp0(name, "envp") ? D_ENVP : D_ARGV;
  if (type && g_str_has_prefix(type, "const char") && strchr(type, '*') &&
      !strstr(type, "**"))
    return D_STRING;
  if (type && strchr(type, '*'))
    return D_POINTER;
  return D_NUMBER;
}

/* Narrows a register-sized value to the kernel's declared type. */
static void
set_number(GtRecordArg *a, const char *type)
{
  const char *t = type ? type : "long";
  gboolean is_unsigned = strstr(t, "unsigned") || strstr(t, "size_t") ||
                         g_str_has_prefix(t, "u") || strstr(t, "__u");
  gboolean is_ssize = strstr(t, "ssize_t") != NULL;
  gboolean wide = strstr(t, "long") || strstr(t, "size_t") || strstr(t, "off_t") ||
                  strstr(t, "u64") || strstr(t, "s64") || strstr(t, "loff_t");
  if (is_ssize)
    is_unsigned = FALSE;
  a->is_signed = !is_unsigned;
  if (wide)
    a->svalue = (gint64)a->value;
  else
    a->svalue = is_unsigned ? (gint64)(guint32)a->value : (gint64)(gint32)a->value;
  a->text = a->is_signed ? g_strdup_printf("%" G_GINT64_FORMAT, a->svalue)
                         : g_strdup_printf("%" G_GUINT64_FORMAT, (guint64)a->svalue);
}

static void
set_pointer(GtRecordArg *a)
{
  a->is_signed = FALSE;
  a->svalue = (gint64)a->value;
  a->text = a->value ? g_strdup_printf("%#" G_GINT64_MODIFIER "x", a->value)
                     : g_strdup("NULL");
}

static gboolean
read_ptr(const GtArgReader *rd, guint64 va, guint64 *out)
{
  return rd->read_bytes(rd->ctx, va, out, sizeof *out) == sizeof *out;
}

static void
decode_argv(GtRecordArg *a, const GtArgReader *rd, gboolean envp)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func(g_free);
  gboolean complete = FALSE;
  for (guint i = 0; i < GT_DECODE_ARGV_MAX; i++) {
    guint64 p;
    if (!read_ptr(rd, a->value + 8 * i, &p))
      break;
    if (!p) {
      complete = TRUE;
      break;
    }
    gboolean trunc = FALSE;
    char *s = rd->read_string(rd->ctx, p, GT_DECODE_STRING_MAX, &trunc);
    if (!s)
      break;
    g_ptr_array_add(items, s);
  }
  if (!complete && items->len == 0) {
    set_pointer(a);
    return;
  }
  if (envp) {
    a->text = g_strdup_printf("%#" G_GINT64_MODIFIER "x /* %u var%s%s */", a->value,
                              items->len, items->len == 1 ? "" : "s",
                              complete ? "" : " (truncated)");
  } else {
    GString *s = g_string_new("[");
    for (guint i = 0; i < items->len; i++) {
      const char *item = g_ptr_array_index(items, i);
      g_autofree char *q = gt_quote_bytes(item, strlen(item), GT_DECODE_TEXT_MAX, FALSE);
      g_string_append_printf(s, "%s%s", i ? ", " : "", q);
    }
    g_string_append(s, complete ? "]" : ", ...]");
    a->text = g_string_free(s, FALSE);
  }
  g_ptr_array_add(items, NULL);
  a->strv = (char **)g_ptr_array_free(g_steal_pointer(&items), FALSE);
}

static gint64
arg_by_name(const GtRecord *rec, const char *name, gint64 fallback)
{
  for (guint i = 0; i < rec->nargs; i++)
    if (!g_strcmp0(rec->args[i].name, name))
      return (gint64)rec->args[i].value;
  return fallback;
}

static void
decode_one(GtRecord *rec, GtRecordArg *a, Decoder d, const GtArgReader *rd)
{
  switch (d) {
  case D_NUMBER:
    set_number(a, a->type);
    return;
  case D_POINTER:
    set_pointer(a);
    return;
  case D_FD:
    set_number(a, "int");
    if (a->svalue == AT_FDCWD) {
      g_free(a->text);
      a->text = g_strdup("AT_FDCWD");
    }
    return;
  case D_MODE:
    set_number(a, "unsigned int");
    g_free(a->text);
    a->text = g_strdup_printf("%#" G_GINT64_MODIFIER "o", (guint64)a->svalue);
    return;
  case D_SIGNAL: {
    set_number(a, "int");
    const char *n = gt_signal_name((int)a->svalue);
    if (n) {
      g_free(a->text);
      a->text = g_strdup(n);
    }
    return;
  }
  case D_OPEN_FLAGS:
  case D_AT_FLAGS:
  case D_PROT:
  case D_MAP_FLAGS:
  case D_CLONE_FLAGS: {
    static const GtFlagKind kinds[] = {
      [D_OPEN_FLAGS] = GT_FLAGS_OPEN, [D_AT_FLAGS] = GT_FLAGS_AT, [D_PROT] = GT_FLAGS_PROT,
      [D_MAP_FLAGS] = GT_FLAGS_MAP, [D_CLONE_FLAGS] = GT_FLAGS_CLONE,
    };
    a->is_signed = FALSE;
    a->svalue = d == D_CLONE_FLAGS ? (gint64)a->value : (gint64)(guint32)a->value;
    a->text = gt_decode_flags(kinds[d], (guint64)a->svalue);
    return;
  }
  case D_STRING: {
    if (!a->value) {
      set_pointer(a);
      return;
    }
    gboolean trunc = FALSE;
    g_autofree char *s = rd->read_string(rd->ctx, a->value, GT_DECODE_STRING_MAX, &trunc);
    if (!s) {
      set_pointer(a);
      return;
    }
    a->text = gt_quote_bytes(s, strlen(s), GT_DECODE_TEXT_MAX, trunc);
    a->str = g_steal_pointer(&s);
    return;
  }
  case D_ARGV:
  case D_ENVP:
    if (!a->value) {
      set_pointer(a);
      return;
    }
    decode_argv(a, rd, d == D_ENVP);
    return;
  case D_BUF_IN: {
    gint64 len = arg_by_name(rec, "count", arg_by_name(rec, "len", 0));
    if (!a->value || len < 0) {
      set_pointer(a);
      return;
    }
    gsize want = MIN((gsize)len, (gsize)GT_DECODE_STRING_MAX);
    g_autofree char *buf = g_malloc(want + 1);
    gsize got = rd->read_bytes(rd->ctx, a->value, buf, want);
    if (got < want) {
      set_pointer(a);
      return;
    }
    a->text = gt_quote_bytes(buf, got, 32, (gsize)len > want);
    buf[got] = '\0';
    a->str_len = got;  /* a buffer may hold NULs */
    a->str = g_steal_pointer(&buf);
    return;
  }
  case D_SOCKADDR: {
    gint64 len = arg_by_name(rec, "addrlen", 0);
    guint8 buf[128];
    if (!a->value || len <= 0) {
      set_pointer(a);
      return;
    }
    gsize want = MIN((gsize)len, sizeof buf);
    if (rd->read_bytes(rd->ctx, a->value, buf, want) < want) {
      set_pointer(a);
      return;
    }
    a->text = gt_decode_sockaddr(buf, want);
    a->str = g_strdup(a->text);
    return;
  }
  }
}

void
gt_decode_call(GtRecord *rec, const GtSyscallMeta *meta, const guint64 raw[6],
               guint nargs, const GtArgReader *rd)
{
  rec->nargs = MIN(meta ? meta->nargs : nargs, GT_MAX_ARGS);
  for (guint i = 0; i < rec->nargs; i++) {
    GtRecordArg *a = &rec->args[i];
    a->value = raw[i];
    a->name = meta && meta->arg_names[i] ? g_strdup(meta->arg_names[i])
                                         : g_strdup_printf("arg%u", i);
    a->type = meta && meta->arg_types[i] ? g_strdup(meta->arg_types[i]) : NULL;
  }
  for (guint i = 0; i < rec->nargs; i++) {
    GtRecordArg *a = &rec->args[i];
    decode_one(rec, a, choose(rec->name, a->name, a->type), rd);
  }
  /* Like strace: open's mode only matters with O_CREAT or O_TMPFILE. */
  if ((!g_strcmp0(rec->name, "open") || !g_strcmp0(rec->name, "openat")) &&
      rec->nargs >= 3) {
    guint64 flags = (guint64)arg_by_name(rec, "flags", 0);
    if (!(flags & O_CREAT) && (flags & O_TMPFILE) != O_TMPFILE)
      for (guint i = 0; i < rec->nargs; i++)
        if (!g_strcmp0(rec->args[i].name, "mode"))
          rec->args[i].hidden_in_text = TRUE;
  }
}
