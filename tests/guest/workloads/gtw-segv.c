/* gtw-segv: logs a getpid, then dies of SIGSEGV (for do_exit filters that
 * match the signal a process died of). */
#include "wl.h"

int main(int argc, char **argv)
{
  (void)argc;
  wl_init(argv[0]);
  wl_getpid();
  volatile int *nowhere = (volatile int *)0;
  *nowhere = 1;
  return 0;
}
