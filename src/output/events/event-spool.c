/* The spool file: append with fdatasync, peek/consume from a cursor,
 * truncate when drained, rewrite to put lines first, recover after a
 * crash. See event-spool.h. */
#include "output/events/event-spool.h"

#include <guestrace/types.h>
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

struct GtSpool {
  char *path;
  int fd;
  guint64 read_off;  /* first pending byte */
  guint64 end_off;   /* end of the last complete line */
  guint pending;     /* lines in [read_off, end_off) */
  guint skip_bad;    /* corrupt lines to skip at read_off (bytes) */
  guint64 max_bytes; /* 0: unbounded */
};

static gboolean
io_error(GError **error, const GtSpool *sp, const char *what)
{
  int e = errno;
  g_set_error(error, GT_ERROR, GT_ERROR_FAILED, "event spool %s: %s: %s", sp->path, what,
              g_strerror(e));
  return FALSE;
}

static gboolean
write_all(int fd, const char *buf, gsize len)
{
  while (len) {
    ssize_t n = write(fd, buf, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return FALSE;
    buf += n;
    len -= (gsize)n;
  }
  return TRUE;
}

static gssize
pread_full(int fd, char *buf, gsize len, guint64 off)
{
  gsize got = 0;
  while (got < len) {
    ssize_t n = pread(fd, buf + got, len - got, (off_t)(off + got));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    if (n == 0)
      break;
    got += (gsize)n;
  }
  return (gssize)got;
}

/* Counts complete lines of the existing file and cuts a torn tail. */
static gboolean
recover(GtSpool *sp, GError **error)
{
  struct stat st;
  if (fstat(sp->fd, &st) < 0)
    return io_error(error, sp, "fstat");
  g_autofree char *buf = g_malloc(65536);
  guint64 off = 0, last_nl_end = 0;
  guint lines = 0;
  while (off < (guint64)st.st_size) {
    gssize n = pread_full(sp->fd, buf, 65536, off);
    if (n < 0)
      return io_error(error, sp, "read");
    if (n == 0)
      break;
    for (gssize i = 0; i < n; i++)
      if (buf[i] == '\n') {
        lines++;
        last_nl_end = off + (guint64)i + 1;
      }
    off += (guint64)n;
  }
  if (last_nl_end != (guint64)st.st_size && ftruncate(sp->fd, (off_t)last_nl_end) < 0)
    return io_error(error, sp, "truncate");
  sp->read_off = 0;
  sp->end_off = last_nl_end;
  sp->pending = lines;
  return TRUE;
}

GtSpool *
gt_spool_open(const char *path, GError **error)
{
  g_autoptr(GtSpool) sp = g_new0(GtSpool, 1);
  sp->path = g_strdup(path);
  sp->fd = -1;
  g_autofree char *dir = g_path_get_dirname(path);
  if (g_mkdir_with_parents(dir, 0700) < 0) {
    io_error(error, sp, "mkdir");
    return NULL;
  }
  sp->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (sp->fd < 0) {
    io_error(error, sp, "open");
    return NULL;
  }
  if (flock(sp->fd, LOCK_EX | LOCK_NB) < 0) {
    g_set_error(error, GT_ERROR, GT_ERROR_FAILED,
                "event spool %s is in use by another guestrace", path);
    return NULL;
  }
  if (!recover(sp, error))
    return NULL;
  return g_steal_pointer(&sp);
}

void
gt_spool_close(GtSpool *sp)
{
  if (!sp)
    return;
  if (sp->fd >= 0)
    close(sp->fd);
  g_free(sp->path);
  g_free(sp);
}

static GString *
join_lines(char *const *lines, guint n)
{
  GString *buf = g_string_new(NULL);
  for (guint i = 0; i < n; i++) {
    g_string_append(buf, lines[i]);
    g_string_append_c(buf, '\n');
  }
  return buf;
}

gboolean
gt_spool_append(GtSpool *sp, char *const *lines, guint n, GError **error)
{
  if (!n)
    return TRUE;
  g_autoptr(GString) buf = join_lines(lines, n);
  if (!write_all(sp->fd, buf->str, buf->len) || fdatasync(sp->fd) < 0) {
    int e = errno;
    /* Keep the file consistent with what we count: drop a partial write. */
    if (ftruncate(sp->fd, (off_t)sp->end_off) < 0) {
      /* Nothing more to do: the torn line is cut at the next open. */
    }
    errno = e;
    return io_error(error, sp, "append");
  }
  sp->end_off += buf->len;
  sp->pending += n;
  return TRUE;
}

gboolean
gt_spool_prepend(GtSpool *sp, char *const *lines, guint n, GError **error)
{
  if (!n)
    return TRUE;
  if (sp->pending == 0) {
    if (sp->end_off && ftruncate(sp->fd, 0) < 0)
      return io_error(error, sp, "truncate");
    sp->read_off = sp->end_off = 0;
    return gt_spool_append(sp, lines, n, error);
  }
  /* Rewrite: new lines, then the pending rest, into a locked temporary
   * file renamed over the spool. */
  g_autofree char *tmp = g_strconcat(sp->path, ".tmp", NULL);
  int fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0)
    return io_error(error, sp, "open temporary");
  g_autoptr(GString) head = join_lines(lines, n);
  gboolean ok = flock(fd, LOCK_EX | LOCK_NB) == 0 && write_all(fd, head->str, head->len);
  g_autofree char *buf = g_malloc(65536);
  for (guint64 off = sp->read_off; ok && off < sp->end_off;) {
    gsize want = (gsize)MIN((guint64)65536, sp->end_off - off);
    gssize got = pread_full(sp->fd, buf, want, off);
    ok = got > 0 && write_all(fd, buf, (gsize)got);
    off += got > 0 ? (guint64)got : 0;
  }
  ok = ok && fdatasync(fd) == 0 && rename(tmp, sp->path) == 0;
  if (!ok) {
    int e = errno;
    close(fd);
    unlink(tmp);
    errno = e;
    return io_error(error, sp, "rewrite");
  }
  close(sp->fd);
  sp->fd = fd;
  sp->end_off = head->len + (sp->end_off - sp->read_off);
  sp->read_off = 0;
  sp->pending += n;
  return TRUE;
}

