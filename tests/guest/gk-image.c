/* guestkit: where the guest image is and what kernel it holds. */
#include "gk-private.h"

#ifndef GK_DEFAULT_IMAGE_DIR
#define GK_DEFAULT_IMAGE_DIR "."
#endif

const char *gk_image_dir(void)
{
  const char *d = g_getenv("GT_GUEST_IMAGE_DIR");
  return (d && *d) ? d : GK_DEFAULT_IMAGE_DIR;
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
