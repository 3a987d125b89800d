/* The kernel's VMCOREINFO (kernel/crash_core.c, later kernel/vmcore_info.c):
 * a page of "KEY=VALUE\n" text the kernel keeps in RAM for crash dumps, both
 * as plain text (vmcoreinfo_data, starting "OSRELEASE=") and inside an ELF
 * note named "VMCOREINFO" (vmcoreinfo_note). Both buffers are page-aligned.
 * The guest is hostile: a process can plant a page that looks the same, so a
 * candidate found here is only a claim; its user checks it against the
 * kernel's page tables (see ksyms-source.c). */
#pragma once

#include <glib.h>
#include "vmi/pagetable.h"

typedef struct GtVmcoreinfo GtVmcoreinfo;

/* Parses the text (at most one page; lines that are not KEY=VALUE are
 * ignored). Fails unless it has OSRELEASE. */
GtVmcoreinfo *gt_vmcoreinfo_parse(const char *text, gsize len, GError **error);
void gt_vmcoreinfo_free(GtVmcoreinfo *vi);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GtVmcoreinfo, gt_vmcoreinfo_free)

const char *gt_vmcoreinfo_osrelease(const GtVmcoreinfo *vi);
/* SYMBOL(name)=hex. */
gboolean gt_vmcoreinfo_symbol(const GtVmcoreinfo *vi, const char *name, guint64 *addr);
/* NUMBER(name)=decimal (may be negative). */
gboolean gt_vmcoreinfo_number(const GtVmcoreinfo *vi, const char *name, gint64 *value);
/* KERNELOFFSET=hex, the x86-64 KASLR slide. */
gboolean gt_vmcoreinfo_kerneloffset(const GtVmcoreinfo *vi, guint64 *slide);
/* Physical address the candidate was found at. */
guint64 gt_vmcoreinfo_pa(const GtVmcoreinfo *vi);

/* Called for each candidate found; TRUE accepts it and ends the scan. */
typedef gboolean (*GtVmcoreinfoAcceptFn)(const GtVmcoreinfo *vi, gpointer user);

typedef struct {
  guint64 pages_scanned;
  guint candidates;
  gboolean timed_out;
  guint64 low_end, high_end;   /* RAM found: [0, low_end) and [4 GiB, high_end) */
} GtVmcoreinfoScanStats;

/* Scans guest-physical RAM page by page, from 0 up to the first unreadable
 * chunk, then from 4 GiB up, at most max_bytes in all and until deadline
 * (g_get_monotonic_time() units, 0 = none). Returns the accepted candidate
 * or NULL (stats tell what was tried). */
GtVmcoreinfo *gt_vmcoreinfo_scan(GtPhysReadFn read, void *ctx, guint64 max_bytes,
                                 gint64 deadline, GtVmcoreinfoAcceptFn accept,
                                 gpointer user, GtVmcoreinfoScanStats *stats);

/* Every KEY -> VALUE (for iteration; owned by vi). */
GHashTable *gt_vmcoreinfo_table(const GtVmcoreinfo *vi);
