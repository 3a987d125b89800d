/* Fuzz target: the page-table walker and the virtual-memory readers over a
 * guest-physical image the guest controls. Input: a 48-byte header (CR3,
 * flags: bit 0 = 5-level paging, then four virtual addresses), then the
 * physical memory from address 0 (reads past it fail, as beyond a guest's
 * RAM). Translations must land inside what they claim, reads must return
 * exactly the image's bytes, and nothing may loop. Seeds:
 * seeds/make-vmi-memory.py. */
#include "fuzz-image.h"

#include <string.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  ImageInput x = image_input(data, size);
  g_autoptr(GtMem) mem = image_mem(&x);
  for (guint i = 0; i < G_N_ELEMENTS(x.va); i++) {
    GtTranslation t;
    if (gt_pt_translate(image_read, &x.im, x.cr3, x.la57, x.va[i], &t, NULL)) {
      g_assert(t.page_size == 4096 || t.page_size == 2u << 20 || t.page_size == 1u << 30);
      g_assert((t.pa & (t.page_size - 1)) == (x.va[i] & (t.page_size - 1)));
      guint8 b;
      if (gt_mem_read(mem, x.cr3, x.va[i], &b, 1, NULL))
        g_assert(t.pa < x.im.len && b == x.im.ram[t.pa]);
    }
    guint64 pa;
    gt_mem_translate(mem, x.cr3, x.va[i], &pa, NULL);
    guint8 buf[512];
    gsize len = (x.va[i] >> 3) % sizeof buf + 1;   /* often across a page end */
    gsize got = gt_mem_read_partial(mem, x.cr3, x.va[i], buf, len);
    g_assert(got <= len);
    gboolean truncated = FALSE;
    g_autofree char *s = gt_mem_read_string(mem, x.cr3, x.va[i], 300, &truncated, NULL);
    if (s)
      g_assert(strlen(s) <= 300);
    guint64 v;
    gt_mem_read_u64(mem, x.cr3, x.va[i] + 4093, &v, NULL);   /* across a page */
  }
  return 0;
}
