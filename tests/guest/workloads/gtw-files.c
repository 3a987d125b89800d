/* gtw-files PREFIX: file calls with known results for e2e tests: create and
 * write /tmp/PREFIX-a, read it back, fail to open /tmp/PREFIX-missing
 * (-ENOENT), getpid, unlink. Every call is logged by wl.c. */
#include "wl.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
  wl_init(argv[0]);
  const char *prefix = argc > 1 ? argv[1] : "gtw";
  char path[256], missing[256], buf[64];
  static const char data[] = "hello from gtw-files\n";
  snprintf(path, sizeof path, "/tmp/%s-a", prefix);
  snprintf(missing, sizeof missing, "/tmp/%s-missing", prefix);

  long fd = wl_openat(AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    wl_write((int)fd, data, strlen(data));
    wl_close((int)fd);
  }
  fd = wl_openat(AT_FDCWD, path, O_RDONLY, 0);
  if (fd >= 0) {
    wl_read((int)fd, buf, sizeof buf);
    wl_close((int)fd);
  }
  wl_openat(AT_FDCWD, missing, O_RDONLY, 0);
  wl_getpid();
  wl_unlink(path);
  wl_exit_group(0);
}
