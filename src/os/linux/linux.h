/* Linux introspection: tasks, credentials, the process list, the current
 * task of a vCPU, and the kernel's own syscall metadata. Everything read is
 * hostile: every walk is bounded and cycle-checked. */
#pragma once

#include <glib.h>
#include "vmi/memory.h"
#include "vmi/symbols.h"
#include "os/linux/offsets.h"

#define GT_TASK_COMM_LEN 16
/* Bounds on walks over guest lists. */
#define GT_LINUX_MAX_TASKS 65536
#define GT_LINUX_MAX_ANCESTORS 256

typedef struct {
  guint64 addr;           /* task_struct address */
  gint32 tid;             /* task->pid */
  gint32 pid;             /* task->tgid (what user space calls pid) */
  gint32 ppid;            /* real_parent->tgid */
  guint32 uid, gid, euid, egid;
  char comm[GT_TASK_COMM_LEN + 1];
  guint64 pgd_pa;         /* physical address of the mm's top page table, 0 for kernel threads */
  gboolean kthread;       /* no mm */
} GtTaskInfo;

typedef struct GtLinux GtLinux;

/* Builds the Linux view. Offsets come from `profile` when given, else from
 * the kernel's BTF read from guest memory. kcr3 is a kernel CR3 used for
 * reading kernel memory. */
GtLinux *gt_linux_new(GtMem *mem, GtSymbols *syms, guint64 kcr3, const char *profile,
                      GError **error);
/* Builds the Linux view from offsets the caller already has (tests, or a
 * caller that parsed BTF itself). mem and syms are borrowed in both
 * constructors and must outlive the view. */
GtLinux *gt_linux_new_with_offsets(GtMem *mem, GtSymbols *syms, guint64 kcr3,
                                   const GtLinuxOffsets *offsets, GError **error);
void gt_linux_free(GtLinux *lx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GtLinux, gt_linux_free)

const GtLinuxOffsets *gt_linux_offsets(GtLinux *lx);
GtKernelBtf *gt_linux_btf(GtLinux *lx);   /* NULL when a profile was used */
void gt_linux_set_kcr3(GtLinux *lx, guint64 kcr3);

/* The task running on a vCPU, from its kernel GS base (per-CPU area). */
gboolean gt_linux_current_task(GtLinux *lx, guint64 gs_base, guint64 *task, GError **error);
gboolean gt_linux_task_info(GtLinux *lx, guint64 task, GtTaskInfo *out, GError **error);
/* Ancestors of task (parent first, up to init/pid 0), bounded and cycle-safe.
 * Returns an array of GtTaskInfo. */
GArray *gt_linux_ancestors(GtLinux *lx, guint64 task, GError **error);
/* Every thread-group leader from init_task's list (pid 0 included), as
 * GtTaskInfo, in list order. Bounded and cycle-safe. */
GArray *gt_linux_process_list(GtLinux *lx, GError **error);
/* The task_struct of a process (thread-group leader) by pid. */
gboolean gt_linux_find_process(GtLinux *lx, gint32 pid, guint64 *task, GError **error);

/* A system call as the kernel describes it in its tracepoint metadata. */
typedef struct {
  char *name;             /* "openat" (without the sys_ prefix) */
  gint nr;                /* syscall number, -1 if unknown */
  guint nargs;            /* 0..6 */
  char *arg_types[6];     /* "const char *", "int", ... */
  char *arg_names[6];     /* "filename", "flags", ... */
  gboolean returns_void;  /* a kernel function without a result (from BTF) */
  /* The result's width in bytes (1, 2, 4; 0: all of rax) and signedness,
   * from BTF: a function returning bool or int leaves the rest of rax
   * undefined. System calls return long (0). */
  guint ret_size;
  gboolean ret_signed;
} GtSyscallMeta;

void gt_syscall_meta_free(GtSyscallMeta *m);
/* The function's result as its declared type gives it, from rax (m may be
 * NULL: all of rax). */
