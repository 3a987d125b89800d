/* What a file descriptor is, from the guest's own file table: the path
 * /proc/PID/fd/N would show (fs/d_path.c: d_path, prepend_path), or the
 * name a pseudo file system gives its files (d_op->d_dname: sockets,
 * pipes, anonymous inodes).
 *
 * Paths are resolved against pid 1's root (fs->root), like a tracer
 * running as root in the guest's initial namespace reads /proc: a chrooted
 * process's paths are shown from the real root. Every walk is bounded
 * (PATH_MAX bytes, a fixed number of steps counting mount hops) and reads
 * only through the kernel's page tables. */
#include <string.h>
#include <guestrace/types.h>
#include "os/linux/linux-private.h"

/* include/uapi/linux/limits.h */
#define PATH_MAX 4096
#define NAME_MAX 255
/* Steps of the climb (components plus mount hops): a path of PATH_MAX bytes
 * has at most PATH_MAX / 2 components; mount hops are bounded the same. */
#define MAX_STEPS PATH_MAX

typedef struct {
  guint64 mnt, dentry;     /* struct vfsmount *, struct dentry * */
} KPath;

gboolean
gt_linux_has_fds(GtLinux *lx)
{
  const GtLinuxOffsets *o = &lx->off;
  const guint need[] = {
    o->task_files, o->task_fs, o->files_fdt, o->fdt_max_fds, o->fdt_fd, o->file_path,
    o->path_mnt, o->path_dentry, o->fs_root, o->fs_pwd, o->dentry_parent,
    o->dentry_name_len, o->dentry_name, o->dentry_op, o->dentry_inode,
    o->dentry_hash_pprev, o->dop_dname, o->inode_ino, o->mount_mnt, o->mount_parent,
    o->mount_mountpoint, o->vfsmount_root,
  };
  for (gsize i = 0; i < G_N_ELEMENTS(need); i++)
    if (need[i] == G_MAXUINT)
      return FALSE;
  return TRUE;
}

static gboolean
read_kptr(GtLinux *lx, guint64 va, const char *what, guint64 *out, GError **error)
{
  return gt_linux_read_kptr(lx, va, what, out, error);
}

static gboolean
read_path(GtLinux *lx, guint64 va, KPath *p, GError **error)
{
  return read_kptr(lx, va + lx->off.path_mnt, "path.mnt", &p->mnt, error) &&
         read_kptr(lx, va + lx->off.path_dentry, "path.dentry", &p->dentry, error);
}

/* Appends dentry's name (d_name), at most NAME_MAX bytes. */
static gboolean
append_name(GtLinux *lx, guint64 dentry, GString *out, GError **error)
{
  guint32 len;
  guint64 name;
  if (!gt_mem_read_u32(lx->mem, lx->kcr3, dentry + lx->off.dentry_name_len, &len, error) ||
      !read_kptr(lx, dentry + lx->off.dentry_name, "d_name.name", &name, error))
    return FALSE;
  if (len > NAME_MAX) {
    g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
                "dentry 0x%" G_GINT64_MODIFIER "x: name of %u bytes", dentry, len);
    return FALSE;
  }
  char buf[NAME_MAX];
  if (!gt_mem_read(lx->mem, lx->kcr3, name, buf, len, error))
    return FALSE;
  g_string_append_len(out, buf, len);
  return TRUE;
}

static gboolean
too_long(GError **error)
{
  g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
              "path longer than %d bytes or %d steps (a loop in the dentry or mount "
              "tree?)", PATH_MAX, MAX_STEPS);
  return FALSE;
}

/* prepend_path(): components are collected leaf first, then reversed. */
static gboolean
climb(GtLinux *lx, KPath p, const KPath *root, GPtrArray *parts, GError **error)
{
  const GtLinuxOffsets *o = &lx->off;
  guint64 mount = p.mnt - o->mount_mnt;
  gsize total = 0;
  for (guint step = 0; !(p.dentry == root->dentry && p.mnt == root->mnt); step++) {
    guint64 parent, mnt_root;
    if (step >= MAX_STEPS)
      return too_long(error);
    if (!read_kptr(lx, p.dentry + o->dentry_parent, "d_parent", &parent, error) ||
        !read_kptr(lx, p.mnt + o->vfsmount_root, "mnt_root", &mnt_root, error))
      return FALSE;
    if (p.dentry == mnt_root) {
      guint64 up;
      if (!read_kptr(lx, mount + o->mount_parent, "mnt_parent", &up, error))
        return FALSE;
      if (up == mount)
        break;                 /* the global root: not under pid 1's root */
      if (!read_kptr(lx, mount + o->mount_mountpoint, "mnt_mountpoint", &p.dentry, error))
        return FALSE;
      mount = up;
      p.mnt = up + o->mount_mnt;
      continue;
    }
    if (parent == p.dentry)
      break;                   /* escaped its mount: what the kernel gives */
    GString *name = g_string_new(NULL);
    g_ptr_array_add(parts, name);
    if (!append_name(lx, p.dentry, name, error))
      return FALSE;
    total += name->len + 1;
    if (total > PATH_MAX)
      return too_long(error);
    p.dentry = parent;
  }
  return TRUE;
}

