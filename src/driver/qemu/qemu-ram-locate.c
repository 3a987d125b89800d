/* Guest RAM in QEMU's process, located through HMP (QMP or qRcmd). */
#include "driver/qemu/qemu-ram-locate.h"

#include <stdio.h>
#include <string.h>
#include <guestrace/types.h>

#define MAX_RANGES 256u
#define PAGE 4096ULL

static gboolean
parse_range_line(const char *line, GtQemuRamRange *r)
{
  /* "  0000000000100000-000000001fffffff (prio 0, ram): ram @0000000000100000" */
  guint64 start, last;
  char kind[8] = "";
  int n = 0;
  if (sscanf(line, " %" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x (prio %*d, %7[a-z]):%n",
             &start, &last, kind, &n) != 3 || n == 0)
    return FALSE;
  if (strcmp(kind, "ram") != 0 && strcmp(kind, "rom") != 0)
    return FALSE;
  if (last < start || last - start == G_MAXUINT64)
    return FALSE;
  r->gpa = start;
  r->size = last - start + 1;
  r->host = 0;
  return TRUE;
}

GArray *
gt_qemu_mtree_ram_ranges(const char *mtree, GError **error)
{
  g_autoptr(GArray) out = g_array_new(FALSE, FALSE, sizeof(GtQemuRamRange));
  g_auto(GStrv) lines = g_strsplit(mtree, "\n", -1);
  gboolean in_view = FALSE, is_memory = FALSE;
  for (guint i = 0; lines[i]; i++) {
    const char *l = lines[i];
    if (g_str_has_prefix(l, "FlatView #")) {
      if (is_memory)
        break;   /* the view of "memory" is complete */
      in_view = TRUE;
      continue;
    }
    if (in_view && strstr(l, " AS \"memory\"") == l) {
      is_memory = TRUE;
      continue;
    }
    GtQemuRamRange r;
    if (is_memory && parse_range_line(l, &r)) {
      if (out->len >= MAX_RANGES) {
        g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL, "QEMU lists too many RAM ranges");
        return NULL;
      }
      if (out->len && r.gpa < g_array_index(out, GtQemuRamRange, out->len - 1).gpa +
                                  g_array_index(out, GtQemuRamRange, out->len - 1).size) {
        g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL, "QEMU's RAM ranges overlap");
        return NULL;
      }
      g_array_append_val(out, r);
    }
  }
  if (out->len == 0) {
    g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL,
                "QEMU's memory tree (info mtree -f) shows no RAM in address space \"memory\"");
    return NULL;
  }
  return g_steal_pointer(&out);
}

/* gpa2hva: "Host virtual address for 0x1000 (ram) is 0x7f3c0c000000" */
static gboolean
gpa2hva(GtQemuHmpFn hmp, gpointer ctx, guint64 gpa, guint64 *hva, GError **error)
{
  g_autofree char *cmd = g_strdup_printf("gpa2hva 0x%" G_GINT64_MODIFIER "x", gpa);
  g_autofree char *out = NULL;
  if (!hmp(ctx, cmd, &out, error))
    return FALSE;
  const char *is = strstr(out, " is 0x");
  if (!g_str_has_prefix(out, "Host virtual address for ") || !is ||
      sscanf(is + 6, "%" G_GINT64_MODIFIER "x", hva) != 1) {
    g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL, "QEMU: %s: %.80s", cmd, out);
    return FALSE;
  }
  return TRUE;
}

/* Host address of each range, checked at both ends; contiguous neighbours
 * merged. */
static GArray *
host_addresses(GtQemuHmpFn hmp, gpointer ctx, GArray *ranges, GError **error)
{
  g_autoptr(GArray) out = g_array_new(FALSE, FALSE, sizeof(GtQemuRamRange));
  for (guint i = 0; i < ranges->len; i++) {
    GtQemuRamRange r = g_array_index(ranges, GtQemuRamRange, i);
    guint64 last = r.gpa + ((r.size - 1) & ~(PAGE - 1)), hva_last;
    if (!gpa2hva(hmp, ctx, r.gpa, &r.host, error) ||
        !gpa2hva(hmp, ctx, last, &hva_last, error))
      return NULL;
    if (hva_last - r.host != last - r.gpa) {
      g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL,
                  "QEMU maps guest RAM 0x%" G_GINT64_MODIFIER "x-0x%" G_GINT64_MODIFIER
                  "x discontiguously", r.gpa, r.gpa + r.size - 1);
      return NULL;
    }
    GtQemuRamRange *prev = out->len ? &g_array_index(out, GtQemuRamRange, out->len - 1) : NULL;
    if (prev && prev->gpa + prev->size == r.gpa && prev->host + prev->size == r.host)
      prev->size += r.size;
    else
      g_array_append_val(out, r);
  }
  return g_steal_pointer(&out);
}

GtQemuRam *
gt_qemu_ram_locate(GtQemuHmpFn hmp, gpointer ctx, pid_t pid, GError **error)
{
  g_autofree char *mtree = NULL;
  if (pid <= 0) {
    g_set_error(error, GT_ERROR, GT_ERROR_UNSUPPORTED, "QEMU's process id is unknown");
    return NULL;
  }
  if (!hmp(ctx, "info mtree -f", &mtree, error))
    return NULL;
  g_autoptr(GArray) ranges = gt_qemu_mtree_ram_ranges(mtree, error);
  if (!ranges)
    return NULL;
  g_autoptr(GArray) hosted = host_addresses(hmp, ctx, ranges, error);
  if (!hosted)
    return NULL;
  return gt_qemu_ram_open_process(pid, (const GtQemuRamRange *)hosted->data, hosted->len,
                                  error);
}
