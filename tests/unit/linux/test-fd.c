/* Tests of descriptor descriptions (gt_linux_fd_describe) on crafted guest
 * memory: a file under a second mount, the root, a deleted file, a socket,
 * a pipe, an eventfd, the working directory, closed and out-of-range
 * descriptors, and loops in the dentry and mount trees (errors, no hang). */
#include <string.h>
#include <guestrace/types.h>
#include "os/linux/linux.h"
#include "fake-guest.h"

#define SOCKFS_DNAME G_GUINT64_CONSTANT(0xffffffff81100000)
#define PIPEFS_DNAME G_GUINT64_CONSTANT(0xffffffff81100100)
#define ANON_DNAME G_GUINT64_CONSTANT(0xffffffff81100200)
#define OTHER_DNAME G_GUINT64_CONSTANT(0xffffffff81100300)

typedef struct {
  FakeGuest *fg;
  GtSymbols *syms;
  GtLinux *lx;
  GtLinuxOffsets off;
  guint64 init_task, init, task, fdarr, fdt, root_mnt, root_dentry, etc;
} World;

static guint64
new_dentry(World *w, const char *name, guint64 parent, guint64 d_op)
{
  guint64 d = fg_alloc(w->fg, 0x80);
  fg_put_u64(w->fg, d + w->off.dentry_parent, parent ? parent : d);
  fg_put_u32(w->fg, d + w->off.dentry_name_len, (guint32) strlen(name));
  fg_put_u64(w->fg, d + w->off.dentry_name, fg_string(w->fg, name));
  fg_put_u64(w->fg, d + w->off.dentry_op, d_op);
  fg_put_u64(w->fg, d + w->off.dentry_hash_pprev, parent ? d + 0x100 : 0);  /* hashed */
  return d;
}

/* A struct mount; returns its vfsmount (embedded at mount_mnt). */
static guint64
new_mount(World *w, guint64 root, guint64 parent_vfs, guint64 mountpoint)
{
  guint64 m = fg_alloc(w->fg, 0x80);
  guint64 vfs = m + w->off.mount_mnt;
  fg_put_u64(w->fg, vfs + w->off.vfsmount_root, root);
  fg_put_u64(w->fg, m + w->off.mount_parent, parent_vfs ? parent_vfs - w->off.mount_mnt : m);
  fg_put_u64(w->fg, m + w->off.mount_mountpoint, mountpoint ? mountpoint : root);
  return vfs;
}

static void
put_path(World *w, guint64 at, guint64 mnt, guint64 dentry)
{
  fg_put_u64(w->fg, at + w->off.path_mnt, mnt);
  fg_put_u64(w->fg, at + w->off.path_dentry, dentry);
}

static void
set_fd(World *w, guint fd, guint64 mnt, guint64 dentry)
{
  guint64 f = fg_alloc(w->fg, 0x40);
  put_path(w, f + w->off.file_path, mnt, dentry);
  fg_put_u64(w->fg, w->fdarr + fd * 8, f);
}

static guint64
pseudo(World *w, const char *name, guint64 dname, guint64 ino, guint64 *mnt)
{
  guint64 ops = fg_alloc(w->fg, 0x80);
  fg_put_u64(w->fg, ops + w->off.dop_dname, dname);
  guint64 fsroot = new_dentry(w, "/", 0, ops);
  *mnt = new_mount(w, fsroot, 0, 0);
  guint64 d = new_dentry(w, name, 0, ops);    /* d_alloc_pseudo: its own parent */
  guint64 inode = fg_alloc(w->fg, 0x80);
  fg_put_u64(w->fg, inode + w->off.inode_ino, ino);
  fg_put_u64(w->fg, d + w->off.dentry_inode, inode);
  return d;
}

static guint64
new_task(World *w, gint32 pid, guint64 fs, guint64 files)
{
  guint64 t = fg_alloc(w->fg, 0x100);
  fg_put_u32(w->fg, t + w->off.task_pid, (guint32) pid);
  fg_put_u32(w->fg, t + w->off.task_tgid, (guint32) pid);
  fg_put_u64(w->fg, t + w->off.task_fs, fs);
  fg_put_u64(w->fg, t + w->off.task_files, files);
  return t;
}

