/* Internals shared by the files of the Linux layer: the GtLinux state and
 * bounded helpers for reading kernel pointers out of guest memory. */
#pragma once

#include "os/linux/linux.h"

/* Flag in task_struct.flags (include/linux/sched.h), stable since 2.6. */
#define GT_PF_KTHREAD 0x00200000u

struct GtLinux {
  GtMem *mem;             /* borrowed */
  GtSymbols *syms;        /* borrowed */
  guint64 kcr3;
  GtLinuxOffsets off;
  GtKernelBtf *btf;       /* owned; NULL with a profile or test offsets */
  guint64 init_task;      /* slid address of init_task */
  /* Per-CPU offset of the current-task pointer: `current_task`, or
   * `pcpu_hot` + off.pcpu_hot_current_task. */
  guint64 current_task_pcpu;
  guint64 init_process;   /* pid 1's task_struct, once found (fd.c) */
};

/* Canonical upper-half address: where the kernel keeps its data. */
static inline gboolean
gt_linux_is_kernel_addr(guint64 va)
{
  return va >= 0xffff800000000000ULL;
}

/* Reads a pointer at va and checks it is a kernel address aligned to 8
 * (what every slab object is). `what` names the pointer in errors. */
gboolean gt_linux_read_kptr(GtLinux *lx, guint64 va, const char *what, guint64 *out,
                            GError **error);
