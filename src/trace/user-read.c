/* User memory as the kernel would see it: page tables first, then pages
 * the process has not faulted in (os/linux/uaccess.c), one page at a time. */
#include "trace/user-read.h"

#include <string.h>

#define PAGE 4096u
/* Bytes read at a time while looking for a string's NUL. */
#define STRING_CHUNK 256u

gsize
gt_user_read(GtLinux *lx, GtMem *mem, guint64 task, guint64 root, guint64 va, void *buf,
             gsize len)
{
  guint8 *out = buf;
  gsize got = gt_mem_read_partial(mem, root, va, out, len);
  while (got < len && task != 0 && va + got >= va) {
    guint64 cur = va + got;
    gsize page = MIN(len - got, PAGE - (cur & (PAGE - 1)));
    if (!gt_linux_read_unfaulted(lx, task, root, cur, out + got, page, NULL))
      break;
    got += page;
    if (got < len)
      got += gt_mem_read_partial(mem, root, va + got, out + got, len - got);
  }
  return got;
}

char *
gt_user_read_string(GtLinux *lx, GtMem *mem, guint64 task, guint64 root, guint64 va,
                    gsize max, gboolean *truncated)
{
  g_autoptr(GString) s = g_string_new(NULL);
  gboolean found = FALSE;
  /* One byte past max: a string of exactly max bytes ends with its NUL. */
  while (s->len <= max) {
    guint8 tmp[STRING_CHUNK];
    guint64 cur = va + s->len;
    if (s->len > 0 && cur < va)
      break;                                   /* wrapped past 2^64 */
    gsize chunk = MIN(sizeof tmp, PAGE - (cur & (PAGE - 1)));
    gsize n = gt_user_read(lx, mem, task, root, cur, tmp, chunk);
    const guint8 *nul = memchr(tmp, 0, n);
    g_string_append_len(s, (const char *)tmp, nul ? (gsize)(nul - tmp) : n);
    if (nul != NULL) {
      found = TRUE;
      break;
    }
    if (n < chunk)
      break;                                   /* unreadable */
  }
  if (s->len == 0 && !found)
    return NULL;
  if (s->len > max)
    g_string_truncate(s, max);
  if (truncated != NULL)
    *truncated = !found;
  return g_string_free(g_steal_pointer(&s), FALSE);
}
