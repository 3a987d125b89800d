/* Unit tests of the RAM-file memory map: low RAM, the PCI hole, RAM above
 * 4 GiB, bounds and overflow. */
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include <guestrace/types.h>

#include "driver/qemu/qemu-ram.h"

#define FILE_SIZE 0x5000
#define FOUR_G G_GUINT64_CONSTANT(0x100000000)

static char *
make_file(void)
{
  g_autoptr(GError) err = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp("gt-ram-XXXXXX", &path, &err);
  g_assert_no_error(err);
  guint8 buf[FILE_SIZE];
  for (guint i = 0; i < FILE_SIZE; i++)
    buf[i] = (guint8)(i / 0x1000 * 0x10 + (i & 0xf));  /* page n: 0xn0.. */
  g_assert_cmpint(write(fd, buf, sizeof buf), ==, sizeof buf);
  close(fd);
  return path;
}

static void
test_split(void)
{
  g_autofree char *path = make_file();
  g_autoptr(GError) err = NULL;
  g_autoptr(GtQemuRam) ram = gt_qemu_ram_open(path, 0x3000, &err);
  g_assert_no_error(err);
  g_assert_cmphex(gt_qemu_ram_lowmem(ram), ==, 0x3000);
  guint8 b[4];
  /* Below lowmem: file offset = address. */
  g_assert_true(gt_qemu_ram_read(ram, 0x2001, b, 2, &err));
  g_assert_cmphex(b[0], ==, 0x21);
  /* The end of low RAM, and one byte across it. */
  g_assert_true(gt_qemu_ram_read(ram, 0x2ffe, b, 2, &err));
  g_assert_false(gt_qemu_ram_read(ram, 0x2fff, b, 2, &err));
  g_assert_error(err, GT_ERROR, GT_ERROR_MEMORY);
  g_clear_error(&err);
  /* The hole between lowmem and 4 GiB. */
  g_assert_false(gt_qemu_ram_read(ram, 0x3000, b, 1, &err));
  g_clear_error(&err);
  g_assert_false(gt_qemu_ram_read(ram, FOUR_G - 1, b, 1, &err));
  g_clear_error(&err);
  /* 4 GiB maps to file offset lowmem. */
  g_assert_true(gt_qemu_ram_read(ram, FOUR_G + 2, b, 1, &err));
  g_assert_cmphex(b[0], ==, 0x32);
  g_assert_true(gt_qemu_ram_read(ram, FOUR_G + 0x1fff, b, 1, &err));
  g_assert_cmphex(b[0], ==, 0x4f);
  g_assert_false(gt_qemu_ram_read(ram, FOUR_G + 0x1fff, b, 2, &err));
  g_clear_error(&err);
  g_assert_false(gt_qemu_ram_read(ram, FOUR_G + 0x2000, b, 1, &err));
  g_clear_error(&err);
  /* Overflow-prone addresses. */
  g_assert_false(gt_qemu_ram_read(ram, G_MAXUINT64 - 1, b, 4, &err));
  g_clear_error(&err);
  g_assert_false(gt_qemu_ram_read(ram, 0x10, b, G_MAXSIZE, &err));
  g_clear_error(&err);
  /* Writes land in the file. */
  guint8 w = 0xee;
  g_assert_true(gt_qemu_ram_write(ram, FOUR_G, &w, 1, &err));
  g_assert_false(gt_qemu_ram_write(ram, 0x3000, &w, 1, &err));
  g_clear_error(&err);
  g_autofree char *contents = NULL;
  gsize len;
  g_assert_true(g_file_get_contents(path, &contents, &len, NULL));
  g_assert_cmphex((guint8)contents[0x3000], ==, 0xee);
  g_unlink(path);
}

static void
test_default_lowmem(void)
{
  g_autofree char *path = make_file();
  g_autoptr(GError) err = NULL;
  g_autoptr(GtQemuRam) ram = gt_qemu_ram_open(path, 0, &err);
  g_assert_no_error(err);
  /* A small guest has all its RAM below 4 GiB. */
  g_assert_cmphex(gt_qemu_ram_lowmem(ram), ==, FILE_SIZE);
  guint8 b;
  g_assert_true(gt_qemu_ram_read(ram, FILE_SIZE - 1, &b, 1, &err));
  g_assert_false(gt_qemu_ram_read(ram, FOUR_G, &b, 1, &err));
  g_clear_error(&err);
  g_unlink(path);
  g_assert_null(gt_qemu_ram_open("/nonexistent/ram", 0, &err));
  g_assert_error(err, GT_ERROR, GT_ERROR_CONNECT);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/qemu-ram/split", test_split);
  g_test_add_func("/qemu-ram/default-lowmem", test_default_lowmem);
  return g_test_run();
}
