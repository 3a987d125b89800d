/* gtw-block MS: two calls blocked in the kernel at once, then their
 * results: a read on a pipe (parent) and a clock_nanosleep of MS ms
 * (child), after which the child writes "wake" into the pipe, which ends
 * the read. "GTW-BLOCK sleeping" and "GTW-BLOCK reading" on the console say
 * that each is about to block. For the tests of what survives a tracer
 * killed while their returns are redirected. */
#include "wl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void
say(const char *s)
{
  ssize_t r = write(1, s, strlen(s));
  (void)r;
}

static long
logged_clock_nanosleep(long ms)
{
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
  long r = syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &ts, 0L);
  if (r == -1)
    r = -(long)errno;
  char tss[64];
  snprintf(tss, sizeof tss, "{tv_sec=%ld, tv_nsec=%ld}", (long)ts.tv_sec, ts.tv_nsec);
  const wl_arg a[] = { WL_I(CLOCK_MONOTONIC), WL_I(0), WL_S(tss), WL_I(0) };
  wl_log("clock_nanosleep", SYS_clock_nanosleep, 4, a, 1, r, NULL);
  return r;
}

int main(int argc, char **argv)
{
  long ms = argc > 1 ? atol(argv[1]) : 5000;
  wl_init(argv[0]);
  int p[2];
  if (pipe(p) < 0)
    return 1;
  long pid = wl_fork();
  if (pid == 0) {
    say("GTW-BLOCK sleeping\n");
    logged_clock_nanosleep(ms);
    wl_write(p[1], "wake", 4);
    wl_exit_group(0);
  }
  char buf[64];
  say("GTW-BLOCK reading\n");
  long n = wl_read(p[0], buf, sizeof buf);
  int status = 0;
  wl_wait4((int)pid, &status);
  wl_exit_group(n == 4 && memcmp(buf, "wake", 4) == 0 && status == 0 ? 0 : 1);
}
