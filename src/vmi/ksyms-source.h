/* Where the kernel's symbols come from: a map the user gave (-m), or the
 * guest's own memory (VMCOREINFO + kallsyms), and the cross-check of the
 * two when both exist. */
#pragma once

#include "vmi/memory.h"
#include "vmi/symbols.h"
#include "vmi/vmcoreinfo.h"

/* Decodes the kernel's kallsyms, reading through the kernel page tables at
 * one of roots (a vCPU's CR3 values). First from the kernel image mapping
 * alone: its start (the first mapped 2 MiB of 0xffffffff80000000 + 1 GiB)
 * is _stext and the tables are searched for in it (kallsyms-scan.h). Then
 * from VMCOREINFO found in guest-physical RAM: the tables it names (6.0+),
 * else searched for from its SYMBOL(_stext). The result holds run-time
 * addresses. A result is only accepted if the tables decode, _stext
 * matches, and linux_banner reads "Linux version " (with VMCOREINFO's
 * OSRELEASE after it) through those page tables: a page planted by a
 * process cannot pass. On failure the error says what was tried. *vi_out
 * (if not NULL) gets the accepted VMCOREINFO, NULL when the image alone
 * gave the symbols. */
GtSymbols *gt_ksyms_from_memory(GtMem *mem, const guint64 *roots, guint nroots,
                                gint64 budget_us, GtVmcoreinfo **vi_out, GError **error);

/* Finds VMCOREINFO whose SYMBOL(_stext) is mapped at kcr3, within
 * budget_us (for a cross-check). NULL if not found; *timed_out (if not NULL)
 * then tells whether the time ran out before all RAM was scanned. */
GtVmcoreinfo *gt_ksyms_find_vmcoreinfo(GtMem *mem, guint64 kcr3, gint64 budget_us,
                                       gboolean *timed_out);

/* VMCOREINFO where a map (slide applied) says the kernel keeps it:
 * vmcoreinfo_data and vmcoreinfo_size read through kcr3, a few page reads
 * where the scan reads RAM up to the note (tens of MiB; on Xen each page a
 * foreign mapping). NULL if the map does not lead to a VMCOREINFO whose
 * _stext is mapped (a wrong map: then scan). What it finds is the guest's
 * own, so it can still refute the map that led to it. */
GtVmcoreinfo *gt_ksyms_vmcoreinfo_via_map(GtMem *mem, guint64 kcr3, const GtSymbols *map);

/* Cross-check of a user's map (slide applied) with the guest's VMCOREINFO:
 * every kernel-image SYMBOL() both have must agree. FALSE with a one-line
 * error naming the first disagreement. */
gboolean gt_ksyms_check_map(const GtSymbols *map, const char *map_name,
                            const GtVmcoreinfo *vi, GError **error);
