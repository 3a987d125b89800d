/* Guest memory access: virtual reads and writes through the guest's page
 * tables (vmi/pagetable.c) over a physical reader/writer supplied by a
 * driver, with a bounded translation cache keyed by (page-table root,
 * virtual 4 KiB page). Reads that cross pages translate every page and
 * merge physically contiguous pages into one call to the reader. */
#include "vmi/memory.h"

#include <string.h>
#include <guestrace/types.h>

#define PAGE_SIZE 4096ULL
#define PAGE_MASK (PAGE_SIZE - 1)
/* The cache is cleared when it holds this many translations. */
#define CACHE_MAX 4096
/* Upper bound on one call to the physical reader when merging pages. */
#define MAX_RUN (1024 * 1024)
/* Bytes read at a time while looking for a string's NUL. */
#define STRING_CHUNK 256

/* The kernel's TASK_SIZE_MAX: the first address user space cannot map,
 * one page below the top of the lower canonical half. */
#define USER_LIMIT_4LEVEL 0x00007ffffffff000ULL
#define USER_LIMIT_5LEVEL 0x00fffffffffff000ULL

typedef struct {
  guint64 root;      /* cr3 & GT_PT_ADDR_MASK */
  guint64 vpage;     /* va & ~PAGE_MASK */
  guint64 ppage;     /* physical 4 KiB page holding vpage */
  guint64 page_size; /* size of the guest page that maps it */
  gboolean user;     /* every level of the walk has U/S set */
} CacheEntry;

struct GtMem {
  GtPhysReadFn read;
  GtPhysWriteFn write;
  void *ctx;
  gboolean la57;
  GHashTable *cache;  /* CacheEntry* set, owned */
  /* Metering (gt_mem_meter_*): while on, every physical read costs one
   * read and its bytes, and fails once either budget is spent. */
  gboolean metering;
  GtMemBudget left;
  gboolean exhausted;
};

static guint
cache_hash(gconstpointer p)
{
  const CacheEntry *e = p;
  guint64 h = (e->vpage >> 12) * 0x9e3779b97f4a7c15ULL ^ (e->root >> 12);
  return (guint)(h ^ (h >> 32));
}

static gboolean
cache_equal(gconstpointer a, gconstpointer b)
{
  const CacheEntry *x = a, *y = b;
  return x->root == y->root && x->vpage == y->vpage;
}

GtMem *
gt_mem_new(GtPhysReadFn read, GtPhysWriteFn write, void *ctx)
{
  g_return_val_if_fail(read != NULL, NULL);
  GtMem *mem = g_new0(GtMem, 1);
  mem->read = read;
  mem->write = write;
  mem->ctx = ctx;
  mem->cache = g_hash_table_new_full(cache_hash, cache_equal, g_free, NULL);
  return mem;
}

void
gt_mem_free(GtMem *mem)
{
  if (mem == NULL)
    return;
  g_hash_table_unref(mem->cache);
  g_free(mem);
}

void
gt_mem_set_la57(GtMem *mem, gboolean la57)
{
  la57 = !!la57;
  if (mem->la57 != la57) {
    mem->la57 = la57;
    gt_mem_invalidate(mem);
  }
}

void
gt_mem_invalidate(GtMem *mem)
{
  g_hash_table_remove_all(mem->cache);
}

guint64
gt_mem_user_limit(GtMem *mem)
{
  return mem->la57 ? USER_LIMIT_5LEVEL : USER_LIMIT_4LEVEL;
}

void
gt_mem_meter_begin(GtMem *mem, GtMemBudget *budget)
{
  mem->metering = TRUE;
  mem->left = *budget;
  mem->exhausted = FALSE;
}

gboolean
gt_mem_meter_end(GtMem *mem, GtMemBudget *budget)
{
  if (mem->metering)
    *budget = mem->left;
  mem->metering = FALSE;
  gboolean exhausted = mem->exhausted;
  mem->exhausted = FALSE;
  return exhausted;
}

/* Charges one physical read of len bytes to the budget when metering. */
static gboolean
charge(GtMem *mem, gsize len, GError **error)
{
  if (!mem->metering)
    return TRUE;
  if (mem->left.reads == 0 || mem->left.bytes < len) {
    mem->exhausted = TRUE;
    g_set_error_literal(error, GT_ERROR, GT_ERROR_MEMORY,
                        "the read budget of this stop is spent");
    return FALSE;
  }
  mem->left.reads--;
  mem->left.bytes -= len;
  return TRUE;
}

/* The physical reader every access goes through, page-table walks too. */
static gboolean
phys_read(void *ctx, guint64 pa, void *buf, gsize len, GError **error)
{
  GtMem *mem = ctx;
  return charge(mem, len, error) && mem->read(mem->ctx, pa, buf, len, error);
}

