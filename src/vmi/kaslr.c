/* Finding the KASLR slide of a running x86-64 Linux kernel.
 *
 * Method. On x86-64 the kernel image is linked at 0xffffffff81000000 (the
 * System.map addresses) and, with KASLR, moved up by a multiple of 2 MiB
 * (CONFIG_PHYSICAL_ALIGN) within the 1 GiB kernel-image window; it is never
 * moved down. So for every candidate slide s = 0, 2 MiB, 4 MiB, ... < 1 GiB:
 *   1. translate linux_banner + s through the kernel page tables at cr3 and
 *      compare the bytes with "Linux version ";
 *   2. verify independently, so that one stray copy of the string cannot
 *      fool us:
 *      a. _text + s must be mapped, and at the same virtual-to-physical
 *         distance as linux_banner + s: the kernel image is one physically
 *         contiguous block mapped at a constant offset (phys_base), so
 *         pa(banner + s) - pa(_text + s) == banner - _text;
 *      b. if the map has linux_proc_banner, the bytes at linux_proc_banner
 *         + s must begin with "%s version %s" (its fixed format string).
 * The first candidate that passes wins; slide 0 passing means the map
 * already holds run-time addresses (a /proc/kallsyms dump).
 * With page-table isolation the user-mode CR3 maps almost none of the
 * kernel; its kernel twin is the same value with bit 12 clear, so if
 * nothing verifies at a CR3 with bit 12 set, that twin is tried. */
#include "vmi/kaslr.h"

#include <string.h>
#include <guestrace/types.h>

#define KASLR_ALIGN (2ULL << 20)
#define KASLR_RANGE (1ULL << 30)
#define KERNEL_IMAGE_BASE 0xffffffff80000000ULL
#define PTI_USER_BIT (1ULL << 12)

static const char banner_prefix[] = "Linux version ";
static const char proc_banner_prefix[] = "%s version %s";

typedef struct {
  guint64 banner;       /* link-time addresses from the map */
  guint64 text;
  guint64 proc_banner;
  gboolean has_proc_banner;
} Anchors;

static gboolean
bytes_at(GtMem *mem, guint64 cr3, guint64 va, const char *want, gsize len)
{
  char buf[32];
  g_assert(len <= sizeof buf);
  return gt_mem_read(mem, cr3, va, buf, len, NULL) && memcmp(buf, want, len) == 0;
}

static gboolean
candidate_ok(GtMem *mem, guint64 cr3, const Anchors *a, guint64 s)
{
  guint64 banner_pa, text_pa;

  if (!bytes_at(mem, cr3, a->banner + s, banner_prefix, strlen(banner_prefix)))
    return FALSE;
  if (!gt_mem_translate(mem, cr3, a->banner + s, &banner_pa, NULL) ||
      !gt_mem_translate(mem, cr3, a->text + s, &text_pa, NULL))
    return FALSE;
  if (banner_pa - text_pa != a->banner - a->text)
    return FALSE;
  if (a->has_proc_banner &&
      !bytes_at(mem, cr3, a->proc_banner + s, proc_banner_prefix, strlen(proc_banner_prefix)))
    return FALSE;
  return TRUE;
}

static gboolean
search(GtMem *mem, guint64 cr3, const Anchors *a, guint64 *found)
{
  guint64 highest = MAX(a->banner, MAX(a->text, a->has_proc_banner ? a->proc_banner : 0));
  for (guint64 s = 0; s < KASLR_RANGE; s += KASLR_ALIGN) {
    if (highest + s < highest)
      break;  /* would wrap past the top of the address space */
    if (candidate_ok(mem, cr3, a, s)) {
      *found = s;
      return TRUE;
    }
  }
  return FALSE;
}

static gboolean
need_symbol(const GtSymbols *syms, const char *name, guint64 *addr, GError **error)
{
  if (!gt_symbols_lookup_raw(syms, name, addr)) {
    g_set_error(error, GT_ERROR, GT_ERROR_NOT_FOUND,
                "cannot find the KASLR slide: the symbol map has no %s", name);
    return FALSE;
  }
  if (*addr < KERNEL_IMAGE_BASE) {
    g_set_error(error, GT_ERROR, GT_ERROR_NOT_FOUND,
                "cannot find the KASLR slide: %s is at 0x%" G_GINT64_MODIFIER "x, "
                "outside the kernel image", name, *addr);
    return FALSE;
  }
  return TRUE;
}

gboolean
gt_kaslr_find_slide(GtMem *mem, guint64 cr3, const GtSymbols *syms,
                    gint64 *slide, GError **error)
{
  return gt_kaslr_find_slide_ex(mem, cr3, syms, slide, NULL, error);
}

gboolean
gt_kaslr_find_slide_ex(GtMem *mem, guint64 cr3, const GtSymbols *syms,
                       gint64 *slide, guint64 *kernel_cr3, GError **error)
{
  Anchors a = { 0 };
  guint64 s;

  g_return_val_if_fail(mem != NULL && syms != NULL && slide != NULL, FALSE);

  if (!need_symbol(syms, "linux_banner", &a.banner, error) ||
      !need_symbol(syms, "_text", &a.text, error))
    return FALSE;
  a.has_proc_banner = gt_symbols_lookup_raw(syms, "linux_proc_banner", &a.proc_banner) &&
                      a.proc_banner >= KERNEL_IMAGE_BASE;

  guint64 roots[2] = { cr3, cr3 & ~PTI_USER_BIT };
  for (guint i = 0; i < ((cr3 & PTI_USER_BIT) ? 2u : 1u); i++) {
    if (search(mem, roots[i], &a, &s)) {
      *slide = (gint64)s;
      if (kernel_cr3 != NULL)
        *kernel_cr3 = roots[i];
      return TRUE;
    }
  }

  g_set_error(error, GT_ERROR, GT_ERROR_NOT_FOUND,
              "no KASLR slide in [0, 1 GiB) puts \"Linux version \" at linux_banner "
              "(0x%" G_GINT64_MODIFIER "x) with a consistent kernel image: the "
              "symbol map probably does not match the guest kernel (or CR3 0x%"
              G_GINT64_MODIFIER "x is not a kernel page-table root, or the paging mode "
              "(4- or 5-level) is wrong)", a.banner, cr3);
  return FALSE;
}
