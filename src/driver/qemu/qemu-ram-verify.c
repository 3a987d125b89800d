/* Trusting guest RAM found in QEMU's process only after comparing it with
 * what the gdb stub reads (physical-memory mode, authoritative but slow):
 * the first, middle and last page of every range must be equal both ways,
 * and at least one of them must hold something other than zeros (equal
 * zero pages prove nothing). The guest is stopped, so nothing changes
 * between the two reads. */
#include "driver/qemu/qemu-driver.h"
#include "driver/qemu/qemu-private.h"

#include <string.h>

#define PAGE 4096u

static gboolean
compare_page(QemuDriver *q, GtQemuRam *ram, guint64 pa, guint *nonzero, GError **error)
{
  static const guint8 zero[PAGE];
  guint8 a[PAGE], b[PAGE];
  if (!qemu_read_phys(&q->parent, pa, a, PAGE, error) ||
      !gt_qemu_ram_read(ram, pa, b, PAGE, error))
    return FALSE;
  if (memcmp(a, b, PAGE) != 0) {
    g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL,
                "guest RAM read from QEMU's process differs from the gdb stub's at "
                "guest-physical 0x%" G_GINT64_MODIFIER "x", pa);
    return FALSE;
  }
  if (memcmp(a, zero, PAGE) != 0)
    (*nonzero)++;
  return TRUE;
}

gboolean
gt_qemu_driver_use_ram(GtDriver *d, GtQemuRam *ram, GError **error)
{
  QemuDriver *q = (QemuDriver *)d;
  if (q->ram || !q->phys_mode) {
    g_set_error(error, GT_ERROR, GT_ERROR_UNSUPPORTED,
                "cannot verify guest RAM: the gdb stub has no physical-memory mode");
    return FALSE;
  }
  guint nonzero = 0;
  for (guint i = 0; i < gt_qemu_ram_n_ranges(ram); i++) {
    const GtQemuRamRange *r = gt_qemu_ram_range(ram, i);
    if (r->size < PAGE)
      continue;
    guint64 pages = r->size / PAGE;
    guint64 at[3] = { 0, pages / 2, pages - 1 };
    for (guint k = 0; k < 3; k++)
      if (!compare_page(q, ram, r->gpa + at[k] * PAGE, &nonzero, error))
        return FALSE;
  }
  if (nonzero == 0) {
    g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL,
                "cannot verify guest RAM read from QEMU's process: every page compared is "
                "zero");
    return FALSE;
  }
  q->ram = ram;
  return TRUE;
}
