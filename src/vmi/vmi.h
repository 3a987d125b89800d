/* One attached guest as the introspection layer sees it: its driver, its
 * memory through the page tables, its kernel symbols with the KASLR slide
 * applied, and a kernel page-table root that stays valid while attached. */
#pragma once

#include <guestrace/guestrace.h>
#include "driver/driver.h"
#include "vmi/memory.h"
#include "vmi/symbols.h"

struct _GtVmi {
  GtDriver *driver;
  GtMem *mem;
  GtSymbols *syms;
  guint64 kcr3;        /* physical address of the kernel's top page table */
  gboolean la57;
  guint nvcpus;
  gint64 slide;
};

/* Attaches (the guest is paused on return), loads the symbol map, finds
 * the kernel page tables and the KASLR slide. */
GtVmi *gt_vmi_open(const char *spec, const GtLoopOptions *opts, GError **error);
/* Guest-physical memory through driver d's reads and writes (d is
 * borrowed), as gt_vmi_open gives it. */
GtMem *gt_vmi_driver_mem(GtDriver *d);
/* Ends the session with the guest (gt_driver_end: detaches, or leaves it
 * held when a detach would not be safe) and frees vmi. TRUE if nothing of
 * ours is left in the guest, else FALSE with error saying what is. */
gboolean gt_vmi_end(GtVmi *vmi, GError **error);
/* gt_vmi_end, what is left said by nobody (the journal keeps it). */
void gt_vmi_close(GtVmi *vmi);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GtVmi, gt_vmi_close)

/* Reads a kernel pointer-sized value; kernel addresses use kcr3. */
gboolean gt_vmi_read_kptr(GtVmi *vmi, guint64 va, guint64 *out, GError **error);
