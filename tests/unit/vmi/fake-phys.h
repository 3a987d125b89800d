/* Test helper: guest-physical memory as a byte array, with a page allocator
 * and a builder for x86-64 page tables (4/5 levels, 4K/2M/1G pages). */
#pragma once

#include <glib.h>

#define FP_P   (1ULL << 0)
#define FP_RW  (1ULL << 1)
#define FP_US  (1ULL << 2)
#define FP_PS  (1ULL << 7)

typedef struct {
  GByteArray *ram;
  guint64 next_free;  /* bump allocator for tables, from 0x1000 */
  guint reads;        /* calls to fake_phys_read */
} FakePhys;

FakePhys *fake_phys_new(gsize size);
void fake_phys_free(FakePhys *fp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FakePhys, fake_phys_free)

gboolean fake_phys_read(void *ctx, guint64 pa, void *buf, gsize len, GError **error);
gboolean fake_phys_write(void *ctx, guint64 pa, const void *buf, gsize len, GError **error);

/* A zeroed, 4 KiB-aligned page from the allocator. */
guint64 fake_phys_page(FakePhys *fp);
void fake_phys_set_u64(FakePhys *fp, guint64 pa, guint64 v);
guint64 fake_phys_get_u64(FakePhys *fp, guint64 pa);
void fake_phys_put(FakePhys *fp, guint64 pa, const void *data, gsize len);

/* Maps va to pa with a page of `size` (4096, 2 MiB or 1 GiB) in the tables
 * rooted at root; the leaf gets `flags` | P (| PS for large pages), missing
 * intermediate tables are allocated with P|RW|US. */
void fake_map(FakePhys *fp, guint64 root, gboolean la57, guint64 va, guint64 pa,
              guint64 size, guint64 flags);
/* Physical address of the entry for va at `level` (5 = PML5 .. 1 = PTE);
 * the tables down to that level must exist. */
guint64 fake_entry_pa(FakePhys *fp, guint64 root, gboolean la57, guint64 va, guint level);
