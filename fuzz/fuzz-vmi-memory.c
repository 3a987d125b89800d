/* Fuzz target: the page-table walker and the virtual-memory readers over a
 * guest-physical image the guest controls. Input: a 48-byte header (CR3,
 * flags: bit 0 = 5-level paging, then four virtual addresses), then the
 * physical memory from address 0 (reads past it fail, as beyond a guest's
 * RAM). Translations must land inside what they claim, reads must return
 * exactly the image's bytes, and nothing may loop. Seeds:
 * seeds/make-vmi-memory.py. */
#include "fuzz-common.h"

#include <string.h>

#include <guestrace/types.h>
#include "vmi/memory.h"
#include "fuzz-image.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  GtFuzzIn in = gt_fuzz_in(data, size);
  guint64 cr3 = gt_fuzz_u64(&in);
  gboolean la57 = gt_fuzz_u64(&in) & 1;
  guint64 va[4];
  for (int i = 0; i < 4; i++)
    va[i] = gt_fuzz_u64(&in);
  Image im = { in.p, in.left };
  g_autoptr(GtMem) mem = gt_mem_new(image_read, NULL, &im);
  gt_mem_set_la57(mem, la57);
  for (int i = 0; i < 4; i++) {
    GtTranslation t;
    if (gt_pt_translate(image_read, &im, cr3, la57, va[i], &t, NULL)) {
      g_assert(t.page_size == 4096 || t.page_size == 2u << 20 || t.page_size == 1u << 30);
      g_assert((t.pa & (t.page_size - 1)) == (va[i] & (t.page_size - 1)));
      guint8 b;
      if (gt_mem_read(mem, cr3, va[i], &b, 1, NULL))
        g_assert(t.pa < im.len && b == im.ram[t.pa]);
    }
    guint64 pa;
    gt_mem_translate(mem, cr3, va[i], &pa, NULL);
    guint8 buf[512];
    gsize len = (va[i] >> 3) % sizeof buf + 1;   /* often across a page end */
    gsize got = gt_mem_read_partial(mem, cr3, va[i], buf, len);
    g_assert(got <= len);
    gboolean truncated = FALSE;
    g_autofree char *s = gt_mem_read_string(mem, cr3, va[i], 300, &truncated, NULL);
    if (s)
      g_assert(strlen(s) <= 300);
    guint64 v;
    gt_mem_read_u64(mem, cr3, va[i] + 4093, &v, NULL);   /* across a page */
  }
  return 0;
}
