/* Finding and parsing the kernel's VMCOREINFO in guest-physical RAM.
 *
 * Both copies the kernel keeps are page-aligned (get_zeroed_page and
 * alloc_pages_exact in crash_save_vmcoreinfo_init), so only the first bytes
 * of each page are compared: the text page starts "OSRELEASE=", the note
 * page with an ELF note header (namesz 11, descsz <= 4096, type 0), the name
 * "VMCOREINFO" padded to 12 bytes and the text at offset 24. */
#include "vmi/vmcoreinfo.h"

#include <string.h>
#include <guestrace/types.h>

#define PAGE 4096u
#define CHUNK (64u * 1024u)
#define FOUR_GIB G_GUINT64_CONSTANT(0x100000000)
#define NOTE_TEXT_OFF 24u
#define MAX_KEYS 1024u

static const char osrelease[] = "OSRELEASE=";

struct GtVmcoreinfo {
  GHashTable *kv;   /* "SYMBOL(x)" -> "ffff..." */
  guint64 pa;
};

GtVmcoreinfo *
gt_vmcoreinfo_parse(const char *text, gsize len, GError **error)
{
  g_autoptr(GtVmcoreinfo) vi = g_new0(GtVmcoreinfo, 1);
  vi->kv = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  len = MIN(len, (gsize)PAGE);
  const char *p = text, *end = text + len;
  const char *nul = memchr(text, '\0', len);
  if (nul)
    end = nul;
  while (p < end && g_hash_table_size(vi->kv) < MAX_KEYS) {
    const char *nl = memchr(p, '\n', end - p);
    const char *le = nl ? nl : end;
    const char *eq = memchr(p, '=', le - p);
    if (eq && eq > p)
      g_hash_table_replace(vi->kv, g_strndup(p, eq - p), g_strndup(eq + 1, le - eq - 1));
    p = le + 1;
  }
  const char *rel = g_hash_table_lookup(vi->kv, "OSRELEASE");
  if (!rel || !*rel || strlen(rel) > 64) {
    g_set_error(error, GT_ERROR, GT_ERROR_NOT_FOUND, "VMCOREINFO text has no OSRELEASE");
    return NULL;
  }
  for (const char *c = rel; *c; c++)
    if (!g_ascii_isgraph(*c)) {
      g_set_error(error, GT_ERROR, GT_ERROR_NOT_FOUND, "VMCOREINFO OSRELEASE is not text");
      return NULL;
    }
  return g_steal_pointer(&vi);
}

void
gt_vmcoreinfo_free(GtVmcoreinfo *vi)
{
  if (!vi)
    return;
  g_clear_pointer(&vi->kv, g_hash_table_unref);
  g_free(vi);
}

const char *
gt_vmcoreinfo_osrelease(const GtVmcoreinfo *vi)
{
  return g_hash_table_lookup(vi->kv, "OSRELEASE");
}

guint64
gt_vmcoreinfo_pa(const GtVmcoreinfo *vi)
{
  return vi->pa;
}

static gboolean
lookup_int(const GtVmcoreinfo *vi, const char *key, guint base, gboolean is_signed,
           gint64 *out)
{
  const char *v = g_hash_table_lookup(vi->kv, key);
  if (!v || !*v)
    return FALSE;
  char *end = NULL;
  if (is_signed)
    *out = g_ascii_strtoll(v, &end, base);
  else
    *out = (gint64)g_ascii_strtoull(v, &end, base);
  return end && *end == '\0';
}

gboolean
gt_vmcoreinfo_symbol(const GtVmcoreinfo *vi, const char *name, guint64 *addr)
{
  g_autofree char *key = g_strdup_printf("SYMBOL(%s)", name);
  gint64 v;
  if (!lookup_int(vi, key, 16, FALSE, &v))
    return FALSE;
  *addr = (guint64)v;
  return TRUE;
}