static gboolean
is_unlinked(GtLinux *lx, guint64 dentry, gboolean *unlinked, GError **error)
{
  guint64 pprev, parent;
  if (!gt_mem_read_u64(lx->mem, lx->kcr3, dentry + lx->off.dentry_hash_pprev, &pprev,
                       error) ||
      !read_kptr(lx, dentry + lx->off.dentry_parent, "d_parent", &parent, error))
    return FALSE;
  *unlinked = pprev == 0 && parent != dentry;    /* d_unlinked() */
  return TRUE;
}

static void
free_gstring(gpointer s)
{
  g_string_free(s, TRUE);
}

static gboolean
path_of(GtLinux *lx, KPath p, const KPath *root, GString *out, gboolean *deleted,
        GError **error)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func(free_gstring);
  if (!climb(lx, p, root, parts, error) || !is_unlinked(lx, p.dentry, deleted, error))
    return FALSE;
  if (parts->len == 0)
    g_string_append_c(out, '/');
  for (guint i = parts->len; i-- > 0;) {
    g_string_append_c(out, '/');
    g_string_append(out, ((GString *) parts->pdata[i])->str);
  }
  return TRUE;
}

/* The name formats of d_dname functions, by the function's symbol. */
typedef enum { DNAME_SOCKET, DNAME_PIPE, DNAME_ANON, DNAME_SIMPLE } DnameKind;

static const struct {
  const char *symbol;
  DnameKind kind;
} dname_funcs[] = {
  { "sockfs_dname", DNAME_SOCKET },        /* net/socket.c: "socket:[%lu]" */
  { "pipefs_dname", DNAME_PIPE },          /* fs/pipe.c: "pipe:[%lu]" */
  { "anon_inodefs_dname", DNAME_ANON },    /* fs/anon_inodes.c: "anon_inode:%s" */
  { "simple_dname", DNAME_SIMPLE },        /* fs/d_path.c: "/name (deleted)" */
};

static gboolean
append_ino(GtLinux *lx, guint64 dentry, GString *out, GError **error)
{
  guint64 inode, ino;
  if (!read_kptr(lx, dentry + lx->off.dentry_inode, "d_inode", &inode, error) ||
      !gt_mem_read_u64(lx->mem, lx->kcr3, inode + lx->off.inode_ino, &ino, error))
    return FALSE;
  g_string_append_printf(out, "[%" G_GUINT64_FORMAT "]", ino);
  return TRUE;
}

static gboolean
dname(GtLinux *lx, guint64 func, guint64 dentry, GString *out, gboolean *deleted,
      GError **error)
{
  for (gsize i = 0; i < G_N_ELEMENTS(dname_funcs); i++) {
    guint64 addr;
    if (!gt_symbols_lookup(lx->syms, dname_funcs[i].symbol, &addr) || addr != func)
      continue;
    switch (dname_funcs[i].kind) {
    case DNAME_SOCKET:
      g_string_append(out, "socket:");
      return append_ino(lx, dentry, out, error);
    case DNAME_PIPE:
      g_string_append(out, "pipe:");
      return append_ino(lx, dentry, out, error);
    case DNAME_ANON:
      g_string_append(out, "anon_inode:");
      return append_name(lx, dentry, out, error);
    case DNAME_SIMPLE:
      /* Files of internal mounts: their name under the mount's root. */
      g_string_append_c(out, '/');
      *deleted = TRUE;
      return append_name(lx, dentry, out, error);
    }
  }
  const char *name = gt_symbols_name_at(lx->syms, func, NULL);
  g_set_error(error, GT_ERROR, GT_ERROR_UNSUPPORTED,
              "dentry 0x%" G_GINT64_MODIFIER "x is named by %s, a format not known here",
              dentry, name ? name : "an unknown function");
  return FALSE;
}

/* d_path(): a d_dname name when the dentry's operations have one (except
 * for the root of its own mount), else the path climbed to root. */
static gboolean
d_path(GtLinux *lx, KPath p, const KPath *root, GString *out, gboolean *deleted,
       GError **error)
{
  const GtLinuxOffsets *o = &lx->off;
  guint64 d_op = 0, func = 0, parent, mnt_root;
  *deleted = FALSE;
  if (!gt_mem_read_u64(lx->mem, lx->kcr3, p.dentry + o->dentry_op, &d_op, error))
    return FALSE;
  if (d_op != 0 && !gt_linux_is_kernel_addr(d_op)) {
    g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
                "dentry 0x%" G_GINT64_MODIFIER "x: d_op is not a kernel pointer", p.dentry);
    return FALSE;
  }
  if (d_op != 0 && !gt_mem_read_u64(lx->mem, lx->kcr3, d_op + o->dop_dname, &func, error))
    return FALSE;
  if (func != 0) {
    if (!read_kptr(lx, p.dentry + o->dentry_parent, "d_parent", &parent, error) ||
        !read_kptr(lx, p.mnt + o->vfsmount_root, "mnt_root", &mnt_root, error))
      return FALSE;
    if (parent != p.dentry || p.dentry != mnt_root)
      return dname(lx, func, p.dentry, out, deleted, error);
  }
  return path_of(lx, p, root, out, deleted, error);
}