gint64 gt_syscall_meta_result(const GtSyscallMeta *m, guint64 rax);
/* A kernel function's parameters from BTF, in the same form (nr = -1);
 * NULL if BTF does not describe it. */
GtSyscallMeta *gt_kbtf_func_meta(GtKernelBtf *btf, const char *func);
/* Reads every syscall's metadata from the kernel: the syscall_metadata
 * structures, found through the run-time array `syscalls_metadata` (a booted
 * kernel has freed the link-time section between __start_syscalls_metadata
 * and __stop_syscalls_metadata, which is only the fallback).
 * Returns a hash table name -> GtSyscallMeta* (owned by the table). */
GHashTable *gt_linux_syscall_metadata(GtLinux *lx, GError **error);

/* A user mapping (vm_area_struct) as the walkers below need it. */
typedef struct {
  guint64 addr;           /* the vm_area_struct */
  guint64 start, end;     /* [vm_start, vm_end) */
  guint64 pgoff;          /* vm_pgoff: file offset of start, in pages */
  guint64 file;           /* vm_file, 0 for anonymous memory */
  guint64 flags;          /* vm_flags */
} GtLinuxVma;

/* TRUE when the kernel's BTF gave every offset the VMA walk needs (a maple
 * tree: Linux 6.1+). */
gboolean gt_linux_has_vmas(GtLinux *lx);
/* The VMA of mm (a struct mm_struct address) covering addr, looked up in
 * mm->mm_mt as mtree_load() does. GT_ERROR_NOT_FOUND when none covers it;
 * GT_ERROR_MEMORY for a corrupt tree (bounded depth, no node twice, pivots
 * checked against their parent's range). */
gboolean gt_linux_vma_find(GtLinux *lx, guint64 mm, guint64 addr, GtLinuxVma *out,
                           GError **error);
/* The physical address of the page at `index` (in pages) of a file's
 * address_space (file->f_mapping), from its page cache (the i_pages
 * xarray), only if that page is cached and up to date. GT_ERROR_NOT_FOUND
 * when it is not (never cached, evicted: a shadow or swap value entry). */
gboolean gt_linux_pagecache_lookup(GtLinux *lx, guint64 mapping, guint64 index,
                                   guint64 *pa, GError **error);
gboolean gt_linux_has_pagecache(GtLinux *lx);
/* Reads [va, va+len) — inside one user page — of task's address space
 * (page tables at cr3) the way a read fault would fill a page whose
 * page-table entry is empty: a file VMA's page from the page cache, zeros
 * in an anonymous VMA. Fails (never guesses) when the entry is present or
 * not empty (swap, migration, PROT_NONE), the VMA is unreadable or special,
 * or the file page is not cached. See uaccess.c for the cases. */
gboolean gt_linux_read_unfaulted(GtLinux *lx, guint64 task, guint64 cr3, guint64 va,
                                 void *buf, gsize len, GError **error);

/* TRUE when the kernel's BTF gave every offset the descriptor walk needs. */
gboolean gt_linux_has_fds(GtLinux *lx);
/* Appends to out what descriptor fd of task is, as the guest's
 * /proc/PID/fd/FD link would read for a reader in pid 1's root: a path
 * ("/etc/passwd"), or a pseudo file's name ("socket:[1234]", "pipe:[56]",
 * "anon_inode:[eventfd]"). *deleted (if non-NULL) is set when the file was
 * unlinked (the kernel's " (deleted)" suffix, not appended to out).
 * From task->files->fdt->fd[fd] (bounded by max_fds) and file->f_path,
 * climbed like the kernel's prepend_path. GT_ERROR_NOT_FOUND when fd is not
 * open; GT_ERROR_UNSUPPORTED for a pseudo file system whose name format is
 * not known (nothing is guessed); nothing is appended on failure. */
gboolean gt_linux_fd_describe(GtLinux *lx, guint64 task, gint fd, GString *out,
                              gboolean *deleted, GError **error);
/* The same for task's working directory (what AT_FDCWD refers to). */
gboolean gt_linux_cwd_describe(GtLinux *lx, guint64 task, GString *out, gboolean *deleted,
                               GError **error);
