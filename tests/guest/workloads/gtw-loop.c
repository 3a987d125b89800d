/* gtw-loop N [each]: N getppid() calls for benchmarks. By default only a
 * summary line is logged, {"summary":"getppid","count":N,"elapsed_ns":..}
 * (clock_gettime via the vDSO); with "each" every call is logged. */
#include "wl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
  wl_init(argv[0]);
  long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
  int each = argc > 2 && strcmp(argv[2], "each") == 0;
  long long t0 = now_ns();
  for (long i = 0; i < n; i++) {
    if (each)
      wl_getppid();
    else
      syscall(SYS_getppid);
  }
  long long dt = now_ns() - t0;
  /* A summary, not a call: no "syscall"/"args" members, so consumers that
   * compare calls skip it. */
  char j[256];
  snprintf(j, sizeof j, "{\"pid\":%d,\"comm\":\"gtw-loop\",\"summary\":\"getppid\","
           "\"nr\":%d,\"count\":%ld,\"elapsed_ns\":%lld,\"ns_per_call\":%lld}",
           wl_pid(), SYS_getppid, n, dt, n > 0 ? dt / n : 0);
  wl_emit("GTWL", j);
  wl_exit_group(0);
}