/* / (root mount), /etc/passwd, /mnt is a mount point of a second file
 * system holding /mnt/data/x. fds: 0 /etc/passwd, 1 /mnt/data/x, 2 closed,
 * 3 socket, 4 pipe, 5 eventfd, 6 deleted /etc/gone, 7 /, 8 unknown dname.
 * cwd /etc. */
static void
world_init(World *w)
{
  memset(w, 0, sizeof *w);
  w->fg = fg_new(8);
  w->off = fg_walker_offsets();
  w->root_dentry = new_dentry(w, "/", 0, 0);
  w->root_mnt = new_mount(w, w->root_dentry, 0, 0);
  w->etc = new_dentry(w, "etc", w->root_dentry, 0);
  guint64 passwd = new_dentry(w, "passwd", w->etc, 0);
  guint64 mntdir = new_dentry(w, "mnt", w->root_dentry, 0);
  guint64 fs2root = new_dentry(w, "/", 0, 0);
  guint64 mnt2 = new_mount(w, fs2root, w->root_mnt, mntdir);
  guint64 data = new_dentry(w, "data", fs2root, 0);
  guint64 x = new_dentry(w, "x", data, 0);
  guint64 gone = new_dentry(w, "gone", w->etc, 0);
  fg_put_u64(w->fg, gone + w->off.dentry_hash_pprev, 0);

  guint64 fs = fg_alloc(w->fg, 0x40);
  put_path(w, fs + w->off.fs_root, w->root_mnt, w->root_dentry);
  put_path(w, fs + w->off.fs_pwd, w->root_mnt, w->etc);
  w->fdarr = fg_alloc(w->fg, 16 * 8);
  w->fdt = fg_alloc(w->fg, 0x20);
  fg_put_u32(w->fg, w->fdt + w->off.fdt_max_fds, 16);
  fg_put_u64(w->fg, w->fdt + w->off.fdt_fd, w->fdarr);
  guint64 files = fg_alloc(w->fg, 0x40);
  fg_put_u64(w->fg, files + w->off.files_fdt, w->fdt);

  set_fd(w, 0, w->root_mnt, passwd);
  set_fd(w, 1, mnt2, x);
  guint64 pm;
  guint64 d = pseudo(w, "socket:", SOCKFS_DNAME, 4242, &pm);
  set_fd(w, 3, pm, d);
  d = pseudo(w, "pipe:", PIPEFS_DNAME, 1ULL << 40, &pm);
  set_fd(w, 4, pm, d);
  d = pseudo(w, "[eventfd]", ANON_DNAME, 7, &pm);
  set_fd(w, 5, pm, d);
  set_fd(w, 6, w->root_mnt, gone);
  set_fd(w, 7, w->root_mnt, w->root_dentry);
  d = pseudo(w, "x", OTHER_DNAME, 9, &pm);
  set_fd(w, 8, pm, d);

  w->init_task = new_task(w, 0, 0, 0);
  w->init = new_task(w, 1, fs, files);
  w->task = new_task(w, 100, fs, files);
  guint64 tl[] = { w->init_task, w->init, w->task };
  for (guint i = 0; i < 3; i++) {
    fg_put_u64(w->fg, tl[i] + w->off.task_tasks, tl[(i + 1) % 3] + w->off.task_tasks);
    fg_put_u64(w->fg, tl[i] + w->off.task_tasks + 8, tl[(i + 2) % 3] + w->off.task_tasks);
  }
  g_autofree char *map = g_strdup_printf(
    "%016" G_GINT64_MODIFIER "x D init_task\n0000000000001000 D current_task\n"
    "%016" G_GINT64_MODIFIER "x t sockfs_dname\n%016" G_GINT64_MODIFIER "x t pipefs_dname\n"
    "%016" G_GINT64_MODIFIER "x t anon_inodefs_dname\n%016" G_GINT64_MODIFIER "x t ns_dname\n",
    w->init_task, SOCKFS_DNAME, PIPEFS_DNAME, ANON_DNAME, OTHER_DNAME);
  w->syms = fg_symbols(map);
  w->lx = fg_linux(w->fg, w->syms, &w->off);
}

static void
world_clear(World *w)
{
  fg_linux_free(w->lx, w->syms, w->fg);
}

static void
expect_fd(World *w, gint fd, const char *path, gboolean deleted)
{
  g_autoptr(GString) out = g_string_new(NULL);
  g_autoptr(GError) error = NULL;
  gboolean del = !deleted;
  g_assert_true(gt_linux_fd_describe(w->lx, w->task, fd, out, &del, &error));
  g_assert_no_error(error);
  g_assert_cmpstr(out->str, ==, path);
  g_assert_cmpint(del, ==, deleted);
}

