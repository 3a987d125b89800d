/* Serves guest-physical reads and writes from QEMU's RAM file: a memcpy
 * instead of a gdb round trip. Every address is range-checked with
 * overflow-safe arithmetic before it touches the mapping. */
#include "driver/qemu/qemu-ram.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <guestrace/types.h>

#define FOUR_GIB G_GUINT64_CONSTANT(0x100000000)

struct GtQemuRam {
  guint8 *base;
  guint64 size;
  guint64 lowmem;
};

GtQemuRam *
gt_qemu_ram_open(const char *path, guint64 lowmem, GError **error)
{
  int fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    g_set_error(error, GT_ERROR, GT_ERROR_CONNECT, "cannot open guest RAM file %s: %s",
                path, g_strerror(errno));
    return NULL;
  }
  struct stat st;
  if (fstat(fd, &st) < 0 || st.st_size <= 0) {
    g_set_error(error, GT_ERROR, GT_ERROR_CONNECT, "guest RAM file %s is empty or unreadable",
                path);
    close(fd);
    return NULL;
  }
  guint64 size = (guint64)st.st_size;
  if (size > G_MAXSIZE) {
    g_set_error(error, GT_ERROR, GT_ERROR_UNSUPPORTED, "guest RAM file too large");
    close(fd);
    return NULL;
  }
  void *base = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  int saved = errno;
  close(fd);
  if (base == MAP_FAILED) {
    g_set_error(error, GT_ERROR, GT_ERROR_CONNECT, "cannot map guest RAM file %s: %s",
                path, g_strerror(saved));
    return NULL;
  }
  GtQemuRam *ram = g_new0(GtQemuRam, 1);
  ram->base = base;
  ram->size = size;
  if (lowmem == 0)
    lowmem = size >= G_GUINT64_CONSTANT(0xe0000000) ? G_GUINT64_CONSTANT(0xc0000000) : size;
  ram->lowmem = MIN(MIN(lowmem, size), FOUR_GIB);
  return ram;
}

void
gt_qemu_ram_free(GtQemuRam *ram)
{
  if (!ram)
    return;
  munmap(ram->base, (size_t)ram->size);
  g_free(ram);
}

guint64 gt_qemu_ram_size(const GtQemuRam *ram) { return ram->size; }
guint64 gt_qemu_ram_lowmem(const GtQemuRam *ram) { return ram->lowmem; }

guint8 *
gt_qemu_ram_ptr(GtQemuRam *ram, guint64 pa, gsize len)
{
  guint64 off;
  if (len == 0)
    len = 1;  /* even an empty access must name a RAM address */
  if (pa < ram->lowmem) {
    if (len > ram->lowmem - pa)
      return NULL;
    off = pa;
  } else if (pa >= FOUR_GIB) {
    guint64 high = ram->size - ram->lowmem;
    guint64 rel = pa - FOUR_GIB;
    if (rel >= high || len > high - rel)
      return NULL;
    off = ram->lowmem + rel;
  } else {
    return NULL;  /* the PCI hole */
  }
  return ram->base + off;
}

/* The mapped bytes of [pa, pa+len), or NULL with an error. */
static guint8 *
ram_range(GtQemuRam *ram, guint64 pa, gsize len, GError **error)
{
  guint8 *p = gt_qemu_ram_ptr(ram, pa, len);
  if (!p)
    g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
                "guest-physical 0x%" G_GINT64_MODIFIER "x+%" G_GSIZE_FORMAT " is not RAM", pa,
                len);
  return p;
}

gboolean
gt_qemu_ram_read(GtQemuRam *ram, guint64 pa, void *buf, gsize len, GError **error)
{
  guint8 *p = ram_range(ram, pa, len, error);
  if (p)
    memcpy(buf, p, len);
  return p != NULL;
}

gboolean
gt_qemu_ram_write(GtQemuRam *ram, guint64 pa, const void *buf, gsize len, GError **error)
{
  guint8 *p = ram_range(ram, pa, len, error);
  if (p)
    memcpy(p, buf, len);
  return p != NULL;
}
