/* libFuzzer set-up shared by every target: GLib criticals abort (a
 * g_return_if_fail reached from hostile input is a bug, as in the unit
 * tests), everything else GLib logs is dropped so the fuzzer's output
 * stays readable and fast. */
#include "fuzz-common.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

static void
log_handler(const char *domain, GLogLevelFlags level, const char *message, gpointer user)
{
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) {
    g_printerr("fuzz: GLib %s: %s\n", level & G_LOG_LEVEL_ERROR ? "error" : "critical",
               message);
    abort();
  }
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
  g_log_set_default_handler(log_handler, NULL);
  g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL);
  /* Targets that talk over socketpairs must not die when the other end is
   * gone: the code under test must see EPIPE. */
  signal(SIGPIPE, SIG_IGN);
  return 0;
}

char **
gt_fuzz_split(const uint8_t *data, size_t size, guint max, GArray **lens)
{
  static const char mark[] = "\n--\n";
  GPtrArray *parts = g_ptr_array_new();
  if (lens)
    *lens = g_array_new(FALSE, FALSE, sizeof(gsize));
  gsize start = 0;
  for (;;) {
    const guint8 *hit = NULL;
    if (parts->len + 1 < max && size - start >= 4)
      hit = memmem(data + start, size - start, mark, 4);
    gsize end = hit ? (gsize)(hit - data) : size;
    char *part = g_malloc(end - start + 1);
    memcpy(part, data + start, end - start);
    part[end - start] = 0;
    g_ptr_array_add(parts, part);
    if (lens) {
      gsize n = end - start;
      g_array_append_val(*lens, n);
    }
    if (!hit)
      break;
    start = end + 4;
  }
  g_ptr_array_add(parts, NULL);
  return (char **)g_ptr_array_free(parts, FALSE);
}