static void
expect_fd_error(World *w, gint fd, gint code)
{
  g_autoptr(GString) out = g_string_new(NULL);
  g_autoptr(GError) error = NULL;
  g_assert_false(gt_linux_fd_describe(w->lx, w->task, fd, out, NULL, &error));
  g_assert_error(error, GT_ERROR, code);
  g_assert_cmpstr(out->str, ==, "");
}

static void
test_describe(void)
{
  World w;
  world_init(&w);
  expect_fd(&w, 0, "/etc/passwd", FALSE);
  expect_fd(&w, 1, "/mnt/data/x", FALSE);
  expect_fd(&w, 3, "socket:[4242]", FALSE);
  expect_fd(&w, 4, "pipe:[1099511627776]", FALSE);
  expect_fd(&w, 5, "anon_inode:[eventfd]", FALSE);
  expect_fd(&w, 6, "/etc/gone", TRUE);
  expect_fd(&w, 7, "/", FALSE);
  expect_fd_error(&w, 2, GT_ERROR_NOT_FOUND);
  expect_fd_error(&w, 16, GT_ERROR_NOT_FOUND);
  expect_fd_error(&w, -1, GT_ERROR_NOT_FOUND);
  expect_fd_error(&w, 8, GT_ERROR_UNSUPPORTED);
  g_autoptr(GString) cwd = g_string_new(NULL);
  g_autoptr(GError) error = NULL;
  g_assert_true(gt_linux_cwd_describe(w.lx, w.task, cwd, NULL, &error));
  g_assert_no_error(error);
  g_assert_cmpstr(cwd->str, ==, "/etc");
  world_clear(&w);
}

static void
test_corrupt(void)
{
  World w;
  world_init(&w);
  /* A dentry loop: etc's parent is passwd, passwd's parent is etc. */
  guint64 f0 = 0, passwd = 0;
  memcpy(&f0, fg_ptr(w.fg, w.fdarr), 8);
  memcpy(&passwd, fg_ptr(w.fg, f0 + w.off.file_path + w.off.path_dentry), 8);
  fg_put_u64(w.fg, w.etc + w.off.dentry_parent, passwd);
  expect_fd_error(&w, 0, GT_ERROR_MEMORY);
  world_clear(&w);

  /* A mount loop: mount 2's mount point is its own root, and it is its
   * parent's child and its parent is a mount whose parent is mount 2. */
  world_init(&w);
  guint64 f1 = 0, mnt2 = 0;
  memcpy(&f1, fg_ptr(w.fg, w.fdarr + 8), 8);
  memcpy(&mnt2, fg_ptr(w.fg, f1 + w.off.file_path + w.off.path_mnt), 8);
  guint64 m2 = mnt2 - w.off.mount_mnt;
  guint64 other_root = 0;
  memcpy(&other_root, fg_ptr(w.fg, mnt2 + w.off.vfsmount_root), 8);
  guint64 m3vfs = new_mount(&w, other_root, mnt2, other_root);
  fg_put_u64(w.fg, m2 + w.off.mount_parent, m3vfs - w.off.mount_mnt);
  fg_put_u64(w.fg, m2 + w.off.mount_mountpoint, other_root);
  expect_fd_error(&w, 1, GT_ERROR_MEMORY);
  /* A name longer than NAME_MAX, a file pointer that is not one, a
   * max_fds beyond the array (the slot read fails cleanly or is 0). */
  fg_put_u32(w.fg, w.etc + w.off.dentry_name_len, 100000);
  expect_fd_error(&w, 0, GT_ERROR_MEMORY);
  fg_put_u64(w.fg, w.fdarr + 7 * 8, 0x1234);
  expect_fd_error(&w, 7, GT_ERROR_MEMORY);
  fg_put_u32(w.fg, w.fdt + w.off.fdt_max_fds, G_MAXUINT32);
  fg_put_u64(w.fg, w.fdt + w.off.fdt_fd, FG_KBASE + 8 * 1024 * 1024 - 64);
  expect_fd_error(&w, 1 << 30, GT_ERROR_MEMORY);
  world_clear(&w);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/linux/fd/describe", test_describe);
  g_test_add_func("/linux/fd/corrupt", test_corrupt);
  return g_test_run();
}
