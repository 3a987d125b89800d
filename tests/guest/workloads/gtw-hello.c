/* gtw-hello PREFIX: exec'd by gtw-forkexec and gtw-demo; logs a getpid and
 * an openat of /tmp/PREFIX-hello (create, as whatever uid it runs with),
 * then exits. */
#include "wl.h"

#include <fcntl.h>
#include <stdio.h>

int main(int argc, char **argv)
{
  wl_init(argv[0]);
  const char *prefix = argc > 1 ? argv[1] : "gtw";
  char path[256];
  snprintf(path, sizeof path, "/tmp/%s-hello", prefix);
  wl_getpid();
  long fd = wl_openat(AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0)
    wl_close((int)fd);
  wl_exit_group(0);
}
