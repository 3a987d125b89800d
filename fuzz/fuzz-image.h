/* A guest-physical image cut from a fuzz input, read as RAM: a read that
 * runs past its end fails as a read of no RAM does. Shared by the targets
 * of the memory readers (fuzz-vmi-memory, fuzz-user-read), with the input
 * layout they share (image_input). */
#pragma once

#include <string.h>
#include <glib.h>
#include <guestrace/types.h>
#include "fuzz-common.h"
#include "vmi/memory.h"

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

/* The memory targets' input: a 48-byte header (CR3, flags: bit 0 = 5-level
 * paging, then four virtual addresses), then physical memory from 0. */
typedef struct {
  guint64 cr3;
  gboolean la57;
  guint64 va[4];
  Image im;
} ImageInput;

static inline ImageInput
image_input(const uint8_t *data, size_t size)
{
  GtFuzzIn in = gt_fuzz_in(data, size);
  ImageInput x;
  x.cr3 = gt_fuzz_u64(&in);
  x.la57 = gt_fuzz_u64(&in) & 1;
  for (guint i = 0; i < G_N_ELEMENTS(x.va); i++)
    x.va[i] = gt_fuzz_u64(&in);
  x.im = (Image){ in.p, in.left };
  return x;
}

/* A reader of x's image with x's paging mode; it reads through &x->im, so
 * x must outlive it. */
static inline GtMem *
image_mem(ImageInput *x)
{
  GtMem *mem = gt_mem_new(image_read, NULL, &x->im);
  gt_mem_set_la57(mem, x->la57);
  return mem;
}
