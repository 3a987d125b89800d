/* Attaching to a guest: driver, memory, symbols, kernel page tables, KASLR. */
#include "vmi/vmi.h"
#include "vmi/kaslr.h"
#include "vmi/ksyms-source.h"

#define CR4_LA57 (1ULL << 12)
/* With page-table isolation the user half of a PGD pair sits 4 KiB above
 * the kernel half (PTI_USER_PGTABLE_BIT is bit 12). */
#define PTI_USER_BIT (1ULL << 12)

static gboolean
phys_read(void *ctx, guint64 pa, void *buf, gsize len, GError **error)
{
  GtDriver *d = ctx;
  return d->ops->read_phys(d, pa, buf, len, error);
}

static gboolean
phys_write(void *ctx, guint64 pa, const void *buf, gsize len, GError **error)
{
  GtDriver *d = ctx;
  return d->ops->write_phys(d, pa, buf, len, error);
}

GtMem *
gt_vmi_driver_mem(GtDriver *d)
{
  return gt_mem_new(phys_read, phys_write, d);
}

/* Tries a page-table root: the slide is found through it and the kernel's
 * own top-level table (init_top_pgt) is then translated through it, which
 * gives a root that lives as long as the kernel does (a process's root
 * dies with the process). */
static gboolean
try_root(GtVmi *vmi, guint64 root, GError **error)
{
  gint64 slide = 0;
  if (!gt_kaslr_find_slide(vmi->mem, root, vmi->syms, &slide, error))
    return FALSE;
  gt_symbols_set_slide(vmi->syms, slide);
  vmi->slide = slide;
  guint64 pgt_va = 0, pgt_pa = 0;
  if (gt_symbols_lookup(vmi->syms, "init_top_pgt", &pgt_va) &&
      gt_mem_translate(vmi->mem, root, pgt_va, &pgt_pa, NULL))
    vmi->kcr3 = pgt_pa;
  else
    vmi->kcr3 = root;
  return TRUE;
}

/* Candidate kernel page-table roots, from every vCPU's CR3: vCPUs in kernel
 * mode first (their CR3 maps the kernel), and for a page-table-isolation
 * user CR3 its kernel twin too. */
static gboolean
collect_roots(GtVmi *vmi, GArray *roots, GError **error)
{
  for (guint pass = 0; pass < 2; pass++) {
    for (guint cpu = 0; cpu < vmi->nvcpus; cpu++) {
      GtRegs regs;
      if (!vmi->driver->ops->get_regs(vmi->driver, cpu, &regs, error))
        return FALSE;
      gboolean kernel_mode = (regs.r[GT_REG_CS] & 3) == 0;
      if ((pass == 0) != kernel_mode)
        continue;
      if (roots->len == 0) {
        vmi->la57 = (regs.r[GT_REG_CR4] & CR4_LA57) != 0;
        gt_mem_set_la57(vmi->mem, vmi->la57);
      }
      guint64 root = regs.r[GT_REG_CR3] & GT_PT_ADDR_MASK;
      g_array_append_val(roots, root);
      if (root & PTI_USER_BIT) {
        root &= ~PTI_USER_BIT;
        g_array_append_val(roots, root);
      }
    }
  }
  if (roots->len == 0) {
    g_set_error(error, GT_ERROR, GT_ERROR_FAILED, "no vCPU to read page tables from");
    return FALSE;
  }
  return TRUE;
}

static gboolean
find_kernel_root(GtVmi *vmi, GArray *roots, GError **error)
{
  g_autoptr(GError) last = NULL;
  for (guint i = 0; i < roots->len; i++) {
    g_clear_error(&last);
    if (try_root(vmi, g_array_index(roots, guint64, i), &last))
      return TRUE;
  }
  g_propagate_error(error, g_steal_pointer(&last));
  return FALSE;
}

/* Time allowed to find VMCOREINFO: without a map it is the only source;
 * with one it is a cross-check. The note sits at 18-26 MiB of RAM on the kit's
 * kernels, found in well under 100 ms from a RAM file; 300 ms was seen to run
 * out on a loaded host (ASan build), silently accepting a wrong map, so the
 * check gets 3 s and a check that runs out of time is said on stderr. */
