/* Shared logging helper of the guest workloads (see wl.h). Every wrapper
 * issues its call with syscall(2), never a libc wrapper that could add or
 * change calls, then logs it as one JSON object per line. JSON is written
 * by hand: the workloads are static, dependency-free guest binaries. */
#include "wl.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WL_LINE_MAX 8192
#define WL_BUF_LOG_MAX 1024   /* bytes of a data buffer shown in a line */

static int g_pid = -1, g_ppid = -1, g_uid = -1, g_gid = -1;
static char g_comm[16] = "?";
static __thread int t_tid;    /* 0: the main thread, tid == pid */

int wl_pid(void) { return g_pid; }

/* The kernel's return value: syscall(2) maps -errno to -1 + errno. */
static long kret(long r)
{
  return r == -1 ? -(long)errno : r;
}

void wl_json_str(char *buf, size_t size, size_t *pos, const char *s, size_t len)
{
  static const char hex[] = "0123456789abcdef";
  size_t p = *pos;
  if (size == 0)
    return;
  /* Keep room for the closing quote and NUL at every step. */
#define PUT(c) do { if (p + 2 < size) buf[p++] = (c); } while (0)
  PUT('"');
  for (size_t i = 0; s && i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (p + 8 >= size)
      break;
    if (c == '"' || c == '\\') {
      PUT('\\'); PUT((char)c);
    } else if (c == '\n') {
      PUT('\\'); PUT('n');
    } else if (c == '\t') {
      PUT('\\'); PUT('t');
    } else if (c < 0x20 || c >= 0x7f) {
      /* Bytes outside printable ASCII as \u00XX: keeps the line valid
       * UTF-8 JSON whatever the data is. */
      PUT('\\'); PUT('u'); PUT('0'); PUT('0');
      PUT(hex[c >> 4]); PUT(hex[c & 15]);
    } else {
      PUT((char)c);
    }
  }
  if (p + 1 < size)
    buf[p++] = '"';
#undef PUT
  buf[p < size ? p : size - 1] = '\0';
  *pos = p;
}

static void put(char *buf, size_t size, size_t *pos, const char *fmt, long long v)
{
  if (*pos >= size)
    return;
  int n = snprintf(buf + *pos, size - *pos, fmt, v);
  if (n > 0)
    *pos = (*pos + (size_t)n < size) ? *pos + (size_t)n : size - 1;
}

static void puts_raw(char *buf, size_t size, size_t *pos, const char *s)
{
  size_t n = strlen(s);
  if (*pos + n + 1 >= size)
    n = size - *pos - 1;
  memcpy(buf + *pos, s, n);
  *pos += n;
  buf[*pos] = '\0';
}

void wl_emit(const char *tag, const char *json)
{
  char line[WL_LINE_MAX + 16];
  size_t pos = 0;
  puts_raw(line, sizeof line, &pos, tag);
  puts_raw(line, sizeof line, &pos, " ");
  puts_raw(line, sizeof line - 1, &pos, json);
  line[pos++] = '\n';
  /* One write(2), not logged: lines of different threads never mix. */
  size_t off = 0;
  while (off < pos) {
    long n = syscall(SYS_write, 1, line + off, pos - off);
    if (n <= 0)
      break;
    off += (size_t)n;
  }
}

void wl_log(const char *name, long nr, int nargs, const wl_arg *args,
            int has_ret, long ret, const char *extra)
{
  char j[WL_LINE_MAX];
  size_t p = 0, size = sizeof j;
  j[0] = '\0';
  put(j, size, &p, "{\"pid\":%lld", g_pid);
  put(j, size, &p, ",\"tid\":%lld", t_tid ? t_tid : g_pid);
  put(j, size, &p, ",\"ppid\":%lld", g_ppid);
  put(j, size, &p, ",\"uid\":%lld", g_uid);
  put(j, size, &p, ",\"gid\":%lld", g_gid);
  puts_raw(j, size, &p, ",\"comm\":");
  wl_json_str(j, size, &p, g_comm, strlen(g_comm));
  puts_raw(j, size, &p, ",\"syscall\":");
  wl_json_str(j, size, &p, name, strlen(name));
  put(j, size, &p, ",\"nr\":%lld", nr);
  puts_raw(j, size, &p, ",\"args\":[");
  for (int i = 0; i < nargs; i++) {
    if (i)
      puts_raw(j, size, &p, ",");
    switch (args[i].kind) {
    case WL_ARG_INT:
      put(j, size, &p, "%lld", args[i].i);
      break;
    case WL_ARG_STR:
      if (args[i].s)
        wl_json_str(j, size, &p, args[i].s, strlen(args[i].s));
      else
        puts_raw(j, size, &p, "null");
      break;
    case WL_ARG_BUF:
      wl_json_str(j, size, &p, args[i].s,
                  args[i].len < WL_BUF_LOG_MAX ? args[i].len : WL_BUF_LOG_MAX);
      break;
    case WL_ARG_STRV:
      puts_raw(j, size, &p, "[");
      for (int k = 0; args[i].v && args[i].v[k] && k < 64; k++) {
        if (k)
          puts_raw(j, size, &p, ",");
        wl_json_str(j, size, &p, args[i].v[k], strlen(args[i].v[k]));
      }
      puts_raw(j, size, &p, "]");
      break;
    }
  }
  puts_raw(j, size, &p, "]");
  if (has_ret)
    put(j, size, &p, ",\"ret\":%lld", ret);
  else
    puts_raw(j, size, &p, ",\"ret\":null");
  if (extra) {
    puts_raw(j, size, &p, ",");
    puts_raw(j, size, &p, extra);
  }
  puts_raw(j, size, &p, "}");
  wl_emit("GTWL", j);
}