gboolean
gt_vmcoreinfo_number(const GtVmcoreinfo *vi, const char *name, gint64 *value)
{
  g_autofree char *key = g_strdup_printf("NUMBER(%s)", name);
  return lookup_int(vi, key, 10, TRUE, value);
}

gboolean
gt_vmcoreinfo_kerneloffset(const GtVmcoreinfo *vi, guint64 *slide)
{
  gint64 v;
  if (!lookup_int(vi, "KERNELOFFSET", 16, FALSE, &v))
    return FALSE;
  *slide = (guint64)v;
  return TRUE;
}

/* The offset of the text in a page that holds a candidate, or -1. */
static int
text_offset(const guint8 *page)
{
  if (memcmp(page, osrelease, strlen(osrelease)) == 0)
    return 0;
  guint32 namesz, descsz, type;
  memcpy(&namesz, page, 4);
  memcpy(&descsz, page + 4, 4);
  memcpy(&type, page + 8, 4);
  if (namesz == 11 && descsz > 0 && descsz <= PAGE - NOTE_TEXT_OFF && type == 0 &&
      memcmp(page + 12, "VMCOREINFO\0", 11) == 0 &&
      memcmp(page + NOTE_TEXT_OFF, osrelease, strlen(osrelease)) == 0)
    return NOTE_TEXT_OFF;
  return -1;
}

typedef struct {
  GtPhysReadFn read;
  void *ctx;
  GtVmcoreinfoAcceptFn accept;
  gpointer user;
  GtVmcoreinfoScanStats *stats;
  guint64 budget;
  gint64 deadline;
  guint8 *buf;
  GtVmcoreinfo *found;
} Scan;

static void
try_page(Scan *s, const guint8 *page, guint64 pa)
{
  int off = text_offset(page);
  if (off < 0)
    return;
  s->stats->candidates++;
  gsize len = PAGE - (gsize)off;
  if (off == NOTE_TEXT_OFF) {
    guint32 descsz;
    memcpy(&descsz, page + 4, 4);
    len = descsz;
  }
  GtVmcoreinfo *vi = gt_vmcoreinfo_parse((const char *)page + off, len, NULL);
  if (!vi)
    return;
  vi->pa = pa;
  if (s->accept(vi, s->user))
    s->found = vi;
  else
    gt_vmcoreinfo_free(vi);
}

/* Scans from start until a chunk cannot be read; returns where RAM ended. */
static guint64
scan_range(Scan *s, guint64 start)
{
  guint64 pa = start;
  while (!s->found && s->budget >= CHUNK) {
    if (s->deadline && g_get_monotonic_time() > s->deadline) {
      s->stats->timed_out = TRUE;
      break;
    }
    if (!s->read(s->ctx, pa, s->buf, CHUNK, NULL))
      break;
    s->budget -= CHUNK;
    for (guint off = 0; off < CHUNK && !s->found; off += PAGE) {
      s->stats->pages_scanned++;
      try_page(s, s->buf + off, pa + off);
    }
    pa += CHUNK;
  }
  return pa;
}

GtVmcoreinfo *
gt_vmcoreinfo_scan(GtPhysReadFn read, void *ctx, guint64 max_bytes, gint64 deadline,
                   GtVmcoreinfoAcceptFn accept, gpointer user, GtVmcoreinfoScanStats *stats)
{
  GtVmcoreinfoScanStats local = { 0 };
  if (!stats)
    stats = &local;
  memset(stats, 0, sizeof *stats);
  g_autofree guint8 *buf = g_malloc(CHUNK);
  Scan s = { read, ctx, accept, user, stats, max_bytes, deadline, buf, NULL };
  stats->low_end = scan_range(&s, 0);
  if (!s.found && !stats->timed_out && stats->low_end < FOUR_GIB)
    stats->high_end = scan_range(&s, FOUR_GIB);
  return s.found;
}

GHashTable *
gt_vmcoreinfo_table(const GtVmcoreinfo *vi)
{
  return vi->kv;
}
