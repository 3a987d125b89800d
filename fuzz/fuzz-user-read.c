/* Fuzz target: user-pointer reads (gt_mem_read_user, _user_string) over a
 * guest-physical image the guest controls. Input as fuzz-vmi-memory: a
 * 48-byte header (CR3, flags: bit 0 = 5-level paging, then four virtual
 * addresses), then physical memory from 0. Whatever the tables say, no
 * byte at or above the user-space limit is read, and every byte read comes
 * through a translation whose every level has U/S. */
#include "fuzz-common.h"

#include <string.h>

#include <guestrace/types.h>
#include "vmi/memory.h"
#include "fuzz-image.h"

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
  GtFuzzIn in = gt_fuzz_in(data, size);
  guint64 cr3 = gt_fuzz_u64(&in);
  gboolean la57 = gt_fuzz_u64(&in) & 1;
  guint64 va[4];
  for (int i = 0; i < 4; i++)
    va[i] = gt_fuzz_u64(&in);
  Image im = { in.p, in.left };
  g_autoptr(GtMem) mem = gt_mem_new(image_read, NULL, &im);
  gt_mem_set_la57(mem, la57);
  guint64 limit = gt_mem_user_limit(mem);
  for (int i = 0; i < 4; i++) {
    guint8 buf[9000];
    gsize len = (va[i] >> 3) % sizeof buf + 1;   /* often across pages */
    gsize got = gt_mem_read_user(mem, cr3, va[i], buf, len, NULL);
    g_assert(got <= len);
    check_user(&im, cr3, la57, limit, va[i], got);
    gboolean truncated = FALSE;
    g_autofree char *s = gt_mem_read_user_string(mem, cr3, va[i], 5000, &truncated, NULL);
    if (s) {
      g_assert(strlen(s) <= 5000);
      check_user(&im, cr3, la57, limit, va[i], MAX(strlen(s), 1));
    }
    /* Metered: a small budget ends the read early, never wrongly. */
    GtMemBudget b = { .reads = va[i] & 7, .bytes = 1u << 16 };
    gt_mem_meter_begin(mem, &b);
    gsize m = gt_mem_read_user(mem, cr3, va[i], buf, len, NULL);
    gt_mem_meter_end(mem, &b);
    g_assert(m <= got);
  }
  return 0;
}
