/* A fake Linux guest for the fuzz targets of src/os/linux: 2 MiB of RAM
 * mapped at the kernel's direct map (tests/unit/linux/fake-guest.c), and
 * one 64 KiB region at FUZZ_REGION_VA that holds the fuzz input: tasks,
 * creds, mms, syscall metadata and strings, with pointers as kernel
 * addresses into the region. Symbols point into it:
 *   init_task                  FUZZ_REGION_VA
 *   syscalls_metadata          FUZZ_REGION_VA (the pointer; the syscalls
 *                              target's own use of the region's start)
 *   __start/__stop_syscalls_metadata  + 0x10 .. + 0x90 (16 pointers)
 *   current_task (per-CPU)     0x1000, with GS base FUZZ_GS_BASE, so the
 *                              pointer is at FUZZ_REGION_VA + 0x800
 *   vmemmap_base               FUZZ_REGION_VA + FUZZ_VMEMMAP_VAR (the
 *                              variable, so the input sets the base)
 *   sockfs_dname, pipefs_dname, anon_inodefs_dname, simple_dname: fixed
 *                              text addresses 0xffffffff81100000 + 0x100 * i
 * Offsets are fg_linux_offsets (tests/unit/linux/fake-guest.h).
 * seeds/make-linux.py writes seed regions with this layout. */
#pragma once

#include "os/linux/linux.h"

#define FUZZ_REGION_VA 0xffff888000100000ULL
#define FUZZ_REGION_SIZE 0x10000u
#define FUZZ_GS_BASE (FUZZ_REGION_VA - 0x800)
#define FUZZ_VMEMMAP_VAR 0x808u

/* The same with other offsets (the walkers' target). */
GtLinux *fuzz_linux_world_with(const guint8 *data, gsize size, const GtLinuxOffsets *offsets);

/* A GtLinux over the region filled with data (zeros after it); free it
 * before the next call. */
GtLinux *fuzz_linux_world(const guint8 *data, gsize size);
