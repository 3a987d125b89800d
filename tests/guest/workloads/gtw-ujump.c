/* gtw-ujump ADDR...: for each kernel address (hex), a child that jumps
 * there from user mode and dies of SIGSEGV, as any process may. Around
 * them, logged getpid calls. Under TCG, QEMU matches a breakpoint at ADDR
 * before the CPU faults on the fetch: a tracer must not take that stop
 * for a call of the kernel function. */
#include "wl.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
  wl_init(argv[0]);
  wl_getpid();
  int bad = 0;
  for (int i = 1; i < argc; i++) {
    unsigned long addr = strtoul(argv[i], NULL, 16);
    long pid = wl_fork();
    if (pid == 0) {
      ((void (*)(void))addr)();
      wl_exit_group(3);   /* not reached */
    }
    int status = 0;
    wl_wait4((int)pid, &status);
    bad |= !(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
  }
  wl_getpid();
  wl_getpid();
  wl_exit_group(bad);
}
