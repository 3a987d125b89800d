/* Out-parameters, decoded at the return: what the kernel wrote back to the
 * caller (read's data, wait4's status, pipe's descriptors, accept's peer
 * address, stat's fields). Only after a successful call. */
#include "decode/decode.h"

#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

static GtRecordArg *
arg_named(GtRecord *rec, const char *name)
{
  for (guint i = 0; i < rec->nargs; i++)
    if (!g_strcmp0(rec->args[i].name, name))
      return &rec->args[i];
  return NULL;
}

static void
decode_read(GtRecord *rec, const GtArgReader *rd)
{
  GtRecordArg *buf = arg_named(rec, "buf");
  if (!buf || !buf->value || rec->result <= 0)
    return;
  gsize want = MIN((gsize)rec->result, (gsize)GT_DECODE_STRING_MAX);
  g_autofree char *data = g_malloc(want + 1);
  if (rd->read_bytes(rd->ctx, buf->value, data, want) != want)
    return;
  buf->out = gt_quote_bytes(data, want, 32, (gsize)rec->result > want);
  data[want] = '\0';
  buf->out_str_len = want;  /* a buffer may hold NULs */
  buf->out_str = g_steal_pointer(&data);
}

static char *
status_text(int s)
{
  if (WIFEXITED(s))
    return g_strdup_printf("[{WIFEXITED(s) && WEXITSTATUS(s) == %d}]", WEXITSTATUS(s));
  if (WIFSIGNALED(s)) {
    const char *n = gt_signal_name(WTERMSIG(s));
    return g_strdup_printf("[{WIFSIGNALED(s) && WTERMSIG(s) == %s%s}]", n ? n : "?",
                           WCOREDUMP(s) ? " && WCOREDUMP(s)" : "");
  }
  if (WIFSTOPPED(s)) {
    const char *n = gt_signal_name(WSTOPSIG(s));
    return g_strdup_printf("[{WIFSTOPPED(s) && WSTOPSIG(s) == %s}]", n ? n : "?");
  }
  return g_strdup_printf("[%#x]", s);
}

static void
decode_wait(GtRecord *rec, const GtArgReader *rd)
{
  GtRecordArg *st = arg_named(rec, "stat_addr");
  gint32 s;
  if (!st || !st->value || rec->result <= 0 ||
      rd->read_bytes(rd->ctx, st->value, &s, sizeof s) != sizeof s)
    return;
  st->out = status_text(s);
  st->out_is_int = TRUE;
  st->out_int = s;
}

static void
decode_pipe(GtRecord *rec, const GtArgReader *rd)
{
  GtRecordArg *fds = arg_named(rec, "fildes");
  gint32 v[2];
  if (!fds || rec->result != 0 || rd->read_bytes(rd->ctx, fds->value, v, sizeof v) != sizeof v)
    return;
  fds->out = g_strdup_printf("[%d, %d]", v[0], v[1]);
  fds->out_ints = g_array_new(FALSE, FALSE, sizeof(gint64));
  for (guint i = 0; i < 2; i++) {
    gint64 x = v[i];
    g_array_append_val(fds->out_ints, x);
  }
}

static void
decode_accept(GtRecord *rec, const GtArgReader *rd)
{
  GtRecordArg *addr = arg_named(rec, "upeer_sockaddr");
  GtRecordArg *len = arg_named(rec, "upeer_addrlen");
  gint32 n;
  guint8 buf[128];
  if (!addr || !len || !addr->value || !len->value || rec->result < 0 ||
      rd->read_bytes(rd->ctx, len->value, &n, sizeof n) != sizeof n || n <= 0)
    return;
  gsize want = MIN((gsize)n, sizeof buf);
  if (rd->read_bytes(rd->ctx, addr->value, buf, want) != want)
    return;
  addr->out = gt_decode_sockaddr(buf, want);
  addr->out_str = g_strdup(addr->out);
}

static const char *
file_type(mode_t m)
{
  switch (m & S_IFMT) {
  case S_IFREG: return "S_IFREG";
  case S_IFDIR: return "S_IFDIR";
  case S_IFCHR: return "S_IFCHR";
  case S_IFBLK: return "S_IFBLK";
  case S_IFIFO: return "S_IFIFO";
  case S_IFLNK: return "S_IFLNK";
  case S_IFSOCK: return "S_IFSOCK";
  default: return "0";
  }
}

/* struct stat of the x86-64 ABI is the C library's struct stat. */
static void
decode_stat(GtRecord *rec, const GtArgReader *rd)
{
  GtRecordArg *sb = arg_named(rec, "statbuf");
  struct stat st;
  if (!sb || !sb->value || rec->result != 0 ||
      rd->read_bytes(rd->ctx, sb->value, &st, sizeof st) != sizeof st)
    return;
  sb->out = g_strdup_printf("{st_mode=%s|%#o, st_size=%lld, st_ino=%llu, st_uid=%u, st_gid=%u}",
                            file_type(st.st_mode), (unsigned)(st.st_mode & 07777),
                            (long long)st.st_size, (unsigned long long)st.st_ino, st.st_uid,
                            st.st_gid);
  sb->out_str = g_strdup(sb->out);
}

void
gt_decode_return(GtRecord *rec, const GtArgReader *rd)
{
  static const struct { const char *name; void (*fn)(GtRecord *, const GtArgReader *); } tab[] = {
    { "read", decode_read }, { "pread64", decode_read },
    { "wait4", decode_wait },
    { "pipe", decode_pipe }, { "pipe2", decode_pipe },
    { "accept", decode_accept }, { "accept4", decode_accept },
    { "newfstatat", decode_stat }, { "newstat", decode_stat }, { "newlstat", decode_stat },
    { "newfstat", decode_stat },
  };
  if (!rec->has_result || rec->result < 0)
    return;
  for (guint i = 0; i < G_N_ELEMENTS(tab); i++)
    if (!g_strcmp0(rec->name, tab[i].name))
      tab[i].fn(rec, rd);
}