#define LOG(name, nr, ret, ...) \
  do { \
    const wl_arg a_[] = { __VA_ARGS__ }; \
    wl_log(name, nr, (int)(sizeof a_ / sizeof a_[0]), a_, 1, ret, NULL); \
  } while (0)
#define LOG0(name, nr, ret) wl_log(name, nr, 0, NULL, 1, ret, NULL)

void wl_init(const char *argv0)
{
  const char *base = argv0 ? strrchr(argv0, '/') : NULL;
  base = base ? base + 1 : (argv0 ? argv0 : "?");
  /* The kernel's comm: the exec'd file's base name, at most 15 bytes. */
  snprintf(g_comm, sizeof g_comm, "%s", base);
  /* Learn the identity first, then log the four calls, so that every
   * line carries complete identity fields. */
  long pid = kret(syscall(SYS_getpid)), ppid = kret(syscall(SYS_getppid));
  long uid = kret(syscall(SYS_getuid)), gid = kret(syscall(SYS_getgid));
  g_pid = (int)pid;
  g_ppid = (int)ppid;
  g_uid = (int)uid;
  g_gid = (int)gid;
  LOG0("getpid", SYS_getpid, pid);
  LOG0("getppid", SYS_getppid, ppid);
  LOG0("getuid", SYS_getuid, uid);
  LOG0("getgid", SYS_getgid, gid);
}

long wl_getpid(void)
{
  long r = kret(syscall(SYS_getpid));
  if (r > 0)
    g_pid = (int)r;
  LOG0("getpid", SYS_getpid, r);
  return r;
}

long wl_getppid(void)
{
  long r = kret(syscall(SYS_getppid));
  if (r >= 0)
    g_ppid = (int)r;
  LOG0("getppid", SYS_getppid, r);
  return r;
}

long wl_gettid(void)
{
  long r = kret(syscall(SYS_gettid));
  if (r > 0 && r != g_pid)
    t_tid = (int)r;
  LOG0("gettid", SYS_gettid, r);
  return r;
}

long wl_getuid(void)
{
  long r = kret(syscall(SYS_getuid));
  if (r >= 0)
    g_uid = (int)r;
  LOG0("getuid", SYS_getuid, r);
  return r;
}

long wl_getgid(void)
{
  long r = kret(syscall(SYS_getgid));
  if (r >= 0)
    g_gid = (int)r;
  LOG0("getgid", SYS_getgid, r);
  return r;
}

long wl_setuid(unsigned uid)
{
  long r = kret(syscall(SYS_setuid, uid));
  if (r == 0)
    g_uid = (int)uid;
  LOG("setuid", SYS_setuid, r, WL_I(uid));
  return r;
}

long wl_setgid(unsigned gid)
{
  long r = kret(syscall(SYS_setgid, gid));
  if (r == 0)
    g_gid = (int)gid;
  LOG("setgid", SYS_setgid, r, WL_I(gid));
  return r;
}

long wl_openat(int dirfd, const char *path, int flags, int mode)
{
  long r = kret(syscall(SYS_openat, dirfd, path, flags, mode));
  LOG("openat", SYS_openat, r, WL_I(dirfd), WL_S(path), WL_I(flags), WL_I(mode));
  return r;
}

