/* guestkit: the one line walker of the kit and the e2e tests. Line by line
 * with memchr, linear in the text: g_strsplit (and a loop of strchr or
 * strstr over the rest of the text) is quadratic under ASan, whose
 * interceptors measure the whole rest of the text at every call (minutes
 * for the 7 MB of a 6.12 guest's kallsyms, seconds for a large trace). */
#include "guestkit.h"

#include <string.h>

GkLines gk_lines(const char *text, gssize len)
{
  gsize n = len < 0 ? strlen(text) : (gsize)len;
  return (GkLines){ .p = text, .end = text + n, .line = g_string_new(NULL) };
}

const char *gk_lines_next(GkLines *it, gsize *len)
{
  if (it->p >= it->end)
    return NULL;
  const char *nl = memchr(it->p, '\n', (gsize)(it->end - it->p));
  const char *le = nl ? nl : it->end;
  g_string_truncate(it->line, 0);
  g_string_append_len(it->line, it->p, le - it->p);
  it->p = le + 1;
  if (len)
    *len = it->line->len;
  return it->line->str;
}

void gk_lines_clear(GkLines *it)
{
  if (it->line)
    g_string_free(it->line, TRUE);
  it->line = NULL;
}