#define SCAN_BUDGET_US (30 * G_USEC_PER_SEC)
#define CHECK_BUDGET_US (3 * G_USEC_PER_SEC)

/* Symbols: the user's map if given (checked against the guest's VMCOREINFO,
 * found where the map says the kernel keeps it, else by a scan when that is
 * quick), else the guest's own kallsyms. */
static gboolean
load_symbols(GtVmi *vmi, const GtLoopOptions *opts, GArray *roots, GError **error)
{
  if (!opts->sysmap_path) {
    vmi->syms = gt_ksyms_from_memory(vmi->mem, (const guint64 *)roots->data, roots->len,
                                     SCAN_BUDGET_US, NULL, error);
    return vmi->syms != NULL && find_kernel_root(vmi, roots, error);
  }
  vmi->syms = gt_symbols_load(opts->sysmap_path, error);
  if (!vmi->syms)
    return FALSE;
  g_autoptr(GError) err = NULL;
  gboolean found = find_kernel_root(vmi, roots, &err);
  guint64 probe = found ? vmi->kcr3 : g_array_index(roots, guint64, 0);
  gboolean timed_out = FALSE;
  g_autoptr(GtVmcoreinfo) vi = found ? gt_ksyms_vmcoreinfo_via_map(vmi->mem, vmi->kcr3,
                                                                   vmi->syms) : NULL;
  if (!vi)
    vi = gt_ksyms_find_vmcoreinfo(vmi->mem, probe, CHECK_BUDGET_US, &timed_out);
  if (!vi && timed_out)
    g_warning("the symbol map %s was not checked against the guest's VMCOREINFO: "
              "not found within %d s", opts->sysmap_path, CHECK_BUDGET_US / G_USEC_PER_SEC);
  if (vi && found)
    return gt_ksyms_check_map(vmi->syms, opts->sysmap_path, vi, error);
  if (vi) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG,
                "the symbol map %s is not for the guest's kernel %s: no KASLR slide "
                "puts its linux_banner on the guest's", opts->sysmap_path,
                gt_vmcoreinfo_osrelease(vi));
    return FALSE;
  }
  if (!found)
    g_propagate_error(error, g_steal_pointer(&err));
  return found;
}

GtVmi *
gt_vmi_open(const char *spec, const GtLoopOptions *opts, GError **error)
{
  GtDriverOptions dopts = {
    .mem_path = opts->mem_path,
    .lowmem = opts->lowmem,
    .timeout_ms = opts->timeout_ms,
  };
  GtDriver *driver = gt_driver_open(spec, &dopts, error);
  if (!driver)
    return NULL;
  g_autoptr(GtVmi) vmi = g_new0(GtVmi, 1);
  vmi->driver = driver;
  vmi->mem = gt_vmi_driver_mem(driver);
  vmi->nvcpus = driver->ops->vcpu_count(driver);
  g_autoptr(GArray) roots = g_array_new(FALSE, FALSE, sizeof(guint64));
  if (!collect_roots(vmi, roots, error) || !load_symbols(vmi, opts, roots, error)) {
    g_prefix_error(error, "cannot find the kernel in %s: ", spec);
    return NULL;
  }
  return g_steal_pointer(&vmi);
}

void
gt_vmi_close(GtVmi *vmi)
{
  gt_vmi_end(vmi, NULL);
}

gboolean
gt_vmi_end(GtVmi *vmi, GError **error)
{
  if (!vmi)
    return TRUE;
  gboolean clean = gt_driver_end(vmi->driver, error);
  gt_mem_free(vmi->mem);
  gt_symbols_free(vmi->syms);
  g_free(vmi);
  return clean;
}

gboolean
gt_vmi_read_kptr(GtVmi *vmi, guint64 va, guint64 *out, GError **error)
{
  return gt_mem_read_u64(vmi->mem, vmi->kcr3, va, out, error);
}
