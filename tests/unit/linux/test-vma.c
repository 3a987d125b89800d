/* Tests of the VMA lookup (maple tree), the page-cache lookup (xarray) and
 * reading a page a process has not faulted in, on crafted guest memory laid
 * out like Linux 6.1's structures — and on every corruption a guest can
 * make (cycles, pivots out of order, bad shifts, siblings): errors, never a
 * hang or a guess. The offsets themselves are checked against the host
 * kernel's BTF when it has one. */
#include <string.h>
#include <guestrace/types.h>
#include "os/linux/linux.h"
#include "fake-guest.h"


typedef struct {
  FakeGuest *fg;
  GtSymbols *syms;
  GtLinux *lx;
  GtLinuxOffsets off;
  guint64 mm, task, vmemmap;
} World;

static void
world_init(World *w)
{
  memset(w, 0, sizeof *w);
  w->fg = fg_new(16);
  w->off = fg_walker_offsets();
  w->task = fg_alloc(w->fg, 0x100);
  w->mm = fg_alloc(w->fg, 0x100);
  fg_put_u64(w->fg, w->task + w->off.task_mm, w->mm);
  /* struct pages for the first 4096 page frames (16 MiB). */
  w->vmemmap = fg_alloc(w->fg, 4096 * FG_PAGE_STRUCT);
  guint64 var = fg_alloc(w->fg, 8);
  fg_put_u64(w->fg, var, w->vmemmap);
  g_autofree char *map = g_strdup_printf("%016" G_GINT64_MODIFIER "x D init_task\n"
                                         "0000000000001000 D current_task\n"
                                         "%016" G_GINT64_MODIFIER "x D vmemmap_base\n",
                                         w->task, var);
  w->syms = fg_symbols(map);
  w->lx = fg_linux(w->fg, w->syms, &w->off);
}

static void
world_clear(World *w)
{
  fg_linux_free(w->lx, w->syms, w->fg);
}

static guint64
new_vma(World *w, guint64 start, guint64 end, guint64 file, guint64 pgoff, guint64 flags)
{
  guint64 v = fg_alloc(w->fg, 0x80);
  fg_put_u64(w->fg, v + w->off.vma_start, start);
  fg_put_u64(w->fg, v + w->off.vma_end, end);
  fg_put_u64(w->fg, v + w->off.vma_file, file);
  fg_put_u64(w->fg, v + w->off.vma_pgoff, pgoff);
  fg_put_u64(w->fg, v + w->off.vma_flags, flags);
  return v;
}

/* A 256-aligned maple node; returns its tagged entry. pivots/slots have n
 * used entries (the last slot's pivot is implied by the parent). */
static guint64
new_node(World *w, guint type, const guint64 *pivots, const guint64 *slots, guint n)
{
  guint64 raw = fg_alloc(w->fg, 512);
  guint64 node = (raw + 255) & ~255ULL;
  gboolean arange = type == FG_MT_ARANGE;
  guint poff = arange ? w->off.ma64_pivot : w->off.mr64_pivot;
  guint soff = arange ? w->off.ma64_slot : w->off.mr64_slot;
  guint moff = arange ? w->off.ma64_meta_end : w->off.mr64_meta_end;
  for (guint i = 0; i + 1 < n; i++)
    fg_put_u64(w->fg, node + poff + i * 8, pivots[i]);
  for (guint i = 0; i < n; i++)
    fg_put_u64(w->fg, node + soff + i * 8, slots[i]);
  *(guint8 *) fg_ptr(w->fg, node + moff) = (guint8) (n - 1);
  return node | ((guint64) type << 3) | 4;     /* mt_mk_node() */
}

/* The root entry: mte_mk_root() adds the xarray node tag. */
static guint64
as_root(guint64 entry)
{
  return entry | 2;
}

/* Three VMAs [0x1000,0x3000) [0x5000,0x6000) [0x7000,0x9000) with gaps, in
 * two leaves under an arange root. */
