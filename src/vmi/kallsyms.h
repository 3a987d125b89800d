/* Decoding the kernel's own compressed symbol table (kallsyms, built by
 * scripts/kallsyms.c) from guest memory into /proc/kallsyms text
 * ("ADDR TYPE NAME" lines, run-time addresses, table order), which
 * gt_symbols_parse reads like a dump made inside the guest.
 *
 * Tables: kallsyms_num_syms (u32 since 4.20), kallsyms_names (per symbol a
 * length then token bytes; since 6.1 a length with bit 7 set continues in a
 * second byte, ULEB128, at most 0x3fff), kallsyms_token_table (256
 * NUL-terminated strings), kallsyms_token_index (256 x u16 offsets into it),
 * and the addresses: kallsyms_offsets (s32) with kallsyms_relative_base, or
 * kallsyms_addresses (u64). The first character of a decoded name is its nm
 * type letter. Markers and seqs_of_names are not needed for a full walk. */
#pragma once

#include <glib.h>

/* Reads kernel virtual memory. */
typedef gboolean (*GtKvaReadFn)(void *ctx, guint64 va, void *buf, gsize len,
                                GError **error);

typedef struct {
  guint64 num_syms;       /* addresses of the tables; 0 = absent */
  guint64 names;
  guint64 token_table;
  guint64 token_index;
  guint64 offsets;        /* with relative_base (4.6+), or ... */
  guint64 relative_base;
  guint64 addresses;      /* ... absolute addresses (before 6.11) */
  guint64 stext;          /* where _stext really is: picks the address encoding */
  gboolean big_lengths;   /* 6.1+: two-byte name lengths */
} GtKallsymsTables;

/* How the offsets table was read (for messages and tests). */
typedef enum {
  GT_KALLSYMS_ABSOLUTE = 1,     /* kallsyms_addresses */
  GT_KALLSYMS_BASE_RELATIVE,    /* relative_base + (u32)offset */
  GT_KALLSYMS_ABSOLUTE_PERCPU,  /* offset >= 0 absolute, else base - 1 - offset */
  GT_KALLSYMS_PLACE_RELATIVE,   /* 7.0+: &offsets[i] + offset */
} GtKallsymsEncoding;

/* Every read and count is bounded; a table that does not decode, or whose
 * _stext does not land at t->stext under any encoding, fails with
 * GT_ERROR_NOT_FOUND. *len_out gets the text length; *enc (if not NULL)
 * the encoding that matched. */
char *gt_kallsyms_decode(const GtKallsymsTables *t, GtKvaReadFn read, void *ctx,
                         gsize *len_out, GtKallsymsEncoding *enc, GError **error);
