/* Kernel symbols from guest memory, and the cross-check with a user's map. */
#include "vmi/ksyms-source.h"

#include <stdio.h>
#include <string.h>
#include <guestrace/types.h>
#include "vmi/kallsyms.h"
#include "vmi/kallsyms-scan.h"

#define KERNEL_IMAGE_BASE 0xffffffff80000000ULL
#define KERNEL_IMAGE_SPAN (1ULL << 30)   /* KERNEL_IMAGE_SIZE with KASLR */
#define PMD_SPAN (2ULL << 20)
/* Guest RAM scanned for VMCOREINFO at most (it sits in the first tens of
 * MiB in practice; the bound only limits a hostile or huge guest). */
#define SCAN_MAX_BYTES (64ULL << 30)

static gboolean
phys_read(void *ctx, guint64 pa, void *buf, gsize len, GError **error)
{
  return gt_mem_read_phys(ctx, pa, buf, len, error);
}

typedef struct {
  GtMem *mem;
  guint64 root;
} KvaCtx;

static gboolean
kva_read(void *ctx, guint64 va, void *buf, gsize len, GError **error)
{
  KvaCtx *k = ctx;
  return gt_mem_read(k->mem, k->root, va, buf, len, error);
}

/* The kallsyms table addresses VMCOREINFO names (6.0+). FALSE when it
 * names none: the tables are then searched for in the image. */
static gboolean
tables_from_vmcoreinfo(const GtVmcoreinfo *vi, GtKallsymsTables *t)
{
  memset(t, 0, sizeof *t);
  gboolean ok = gt_vmcoreinfo_symbol(vi, "_stext", &t->stext) &&
                gt_vmcoreinfo_symbol(vi, "kallsyms_num_syms", &t->num_syms) &&
                gt_vmcoreinfo_symbol(vi, "kallsyms_names", &t->names) &&
                gt_vmcoreinfo_symbol(vi, "kallsyms_token_table", &t->token_table) &&
                gt_vmcoreinfo_symbol(vi, "kallsyms_token_index", &t->token_index);
  gt_vmcoreinfo_symbol(vi, "kallsyms_offsets", &t->offsets);
  gt_vmcoreinfo_symbol(vi, "kallsyms_relative_base", &t->relative_base);
  gt_vmcoreinfo_symbol(vi, "kallsyms_addresses", &t->addresses);
  /* Two-byte name lengths since 6.1 (73bbb94466fd3); a 5.x table never has
   * a length byte with bit 7 set (names were under 128 bytes), so reading
   * it the 6.1 way changes nothing. */
  t->big_lengths = TRUE;
  return ok && (t->offsets || t->addresses);
}

/* Where the kernel image is mapped: its first 2 MiB page in the kernel
 * image range (cleanup_highmap() unmaps what lies below _text, which is
 * _stext on x86-64). */
static gboolean
image_start(GtMem *mem, guint64 root, guint64 *va)
{
  for (guint64 off = 0; off < KERNEL_IMAGE_SPAN; off += PMD_SPAN) {
    guint64 pa;
    if (gt_mem_translate(mem, root, KERNEL_IMAGE_BASE + off, &pa, NULL)) {
      *va = KERNEL_IMAGE_BASE + off;
      return TRUE;
    }
  }
  return FALSE;
}

/* The kallsyms text of the kernel mapped at root: from the tables
 * VMCOREINFO names, else found by searching the image from _stext
 * (VMCOREINFO's, else the start of the image mapping). */
static char *
kallsyms_text(GtMem *mem, guint64 root, const GtVmcoreinfo *vi, gsize *len, GError **error)
{
  KvaCtx k = { mem, root };
  GtKallsymsTables t;
  if (vi && tables_from_vmcoreinfo(vi, &t))
    return gt_kallsyms_decode(&t, kva_read, &k, len, NULL, error);
  guint64 stext;
  if (!(vi && gt_vmcoreinfo_symbol(vi, "_stext", &stext)) && !image_start(mem, root, &stext)) {
    g_set_error(error, GT_ERROR, GT_ERROR_NOT_FOUND,
                "nothing is mapped at 0x%" G_GINT64_MODIFIER "x-0x%" G_GINT64_MODIFIER "x "
                "(the kernel image)", (guint64)KERNEL_IMAGE_BASE,
                (guint64)(KERNEL_IMAGE_BASE + KERNEL_IMAGE_SPAN));
    return NULL;
  }
  return gt_kallsyms_scan(kva_read, &k, stext, KERNEL_IMAGE_BASE + KERNEL_IMAGE_SPAN - stext,
                          stext, NULL, len, error);
}

