/* Crafted guest memory for the Linux-layer tests: a flat "physical" RAM in
 * a GByteArray, page tables mapping the kernel direct-map range
 * FG_KBASE.. onto it with 2 MiB pages, and a bump allocator handing out
 * kernel virtual addresses. */
#pragma once

#include <glib.h>
#include "vmi/memory.h"

#define FG_KBASE 0xffff888000000000ULL

typedef struct {
  GByteArray *ram;
  GtMem *mem;
  guint64 cr3;       /* physical address of the PML4 */
  guint64 next;      /* bump allocator: next free physical address */
} FakeGuest;

/* ram_mib MiB of RAM, all of it mapped at FG_KBASE. */
FakeGuest *fg_new(guint ram_mib);
void fg_free(FakeGuest *fg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FakeGuest, fg_free)

/* Allocates size zeroed bytes (aligned to 64) and returns their kernel VA. */
guint64 fg_alloc(FakeGuest *fg, gsize size);
/* Host pointer to the byte at kernel VA va (must be mapped RAM). */
void *fg_ptr(FakeGuest *fg, guint64 va);
void fg_put_u64(FakeGuest *fg, guint64 va, guint64 v);
void fg_put_u32(FakeGuest *fg, guint64 va, guint32 v);
/* Copies a string (with its NUL) into fresh memory; returns its VA. */
guint64 fg_string(FakeGuest *fg, const char *s);
