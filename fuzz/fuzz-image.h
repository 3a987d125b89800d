/* A guest-physical image cut from a fuzz input, read as RAM: a read that
 * runs past its end fails as a read of no RAM does. Shared by the targets
 * of the memory readers (fuzz-vmi-memory, fuzz-user-read). */
#pragma once

#include <string.h>
#include <glib.h>
#include <guestrace/types.h>

typedef struct {
  const guint8 *ram;
  gsize len;
} Image;

static inline gboolean
image_read(void *ctx, guint64 pa, void *buf, gsize len, GError **error)
{
  const Image *im = ctx;
  if (pa > im->len || len > im->len - pa) {
    g_set_error(error, GT_ERROR, GT_ERROR_MEMORY, "beyond RAM");
    return FALSE;
  }
  memcpy(buf, im->ram + pa, len);
  return TRUE;
}
