/* Guest RAM read straight from host memory, in one of two ways:
 *  - a file QEMU shares its RAM through (memory-backend-file, share=on),
 *    mapped into our address space, with the PC machine's physical memory
 *    map: [0, lowmem) at file offset 0, the rest at 4 GiB upward;
 *  - the QEMU process's own memory (/proc/PID/mem), at the host addresses
 *    QEMU names for each guest-physical RAM range (see qemu-ram-locate.c).
 * Every access is range-checked with overflow-safe arithmetic and must lie
 * in RAM; it may span ranges. */
#pragma once

#include <glib.h>
#include <sys/types.h>

typedef struct GtQemuRam GtQemuRam;

/* One guest-physical RAM range and where its bytes are in the host. */
typedef struct {
  guint64 gpa;
  guint64 size;
  guint64 host;    /* file offset, or QEMU's virtual address */
} GtQemuRamRange;

/* lowmem 0 = derive it as QEMU's pc (i440fx) machine does. */
GtQemuRam *gt_qemu_ram_open(const char *path, guint64 lowmem, GError **error);
/* QEMU process pid's memory; ranges sorted by gpa, not overlapping. */
GtQemuRam *gt_qemu_ram_open_process(pid_t pid, const GtQemuRamRange *ranges, guint n,
                                    GError **error);
void gt_qemu_ram_free(GtQemuRam *ram);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GtQemuRam, gt_qemu_ram_free)

guint64 gt_qemu_ram_size(const GtQemuRam *ram);
guint64 gt_qemu_ram_lowmem(const GtQemuRam *ram);
guint gt_qemu_ram_n_ranges(const GtQemuRam *ram);
const GtQemuRamRange *gt_qemu_ram_range(const GtQemuRam *ram, guint i);

gboolean gt_qemu_ram_read(GtQemuRam *ram, guint64 pa, void *buf, gsize len, GError **error);
gboolean gt_qemu_ram_write(GtQemuRam *ram, guint64 pa, const void *buf, gsize len,
                           GError **error);