/* linux_banner must read "Linux version OSRELEASE " through the page
 * tables: ties the decoded map to the kernel that really runs. */
static gboolean
banner_matches(GtMem *mem, guint64 root, const GtSymbols *syms, const char *osrelease,
               GError **error)
{
  guint64 va;
  /* Without VMCOREINFO only the words before the release are known. */
  g_autofree char *want = osrelease ? g_strdup_printf("Linux version %s ", osrelease)
                                    : g_strdup("Linux version ");
  gsize n = strlen(want);
  g_autofree char *got = g_malloc0(n + 1);
  if (!gt_symbols_lookup(syms, "linux_banner", &va) ||
      !gt_mem_read(mem, root, va, got, n, NULL) || memcmp(got, want, n) != 0) {
    g_set_error(error, GT_ERROR, GT_ERROR_NOT_FOUND,
                "the decoded kallsyms do not place linux_banner (\"%s\") right", want);
    return FALSE;
  }
  return TRUE;
}

typedef struct {
  GtMem *mem;
  const guint64 *roots;
  guint nroots;
  GtSymbols *syms;
  GError *last;
} Try;

static gboolean
try_root(Try *tr, const GtVmcoreinfo *vi, guint64 root)
{
  gsize len = 0;
  g_clear_error(&tr->last);
  g_autofree char *text = kallsyms_text(tr->mem, root, vi, &len, &tr->last);
  if (!text)
    return FALSE;
  g_autoptr(GtSymbols) syms = gt_symbols_parse(text, len, "guest kallsyms", &tr->last);
  if (!syms ||
      !banner_matches(tr->mem, root, syms, vi ? gt_vmcoreinfo_osrelease(vi) : NULL, &tr->last))
    return FALSE;
  tr->syms = g_steal_pointer(&syms);
  return TRUE;
}

static gboolean
accept_candidate(const GtVmcoreinfo *vi, gpointer user)
{
  Try *tr = user;
  for (guint i = 0; i < tr->nroots; i++)
    if (try_root(tr, vi, tr->roots[i]))
      return TRUE;
  return FALSE;
}

static char *
describe_scan(const GtVmcoreinfoScanStats *st)
{
  g_autoptr(GString) s = g_string_new(NULL);
  g_string_append_printf(s, "scanned %" G_GUINT64_FORMAT " MiB of guest RAM",
                         st->pages_scanned / 256);
  g_string_append_printf(s, " (0-0x%" G_GINT64_MODIFIER "x", st->low_end);
  if (st->high_end > 0x100000000ULL)
    g_string_append_printf(s, ", 0x100000000-0x%" G_GINT64_MODIFIER "x", st->high_end);
  g_string_append_printf(s, ")%s for VMCOREINFO, %u candidate(s)",
                         st->timed_out ? " before the time limit" : "", st->candidates);
  return g_string_free(g_steal_pointer(&s), FALSE);
}

GtSymbols *
gt_ksyms_from_memory(GtMem *mem, const guint64 *roots, guint nroots, gint64 budget_us,
                     GtVmcoreinfo **vi_out, GError **error)
{
  Try tr = { mem, roots, nroots, NULL, NULL };
  GtVmcoreinfoScanStats st;
  gint64 deadline = g_get_monotonic_time() + budget_us;
  /* First the image by its mapping alone: no RAM scan (5.10's VMCOREINFO
   * sits near the top of RAM), and the kernel image mapping cannot be
   * planted by a process. */
  for (guint i = 0; i < nroots; i++)
    if (try_root(&tr, NULL, roots[i])) {
      if (vi_out)
        *vi_out = NULL;
      return tr.syms;
    }
  g_autoptr(GError) by_image = g_steal_pointer(&tr.last);
  GtVmcoreinfo *vi = gt_vmcoreinfo_scan(phys_read, mem, SCAN_MAX_BYTES, deadline,
                                        accept_candidate, &tr, &st);
  if (!vi) {
    g_autofree char *what = describe_scan(&st);
    g_set_error(error, GT_ERROR, GT_ERROR_NOT_FOUND,
                "no kernel symbols in guest memory: the kernel image: %s; %s%s%s; give the "
                "kernel's System.map or a /proc/kallsyms dump with -m",
                by_image ? by_image->message : "not mapped", what,
                tr.last ? ", the last: " : "", tr.last ? tr.last->message : "");
    g_clear_error(&tr.last);
    return NULL;
  }
  g_clear_error(&tr.last);
  if (vi_out)
    *vi_out = vi;
  else
    gt_vmcoreinfo_free(vi);
  return tr.syms;
}

