/* gtw-forkexec PREFIX: fork (clone), the child drops to gid/uid 1000 and
 * execs /bin/gtw-hello PREFIX; the parent waits and logs the status. */
#include "wl.h"

#include <stddef.h>

int main(int argc, char **argv)
{
  wl_init(argv[0]);
  char *prefix = argc > 1 ? argv[1] : "gtw";
  long pid = wl_fork();
  if (pid == 0) {
    /* setgid first: after setuid(1000) the process may not change gid. */
    wl_setgid(1000);
    wl_setuid(1000);
    char *cargv[] = { "gtw-hello", prefix, NULL };
    char *cenv[] = { "PATH=/bin", "HOME=/home/user", NULL };
    wl_execve("/bin/gtw-hello", cargv, cenv);
    wl_exit_group(127);
  }
  if (pid < 0)
    wl_exit_group(1);
  int status = 0;
  wl_wait4((int)pid, &status);
  wl_exit_group(0);
}