static gboolean
translate(GtMem *mem, guint64 cr3, guint64 va, gboolean user, guint64 *pa, GError **error)
{
  CacheEntry key = { .root = cr3 & GT_PT_ADDR_MASK, .vpage = va & ~PAGE_MASK };
  const CacheEntry *hit = g_hash_table_lookup(mem->cache, &key);
  GtTranslation t = { 0 };
  if (hit == NULL) {
    if (!gt_pt_translate(phys_read, mem, cr3, mem->la57, va, &t, error))
      return FALSE;
    if (g_hash_table_size(mem->cache) >= CACHE_MAX)
      g_hash_table_remove_all(mem->cache);
    CacheEntry *e = g_new(CacheEntry, 1);
    *e = key;
    e->ppage = t.pa & ~PAGE_MASK;
    e->page_size = t.page_size;
    e->user = t.user;
    g_hash_table_add(mem->cache, e);
    hit = e;
  }
  if (user && !hit->user) {
    g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
                "address 0x%" G_GINT64_MODIFIER "x is not a user page", va);
    return FALSE;
  }
  *pa = hit->ppage | (va & PAGE_MASK);
  return TRUE;
}

gboolean
gt_mem_translate(GtMem *mem, guint64 cr3, guint64 va, guint64 *pa, GError **error)
{
  return translate(mem, cr3, va, FALSE, pa, error);
}

gboolean
gt_mem_walk(GtMem *mem, guint64 cr3, guint64 va, GtTranslation *out, GError **error)
{
  return gt_pt_translate(phys_read, mem, cr3, mem->la57, va, out, error);
}

gboolean
gt_mem_read_phys(GtMem *mem, guint64 pa, void *buf, gsize len, GError **error)
{
  if (len == 0)
    return TRUE;
  if (pa + (len - 1) < pa) {
    g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
                "physical range 0x%" G_GINT64_MODIFIER "x+%" G_GSIZE_FORMAT " wraps", pa, len);
    return FALSE;
  }
  return phys_read(mem, pa, buf, len, error);
}

gboolean
gt_mem_write_phys(GtMem *mem, guint64 pa, const void *buf, gsize len, GError **error)
{
  if (mem->write == NULL) {
    g_set_error_literal(error, GT_ERROR, GT_ERROR_UNSUPPORTED,
                        "guest memory is read-only for this driver");
    return FALSE;
  }
  if (len == 0)
    return TRUE;
  if (pa + (len - 1) < pa) {
    g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
                "physical range 0x%" G_GINT64_MODIFIER "x+%" G_GSIZE_FORMAT " wraps", pa, len);
    return FALSE;
  }
  return mem->write(mem->ctx, pa, buf, len, error);
}

/* How many bytes from va can be addressed before the address wraps past
 * 2^64 (at most len). */
static gsize
clamp_to_top(guint64 va, gsize len)
{
  if (len == 0 || va + (len - 1) >= va)
    return len;
  return (gsize)(G_MAXUINT64 - va) + 1;
}

static gboolean
wrap_error(guint64 va, GError **error)
{
  g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
              "virtual range from 0x%" G_GINT64_MODIFIER "x wraps past the top of "
              "the address space", va);
  return FALSE;
}

/* How many bytes from va a user access may touch: none at or above the
 * user limit (as the kernel's access_ok()). */
static gsize
clamp_to_user(GtMem *mem, guint64 va, gsize len, GError **error)
{
  guint64 limit = gt_mem_user_limit(mem);
  if (va >= limit) {
    g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
                "address 0x%" G_GINT64_MODIFIER "x is not in user space", va);
    return 0;
  }
  return (gsize)MIN((guint64)len, limit - va);
}

/* Reads up to len bytes at va; returns how many leading bytes were read.
 * error is set whenever the result is smaller than len. With user, only
 * bytes below the user limit on pages user mode may read are read. */
static gsize
read_virtual(GtMem *mem, guint64 cr3, guint64 va, guint8 *buf, gsize len, gboolean user,
             GError **error)
{
  gsize limit = clamp_to_top(va, len);
  gsize done = 0, run_start = 0, run_len = 0;
  guint64 run_pa = 0;
  g_autoptr(GError) local = NULL;

  if (user)
    limit = clamp_to_user(mem, va, limit, &local);
  while (done < limit) {
    guint64 cur = va + done;
    gsize chunk = MIN(limit - done, PAGE_SIZE - (cur & PAGE_MASK));
    guint64 pa;
    if (!translate(mem, cr3, cur, user, &pa, &local))
      break;
    if (run_len > 0 && pa == run_pa + run_len && run_len + chunk <= MAX_RUN) {
      run_len += chunk;
    } else {
      if (run_len > 0 && !gt_mem_read_phys(mem, run_pa, buf + run_start, run_len, error))
        return run_start;
      run_pa = pa;
      run_start = done;
      run_len = chunk;
    }
    done += chunk;
  }
  if (run_len > 0 && !gt_mem_read_phys(mem, run_pa, buf + run_start, run_len, error))
    return run_start;
  if (local != NULL)
    g_propagate_error(error, g_steal_pointer(&local));
  else if (done < len && user)
    g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
                "range from 0x%" G_GINT64_MODIFIER "x runs out of user space", va);
  else if (done < len)
    wrap_error(va, error);
  return done;
}

gboolean
gt_mem_read(GtMem *mem, guint64 cr3, guint64 va, void *buf, gsize len, GError **error)
{
  return read_virtual(mem, cr3, va, buf, len, FALSE, error) == len;
}