static void
tree_normal(World *w, guint64 vmas[3], guint64 *root)
{
  vmas[0] = new_vma(w, 0x1000, 0x3000, 0, 0, 1);
  vmas[1] = new_vma(w, 0x5000, 0x6000, 0, 0, 1);
  vmas[2] = new_vma(w, 0x7000, 0x9000, 0, 0, 1);
  const guint64 p1[] = { 0xfff, 0x2fff, 0x4fff, 0x5fff };
  const guint64 s1[] = { 0, vmas[0], 0, vmas[1], 0 };
  const guint64 p2[] = { 0x8fff };
  const guint64 s2[] = { vmas[2], 0 };
  guint64 leaf1 = new_node(w, FG_MT_LEAF, p1, s1, 5);
  guint64 leaf2 = new_node(w, FG_MT_LEAF, p2, s2, 2);
  const guint64 pr[] = { 0x6fff };
  const guint64 sr[] = { leaf1, leaf2 };
  *root = new_node(w, FG_MT_ARANGE, pr, sr, 2);
  fg_put_u64(w->fg, w->mm + w->off.mm_mt_root, as_root(*root));
}

/* The three VMAs [0x1000,0x3000) [0x5000,0x6000) [0x7000,0x9000) of either
 * layout (maple tree or list): each address finds its VMA or none. */
static void
expect_lookups(World *w, const guint64 vmas[3])
{
  const struct { guint64 addr; gint which; } cases[] = {
    { 0x1000, 0 }, { 0x2fff, 0 }, { 0x5000, 1 }, { 0x5abc, 1 }, { 0x7000, 2 },
    { 0x8fff, 2 }, { 0x0, -1 }, { 0x3000, -1 }, { 0x6fff, -1 }, { 0x9000, -1 },
    { G_MAXUINT64, -1 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GError) error = NULL;
    GtLinuxVma v;
    gboolean ok = gt_linux_vma_find(w->lx, w->mm, cases[i].addr, &v, &error);
    if (cases[i].which < 0) {
      g_assert_false(ok);
      g_assert_error(error, GT_ERROR, GT_ERROR_NOT_FOUND);
    } else {
      g_assert_no_error(error);
      g_assert_true(ok);
      g_assert_cmpuint(v.addr, ==, vmas[cases[i].which]);
    }
  }
}

static void
test_vma_find(void)
{
  World w;
  world_init(&w);
  guint64 vmas[3], root;
  tree_normal(&w, vmas, &root);
  expect_lookups(&w, vmas);
  world_clear(&w);
}

