/* Offsets into Linux kernel structures, from the kernel's own BTF (or a
 * profile file for kernels built without BTF). No per-kernel tables. */
#pragma once

#include <glib.h>
#include "vmi/memory.h"
#include "vmi/symbols.h"

typedef struct {
  /* struct task_struct */
  guint task_pid, task_tgid, task_comm, task_tasks, task_real_parent,
        task_real_cred, task_cred, task_mm, task_active_mm, task_group_leader,
        task_thread_node, task_flags;
  /* struct signal_struct / thread lists */
  guint task_signal, signal_thread_head;
  /* struct cred */
  guint cred_uid, cred_gid, cred_euid, cred_egid;
  /* struct mm_struct */
  guint mm_pgd;
  /* struct pt_regs (syscall arguments and result) */
  guint regs_di, regs_si, regs_dx, regs_r10, regs_r8, regs_r9,
        regs_ax, regs_orig_ax, regs_ip, regs_sp;
  /* struct syscall_metadata */
  guint meta_name, meta_syscall_nr, meta_nb_args, meta_types, meta_args;
  /* per-CPU current task: offset of current_task within pcpu_hot when the
   * kernel has `pcpu_hot` (6.2+), or G_MAXUINT when it has `current_task`. */
  guint pcpu_hot_current_task;

  /* Optional groups (G_MAXUINT when the kernel lacks them or a profile
   * leaves them out); each feature checks its own group before use.
   * VMAs (maple tree, 6.1+; or the mmap list, before) and the page cache:
   * os/linux/vma.c, pagecache.c. */
  guint mm_mt_root, mr64_pivot, mr64_slot, mr64_meta_end, ma64_pivot, ma64_slot,
        ma64_meta_end;
  guint vma_start, vma_end, vma_pgoff, vma_file, vma_flags;
  guint file_mapping, as_xa_head, xa_node_shift, xa_node_slots, page_flags, page_index;
  /* Descriptors and paths: os/linux/fd.c. */
  guint task_files, task_fs, files_fdt, fdt_max_fds, fdt_fd, file_path, file_inode,
        path_mnt, path_dentry, fs_root, fs_pwd, dentry_parent, dentry_name_len,
        dentry_name, dentry_op, dentry_inode, dentry_hash_pprev, dop_dname, inode_ino,
        mount_mnt, mount_parent, mount_mountpoint, vfsmount_root;
  /* Kernel constants from BTF types and enums, not offsets (G_MAXUINT when
   * unknown; a profile cannot give them): sizeof(struct page), the
   * PG_uptodate bit, and enum maple_type's leaf/range/arange values. */
  guint page_struct_size, pg_uptodate_bit, mt_leaf_64, mt_range_64, mt_arange_64;
  /* VMAs in mm->mmap's list through vm_next (before 6.1; G_MAXUINT after),
   * os/linux/vma.c. */
  guint mm_mmap, vma_next;
} GtLinuxOffsets;

typedef struct GtKernelBtf GtKernelBtf;

/* Largest BTF blob accepted: about 3x a full distribution kernel's
 * (/sys/kernel/btf/vmlinux is 5.3 MiB on a 6.18 kernel, about 4 MiB on
 * Debian 12's 6.1). The guest chooses __start_BTF/__stop_BTF and every byte
 * in between, so a bigger blob is refused, not read. */
#define GT_KBTF_MAX_SIZE (16u * 1024 * 1024)
/* Most struct/union members one member lookup may examine (through
 * anonymous members and dotted paths). A real lookup in task_struct
 * examines a few hundred; each type is searched at most once per lookup,
 * so a crafted graph of shared or cyclic anonymous members costs at most
 * this much. */
#define GT_KBTF_MAX_WORK (64u * 1024)

/* Reads the kernel's BTF from guest memory (between __start_BTF and
 * __stop_BTF, at most GT_KBTF_MAX_SIZE), checks its header and parses it
 * with libbpf. */
GtKernelBtf *gt_kbtf_load_guest(GtMem *mem, guint64 cr3, const GtSymbols *syms,
                                GError **error);
/* Parses a raw BTF blob (e.g. /sys/kernel/btf/vmlinux) — for tests. */
GtKernelBtf *gt_kbtf_load_raw(const void *data, gsize size, GError **error);
void gt_kbtf_free(GtKernelBtf *btf);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GtKernelBtf, gt_kbtf_free)

/* Byte offset of a member, through anonymous structs/unions; member may be
 * a dotted path ("thread_info.flags"). Bitfields are rejected. A type graph
 * with a cycle through anonymous members, or one needing more than
 * GT_KBTF_MAX_WORK member visits, is GT_ERROR_INVALID_ARG. */
gboolean gt_kbtf_member_offset(GtKernelBtf *btf, const char *struct_name,
                               const char *member, guint *offset, guint *size,
                               GError **error);
/* Value of an enumerator (e.g. "PG_uptodate") of any enum in BTF. */
gboolean gt_kbtf_enum_value(GtKernelBtf *btf, const char *name, gint64 *value,
                            GError **error);
/* sizeof(struct name). */
gboolean gt_kbtf_struct_size(GtKernelBtf *btf, const char *struct_name, guint *size,
                             GError **error);
/* Borrowed libbpf handle (struct btf *) for callers that need types. */
gpointer gt_kbtf_handle(GtKernelBtf *btf);

gboolean gt_linux_offsets_from_btf(GtKernelBtf *btf, GtLinuxOffsets *out, GError **error);
/* A profile file: "struct.member = OFFSET" lines (decimal or 0x hex), '#'
 * comments, keys named after the kernel's own structs (task_struct.pid,
 * cred.euid, pt_regs.orig_ax, syscall_metadata.nb_args, ...); every field of
 * GtLinuxOffsets must be given except pcpu_hot.current_task (only for
 * kernels 6.2 .. 6.14; G_MAXUINT when absent). Errors name the file and
 * line. */
gboolean gt_linux_offsets_from_profile(const char *path, GtLinuxOffsets *out,
                                       GError **error);
