/* gtw-unfaulted PREFIX: a fresh fork child execve's /bin/gtw-hello with a
 * path, argv and envp that live only in a read-only private file mapping
 * the child has never touched. fork() copies no page-table entries for such
 * a mapping (no anonymous pages: the kernel re-faults it from the page
 * cache), so at the execve none of these pages is in the child's page
 * tables. One argument straddles a page boundary.
 *
 * The parent writes /tmp/PREFIX-unfaulted (4 pages) holding the pointer
 * arrays and the strings, maps it at a fixed address, logs what the child
 * will exec (line "unfaulted_execve": pid, path, argv, envp and the
 * addresses), forks; the child issues execve directly, without logging
 * (logging would read the strings and fault their pages in). */
#include "wl.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAP_AT 0x2000000000UL
#define PAGE 4096UL
#define NPAGES 4

/* Offsets of everything inside the file. */
#define OFF_ARGV 0                 /* char *argv[4] */
#define OFF_ENVP 64                /* char *envp[2] */
#define OFF_PATH (PAGE + 100)      /* in page 1 */
#define OFF_ARG0 (3 * PAGE + 16)   /* in page 3 */
#define OFF_ENV0 (3 * PAGE + 200)

static void
put_str(char *image, size_t off, const char *s)
{
  memcpy(image + off, s, strlen(s) + 1);
}

static void
put_ptr(char *image, size_t off, unsigned long v)
{
  memcpy(image + off, &v, sizeof v);
}

static void
json_strv(char *j, size_t size, size_t *p, char *const *v)
{
  *p += (size_t)snprintf(j + *p, size - *p, "[");
  for (int i = 0; v[i]; i++) {
    if (i)
      *p += (size_t)snprintf(j + *p, size - *p, ",");
    wl_json_str(j, size, p, v[i], strlen(v[i]));
  }
  *p += (size_t)snprintf(j + *p, size - *p, "]");
}

int main(int argc, char **argv)
{
  wl_init(argv[0]);
  const char *prefix = argc > 1 ? argv[1] : "gtw";
  char path[256], arg1[128];
  snprintf(path, sizeof path, "/tmp/%s-unfaulted", prefix);
  /* argv[1] is PREFIX itself (gtw-hello uses it), starting 5 bytes before
   * the end of page 1 so that it continues in page 2. */
  snprintf(arg1, sizeof arg1, "%s", prefix);
  static char image[NPAGES * PAGE];
  size_t off_arg1 = 2 * PAGE - 5;
  put_str(image, OFF_PATH, "/bin/gtw-hello");
  put_str(image, OFF_ARG0, "gtw-hello");
  put_str(image, off_arg1, arg1);
  put_str(image, OFF_ENV0, "GTW_UNFAULTED=1");
  put_ptr(image, OFF_ARGV + 0, MAP_AT + OFF_ARG0);
  put_ptr(image, OFF_ARGV + 8, MAP_AT + off_arg1);
  put_ptr(image, OFF_ARGV + 16, 0);
  put_ptr(image, OFF_ENVP + 0, MAP_AT + OFF_ENV0);
  put_ptr(image, OFF_ENVP + 8, 0);

  long fd = wl_openat(AT_FDCWD, path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0 || wl_write((int)fd, image, sizeof image) != (long)sizeof image)
    wl_exit_group(1);
  long m = (long)syscall(SYS_mmap, MAP_AT, sizeof image, PROT_READ,
                         MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0L);
  const wl_arg ma[] = { WL_I(MAP_AT), WL_I(sizeof image), WL_I(PROT_READ),
                        WL_I(MAP_PRIVATE | MAP_FIXED_NOREPLACE), WL_I(fd), WL_I(0) };
  wl_log("mmap", SYS_mmap, 6, ma, 1, m, NULL);
  if (m != (long)MAP_AT)
    wl_exit_group(1);
  wl_close((int)fd);

  char *const *cargv = (char *const *)(MAP_AT + OFF_ARGV);
  char *const *cenvp = (char *const *)(MAP_AT + OFF_ENVP);
  const char *cpath = (const char *)(MAP_AT + OFF_PATH);
  long pid = wl_fork();
  if (pid == 0) {
    syscall(SYS_execve, cpath, cargv, cenvp);
    wl_exit_group(127);
  }
  if (pid < 0)
    wl_exit_group(1);
  /* The parent reads the mapping (its own page tables only) to log it. */
  char j[2048];
  size_t p = 0;
  p += (size_t)snprintf(j, sizeof j, "{\"unfaulted_execve\":{\"pid\":%ld,\"path\":", pid);
  wl_json_str(j, sizeof j, &p, cpath, strlen(cpath));
  p += (size_t)snprintf(j + p, sizeof j - p, ",\"argv\":");
  json_strv(j, sizeof j, &p, cargv);
  p += (size_t)snprintf(j + p, sizeof j - p, ",\"envp\":");
  json_strv(j, sizeof j, &p, cenvp);
  p += (size_t)snprintf(j + p, sizeof j - p,
                        ",\"path_addr\":%lu,\"argv_addr\":%lu,\"envp_addr\":%lu}}",
                        (unsigned long)cpath, (unsigned long)cargv, (unsigned long)cenvp);
  wl_emit("GTWL", j);
  int status = 0;
  wl_wait4((int)pid, &status);
  wl_exit_group(0);
}