/* Every corruption ends in GT_ERROR_MEMORY. */
static void
expect_corrupt(World *w, guint64 addr)
{
  g_autoptr(GError) error = NULL;
  GtLinuxVma v;
  g_assert_false(gt_linux_vma_find(w->lx, w->mm, addr, &v, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_MEMORY);
}

static void
test_vma_corrupt(void)
{
  World w;
  world_init(&w);
  guint64 vmas[3], root;
  tree_normal(&w, vmas, &root);
  guint64 node = root & ~255ULL;
  /* A cycle: the root's second slot points back at the root. */
  fg_put_u64(w.fg, node + w.off.ma64_slot + 8, root);
  expect_corrupt(&w, 0x7000);
  /* A chain of distinct nodes deeper than the maple tree's height limit. */
  guint64 child = new_node(&w, FG_MT_RANGE, (const guint64[]) { 0x100 },
                           (const guint64[]) { 0, 0 }, 2);
  fg_put_u64(w.fg, node + w.off.ma64_slot + 8, child);
  for (guint i = 0; i < 40; i++) {
    guint64 parent = new_node(&w, FG_MT_RANGE, (const guint64[]) { 0x6fff },
                              (const guint64[]) { 0, child }, 2);
    child = parent;
  }
  fg_put_u64(w.fg, w.mm + w.off.mm_mt_root, as_root(child));
  expect_corrupt(&w, 0x7000);
  fg_put_u64(w.fg, w.mm + w.off.mm_mt_root, as_root(root));
  /* Pivots out of order inside the parent's range. */
  tree_normal(&w, vmas, &root);
  node = root & ~255ULL;
  guint64 l1 = 0;
  memcpy(&l1, fg_ptr(w.fg, node + w.off.ma64_slot), 8);
  fg_put_u64(w.fg, (l1 & ~255ULL) + w.off.mr64_pivot + 8, 0x10);
  expect_corrupt(&w, 0x5000);
  /* An unknown node type, a metadata end past the slots, a non-node inner
   * slot, a leaf slot that is no pointer, a VMA not covering the address. */
  tree_normal(&w, vmas, &root);
  fg_put_u64(w.fg, w.mm + w.off.mm_mt_root, as_root((root & ~0x78ULL) | (7 << 3)));
  expect_corrupt(&w, 0x1000);
  tree_normal(&w, vmas, &root);
  *(guint8 *) fg_ptr(w.fg, (root & ~255ULL) + w.off.ma64_meta_end) = 200;
  expect_corrupt(&w, 0x1000);
  tree_normal(&w, vmas, &root);
  fg_put_u64(w.fg, (root & ~255ULL) + w.off.ma64_slot, 0x12345);
  expect_corrupt(&w, 0x1000);
  tree_normal(&w, vmas, &root);
  memcpy(&l1, fg_ptr(w.fg, (root & ~255ULL) + w.off.ma64_slot), 8);
  fg_put_u64(w.fg, (l1 & ~255ULL) + w.off.mr64_slot + 8, 0x4141414141414141ULL);
  expect_corrupt(&w, 0x1000);
  tree_normal(&w, vmas, &root);
  fg_put_u64(w.fg, vmas[1] + w.off.vma_start, 0x5800);
  expect_corrupt(&w, 0x5000);
  /* A root that is not a node holds index 0 only. */
  fg_put_u64(w.fg, w.mm + w.off.mm_mt_root, vmas[0]);
  g_autoptr(GError) error = NULL;
  GtLinuxVma v;
  g_assert_false(gt_linux_vma_find(w.lx, w.mm, 0x1000, &v, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_NOT_FOUND);
  world_clear(&w);
}


/* Before 6.1 (no maple tree in the BTF): mm->mmap, a list in address
 * order through vm_next. */
#define LIST_MMAP 0x50
#define LIST_NEXT 0x38

static void
world_init_list(World *w, guint64 vmas[3])
{
  world_init(w);
  gt_linux_free(w->lx);
  w->off.mm_mt_root = G_MAXUINT;
  w->off.mm_mmap = LIST_MMAP;
  w->off.vma_next = LIST_NEXT;
  w->lx = fg_linux(w->fg, w->syms, &w->off);
  g_assert_true(gt_linux_has_vmas(w->lx));
  vmas[0] = new_vma(w, 0x1000, 0x3000, 0, 0, 0);
  vmas[1] = new_vma(w, 0x5000, 0x6000, 0, 0, 0);
  vmas[2] = new_vma(w, 0x7000, 0x9000, 0, 0, 0);
  fg_put_u64(w->fg, w->mm + LIST_MMAP, vmas[0]);
  fg_put_u64(w->fg, vmas[0] + LIST_NEXT, vmas[1]);
  fg_put_u64(w->fg, vmas[1] + LIST_NEXT, vmas[2]);
  fg_put_u64(w->fg, vmas[2] + LIST_NEXT, 0);
}

static void
test_vma_list(void)
{
  World w;
  guint64 vmas[3];
  world_init_list(&w, vmas);
  expect_lookups(&w, vmas);
  world_clear(&w);
}

/* A cycle, VMAs out of order or overlapping, a vm_next that is no pointer,
 * an empty VMA, a list longer than the kernel allows: GT_ERROR_MEMORY. */
static void
test_vma_list_corrupt(void)
{
  World w;
  guint64 vmas[3];
  world_init_list(&w, vmas);
  fg_put_u64(w.fg, vmas[2] + LIST_NEXT, vmas[0]);            /* cycle */
  expect_corrupt(&w, 0x9000);
  fg_put_u64(w.fg, vmas[2] + LIST_NEXT, vmas[2]);            /* self loop */
  expect_corrupt(&w, 0x9000);
  fg_put_u64(w.fg, vmas[2] + LIST_NEXT, 0x4141414141414141ULL);
  expect_corrupt(&w, 0x9000);
  fg_put_u64(w.fg, vmas[2] + LIST_NEXT, 0);
  fg_put_u64(w.fg, vmas[1] + w.off.vma_start, 0x2000);      /* overlaps the first */
  expect_corrupt(&w, 0x5800);
  fg_put_u64(w.fg, vmas[1] + w.off.vma_start, 0x6000);      /* empty */
  expect_corrupt(&w, 0x5800);
  fg_put_u64(w.fg, vmas[1] + w.off.vma_start, 0x5000);
  /* 70,000 one-page VMAs in order: more than the kernel allows. */
  guint64 prev = vmas[2];
  for (guint64 i = 0; i < 70000; i++) {
    guint64 v = new_vma(&w, 0x10000 + i * 0x1000, 0x11000 + i * 0x1000, 0, 0, 0);
    fg_put_u64(w.fg, prev + LIST_NEXT, v);
    prev = v;
  }
  expect_corrupt(&w, 0x10000 + 69999 * 0x1000ULL);
  world_clear(&w);
}

/* A page frame holding `text` at offset 0; returns its pfn. */
static guint64
new_frame(World *w, const char *text)
{
  guint64 raw = fg_alloc(w->fg, 8192);
  guint64 va = (raw + 4095) & ~4095ULL;
  strcpy(fg_ptr(w->fg, va), text);
  return (va - FG_KBASE) >> 12;
}

/* struct page of pfn, as the head of a folio starting at file index `first`. */
static guint64
page_of(World *w, guint64 pfn, guint64 first, gboolean uptodate)
{
  guint64 p = w->vmemmap + pfn * FG_PAGE_STRUCT;
  fg_put_u64(w->fg, p + w->off.page_flags, uptodate ? 1ULL << w->off.pg_uptodate_bit : 0);
  fg_put_u64(w->fg, p + w->off.page_index, first);
  return p;
}

static guint64
new_xa_node(World *w, guint8 shift)
{
  guint64 n = fg_alloc(w->fg, w->off.xa_node_slots + 64 * 8);
  *(guint8 *) fg_ptr(w->fg, n + w->off.xa_node_shift) = shift;
  return n;
}

static void
xa_set(World *w, guint64 node, guint slot, guint64 entry)
{
  fg_put_u64(w->fg, node + w->off.xa_node_slots + slot * 8, entry);
}

/* A mapping whose i_pages holds: index 3 -> "three"; a 4-page folio at
 * 64..67 (siblings); index 5 a shadow value; index 6 not up to date.
 * Tree: root (shift 6) -> slot 0: node (shift 0), slot 1: node (shift 0). */
static guint64
mapping_normal(World *w, guint64 *pfn3, guint64 *pfn64)
{
  guint64 mapping = fg_alloc(w->fg, 0x80);
  guint64 root = new_xa_node(w, 6), n0 = new_xa_node(w, 0), n1 = new_xa_node(w, 0);
  fg_put_u64(w->fg, mapping + w->off.as_xa_head, root + 2);
  xa_set(w, root, 0, n0 + 2);
  xa_set(w, root, 1, n1 + 2);
  *pfn3 = new_frame(w, "three");
  xa_set(w, n0, 3, page_of(w, *pfn3, 3, TRUE));
  xa_set(w, n0, 5, 0x1234 | 1);
  xa_set(w, n0, 6, page_of(w, new_frame(w, "stale"), 6, FALSE));
  /* A 4-page folio: 4 contiguous frames, head at index 64. */
  guint64 raw = fg_alloc(w->fg, 5 * 4096);
  guint64 va = (raw + 4095) & ~4095ULL;
  *pfn64 = (va - FG_KBASE) >> 12;
  for (guint i = 0; i < 4; i++)
    g_snprintf(fg_ptr(w->fg, va + i * 4096), 16, "folio%u", i);
  xa_set(w, n1, 0, page_of(w, *pfn64, 64, TRUE));
  for (guint i = 1; i < 4; i++)
    xa_set(w, n1, i, (0ULL << 2) | 2);      /* sibling of slot 0 */
  return mapping;
}

static void
test_pagecache(void)
{
  World w;
  world_init(&w);
  guint64 pfn3, pfn64, pa = 0;
  guint64 mapping = mapping_normal(&w, &pfn3, &pfn64);
  g_autoptr(GError) error = NULL;
  g_assert_true(gt_linux_pagecache_lookup(w.lx, mapping, 3, &pa, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(pa, ==, pfn3 << 12);
  for (guint i = 0; i < 4; i++) {
    g_assert_true(gt_linux_pagecache_lookup(w.lx, mapping, 64 + i, &pa, &error));
    g_assert_cmpuint(pa, ==, (pfn64 + i) << 12);
  }
  const guint64 absent[] = { 0, 4, 5, 6, 68, 128, 1ULL << 40 };
  for (gsize i = 0; i < G_N_ELEMENTS(absent); i++) {
    g_clear_error(&error);
    g_assert_false(gt_linux_pagecache_lookup(w.lx, mapping, absent[i], &pa, &error));
    g_assert_error(error, GT_ERROR, GT_ERROR_NOT_FOUND);
  }
  world_clear(&w);
}

static void
expect_xa_corrupt(World *w, guint64 mapping, guint64 index)
{
  g_autoptr(GError) error = NULL;
  guint64 pa;
  g_assert_false(gt_linux_pagecache_lookup(w->lx, mapping, index, &pa, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_MEMORY);
}

static void
test_pagecache_corrupt(void)
{
  World w;
  world_init(&w);
  guint64 pfn3, pfn64;
  guint64 mapping = mapping_normal(&w, &pfn3, &pfn64);
  guint64 root = 0;
  memcpy(&root, fg_ptr(w.fg, mapping + w.off.as_xa_head), 8);
  root -= 2;
  /* A node pointing at itself (same shift): refused, no loop. */
  xa_set(&w, root, 2, root + 2);
  expect_xa_corrupt(&w, mapping, 130);
  /* A shift that is no multiple of 6. */
  guint64 odd = new_xa_node(&w, 5);
  xa_set(&w, root, 2, odd + 2);
  expect_xa_corrupt(&w, mapping, 130);
  /* A forward sibling. */
  guint64 n2 = new_xa_node(&w, 0);
  xa_set(&w, root, 2, n2 + 2);
  xa_set(&w, n2, 1, (5ULL << 2) | 2);
  expect_xa_corrupt(&w, mapping, 129);
  /* A folio whose index does not cover the page; a struct page outside
   * vmemmap; an entry that is no pointer. */
  xa_set(&w, n2, 1, page_of(&w, 10, 500, TRUE));
  expect_xa_corrupt(&w, mapping, 129);
  xa_set(&w, n2, 1, w.vmemmap - 8);
  expect_xa_corrupt(&w, mapping, 129);
  xa_set(&w, n2, 1, 0x4000);
  expect_xa_corrupt(&w, mapping, 129);
  world_clear(&w);
}

/* A user address's page-table walk in the fake guest stops at an empty
 * PML4 entry: user addresses are "never faulted in". */
static void
test_read_unfaulted(void)
{
  World w;
  world_init(&w);
  guint64 pfn3, pfn64;
  guint64 mapping = mapping_normal(&w, &pfn3, &pfn64);
  guint64 file = fg_alloc(w.fg, 0x100);
  fg_put_u64(w.fg, file + w.off.file_mapping, mapping);
  guint64 vmas[3];
  /* File VMA at 0x1000 = file page 2 (pgoff 2), an anonymous one, and one
   * not readable. */
  vmas[0] = new_vma(&w, 0x1000, 0x3000, file, 2, 1);
  vmas[1] = new_vma(&w, 0x5000, 0x6000, 0, 0, 1 | 2);
  vmas[2] = new_vma(&w, 0x7000, 0x9000, file, 0, 0);
  const guint64 p1[] = { 0xfff, 0x2fff, 0x4fff, 0x5fff, 0x6fff };
  const guint64 s1[] = { 0, vmas[0], 0, vmas[1], 0, vmas[2] };
  guint64 root = new_node(&w, FG_MT_LEAF, p1, s1, 6);
  fg_put_u64(w.fg, w.mm + w.off.mm_mt_root, as_root(root));

  char buf[16];
  g_autoptr(GError) error = NULL;
  /* 0x2000 -> file index 3 -> "three". */
  g_assert_true(gt_linux_read_unfaulted(w.lx, w.task, w.fg->cr3, 0x2000, buf, 6, &error));
  g_assert_no_error(error);
  g_assert_cmpstr(buf, ==, "three");
  g_assert_true(gt_linux_read_unfaulted(w.lx, w.task, w.fg->cr3, 0x2002, buf, 4, &error));
  g_assert_cmpmem(buf, 4, "ree", 4);
  /* What one such read costs, in physical reads (page-table walk, two
   * maple levels, two xarray levels, the page): small and fixed, so a
   * stop's read budget covers many. */
  GtMemBudget budget = { 1000, 1u << 20 };
  gt_mem_meter_begin(w.fg->mem, &budget);
  g_assert_true(gt_linux_read_unfaulted(w.lx, w.task, w.fg->cr3, 0x2000, buf, 6, &error));
  g_assert_false(gt_mem_meter_end(w.fg->mem, &budget));
  g_test_message("one unfaulted read: %" G_GUINT64_FORMAT " physical reads",
                 (guint64) (1000 - budget.reads));
  g_assert_cmpuint(1000 - budget.reads, <=, 40);
  /* Anonymous: zeros. */
  memset(buf, 'x', sizeof buf);
  g_assert_true(gt_linux_read_unfaulted(w.lx, w.task, w.fg->cr3, 0x5008, buf, 8, &error));
  g_assert_cmpmem(buf, 8, "\0\0\0\0\0\0\0\0", 8);
  /* Not cached (index 2), unreadable VMA, no VMA, crossing a page. */
  const guint64 bad[] = { 0x1000, 0x7000, 0x4000, 0x5ffc };
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_clear_error(&error);
    g_assert_false(gt_linux_read_unfaulted(w.lx, w.task, w.fg->cr3, bad[i], buf, 8, &error));
    g_assert_nonnull(error);
  }
  /* A swap entry (not present, not empty) in the top-level table: refused
   * although the VMA is anonymous. */
  fg_put_u64(w.fg, FG_KBASE + w.fg->cr3, 0x1234ULL << 12);
  g_clear_error(&error);
  g_assert_false(gt_linux_read_unfaulted(w.lx, w.task, w.fg->cr3, 0x5008, buf, 8, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_MEMORY);
  world_clear(&w);
}

/* The host kernel's BTF (6.1+ layouts) gives every offset these walkers use. */
static void
test_host_btf(void)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  if (!g_file_get_contents("/sys/kernel/btf/vmlinux", &data, &len, NULL)) {
    g_test_skip("no /sys/kernel/btf/vmlinux");
    return;
  }
  g_autoptr(GError) error = NULL;
  g_autoptr(GtKernelBtf) kb = gt_kbtf_load_raw(data, len, &error);
  g_assert_no_error(error);
  GtLinuxOffsets o;
  g_assert_true(gt_linux_offsets_from_btf(kb, &o, &error));
  const guint *first = &o.mm_mt_root, *last = &o.mt_arange_64;
  for (const guint *f = first; f <= last; f++) {
    if (*f == G_MAXUINT)
      g_test_message("field %u of the optional groups is unknown", (guint) (f - first));
    g_assert_cmpuint(*f, !=, G_MAXUINT);
  }
  g_assert_cmpuint(o.mr64_slot, ==, o.mr64_pivot + 15 * 8);
  g_assert_cmpuint(o.page_struct_size, ==, 64);
  g_assert_cmpuint(o.mt_leaf_64, ==, 1);
  g_assert_cmpuint(o.mt_arange_64, ==, 3);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/linux/vma/find", test_vma_find);
  g_test_add_func("/linux/vma/corrupt", test_vma_corrupt);
  g_test_add_func("/linux/vma/list", test_vma_list);
  g_test_add_func("/linux/vma/list-corrupt", test_vma_list_corrupt);
  g_test_add_func("/linux/pagecache/lookup", test_pagecache);
  g_test_add_func("/linux/pagecache/corrupt", test_pagecache_corrupt);
  g_test_add_func("/linux/uaccess/unfaulted", test_read_unfaulted);
  g_test_add_func("/linux/vma/host-btf", test_host_btf);
  return g_test_run();
}