typedef struct {
  GtMem *mem;
  guint64 kcr3;
} MappedCtx;

static gboolean
stext_mapped(const GtVmcoreinfo *vi, gpointer user)
{
  MappedCtx *m = user;
  guint64 stext, pa;
  return gt_vmcoreinfo_symbol(vi, "_stext", &stext) &&
         gt_mem_translate(m->mem, m->kcr3, stext, &pa, NULL);
}

GtVmcoreinfo *
gt_ksyms_find_vmcoreinfo(GtMem *mem, guint64 kcr3, gint64 budget_us, gboolean *timed_out)
{
  MappedCtx m = { mem, kcr3 };
  GtVmcoreinfoScanStats st;
  GtVmcoreinfo *vi = gt_vmcoreinfo_scan(phys_read, mem, SCAN_MAX_BYTES,
                                        g_get_monotonic_time() + budget_us, stext_mapped,
                                        &m, &st);
  if (timed_out)
    *timed_out = st.timed_out;
  return vi;
}

/* The page VMCOREINFO's text is kept in (a page, get_zeroed_page). */
#define VMCOREINFO_MAX 4096u

GtVmcoreinfo *
gt_ksyms_vmcoreinfo_via_map(GtMem *mem, guint64 kcr3, const GtSymbols *map)
{
  guint64 data_va, size_va, data, size;
  if (!gt_symbols_lookup(map, "vmcoreinfo_data", &data_va) ||
      !gt_symbols_lookup(map, "vmcoreinfo_size", &size_va) ||
      !gt_mem_read_u64(mem, kcr3, data_va, &data, NULL) ||
      !gt_mem_read_u64(mem, kcr3, size_va, &size, NULL) || size == 0)
    return NULL;
  size = MIN(size, VMCOREINFO_MAX);
  g_autofree char *text = g_malloc(size);
  if (!gt_mem_read(mem, kcr3, data, text, size, NULL))
    return NULL;
  g_autoptr(GtVmcoreinfo) vi = gt_vmcoreinfo_parse(text, size, NULL);
  MappedCtx m = { mem, kcr3 };
  if (!vi || !stext_mapped(vi, &m))
    return NULL;
  return g_steal_pointer(&vi);
}

typedef struct {
  const GtSymbols *map;
  const char *map_name;
  const GtVmcoreinfo *vi;
  GError **error;
  gboolean ok;
} CheckCtx;

static void
check_name(CheckCtx *c, const char *name)
{
  guint64 want, have;
  if (!c->ok || !gt_vmcoreinfo_symbol(c->vi, name, &want) || want < KERNEL_IMAGE_BASE ||
      !gt_symbols_lookup(c->map, name, &have) || have == want)
    return;
  g_set_error(c->error, GT_ERROR, GT_ERROR_INVALID_ARG,
              "the symbol map %s does not match the guest's kernel %s: it puts %s at "
              "0x%" G_GINT64_MODIFIER "x, the guest has it at 0x%" G_GINT64_MODIFIER "x",
              c->map_name, gt_vmcoreinfo_osrelease(c->vi), name, have, want);
  c->ok = FALSE;
}

static void
check_key(gpointer key, gpointer value, gpointer user)
{
  const char *k = key;
  (void)value;
  if (!g_str_has_prefix(k, "SYMBOL(") || !g_str_has_suffix(k, ")"))
    return;
  g_autofree char *name = g_strndup(k + 7, strlen(k) - 8);
  check_name(user, name);
}

gboolean
gt_ksyms_check_map(const GtSymbols *map, const char *map_name, const GtVmcoreinfo *vi,
                   GError **error)
{
  CheckCtx c = { map, map_name, vi, error, TRUE };
  check_name(&c, "_stext");  /* the most telling one first */
  g_hash_table_foreach(gt_vmcoreinfo_table(vi), check_key, &c);
  return c.ok;
}
