/* Guest RAM shared by QEMU as a file (memory-backend-file, share=on),
 * mapped into our address space, with the PC machine's physical memory map:
 * [0, lowmem) at file offset 0, the rest at 4 GiB upward. */
#pragma once

#include <glib.h>

typedef struct GtQemuRam GtQemuRam;

/* lowmem 0 = derive it as QEMU's pc (i440fx) machine does. */
GtQemuRam *gt_qemu_ram_open(const char *path, guint64 lowmem, GError **error);
void gt_qemu_ram_free(GtQemuRam *ram);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GtQemuRam, gt_qemu_ram_free)

guint64 gt_qemu_ram_size(const GtQemuRam *ram);
guint64 gt_qemu_ram_lowmem(const GtQemuRam *ram);
/* The host pointer for [pa, pa+len) if it lies wholly inside one RAM
 * region, else NULL. */
guint8 *gt_qemu_ram_ptr(GtQemuRam *ram, guint64 pa, gsize len);

gboolean gt_qemu_ram_read(GtQemuRam *ram, guint64 pa, void *buf, gsize len, GError **error);
gboolean gt_qemu_ram_write(GtQemuRam *ram, guint64 pa, const void *buf, gsize len,
                           GError **error);
