/* Crafted guest memory for the Linux-layer tests, the fuzz targets' Linux
 * world (fuzz/linux-world.c) and the fault-injection harness
 * (tests/unit/fault): a flat "physical" RAM in a GByteArray, page tables
 * mapping the kernel direct-map range FG_KBASE.. onto it with 2 MiB pages,
 * a bump allocator handing out kernel virtual addresses, and builders for
 * the kernel structures of one hand-written layout (fg_linux_offsets). */
#pragma once

#include <glib.h>
#include "vmi/memory.h"
#include "vmi/symbols.h"
#include "os/linux/linux.h"
#include "os/linux/offsets.h"

#define FG_KBASE 0xffff888000000000ULL
/* A kernel address no page table maps. */
#define FG_UNMAPPED (FG_KBASE + (1ULL << 30))

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

/* The layout of the fake kernel's structures (task_struct, cred,
 * mm_struct, pt_regs, syscall_metadata), hand-written: no kernel has it. */
extern const GtLinuxOffsets fg_linux_offsets;
#define FG_TASK_SIZE 0x100

/* The layout of what the fd, cwd, VMA and page-cache walkers read (files,
 * fdtable, file, path, fs, dentry, mount; mm_struct's maple tree, its
 * nodes, vm_area_struct, address_space's xarray, struct page), with the
 * task fields of fg_linux_offsets, hand-written like them; no VMA list
 * (mm->mmap, vm_next: the maple tree of 6.1+). */
#define FG_MT_LEAF 1          /* maple_leaf_64 */
#define FG_MT_RANGE 2         /* maple_range_64 */
#define FG_MT_ARANGE 3        /* maple_arange_64 */
#define FG_PAGE_STRUCT 64     /* sizeof(struct page) */
GtLinuxOffsets fg_walker_offsets(void);

/* A task_struct (fg_linux_offsets); parent 0: itself. mm 0 marks a kernel
 * thread. */
guint64 fg_new_task(FakeGuest *fg, gint32 pid, gint32 tgid, const char *comm, guint64 parent,
                    guint64 cred, guint64 mm);
guint64 fg_new_cred(FakeGuest *fg, guint32 uid, guint32 gid, guint32 euid, guint32 egid);
/* Links tasks[0..n) into a circular list through their `tasks` members. */
void fg_link_tasks(FakeGuest *fg, const guint64 *tasks, guint n);
/* A syscall_metadata (fg_linux_offsets) with its strings; a NULL name,
 * types or args array is a pointer to FG_UNMAPPED, a NULL entry in them
 * too. */
guint64 fg_new_syscall_meta(FakeGuest *fg, const char *name, gint32 nr, guint32 nb,
                            const char *const *types, const char *const *args);
/* A top-level page table (returned: its physical address) that maps the
 * kernel as fg->cr3 does, plus the 2 MiB user page at user_va (2 MiB
 * aligned, below 512 GiB) onto physical user_pa, user-accessible at every
 * level: a process's address space. */
guint64 fg_new_user_root(FakeGuest *fg, guint64 user_va, guint64 user_pa);

/* Symbols from the System.map text map; a map that does not parse fails
 * the test. */
GtSymbols *fg_symbols(const char *map);
/* The Linux view of fg with syms and the layout off; fails the test when
 * it cannot be built. */
GtLinux *fg_linux(FakeGuest *fg, GtSymbols *syms, const GtLinuxOffsets *off);
/* Frees what fg_linux, fg_symbols and fg_new made (each may be NULL). */
void fg_linux_free(GtLinux *lx, GtSymbols *syms, FakeGuest *fg);
