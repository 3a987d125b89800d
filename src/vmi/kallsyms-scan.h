/* Finding the kallsyms tables in the kernel image when nothing names them:
 * kernels before 6.0 put no SYMBOL(kallsyms_*) in VMCOREINFO. The method is
 * vmlinux-to-elf's, checked at every step against the layout
 * scripts/kallsyms.c writes (every table starts 8-byte aligned):
 *
 *   token_table  256 NUL-terminated strings; the bytes that are characters
 *                of symbol names stand for themselves, so "0\0" .. "9\0"
 *                lie side by side in it: the pattern that finds it;
 *   token_index  256 u16 offsets into token_table, right after it: index 0
 *                is 0, index '0' says where the pattern is, and every token
 *                must end where the next begins;
 *   markers      before token_table (6.1's seqs_of_names, 3 bytes a symbol,
 *                may lie between): one u32 or u64 offset into names every
 *                256 symbols;
 *   names        before markers, num_syms (a u32, zero-padded to 8 bytes)
 *                right before names: walking num_syms names must end where
 *                markers begin and pass every marker;
 *   addresses    kallsyms_offsets + kallsyms_relative_base right before
 *                num_syms (up to 6.1), or right after token_index (6.4+),
 *                or kallsyms_addresses before num_syms (no base-relative).
 *
 * Which placement is right is settled by gt_kallsyms_decode: _stext must
 * land where it is. */
#pragma once

#include "vmi/kallsyms.h"

/* Kernel image bytes searched at most, and how far below token_table names
 * may start (the largest names table seen is 2.2 MiB). */
#define GT_KALLSYMS_SCAN_MAX_IMAGE (128ULL << 20)
#define GT_KALLSYMS_SCAN_MAX_TABLES (32ULL << 20)

/* Searches [image, image + image_len) (read in 1 MiB pieces, page by page
 * where a piece is not all readable, up to its first unreadable page) for the tables, and decodes them with _stext at
 * stext. On success returns the /proc/kallsyms text (as
 * gt_kallsyms_decode) and the tables found in *found (if not NULL). On
 * failure GT_ERROR_NOT_FOUND says what was found and why it was refused. */
char *gt_kallsyms_scan(GtKvaReadFn read, void *ctx, guint64 image, guint64 image_len,
                       guint64 stext, GtKallsymsTables *found, gsize *len_out,
                       GError **error);
