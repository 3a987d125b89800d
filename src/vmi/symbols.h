/* Kernel symbols from a System.map (link-time addresses) or a /proc/kallsyms
 * dump (run-time addresses). Lines are "ADDR TYPE NAME [MODULE]". */
#pragma once

#include <glib.h>

typedef struct GtSymbols GtSymbols;

/* Largest symbol text accepted, from a file or decoded from guest memory:
 * a System.map is ~5 MiB, /proc/kallsyms with modules ~15 MiB. Bigger is
 * refused, never read whole (a path may name /dev/zero or a FIFO). */
#define GT_SYMBOLS_MAX_SIZE (128u * 1024 * 1024)

GtSymbols *gt_symbols_load(const char *path, GError **error);
/* Parse from memory; `origin` names the source in error messages. */
GtSymbols *gt_symbols_parse(const char *text, gsize len, const char *origin,
                            GError **error);
void gt_symbols_free(GtSymbols *syms);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GtSymbols, gt_symbols_free)

guint gt_symbols_count(const GtSymbols *syms);
/* Address of name with the slide applied. FALSE if absent. If a name occurs
 * more than once (static functions), the first in the file wins. */
gboolean gt_symbols_lookup(const GtSymbols *syms, const char *name, guint64 *addr);
/* Type letter of name ('T', 't', 'D', ...), 0 if absent. */
char gt_symbols_type(const GtSymbols *syms, const char *name);
/* Name of the nearest symbol at or below addr (slid), and the offset. */
const char *gt_symbols_name_at(const GtSymbols *syms, guint64 addr, guint64 *offset);
/* Calls fn for every symbol name starting with prefix (in address order). */
void gt_symbols_foreach_prefix(const GtSymbols *syms, const char *prefix,
                               void (*fn)(const char *name, guint64 addr, char type,
                                          gpointer user_data),
                               gpointer user_data);
/* KASLR: a constant added to every kernel-image address (those at or above
 * 0xffffffff80000000); per-CPU offsets and absolute symbols are not moved. */
void gt_symbols_set_slide(GtSymbols *syms, gint64 slide);
gint64 gt_symbols_get_slide(const GtSymbols *syms);

/* Added: the address of name exactly as in the file (no slide). */
gboolean gt_symbols_lookup_raw(const GtSymbols *syms, const char *name, guint64 *addr);
/* Added: the module of name ("ext4"), NULL for a core-kernel symbol or if absent. */
const char *gt_symbols_module(const GtSymbols *syms, const char *name);
