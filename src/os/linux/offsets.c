/* Filling GtLinuxOffsets: from the kernel's BTF, or from a profile file of
 * "struct.member = OFFSET" lines. One table lists every field, so both
 * sources cover the same set. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <guestrace/types.h>
#include "os/linux/offsets.h"

typedef struct {
  const char *type;      /* struct name */
  const char *member;    /* member path inside it */
  gsize field;           /* offset of the guint inside GtLinuxOffsets */
  guint size;            /* expected member size in bytes (0: any) */
  gboolean optional;     /* may be missing (then G_MAXUINT) */
} OffsetSpec;

#define F(name) G_STRUCT_OFFSET(GtLinuxOffsets, name)

static const OffsetSpec specs[] = {
  { "task_struct", "pid", F(task_pid), 4, FALSE },
  { "task_struct", "tgid", F(task_tgid), 4, FALSE },
  { "task_struct", "comm", F(task_comm), 16, FALSE },
  { "task_struct", "tasks", F(task_tasks), 16, FALSE },
  { "task_struct", "real_parent", F(task_real_parent), 8, FALSE },
  { "task_struct", "real_cred", F(task_real_cred), 8, FALSE },
  { "task_struct", "cred", F(task_cred), 8, FALSE },
  { "task_struct", "mm", F(task_mm), 8, FALSE },
  { "task_struct", "active_mm", F(task_active_mm), 8, FALSE },
  { "task_struct", "group_leader", F(task_group_leader), 8, FALSE },
  { "task_struct", "thread_node", F(task_thread_node), 16, FALSE },
  { "task_struct", "flags", F(task_flags), 4, FALSE },
  { "task_struct", "signal", F(task_signal), 8, FALSE },
  { "signal_struct", "thread_head", F(signal_thread_head), 16, FALSE },
  /* kuid_t/kgid_t are structs holding one 32-bit .val at offset 0. */
  { "cred", "uid", F(cred_uid), 4, FALSE },
  { "cred", "gid", F(cred_gid), 4, FALSE },
  { "cred", "euid", F(cred_euid), 4, FALSE },
  { "cred", "egid", F(cred_egid), 4, FALSE },
  { "mm_struct", "pgd", F(mm_pgd), 8, FALSE },
  { "pt_regs", "di", F(regs_di), 8, FALSE },
  { "pt_regs", "si", F(regs_si), 8, FALSE },
  { "pt_regs", "dx", F(regs_dx), 8, FALSE },
  { "pt_regs", "r10", F(regs_r10), 8, FALSE },
  { "pt_regs", "r8", F(regs_r8), 8, FALSE },
  { "pt_regs", "r9", F(regs_r9), 8, FALSE },
  { "pt_regs", "ax", F(regs_ax), 8, FALSE },
  { "pt_regs", "orig_ax", F(regs_orig_ax), 8, FALSE },
  { "pt_regs", "ip", F(regs_ip), 8, FALSE },
  { "pt_regs", "sp", F(regs_sp), 8, FALSE },
  { "syscall_metadata", "name", F(meta_name), 8, FALSE },
  { "syscall_metadata", "syscall_nr", F(meta_syscall_nr), 4, FALSE },
  { "syscall_metadata", "nb_args", F(meta_nb_args), 4, FALSE },
  { "syscall_metadata", "types", F(meta_types), 8, FALSE },
  { "syscall_metadata", "args", F(meta_args), 8, FALSE },
  /* Only kernels 6.2 .. 6.14 have struct pcpu_hot. */
  { "pcpu_hot", "current_task", F(pcpu_hot_current_task), 8, TRUE },
  /* VMAs in the maple tree (6.1+). Array sizes are the 64-bit layouts:
   * maple_range_64 has 15 pivots and 16 slots, maple_arange_64 9 and 10. */
  { "mm_struct", "mm_mt.ma_root", F(mm_mt_root), 8, TRUE },
  { "maple_range_64", "pivot", F(mr64_pivot), 15 * 8, TRUE },
  { "maple_range_64", "slot", F(mr64_slot), 16 * 8, TRUE },
  { "maple_range_64", "meta.end", F(mr64_meta_end), 1, TRUE },
  { "maple_arange_64", "pivot", F(ma64_pivot), 9 * 8, TRUE },
  { "maple_arange_64", "slot", F(ma64_slot), 10 * 8, TRUE },
  { "maple_arange_64", "meta.end", F(ma64_meta_end), 1, TRUE },
  /* VMAs in a list sorted by address (before 6.1). */
  { "mm_struct", "mmap", F(mm_mmap), 8, TRUE },
  { "vm_area_struct", "vm_next", F(vma_next), 8, TRUE },
  { "vm_area_struct", "vm_start", F(vma_start), 8, TRUE },
  { "vm_area_struct", "vm_end", F(vma_end), 8, TRUE },
  { "vm_area_struct", "vm_pgoff", F(vma_pgoff), 8, TRUE },
  { "vm_area_struct", "vm_file", F(vma_file), 8, TRUE },
  { "vm_area_struct", "vm_flags", F(vma_flags), 8, TRUE },
  /* The page cache: address_space.i_pages is an xarray of 64-slot nodes. */
  { "file", "f_mapping", F(file_mapping), 8, TRUE },
  { "address_space", "i_pages.xa_head", F(as_xa_head), 8, TRUE },
  { "xa_node", "shift", F(xa_node_shift), 1, TRUE },
  { "xa_node", "slots", F(xa_node_slots), 64 * 8, TRUE },
  { "folio", "flags", F(page_flags), 8, TRUE },
  { "folio", "index", F(page_index), 8, TRUE },
  /* Descriptors and their paths. */
  { "task_struct", "files", F(task_files), 8, TRUE },
  { "task_struct", "fs", F(task_fs), 8, TRUE },
  { "files_struct", "fdt", F(files_fdt), 8, TRUE },
  { "fdtable", "max_fds", F(fdt_max_fds), 4, TRUE },
  { "fdtable", "fd", F(fdt_fd), 8, TRUE },
  { "file", "f_path", F(file_path), 16, TRUE },
  { "file", "f_inode", F(file_inode), 8, TRUE },
  { "path", "mnt", F(path_mnt), 8, TRUE },
  { "path", "dentry", F(path_dentry), 8, TRUE },
  { "fs_struct", "root", F(fs_root), 16, TRUE },
  { "fs_struct", "pwd", F(fs_pwd), 16, TRUE },
  { "dentry", "d_parent", F(dentry_parent), 8, TRUE },
  { "dentry", "d_name.len", F(dentry_name_len), 4, TRUE },
  { "dentry", "d_name.name", F(dentry_name), 8, TRUE },
  { "dentry", "d_op", F(dentry_op), 8, TRUE },
  { "dentry", "d_inode", F(dentry_inode), 8, TRUE },
  { "dentry", "d_hash.pprev", F(dentry_hash_pprev), 8, TRUE },
  { "dentry_operations", "d_dname", F(dop_dname), 8, TRUE },
  { "inode", "i_ino", F(inode_ino), 8, TRUE },
  { "mount", "mnt", F(mount_mnt), 0, TRUE },
  { "mount", "mnt_parent", F(mount_parent), 8, TRUE },
  { "mount", "mnt_mountpoint", F(mount_mountpoint), 8, TRUE },
  { "vfsmount", "mnt_root", F(vfsmount_root), 8, TRUE },
};

