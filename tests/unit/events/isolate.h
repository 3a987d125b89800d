/* Runs a test in a g_test subprocess inside a fresh temporary folder that
 * the parent removes afterwards, so a failing test leaves no files. The
 * test reads the folder from $GT_EVENTS_TEST_DIR. */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>

static inline void
isolate_remove_tree(const char *dir)
{
  GDir *d = g_dir_open(dir, 0, NULL);
  if (!d)
    return;
  const char *name;
  while ((name = g_dir_read_name(d))) {
    char *p = g_build_filename(dir, name, NULL);
    if (g_file_test(p, G_FILE_TEST_IS_DIR) && !g_file_test(p, G_FILE_TEST_IS_SYMLINK))
      isolate_remove_tree(p);
    else
      g_unlink(p);
    g_free(p);
  }
  g_dir_close(d);
  g_rmdir(dir);
}

typedef struct {
  char *path;
  GTestFunc func;
} IsolatedTest;

static inline void
isolate_run(gconstpointer data)
{
  const IsolatedTest *t = data;
  if (g_test_subprocess()) {
    t->func();
    return;
  }
  char *dir = g_dir_make_tmp("gt-events-XXXXXX", NULL);
  g_assert_nonnull(dir);
  g_setenv("GT_EVENTS_TEST_DIR", dir, TRUE);
  g_test_trap_subprocess(t->path, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  isolate_remove_tree(dir);
  g_free(dir);
  g_test_trap_assert_passed();
}

/* Registers @func at @path to run isolated (the registration lives as long
 * as the program). */
static inline void
isolate_add(const char *path, GTestFunc func)
{
  IsolatedTest *t = g_new0(IsolatedTest, 1);
  t->path = g_strdup(path);
  t->func = func;
  g_test_add_data_func_full(path, t, isolate_run, NULL);
}
