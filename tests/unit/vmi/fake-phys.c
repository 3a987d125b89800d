/* Test helper: guest-physical memory as a byte array and a page-table
 * builder (see fake-phys.h). */
#include "fake-phys.h"

#include <string.h>
#include <guestrace/types.h>

FakePhys *
fake_phys_new(gsize size)
{
  FakePhys *fp = g_new0(FakePhys, 1);
  fp->ram = g_byte_array_sized_new((guint)size);
  g_byte_array_set_size(fp->ram, (guint)size);
  memset(fp->ram->data, 0, size);
  fp->next_free = 0x1000;
  return fp;
}

void
fake_phys_free(FakePhys *fp)
{
  if (fp == NULL)
    return;
  g_byte_array_unref(fp->ram);
  g_free(fp);
}

static gboolean
in_range(FakePhys *fp, guint64 pa, gsize len)
{
  return pa <= fp->ram->len && len <= fp->ram->len - pa;
}

gboolean
fake_phys_read(void *ctx, guint64 pa, void *buf, gsize len, GError **error)
{
  FakePhys *fp = ctx;
  fp->reads++;
  if (!in_range(fp, pa, len)) {
    g_set_error(error, GT_ERROR, GT_ERROR_MEMORY, "fake: physical 0x%" G_GINT64_MODIFIER
                "x+%" G_GSIZE_FORMAT " outside RAM", pa, len);
    return FALSE;
  }
  memcpy(buf, fp->ram->data + pa, len);
  return TRUE;
}

gboolean
fake_phys_write(void *ctx, guint64 pa, const void *buf, gsize len, GError **error)
{
  FakePhys *fp = ctx;
  if (!in_range(fp, pa, len)) {
    g_set_error(error, GT_ERROR, GT_ERROR_MEMORY, "fake: physical 0x%" G_GINT64_MODIFIER
                "x+%" G_GSIZE_FORMAT " outside RAM", pa, len);
    return FALSE;
  }
  memcpy(fp->ram->data + pa, buf, len);
  return TRUE;
}

guint64
fake_phys_page(FakePhys *fp)
{
  guint64 pa = fp->next_free;
  g_assert_true(in_range(fp, pa, 4096));
  fp->next_free += 4096;
  memset(fp->ram->data + pa, 0, 4096);
  return pa;
}

void
fake_phys_set_u64(FakePhys *fp, guint64 pa, guint64 v)
{
  g_assert_true(in_range(fp, pa, 8));
  v = GUINT64_TO_LE(v);
  memcpy(fp->ram->data + pa, &v, 8);
}

guint64
fake_phys_get_u64(FakePhys *fp, guint64 pa)
{
  guint64 v;
  g_assert_true(in_range(fp, pa, 8));
  memcpy(&v, fp->ram->data + pa, 8);
  return GUINT64_FROM_LE(v);
}

void
fake_phys_put(FakePhys *fp, guint64 pa, const void *data, gsize len)
{
  g_assert_true(in_range(fp, pa, len));
  memcpy(fp->ram->data + pa, data, len);
}

static guint64
entry_pa(guint64 table, guint64 va, guint level)
{
  return (table & 0x000ffffffffff000ULL) + ((va >> (12 + 9 * (level - 1))) & 0x1ff) * 8;
}

void
fake_map(FakePhys *fp, guint64 root, gboolean la57, guint64 va, guint64 pa,
         guint64 size, guint64 flags)
{
  guint leaf_level = size == 4096 ? 1 : size == (2ULL << 20) ? 2 : 3;
  guint64 table = root;
  g_assert_true(size == 4096 || size == (2ULL << 20) || size == (1ULL << 30));
  g_assert_cmpuint(pa & (size - 1), ==, 0);
  for (guint level = la57 ? 5 : 4; level > leaf_level; level--) {
    guint64 e = fake_phys_get_u64(fp, entry_pa(table, va, level));
    if (!(e & FP_P)) {
      e = fake_phys_page(fp) | FP_P | FP_RW | FP_US;
      fake_phys_set_u64(fp, entry_pa(table, va, level), e);
    }
    table = e & 0x000ffffffffff000ULL;
  }
  fake_phys_set_u64(fp, entry_pa(table, va, leaf_level),
                    pa | flags | FP_P | (leaf_level > 1 ? FP_PS : 0));
}

guint64
fake_entry_pa(FakePhys *fp, guint64 root, gboolean la57, guint64 va, guint level)
{
  guint64 table = root;
  for (guint l = la57 ? 5 : 4; l > level; l--)
    table = fake_phys_get_u64(fp, entry_pa(table, va, l)) & 0x000ffffffffff000ULL;
  return entry_pa(table, va, level);
}
