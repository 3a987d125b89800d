/* Fuzz target: user-pointer reads (gt_mem_read_user, _user_string) over a
 * guest-physical image the guest controls. Input as fuzz-vmi-memory: a
 * 48-byte header (CR3, flags: bit 0 = 5-level paging, then four virtual
 * addresses), then physical memory from 0. Whatever the tables say, no
 * byte at or above the user-space limit is read, and every byte read comes
 * through a translation whose every level has U/S. */
#include "fuzz-image.h"

#include <string.h>

/* Every byte of [va, va+got) is a user byte under the tables. */
static void
check_user(Image *im, guint64 cr3, gboolean la57, guint64 limit, guint64 va, gsize got)
{
  if (got == 0)
    return;
  g_assert(va < limit && got <= limit - va);
  for (guint64 a = va; a < va + got; a = (a | 4095) + 1) {
    GtTranslation t;
    g_assert(gt_pt_translate(image_read, im, cr3, la57, a, &t, NULL));
    g_assert(t.user);
  }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  ImageInput x = image_input(data, size);
  g_autoptr(GtMem) mem = image_mem(&x);
  guint64 limit = gt_mem_user_limit(mem);
  for (guint i = 0; i < G_N_ELEMENTS(x.va); i++) {
    guint8 buf[9000];
    gsize len = (x.va[i] >> 3) % sizeof buf + 1;   /* often across pages */
    gsize got = gt_mem_read_user(mem, x.cr3, x.va[i], buf, len, NULL);
    g_assert(got <= len);
    check_user(&x.im, x.cr3, x.la57, limit, x.va[i], got);
    gboolean truncated = FALSE;
    g_autofree char *s = gt_mem_read_user_string(mem, x.cr3, x.va[i], 5000, &truncated, NULL);
    if (s) {
      g_assert(strlen(s) <= 5000);
      check_user(&x.im, x.cr3, x.la57, limit, x.va[i], MAX(strlen(s), 1));
    }
    /* Metered: a small budget ends the read early, never wrongly. */
    GtMemBudget b = { .reads = x.va[i] & 7, .bytes = 1u << 16 };
    gt_mem_meter_begin(mem, &b);
    gsize m = gt_mem_read_user(mem, x.cr3, x.va[i], buf, len, NULL);
    gt_mem_meter_end(mem, &b);
    g_assert(m <= got);
  }
  return 0;
}
