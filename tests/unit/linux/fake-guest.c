/* Crafted guest memory for the Linux-layer tests (see fake-guest.h). */
#include <string.h>
#include <guestrace/types.h>
#include "fake-guest.h"

#define MIB (1024u * 1024u)
#define PTE_P 0x1ULL
#define PTE_RW 0x2ULL
#define PTE_PS 0x80ULL

static gboolean
fg_read(void *ctx, guint64 pa, void *buf, gsize len, GError **error)
{
  FakeGuest *fg = ctx;
  if (pa > fg->ram->len || len > fg->ram->len - pa) {
    g_set_error(error, GT_ERROR, GT_ERROR_MEMORY, "fake RAM: 0x%" G_GINT64_MODIFIER
                "x+%" G_GSIZE_FORMAT " out of range", pa, len);
    return FALSE;
  }
  memcpy(buf, fg->ram->data + pa, len);
  return TRUE;
}

static gboolean
fg_write(void *ctx, guint64 pa, const void *buf, gsize len, GError **error)
{
  FakeGuest *fg = ctx;
  if (pa > fg->ram->len || len > fg->ram->len - pa) {
    g_set_error(error, GT_ERROR, GT_ERROR_MEMORY, "fake RAM: write out of range");
    return FALSE;
  }
  memcpy(fg->ram->data + pa, buf, len);
  return TRUE;
}

static void
put_phys(FakeGuest *fg, guint64 pa, guint64 v)
{
  memcpy(fg->ram->data + pa, &v, sizeof v);
}

FakeGuest *
fg_new(guint ram_mib)
{
  FakeGuest *fg = g_new0(FakeGuest, 1);
  fg->ram = g_byte_array_sized_new(ram_mib * MIB);
  g_byte_array_set_size(fg->ram, ram_mib * MIB);
  memset(fg->ram->data, 0, fg->ram->len);
  /* Page tables in the first three pages: PML4, PDPT, PD. */
  guint64 pml4 = 0, pdpt = 0x1000, pd = 0x2000;
  guint idx4 = (FG_KBASE >> 39) & 0x1ff;
  put_phys(fg, pml4 + idx4 * 8, pdpt | PTE_P | PTE_RW);
  put_phys(fg, pdpt, pd | PTE_P | PTE_RW);
  for (guint i = 0; i < ram_mib / 2 && i < 512; i++)
    put_phys(fg, pd + i * 8, ((guint64) i * 2 * MIB) | PTE_P | PTE_RW | PTE_PS);
  fg->cr3 = pml4;
  fg->next = 0x4000;
  fg->mem = gt_mem_new(fg_read, fg_write, fg);
  return fg;
}

void
fg_free(FakeGuest *fg)
{
  if (fg == NULL)
    return;
  gt_mem_free(fg->mem);
  g_byte_array_unref(fg->ram);
  g_free(fg);
}

guint64
fg_alloc(FakeGuest *fg, gsize size)
{
  guint64 pa = fg->next;
  g_assert_cmpuint(pa + size, <=, fg->ram->len);
  fg->next = (pa + size + 63) & ~63ULL;
  return FG_KBASE + pa;
}

void *
fg_ptr(FakeGuest *fg, guint64 va)
{
  g_assert_cmpuint(va, >=, FG_KBASE);
  g_assert_cmpuint(va - FG_KBASE, <, fg->ram->len);
  return fg->ram->data + (va - FG_KBASE);
}

void
fg_put_u64(FakeGuest *fg, guint64 va, guint64 v)
{
  memcpy(fg_ptr(fg, va), &v, sizeof v);
}

void
fg_put_u32(FakeGuest *fg, guint64 va, guint32 v)
{
  memcpy(fg_ptr(fg, va), &v, sizeof v);
}

guint64
fg_string(FakeGuest *fg, const char *s)
{
  gsize n = strlen(s) + 1;
  guint64 va = fg_alloc(fg, n);
  memcpy(fg_ptr(fg, va), s, n);
  return va;
}