long wl_read(int fd, void *buf, size_t count)
{
  long r = kret(syscall(SYS_read, fd, buf, count));
  /* The buffer is shown as the bytes read (an out parameter). */
  LOG("read", SYS_read, r, WL_I(fd), WL_B(buf, r > 0 ? (size_t)r : 0), WL_I(count));
  return r;
}

long wl_write(int fd, const void *buf, size_t count)
{
  long r = kret(syscall(SYS_write, fd, buf, count));
  LOG("write", SYS_write, r, WL_I(fd), WL_B(buf, count), WL_I(count));
  return r;
}

long wl_close(int fd)
{
  long r = kret(syscall(SYS_close, fd));
  LOG("close", SYS_close, r, WL_I(fd));
  return r;
}

long wl_unlink(const char *path)
{
  long r = kret(syscall(SYS_unlink, path));
  LOG("unlink", SYS_unlink, r, WL_S(path));
  return r;
}

long wl_fork(void)
{
  int parent = g_pid;
  /* What fork() does, minus glibc's child tid bookkeeping. */
  long r = kret(syscall(SYS_clone, SIGCHLD, 0L, 0L, 0L, 0L));
  if (r == 0) {
    /* Child: logs nothing for clone; learns its pid with a logged getpid. */
    g_ppid = parent;
    t_tid = 0;
    wl_getpid();
    return 0;
  }
  LOG("clone", SYS_clone, r, WL_I(SIGCHLD), WL_I(0), WL_I(0), WL_I(0), WL_I(0));
  return r;
}

long wl_wait4(int pid, int *status)
{
  int st = 0;
  long r = kret(syscall(SYS_wait4, pid, &st, 0, 0L));
  char extra[64], sts[96];
  snprintf(extra, sizeof extra, "\"status\":%d", st);
  if (WIFEXITED(st))
    snprintf(sts, sizeof sts, "[{WIFEXITED(s) && WEXITSTATUS(s) == %d}]", WEXITSTATUS(st));
  else
    snprintf(sts, sizeof sts, "[%d]", st);
  /* Pointers to data that is not a C string are shown as strings (what
   * they point to, strace style): a tracer shows the pointer, and the
   * comparison in tests/e2e leaves such arguments out. */
  const wl_arg a[] = { WL_I(pid), WL_S(sts), WL_I(0), WL_I(0) };
  wl_log("wait4", SYS_wait4, 4, a, 1, r, extra);
  if (status)
    *status = st;
  return r;
}

long wl_execve(const char *path, char *const argv[], char *const envp[])
{
  /* Logged BEFORE the call: a successful execve does not come back. */
  int nenv = 0;
  while (envp && envp[nenv])
    nenv++;
  char envs[48];
  snprintf(envs, sizeof envs, "/* %d vars */", nenv);
  /* argv as an array; envp, like strace, only as a count (a string). */
  const wl_arg a[] = { WL_S(path), WL_V(argv), WL_S(envs) };
  wl_log("execve", SYS_execve, 3, a, 0, 0, NULL);
  long r = kret(syscall(SYS_execve, path, argv, envp));
  wl_log("execve", SYS_execve, 3, a, 1, r, "\"failed\":true");
  return r;
}

long wl_sched_setaffinity(int tid, unsigned long mask)
{
  unsigned long m = mask;
  long r = kret(syscall(SYS_sched_setaffinity, tid, sizeof m, &m));
  /* The mask pointer is shown as a string: the CPU list, strace style. */
  char cpus[160] = "[";
  size_t p = 1;
  for (int c = 0; c < 64 && p + 5 < sizeof cpus; c++)
    if (m & (1UL << c))
      p += (size_t)snprintf(cpus + p, sizeof cpus - p, "%s%d", p > 1 ? " " : "", c);
  snprintf(cpus + p, sizeof cpus - p, "]");
  LOG("sched_setaffinity", SYS_sched_setaffinity, r, WL_I(tid), WL_I(sizeof m), WL_S(cpus));
  return r;
}

long wl_nanosleep_ms(long ms)
{
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
  long r = kret(syscall(SYS_nanosleep, &ts, 0L));
  char tss[64];
  snprintf(tss, sizeof tss, "{tv_sec=%ld, tv_nsec=%ld}", (long)ts.tv_sec, ts.tv_nsec);
  LOG("nanosleep", SYS_nanosleep, r, WL_S(tss), WL_I(0));
  return r;
}

void wl_exit_group(int status)
{
  const wl_arg a[] = { WL_I(status) };
  wl_log("exit_group", SYS_exit_group, 1, a, 0, 0, NULL);
  for (;;)
    syscall(SYS_exit_group, status);
}
