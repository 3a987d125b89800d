/* Fuzz target: an event spool file as a crash, a full disk or another
 * program may have left it (torn last line, over-long lines, NULs, no
 * newline at all), opened, read back and drained the way the channel
 * does, with new lines appended and prepended under a size bound. Input:
 * the file's bytes. */
#include "fuzz-common.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output/events/event-spool.h"

static char *dir;

static void
remove_dir(void)
{
  g_rmdir(dir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (!dir) {
    /* tmpfs when there is one: fdatasync is then free. */
    if (g_file_test("/dev/shm", G_FILE_TEST_IS_DIR))
      dir = g_mkdtemp(g_strdup("/dev/shm/gt-fuzz-spool-XXXXXX"));
    else
      dir = g_dir_make_tmp("gt-fuzz-spool-XXXXXX", NULL);
    atexit(remove_dir);
  }
  g_assert(dir != NULL);
  g_autofree char *path = g_build_filename(dir, "events.spool", NULL);
  g_autofree char *tmp = g_strconcat(path, ".tmp", NULL);
  g_assert(g_file_set_contents(path, (const char *)data, (gssize)size, NULL));
  GtSpool *sp = gt_spool_open(path, NULL);
  g_assert(sp != NULL);
  gt_spool_set_max_bytes(sp, 4096);
  char *more[] = { "s\tnew one", "s\tnew two" };
  guint rounds = 0;
  while (gt_spool_pending(sp) > 0 && rounds++ < 64) {
    g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func(g_free);
    guint before = gt_spool_pending(sp);
    if (!gt_spool_peek(sp, 3, got, NULL))
      break;
    g_assert(got->len <= 3);
    for (guint i = 0; i < got->len; i++) {
      g_assert(strchr(got->pdata[i], '\n') == NULL);
      gt_spool_consume(sp, got->pdata[i]);
    }
    if (got->len == 0 && gt_spool_pending(sp) == before)
      break;   /* nothing readable left */
    if (rounds == 2)
      gt_spool_prepend(sp, more, gt_spool_room(sp, more, 2, TRUE), NULL);
    if (rounds == 3)
      gt_spool_append(sp, more, gt_spool_room(sp, more, 2, FALSE), NULL);
  }
  gt_spool_close(sp);
  g_unlink(path);
  g_unlink(tmp);
  return 0;
}