#undef F

static guint *
field_ptr(GtLinuxOffsets *out, const OffsetSpec *s)
{
  return (guint *) ((char *) out + s->field);
}

/* An enumerator's value as a guint, or G_MAXUINT when unknown. */
static guint
enum_or_unknown(GtKernelBtf *btf, const char *name)
{
  gint64 v;
  return gt_kbtf_enum_value(btf, name, &v, NULL) && v >= 0 && v < G_MAXUINT ? (guint) v
                                                                             : G_MAXUINT;
}

static void
kernel_constants_from_btf(GtKernelBtf *btf, GtLinuxOffsets *o)
{
  if (!gt_kbtf_struct_size(btf, "page", &o->page_struct_size, NULL))
    o->page_struct_size = G_MAXUINT;
  o->pg_uptodate_bit = enum_or_unknown(btf, "PG_uptodate");
  /* Before folios (5.16) the page cache holds struct pages, whose flags
   * and index are the same words. */
  guint off, size;
  if (o->page_flags == G_MAXUINT && gt_kbtf_member_offset(btf, "page", "flags", &off, &size,
                                                          NULL) && size == 8)
    o->page_flags = off;
  if (o->page_index == G_MAXUINT && gt_kbtf_member_offset(btf, "page", "index", &off, &size,
                                                          NULL) && size == 8)
    o->page_index = off;
  o->mt_leaf_64 = enum_or_unknown(btf, "maple_leaf_64");
  o->mt_range_64 = enum_or_unknown(btf, "maple_range_64");
  o->mt_arange_64 = enum_or_unknown(btf, "maple_arange_64");
}

/* Kernel constants never come from a profile. */
static void
kernel_constants_unknown(GtLinuxOffsets *o)
{
  o->page_struct_size = o->pg_uptodate_bit = G_MAXUINT;
  o->mt_leaf_64 = o->mt_range_64 = o->mt_arange_64 = G_MAXUINT;
}

