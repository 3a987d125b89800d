/* Locating guest RAM inside a local QEMU process from QEMU's own
 * description of it (HMP over QMP): the guest-physical RAM ranges of the
 * system address space from `info mtree -f`, and the host address of each
 * from `gpa2hva` at its first and last page (which must agree: one
 * contiguous host mapping per range). The caller verifies the result
 * against the gdb stub before trusting it (gt_qemu_driver_use_ram). */
#pragma once

#include "driver/qemu/qemu-ram.h"

/* Runs one HMP command (over QMP, or the gdb stub's qRcmd). */
typedef gboolean (*GtQemuHmpFn)(gpointer ctx, const char *cmd, char **output, GError **error);

/* Parses `info mtree -f` output: the RAM and ROM ranges of the flat view of
 * address space "memory", sorted, host fields 0. Exposed for tests. */
GArray *gt_qemu_mtree_ram_ranges(const char *mtree, GError **error);

GtQemuRam *gt_qemu_ram_locate(GtQemuHmpFn hmp, gpointer ctx, pid_t pid, GError **error);
