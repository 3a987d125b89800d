/* gtw-crowd IDLE DEPTH CALLS: a guest crowded on purpose, for bench-stops:
 * IDLE processes that only wait, and a chain of DEPTH processes each the
 * child of the previous; the deepest makes CALLS openat calls (a missing
 * file), so that every traced call has thousands of tasks around it and
 * DEPTH ancestors above it. Prints "GTCROWD ready" when all are up and
 * "GTCROWD done" when the chain has ended and the idle ones are gone. */
#include "wl.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void
say(const char *s)
{
  if (write(1, s, strlen(s)) < 0)
    _exit(3);
}

/* Each level forks the next and waits for it; the deepest calls. */
static void __attribute__((noreturn))
chain(int depth, int calls)
{
  for (int d = depth; d > 0; d--) {
    pid_t c = fork();
    if (c < 0)
      _exit(2);
    if (c > 0) {
      int st;
      waitpid(c, &st, 0);
      _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 1);
    }
  }
  say("GTCROWD ready\n");
  for (int i = 0; i < calls; i++)
    syscall(SYS_openat, AT_FDCWD, "/nonexistent-crowd", O_RDONLY, 0);
  _exit(0);
}

int main(int argc, char **argv)
{
  int idle = argc > 1 ? atoi(argv[1]) : 2000;
  int depth = argc > 2 ? atoi(argv[2]) : 500;
  int calls = argc > 3 ? atoi(argv[3]) : 200;
  pid_t *kids = calloc((size_t)idle, sizeof *kids);
  int made = 0;
  for (; made < idle; made++) {
    pid_t k = fork();
    if (k < 0)
      break;
    if (k == 0) {
      for (;;)
        pause();
    }
    kids[made] = k;
  }
  pid_t c = fork();
  if (c == 0)
    chain(depth, calls);
  int st = 0;
  waitpid(c, &st, 0);
  for (int i = 0; i < made; i++)
    kill(kids[i], SIGKILL);
  for (int i = 0; i < made; i++)
    waitpid(kids[i], NULL, 0);
  printf("GTCROWD done idle=%d depth=%d calls=%d rc=%d\n", made, depth, calls,
         WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  return 0;
}