gboolean
gt_linux_offsets_from_btf(GtKernelBtf *btf, GtLinuxOffsets *out, GError **error)
{
  GtLinuxOffsets tmp;
  for (gsize i = 0; i < G_N_ELEMENTS(specs); i++) {
    const OffsetSpec *s = &specs[i];
    guint off = 0, size = 0;
    g_autoptr(GError) local = NULL;
    if (!gt_kbtf_member_offset(btf, s->type, s->member, &off, &size, &local)) {
      if (s->optional && g_error_matches(local, GT_ERROR, GT_ERROR_NOT_FOUND)) {
        *field_ptr(&tmp, s) = G_MAXUINT;
        continue;
      }
      g_propagate_error(error, g_steal_pointer(&local));
      return FALSE;
    }
    if (s->size != 0 && size != s->size) {
      if (s->optional) {
        /* A layout this code does not know: the feature is off. */
        *field_ptr(&tmp, s) = G_MAXUINT;
        continue;
      }
      g_set_error(error, GT_ERROR, GT_ERROR_UNSUPPORTED,
                  "BTF: %s.%s is %u bytes, expected %u", s->type, s->member, size,
                  s->size);
      return FALSE;
    }
    *field_ptr(&tmp, s) = off;
  }
  kernel_constants_from_btf(btf, &tmp);
  *out = tmp;
  return TRUE;
}

/* Parses a decimal or 0x-hex offset below 1 MiB (no struct is bigger). */
static gboolean
parse_offset(const char *text, guint *out)
{
  if (text[0] == '\0' || text[0] == '-' || text[0] == '+')
    return FALSE;
  char *end = NULL;
  errno = 0;
  guint64 v = g_ascii_strtoull(text, &end, 0);
  if (errno != 0 || end == text || *end != '\0' || v >= (1u << 20))
    return FALSE;
  /* strtoull base 0 reads a leading 0 as octal: refuse that ambiguity. */
  if (text[0] == '0' && text[1] != '\0' && text[1] != 'x' && text[1] != 'X')
    return FALSE;
  *out = (guint) v;
  return TRUE;
}

static gboolean
parse_line(const char *path, guint lineno, char *line, GtLinuxOffsets *out,
           gboolean *seen, GError **error)
{
  char *hash = strchr(line, '#');
  if (hash != NULL)
    *hash = '\0';
  g_strstrip(line);
  if (line[0] == '\0')
    return TRUE;
  char *eq = strchr(line, '=');
  if (eq == NULL) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG,
                "%s:%u: expected \"struct.member = offset\"", path, lineno);
    return FALSE;
  }
  *eq = '\0';
  char *key = g_strstrip(line);
  char *value = g_strstrip(eq + 1);
  const OffsetSpec *spec = NULL;
  gsize idx = 0;
  for (gsize i = 0; i < G_N_ELEMENTS(specs); i++) {
    g_autofree char *name = g_strdup_printf("%s.%s", specs[i].type, specs[i].member);
    if (strcmp(name, key) == 0) {
      spec = &specs[i];
      idx = i;
      break;
    }
  }
  if (spec == NULL) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG, "%s:%u: unknown key \"%s\"",
                path, lineno, key);
    return FALSE;
  }
  if (seen[idx]) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG, "%s:%u: duplicate key \"%s\"",
                path, lineno, key);
    return FALSE;
  }
  guint v;
  if (!parse_offset(value, &v)) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG,
                "%s:%u: bad offset \"%s\" for %s (decimal or 0x hex, below 1 MiB)",
                path, lineno, value, key);
    return FALSE;
  }
  seen[idx] = TRUE;
  *field_ptr(out, spec) = v;
  return TRUE;
}

gboolean
gt_linux_offsets_from_profile(const char *path, GtLinuxOffsets *out, GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  g_autoptr(GError) local = NULL;
  if (!g_file_get_contents(path, &text, &len, &local)) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG, "offsets profile: %s",
                local->message);
    return FALSE;
  }
  if (memchr(text, '\0', len) != NULL) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG, "%s: contains NUL bytes", path);
    return FALSE;
  }
  GtLinuxOffsets tmp;
  gboolean seen[G_N_ELEMENTS(specs)] = { FALSE };
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++) {
    if (!parse_line(path, i + 1, lines[i], &tmp, seen, error))
      return FALSE;
  }
  g_autoptr(GString) missing = g_string_new(NULL);
  for (gsize i = 0; i < G_N_ELEMENTS(specs); i++) {
    if (seen[i])
      continue;
    if (specs[i].optional) {
      *field_ptr(&tmp, &specs[i]) = G_MAXUINT;
      continue;
    }
    g_string_append_printf(missing, "%s%s.%s", missing->len ? ", " : "",
                           specs[i].type, specs[i].member);
  }
  if (missing->len > 0) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG, "%s: missing keys: %s", path,
                missing->str);
    return FALSE;
  }
  kernel_constants_unknown(&tmp);
  *out = tmp;
  return TRUE;
}
