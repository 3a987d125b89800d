/* gtw-thread PREFIX: two threads on two CPUs (main pinned to CPU 0, the
 * second to CPU 1), each opening, reading and closing its own file a few
 * times; the log lines carry each thread's tid. pthread_create's own calls
 * (mmap, clone3, futex...) are libc's and are not logged. */
#include "wl.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define ROUNDS 5

static char g_paths[2][256];

static void rounds(int idx)
{
  char buf[64];
  for (int i = 0; i < ROUNDS; i++) {
    long fd = wl_openat(AT_FDCWD, g_paths[idx], O_RDONLY, 0);
    if (fd >= 0) {
      wl_read((int)fd, buf, sizeof buf);
      wl_close((int)fd);
    }
  }
}

static void *second(void *arg)
{
  (void)arg;
  wl_gettid();
  wl_sched_setaffinity(0, 1UL << 1);
  rounds(1);
  return NULL;
}

int main(int argc, char **argv)
{
  wl_init(argv[0]);
  const char *prefix = argc > 1 ? argv[1] : "gtw";
  for (int i = 0; i < 2; i++) {
    char data[64];
    snprintf(g_paths[i], sizeof g_paths[i], "/tmp/%s-t%d", prefix, i);
    snprintf(data, sizeof data, "thread %d data\n", i);
    long fd = wl_openat(AT_FDCWD, g_paths[i], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      wl_write((int)fd, data, strlen(data));
      wl_close((int)fd);
    }
  }
  wl_sched_setaffinity(0, 1UL << 0);
  pthread_t t;
  if (pthread_create(&t, NULL, second, NULL) != 0)
    wl_exit_group(1);
  rounds(0);
  pthread_join(t, NULL);
  wl_unlink(g_paths[0]);
  wl_unlink(g_paths[1]);
  wl_exit_group(0);
}