gsize
gt_mem_read_partial(GtMem *mem, guint64 cr3, guint64 va, void *buf, gsize len)
{
  return read_virtual(mem, cr3, va, buf, len, FALSE, NULL);
}

gsize
gt_mem_read_user(GtMem *mem, guint64 cr3, guint64 va, void *buf, gsize len, GError **error)
{
  return read_virtual(mem, cr3, va, buf, len, TRUE, error);
}

typedef struct {
  guint64 pa;
  gsize off, len;
} WriteRun;

gboolean
gt_mem_write(GtMem *mem, guint64 cr3, guint64 va, const void *buf, gsize len,
             GError **error)
{
  if (clamp_to_top(va, len) < len)
    return wrap_error(va, error);

  /* Translate every page first so that an unmapped page in the middle
   * leaves guest memory untouched rather than half written. */
  g_autoptr(GArray) runs = g_array_new(FALSE, FALSE, sizeof(WriteRun));
  gsize done = 0;
  while (done < len) {
    guint64 cur = va + done;
    gsize chunk = MIN(len - done, PAGE_SIZE - (cur & PAGE_MASK));
    guint64 pa;
    if (!translate(mem, cr3, cur, FALSE, &pa, error))
      return FALSE;
    WriteRun *last = runs->len ? &g_array_index(runs, WriteRun, runs->len - 1) : NULL;
    if (last != NULL && pa == last->pa + last->len && last->len + chunk <= MAX_RUN) {
      last->len += chunk;
    } else {
      WriteRun r = { pa, done, chunk };
      g_array_append_val(runs, r);
    }
    done += chunk;
  }
  for (guint i = 0; i < runs->len; i++) {
    const WriteRun *r = &g_array_index(runs, WriteRun, i);
    if (!gt_mem_write_phys(mem, r->pa, (const guint8 *)buf + r->off, r->len, error))
      return FALSE;
  }
  return TRUE;
}

gboolean
gt_mem_read_u64(GtMem *mem, guint64 cr3, guint64 va, guint64 *out, GError **error)
{
  guint64 v;
  if (!gt_mem_read(mem, cr3, va, &v, sizeof v, error))
    return FALSE;
  *out = GUINT64_FROM_LE(v);
  return TRUE;
}

gboolean
gt_mem_read_u32(GtMem *mem, guint64 cr3, guint64 va, guint32 *out, GError **error)
{
  guint32 v;
  if (!gt_mem_read(mem, cr3, va, &v, sizeof v, error))
    return FALSE;
  *out = GUINT32_FROM_LE(v);
  return TRUE;
}

char *
gt_read_string_with(GtVirtReadFn read, void *ctx, guint64 va, gsize max_len,
                    gboolean *truncated, GError **error)
{
  /* Look at one byte past max_len: a string of exactly max_len bytes is
   * complete when its NUL follows. */
  gsize want = max_len < G_MAXSIZE ? max_len + 1 : max_len;
  g_autoptr(GString) s = g_string_sized_new(MIN(want, STRING_CHUNK));
  gboolean found = FALSE;
  gsize done = 0;
  while (done < want && !found) {
    guint8 tmp[STRING_CHUNK];
    guint64 cur = va + done;
    if (done > 0 && cur < va)
      break;  /* wrapped past 2^64 */
    gsize chunk = MIN(want - done, MIN(sizeof tmp, PAGE_SIZE - (cur & PAGE_MASK)));
    g_autoptr(GError) local = NULL;
    gsize n = read(ctx, cur, tmp, chunk, &local);
    const guint8 *nul = memchr(tmp, 0, n);
    found = nul != NULL;
    g_string_append_len(s, (const char *)tmp, found ? (gsize)(nul - tmp) : n);
    done += n;
    if (n < chunk && !found) {
      if (done == 0) {
        g_propagate_error(error, g_steal_pointer(&local));
        return NULL;  /* not even the first byte */
      }
      break;  /* unreadable page */
    }
  }
  if (s->len > max_len)
    g_string_truncate(s, max_len);
  if (truncated != NULL)
    *truncated = !found;
  return g_string_free(g_steal_pointer(&s), FALSE);
}

typedef struct {
  GtMem *mem;
  guint64 cr3;
  gboolean user;
} SpaceReader;

static gsize
space_read(void *ctx, guint64 va, void *buf, gsize len, GError **error)
{
  SpaceReader *r = ctx;
  return read_virtual(r->mem, r->cr3, va, buf, len, r->user, error);
}

char *
gt_mem_read_string(GtMem *mem, guint64 cr3, guint64 va, gsize max_len,
                   gboolean *truncated, GError **error)
{
  SpaceReader r = { mem, cr3, FALSE };
  return gt_read_string_with(space_read, &r, va, max_len, truncated, error);
}

char *
gt_mem_read_user_string(GtMem *mem, guint64 cr3, guint64 va, gsize max_len,
                        gboolean *truncated, GError **error)
{
  SpaceReader r = { mem, cr3, TRUE };
  return gt_read_string_with(space_read, &r, va, max_len, truncated, error);
}