/* pid 1's task, remembered and checked again at each use. */
static gboolean
init_process(GtLinux *lx, guint64 *task, GError **error)
{
  guint32 tgid = 0;
  if (lx->init_process != 0 &&
      gt_mem_read_u32(lx->mem, lx->kcr3, lx->init_process + lx->off.task_tgid, &tgid,
                      NULL) && tgid == 1) {
    *task = lx->init_process;
    return TRUE;
  }
  if (!gt_linux_find_process(lx, 1, task, error))
    return FALSE;
  lx->init_process = *task;
  return TRUE;
}

/* task->fs->root or ->pwd (fs_off). */
static gboolean
fs_path(GtLinux *lx, guint64 task, guint fs_off, KPath *p, GError **error)
{
  guint64 fs;
  return read_kptr(lx, task + lx->off.task_fs, "task->fs", &fs, error) &&
         read_path(lx, fs + fs_off, p, error);
}

static gboolean
describe(GtLinux *lx, KPath p, GString *out, gboolean *deleted, GError **error)
{
  guint64 init;
  KPath root;
  if (!init_process(lx, &init, error) || !fs_path(lx, init, lx->off.fs_root, &root, error))
    return FALSE;
  g_autoptr(GString) tmp = g_string_new(NULL);
  gboolean del = FALSE;
  if (!d_path(lx, p, &root, tmp, &del, error))
    return FALSE;
  g_string_append_len(out, tmp->str, tmp->len);
  if (deleted != NULL)
    *deleted = del;
  return TRUE;
}

static gboolean
unsupported(GError **error)
{
  g_set_error_literal(error, GT_ERROR, GT_ERROR_UNSUPPORTED,
                      "this kernel's file-table layout is not known from its BTF");
  return FALSE;
}

/* files->fdt->fd[fd], with fd checked against max_fds; the fdt is read
 * again after the slot and must not have changed (it is replaced, under
 * RCU, when the table grows). */
static gboolean
fd_file(GtLinux *lx, guint64 task, gint fd, guint64 *file, GError **error)
{
  const GtLinuxOffsets *o = &lx->off;
  guint64 files, fdt, again, arr;
  guint32 max_fds;
  if (!read_kptr(lx, task + o->task_files, "task->files", &files, error) ||
      !read_kptr(lx, files + o->files_fdt, "files->fdt", &fdt, error) ||
      !gt_mem_read_u32(lx->mem, lx->kcr3, fdt + o->fdt_max_fds, &max_fds, error))
    return FALSE;
  if (fd < 0 || (guint32) fd >= max_fds) {
    g_set_error(error, GT_ERROR, GT_ERROR_NOT_FOUND, "descriptor %d is not open", fd);
    return FALSE;
  }
  if (!read_kptr(lx, fdt + o->fdt_fd, "fdt->fd", &arr, error) ||
      !gt_mem_read_u64(lx->mem, lx->kcr3, arr + (guint64) fd * 8, file, error) ||
      !read_kptr(lx, files + o->files_fdt, "files->fdt", &again, error))
    return FALSE;
  if (again != fdt) {
    g_set_error_literal(error, GT_ERROR, GT_ERROR_MEMORY, "the file table changed");
    return FALSE;
  }
  if (*file == 0) {
    g_set_error(error, GT_ERROR, GT_ERROR_NOT_FOUND, "descriptor %d is not open", fd);
    return FALSE;
  }
  if (!gt_linux_is_kernel_addr(*file) || (*file & 7) != 0) {
    g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
                "descriptor %d: 0x%" G_GINT64_MODIFIER "x is not a struct file", fd, *file);
    return FALSE;
  }
  return TRUE;
}

gboolean
gt_linux_fd_describe(GtLinux *lx, guint64 task, gint fd, GString *out, gboolean *deleted,
                     GError **error)
{
  if (!gt_linux_has_fds(lx))
    return unsupported(error);
  guint64 file;
  KPath p;
  return fd_file(lx, task, fd, &file, error) &&
         read_path(lx, file + lx->off.file_path, &p, error) &&
         describe(lx, p, out, deleted, error);
}

gboolean
gt_linux_cwd_describe(GtLinux *lx, guint64 task, GString *out, gboolean *deleted,
                      GError **error)
{
  if (!gt_linux_has_fds(lx))
    return unsupported(error);
  KPath p;
  return fs_path(lx, task, lx->off.fs_pwd, &p, error) && describe(lx, p, out, deleted, error);
}
