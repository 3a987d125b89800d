/* gtw-demo [PREFIX]: a small mixed workload for the README demo, a few
 * seconds long: reads /etc files, a failing open, a fork+exec of gtw-hello,
 * with pauses in between. */
#include "wl.h"

#include <fcntl.h>
#include <stdio.h>

static void cat_file(const char *path)
{
  char buf[256];
  long fd = wl_openat(AT_FDCWD, path, O_RDONLY, 0);
  if (fd < 0)
    return;
  wl_read((int)fd, buf, sizeof buf);
  wl_close((int)fd);
}

int main(int argc, char **argv)
{
  wl_init(argv[0]);
  char *prefix = argc > 1 ? argv[1] : "demo";
  for (int round = 0; round < 3; round++) {
    cat_file("/etc/passwd");
    cat_file("/etc/hostname");
    wl_openat(AT_FDCWD, "/etc/shadow", O_RDONLY, 0);   /* -ENOENT */
    wl_nanosleep_ms(500);
  }
  long pid = wl_fork();
  if (pid == 0) {
    char *cargv[] = { "gtw-hello", prefix, NULL };
    char *cenv[] = { "PATH=/bin", NULL };
    wl_execve("/bin/gtw-hello", cargv, cenv);
    wl_exit_group(127);
  }
  if (pid > 0)
    wl_wait4((int)pid, NULL);
  wl_nanosleep_ms(500);
  cat_file("/etc/group");
  wl_exit_group(0);
}
