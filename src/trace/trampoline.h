/* The return trap: a kernel address that is never executed, on which a
 * breakpoint catches returns whose return address was redirected to it. */
#pragma once

#include "vmi/vmi.h"

/* Finds an int3 byte that the compiler placed after an unconditional ret or
 * jmp (straight-line-speculation padding) in the syscall dispatcher, by
 * disassembling it with capstone. Such a byte is never reached by control
 * flow, so a breakpoint there fires only for redirected returns. */
gboolean gt_trampoline_find(GtVmi *vmi, guint64 *addr, GError **error);

/* The same search over a code buffer that starts at address `base`; for
 * unit tests. Returns 0 if none. */
guint64 gt_trampoline_scan(const guint8 *code, gsize len, guint64 base);
