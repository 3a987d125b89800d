/* gtw-fds PREFIX: opens descriptors of every kind -y annotates — a file on
 * the root file system, a file on /tmp (another mount), a deleted file, a
 * pipe, a socket, an eventfd, a memfd (on the kernel's internal shmem
 * mount, outside the process's root), /dev/null (devtmpfs) and a /proc
 * file — logs what the guest's own /proc says each
 * one is (a line {"fdlink":{"fd":N,"link":"..."}} from readlink of
 * /proc/self/fd/N, and {"cwd":"..."} from /proc/self/cwd), then closes
 * them one by one with logged close calls. */
#include "wl.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static void
log_link(const char *key, int fd, const char *proc)
{
  char link[512], j[1024];
  long n = syscall(SYS_readlinkat, AT_FDCWD, proc, link, sizeof link - 1);
  if (n < 0)
    n = 0;
  link[n] = '\0';
  size_t p = 0;
  if (fd >= 0)
    p += (size_t)snprintf(j, sizeof j, "{\"%s\":{\"fd\":%d,\"link\":", key, fd);
  else
    p += (size_t)snprintf(j, sizeof j, "{\"%s\":{\"link\":", key);
  wl_json_str(j, sizeof j, &p, link, (size_t)n);
  p += (size_t)snprintf(j + p, sizeof j - p, "}}");
  wl_emit("GTWL", j);
}

int main(int argc, char **argv)
{
  wl_init(argv[0]);
  const char *prefix = argc > 1 ? argv[1] : "gtw";
  char file[256], gone[256], proc[64];
  snprintf(file, sizeof file, "/tmp/%s-fds-file", prefix);
  snprintf(gone, sizeof gone, "/tmp/%s-fds-gone", prefix);
  int fds[12], n = 0;
  fds[n++] = (int)wl_openat(AT_FDCWD, "/bin/gtw-hello", O_RDONLY, 0);
  fds[n++] = (int)wl_openat(AT_FDCWD, file, O_RDWR | O_CREAT | O_TRUNC, 0600);
  fds[n++] = (int)wl_openat(AT_FDCWD, gone, O_RDWR | O_CREAT | O_TRUNC, 0600);
  wl_unlink(gone);
  int pfd[2];
  if (syscall(SYS_pipe2, pfd, 0) == 0) {
    fds[n++] = pfd[0];
    fds[n++] = pfd[1];
  }
  fds[n++] = (int)syscall(SYS_socket, AF_UNIX, SOCK_DGRAM, 0);
  fds[n++] = (int)syscall(SYS_eventfd2, 0, 0);
  fds[n++] = (int)syscall(SYS_memfd_create, "gtw-memfd", 0);
  fds[n++] = (int)syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY);
  fds[n++] = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/status", O_RDONLY);
  log_link("cwd", -1, "/proc/self/cwd");
  for (int i = 0; i < n; i++) {
    if (fds[i] < 0)
      wl_exit_group(1);
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fds[i]);
    log_link("fdlink", fds[i], proc);
  }
  /* An openat relative to the working directory (AT_FDCWD<cwd> under -y). */
  long fd = wl_openat(AT_FDCWD, file, O_RDONLY, 0);
  if (fd >= 0)
    wl_close((int)fd);
  for (int i = 0; i < n; i++)
    wl_close(fds[i]);
  wl_exit_group(0);
}