/* Everything delivered: start the file afresh. */
static void
maybe_truncate(GtSpool *sp)
{
  if (sp->pending == 0 || sp->read_off >= sp->end_off) {
    if (ftruncate(sp->fd, 0) == 0) {
      sp->read_off = sp->end_off = 0;
      sp->pending = 0;
    }
  }
}

gboolean
gt_spool_peek(GtSpool *sp, guint max, GPtrArray *out, GError **error)
{
  guint64 off = sp->read_off;   /* start of the next unread byte */
  guint taken = 0;
  gboolean overflow = FALSE, ok = TRUE;
  g_autoptr(GString) line = g_string_new(NULL);
  g_autofree char *buf = g_malloc(65536);
  while (taken < max && taken < sp->pending && off < sp->end_off) {
    gsize want = (gsize)MIN((guint64)65536, sp->end_off - off);
    gssize got = pread_full(sp->fd, buf, want, off);
    if (got <= 0) {
      ok = io_error(error, sp, "read");
      break;
    }
    gssize i = 0;
    while (i < got && taken < max) {
      char *nl = memchr(buf + i, '\n', (gsize)(got - i));
      gsize chunk = nl ? (gsize)(nl - (buf + i)) : (gsize)(got - i);
      if (line->len + chunk <= GT_SPOOL_MAX_LINE)
        g_string_append_len(line, buf + i, (gssize)chunk);
      else
        overflow = TRUE;
      i += (gssize)chunk;
      if (!nl)
        break;
      i++;
      guint64 line_end = off + (guint64)i;
      /* A NUL inside would cut the line short for consume(), which
       * advances by strlen: the cursor would land mid-line. */
      if (memchr(line->str, '\0', line->len))
        overflow = TRUE;
      if (overflow) {
        /* Not written by us (we never store such lines; a crash can leave
         * zeroed blocks): skip it, but only at the cursor, so the cursor
         * stays the start of `out`. */
        if (taken > 0)
          return ok;
        g_message("event spool %s: skipping a corrupt line (over-long or with a NUL byte)",
                  sp->path);
        sp->read_off = line_end;
        sp->pending--;
        overflow = FALSE;
      } else {
        g_ptr_array_add(out, g_strndup(line->str, line->len));
        taken++;
      }
      g_string_truncate(line, 0);
    }
    off += (guint64)i;
  }
  maybe_truncate(sp);
  return ok;
}

void
gt_spool_consume(GtSpool *sp, const char *line)
{
  g_return_if_fail(sp->pending > 0);
  sp->read_off += strlen(line) + 1;
  sp->pending--;
  maybe_truncate(sp);
}

void
gt_spool_set_max_bytes(GtSpool *sp, guint64 max)
{
  sp->max_bytes = max;
}

guint
gt_spool_room(const GtSpool *sp, char *const *lines, guint n, gboolean prepend)
{
  if (sp->max_bytes == 0)
    return n;
  /* Appending grows the file from its end; prepending rewrites it with
   * only the pending lines (or starts it afresh when none are). */
  guint64 used = prepend ? sp->end_off - sp->read_off : sp->end_off;
  if (prepend && sp->pending == 0)
    used = 0;
  guint fit = 0;
  while (fit < n) {
    guint64 len = strlen(lines[fit]) + 1;
    if (used + len > sp->max_bytes)
      break;
    used += len;
    fit++;
  }
  return fit;
}

guint
gt_spool_pending(const GtSpool *sp)
{
  return sp->pending;
}

const char *
gt_spool_path(const GtSpool *sp)
{
  return sp->path;
}
