/* Serves guest-physical reads and writes from host memory: a memcpy from
 * the mapped RAM file, or a pread/pwrite on /proc/PID/mem, instead of a gdb
 * round trip. */
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
  guint8 *base;        /* mapped file, or NULL */
  guint64 map_size;
  int fd;              /* /proc/PID/mem, or -1 */
  GArray *ranges;      /* GtQemuRamRange, sorted by gpa */
  guint64 size;        /* bytes of RAM in all ranges */
  guint64 lowmem;
};

static GtQemuRam *
ram_new(void)
{
  GtQemuRam *ram = g_new0(GtQemuRam, 1);
  ram->fd = -1;
  ram->ranges = g_array_new(FALSE, FALSE, sizeof(GtQemuRamRange));
  return ram;
}

static void
add_range(GtQemuRam *ram, guint64 gpa, guint64 size, guint64 host)
{
  GtQemuRamRange r = { gpa, size, host };
  if (size == 0)
    return;
  g_array_append_val(ram->ranges, r);
  ram->size += size;
  if (gpa < FOUR_GIB)
    ram->lowmem = MAX(ram->lowmem, MIN(gpa + size, FOUR_GIB));
}

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
  GtQemuRam *ram = ram_new();
  ram->base = base;
  ram->map_size = size;
  if (lowmem == 0)
    lowmem = size >= G_GUINT64_CONSTANT(0xe0000000) ? G_GUINT64_CONSTANT(0xc0000000) : size;
  lowmem = MIN(MIN(lowmem, size), FOUR_GIB);
  add_range(ram, 0, lowmem, 0);
  add_range(ram, FOUR_GIB, size - lowmem, lowmem);
  return ram;
}

GtQemuRam *
gt_qemu_ram_open_process(pid_t pid, const GtQemuRamRange *ranges, guint n, GError **error)
{
  g_autofree char *path = g_strdup_printf("/proc/%d/mem", (int)pid);
  int fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    g_set_error(error, GT_ERROR, GT_ERROR_CONNECT, "cannot open %s (QEMU's memory): %s",
                path, g_strerror(errno));
    return NULL;
  }
  GtQemuRam *ram = ram_new();
  ram->fd = fd;
  for (guint i = 0; i < n; i++)
    add_range(ram, ranges[i].gpa, ranges[i].size, ranges[i].host);
  return ram;
}

void
gt_qemu_ram_free(GtQemuRam *ram)
{
  if (!ram)
    return;
  if (ram->base)
    munmap(ram->base, (size_t)ram->map_size);
  if (ram->fd >= 0)
    close(ram->fd);
  g_array_unref(ram->ranges);
  g_free(ram);
}

guint64 gt_qemu_ram_size(const GtQemuRam *ram) { return ram->size; }
guint64 gt_qemu_ram_lowmem(const GtQemuRam *ram) { return ram->lowmem; }
guint gt_qemu_ram_n_ranges(const GtQemuRam *ram) { return ram->ranges->len; }

const GtQemuRamRange *
gt_qemu_ram_range(const GtQemuRam *ram, guint i)
{
  return &g_array_index(ram->ranges, GtQemuRamRange, i);
}

/* The range holding pa, or NULL. */
static const GtQemuRamRange *
find_range(const GtQemuRam *ram, guint64 pa)
{
  for (guint i = 0; i < ram->ranges->len; i++) {
    const GtQemuRamRange *r = gt_qemu_ram_range(ram, i);
    if (pa >= r->gpa && pa - r->gpa < r->size)
      return r;
  }
  return NULL;
}

static gboolean
host_io(GtQemuRam *ram, guint64 host, guint8 *buf, gsize n, gboolean write, GError **error)
{
  if (ram->base) {
    if (write)
      memcpy(ram->base + host, buf, n);
    else
      memcpy(buf, ram->base + host, n);
    return TRUE;
  }
  while (n > 0) {
    ssize_t r = write ? pwrite(ram->fd, buf, n, (off_t)host)
                      : pread(ram->fd, buf, n, (off_t)host);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0) {
      g_set_error(error, GT_ERROR, GT_ERROR_MEMORY, "QEMU memory at 0x%" G_GINT64_MODIFIER
                  "x: %s", host, r < 0 ? g_strerror(errno) : "short access");
      return FALSE;
    }
    buf += r;
    host += (guint64)r;
    n -= (gsize)r;
  }
  return TRUE;
}

static gboolean
access_ram(GtQemuRam *ram, guint64 pa, guint8 *buf, gsize len, gboolean write, GError **error)
{
  if (len > G_MAXUINT64 - pa) {
    g_set_error(error, GT_ERROR, GT_ERROR_MEMORY, "guest-physical range wraps around");
    return FALSE;
  }
  guint64 start = pa;
  do {
    const GtQemuRamRange *r = find_range(ram, pa);
    if (!r) {
      g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
                  "guest-physical 0x%" G_GINT64_MODIFIER "x+%" G_GSIZE_FORMAT " is not RAM",
                  start, len);
      return FALSE;
    }
    gsize n = (gsize)MIN((guint64)len, r->size - (pa - r->gpa));
    if (!host_io(ram, r->host + (pa - r->gpa), buf, n, write, error))
      return FALSE;
    buf += n;
    pa += n;
    len -= n;
  } while (len > 0);
  return TRUE;
}

gboolean
gt_qemu_ram_read(GtQemuRam *ram, guint64 pa, void *buf, gsize len, GError **error)
{
  return access_ram(ram, pa, buf, len, FALSE, error);
}

gboolean
gt_qemu_ram_write(GtQemuRam *ram, guint64 pa, const void *buf, gsize len, GError **error)
{
  return access_ram(ram, pa, (guint8 *)buf, len, TRUE, error);
}
