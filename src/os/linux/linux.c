/* The Linux view of a guest: construction (offsets from BTF or a profile,
 * the symbols it needs), accessors, and the current task of a vCPU. */
#include <guestrace/types.h>
#include "os/linux/linux-private.h"

gboolean
gt_linux_read_kptr(GtLinux *lx, guint64 va, const char *what, guint64 *out,
                   GError **error)
{
  guint64 v = 0;
  g_autoptr(GError) local = NULL;
  if (!gt_mem_read_u64(lx->mem, lx->kcr3, va, &v, &local)) {
    g_set_error(error, GT_ERROR, GT_ERROR_MEMORY, "cannot read %s at 0x%" G_GINT64_MODIFIER
                "x: %s", what, va, local->message);
    return FALSE;
  }
  if (!gt_linux_is_kernel_addr(v) || (v & 7) != 0) {
    g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
                "%s at 0x%" G_GINT64_MODIFIER "x is not a kernel pointer: 0x%"
                G_GINT64_MODIFIER "x", what, va, v);
    return FALSE;
  }
  *out = v;
  return TRUE;
}

/* Symbols every Linux view needs, and the per-CPU current-task slot. */
static gboolean
resolve_symbols(GtLinux *lx, GError **error)
{
  if (!gt_symbols_lookup(lx->syms, "init_task", &lx->init_task)) {
    g_set_error(error, GT_ERROR, GT_ERROR_NOT_FOUND,
                "symbol init_task not found: not a Linux System.map?");
    return FALSE;
  }
  guint64 sym;
  if (lx->off.pcpu_hot_current_task != G_MAXUINT &&
      gt_symbols_lookup(lx->syms, "pcpu_hot", &sym)) {
    lx->current_task_pcpu = sym + lx->off.pcpu_hot_current_task;
    return TRUE;
  }
  if (gt_symbols_lookup(lx->syms, "current_task", &sym)) {
    lx->current_task_pcpu = sym;
    return TRUE;
  }
  g_set_error(error, GT_ERROR, GT_ERROR_NOT_FOUND,
              "neither the per-CPU symbol current_task nor pcpu_hot (with "
              "pcpu_hot.current_task) is known: cannot find the current task");
  return FALSE;
}

GtLinux *
gt_linux_new_with_offsets(GtMem *mem, GtSymbols *syms, guint64 kcr3,
                          const GtLinuxOffsets *offsets, GError **error)
{
  g_autoptr(GtLinux) lx = g_new0(GtLinux, 1);
  lx->mem = mem;
  lx->syms = syms;
  lx->kcr3 = kcr3;
  lx->off = *offsets;
  if (!resolve_symbols(lx, error))
    return NULL;
  return g_steal_pointer(&lx);
}

GtLinux *
gt_linux_new(GtMem *mem, GtSymbols *syms, guint64 kcr3, const char *profile,
             GError **error)
{
  GtLinuxOffsets off;
  g_autoptr(GtKernelBtf) btf = NULL;
  if (profile != NULL) {
    if (!gt_linux_offsets_from_profile(profile, &off, error))
      return NULL;
  } else {
    btf = gt_kbtf_load_guest(mem, kcr3, syms, error);
    if (btf == NULL)
      return NULL;
    if (!gt_linux_offsets_from_btf(btf, &off, error))
      return NULL;
  }
  GtLinux *lx = gt_linux_new_with_offsets(mem, syms, kcr3, &off, error);
  if (lx != NULL)
    lx->btf = g_steal_pointer(&btf);
  return lx;
}

void
gt_linux_free(GtLinux *lx)
{
  if (lx == NULL)
    return;
  gt_kbtf_free(lx->btf);
  g_free(lx);
}

const GtLinuxOffsets *
gt_linux_offsets(GtLinux *lx)
{
  return &lx->off;
}

GtKernelBtf *
gt_linux_btf(GtLinux *lx)
{
  return lx->btf;
}

void
gt_linux_set_kcr3(GtLinux *lx, guint64 kcr3)
{
  lx->kcr3 = kcr3;
}

gboolean
gt_linux_current_task(GtLinux *lx, guint64 gs_base, guint64 *task, GError **error)
{
  if (!gt_linux_is_kernel_addr(gs_base)) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG,
                "GS base 0x%" G_GINT64_MODIFIER "x is not a kernel per-CPU area "
                "(the vCPU may be in user mode: use its kernel GS base)", gs_base);
    return FALSE;
  }
  return gt_linux_read_kptr(lx, gs_base + lx->current_task_pcpu, "current task", task,
                            error);
}
