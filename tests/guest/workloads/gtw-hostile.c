/* gtw-hostile [KADDR]: system calls whose arguments a hostile process
 * chooses, for the e2e test of valid, lossless, escaped output
 * (tests/e2e/test-hostile.c). Each call is made with syscall(2) and logged
 * as one line "GTHX {json}" BEFORE it is made, with the bytes passed in
 * hex (or, for the big ones, the recipe the test regenerates them from):
 *   openat names: a mapped kernel address (KADDR, e.g. linux_banner: the
 *   kernel refuses it, no output may show its bytes), a string running into
 *   an unmapped page, NULL, quotes/newline/tab/ESC/0x01/0x1f, invalid and
 *   valid multibyte UTF-8, a 3,000-byte name; execve of a missing file with
 *   500 arguments of 1,000 bytes and an environment string with an
 *   escape sequence (text shows only the count); a 1 MiB write to /dev/null; a process
 *   name (prctl PR_SET_NAME) made of such bytes, then getpid. */
#include "wl.h"
#include "gtw-hostile.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define LONG_NAME 3000

/* GTHX {"case":C,"call":N,"hex":H} with one write(2). */
static void
log_case(const char *name, const char *call, const void *data, size_t len)
{
  static const char hex[] = "0123456789abcdef";
  size_t size = 2 * len + 256;
  char *line = malloc(size);
  int n = snprintf(line, size, "GTHX {\"case\":\"%s\",\"call\":\"%s\",\"pid\":%d,\"hex\":\"",
                   name, call, wl_pid());
  const unsigned char *p = data;
  for (size_t i = 0; i < len; i++) {
    line[n++] = hex[p[i] >> 4];
    line[n++] = hex[p[i] & 15];
  }
  n += snprintf(line + n, size - (size_t)n, "\"}\n");
  for (int off = 0; off < n;) {
    long w = syscall(SYS_write, 1, line + off, (size_t)(n - off));
    if (w <= 0)
      break;
    off += (int)w;
  }
  free(line);
}

static void
open_name(const char *name, const char *path, size_t len)
{
  log_case(name, "openat", path, len);
  syscall(SYS_openat, AT_FDCWD, path, O_RDONLY, 0);
}

int main(int argc, char **argv)
{
  wl_init(argv[0]);
  static const char *const names[][2] = {
    { "quotes", "/tmp/\"q\"'s\\" },
    { "controls", "/tmp/a\nb\tc\x1b[31md\x01" "e\x1f" "f\x7f" },
    { "invalid-utf8", "/tmp/\xff\xfe\xc3(\xe2\x82\xed\xa0\x80\xc0\xaf" },
    { "utf8", "/tmp/caf\xc3\xa9-\xe6\x97\xa5\xe6\x9c\xac-\xf0\x9f\x98\x80" },
  };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    open_name(names[i][0], names[i][1], strlen(names[i][1]));

  /* A kernel address the kernel refuses (EFAULT): no byte of it may show. */
  if (argc > 1) {
    unsigned long kaddr = strtoul(argv[1], NULL, 0);
    log_case("kernel", "openat", "", 0);
    syscall(SYS_openat, AT_FDCWD, kaddr, O_RDONLY, 0);
  }
  log_case("null", "openat", "", 0);
  syscall(SYS_openat, AT_FDCWD, NULL, O_RDONLY, 0);

  /* A string that runs into an unmapped page: no NUL before it. */
  char *pages = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(pages + 4096, 4096);
  memset(pages, 'u', 4096);
  log_case("unmapped", "openat", pages + 4096 - 10, 10);
  syscall(SYS_openat, AT_FDCWD, pages + 4096 - 10, O_RDONLY, 0);

  static char longname[LONG_NAME + 1];
  for (int i = 0; i < LONG_NAME; i++)
    longname[i] = (char)('A' + i % 26);
  open_name("long", longname, LONG_NAME);

  char **args = calloc(EXEC_ARGS + 1, sizeof *args);
  for (int k = 0; k < EXEC_ARGS; k++) {
    args[k] = malloc(EXEC_ARG_LEN + 1);
    exec_arg(args[k], k);
  }
  static char *const env[] = { "GTHX_ENV=\x1b]0;title\x07", NULL };
  log_case("execve", "execve", "/nonexistent/gtw", 16);
  syscall(SYS_execve, "/nonexistent/gtw", args, env);

  unsigned char *big = malloc(WRITE_LEN);
  for (size_t i = 0; i < WRITE_LEN; i++)
    big[i] = write_byte(i);
  int fd = (int)syscall(SYS_openat, AT_FDCWD, "/dev/null", O_WRONLY, 0);
  log_case("write", "write", big, 64);
  syscall(SYS_write, fd, big, (size_t)WRITE_LEN);

  /* 15 bytes: the kernel keeps TASK_COMM_LEN - 1 and a NUL. */
  static const char comm[] = "\"a\n\t\x1b[2J\x01\x1f\xff\xc3\xa9z";
  log_case("comm", "getpid", comm, strlen(comm));
  prctl(PR_SET_NAME, comm, 0, 0, 0);
  syscall(SYS_getpid);
  wl_exit_group(0);
}
