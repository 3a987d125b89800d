/* guestkit: where the guest image is and what kernel it holds. */
#include "gk-private.h"

#ifndef GK_DEFAULT_IMAGE_DIR
#define GK_DEFAULT_IMAGE_DIR "."
#endif

#define GK_KERNEL_DEFAULT "deb12"

const char *gk_image_kernel(void)
{
  const char *k = g_getenv("GT_GUEST_KERNEL");
  return (k && *k) ? k : GK_KERNEL_DEFAULT;
}

/* The root holds the default (Debian 12) image; another kernel's image is
 * the subdirectory named after it. Read once: the environment of a test
 * does not change under it. */
const char *gk_image_dir(void)
{
  static gsize once;
  static char *dir;
  if (g_once_init_enter(&once)) {
    const char *root = g_getenv("GT_GUEST_IMAGE_DIR");
    if (!root || !*root)
      root = GK_DEFAULT_IMAGE_DIR;
    const char *k = gk_image_kernel();
    dir = g_str_equal(k, GK_KERNEL_DEFAULT) ? g_strdup(root) : g_build_filename(root, k, NULL);
    g_once_init_leave(&once, 1);
  }
  return dir;
}

char *gk_image_sysmap_path(void)
{
  return g_build_filename(gk_image_dir(), "System.map", NULL);
}

char *gk_image_kernel_version(void)
{
  g_autofree char *path = g_build_filename(gk_image_dir(), "kernel-version", NULL);
  char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, NULL))
    return g_strdup("unknown");
  return g_strstrip(text);
}
