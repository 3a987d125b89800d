/* Shared logging helper of the guest workloads: every system call a
 * workload makes itself goes through a wl_* wrapper that issues it with
 * syscall(2) and logs one JSON line "GTWL {...}" on stdout with a single
 * write(2) (the log write itself is not logged). */
#pragma once

#include <stddef.h>
#include <sys/types.h>

typedef enum { WL_ARG_INT, WL_ARG_STR, WL_ARG_BUF, WL_ARG_STRV } wl_arg_kind;

typedef struct {
  wl_arg_kind kind;
  long long i;     /* WL_ARG_INT */
  const char *s;   /* WL_ARG_STR (NUL-terminated) / WL_ARG_BUF */
  size_t len;      /* WL_ARG_BUF */
  char *const *v;  /* WL_ARG_STRV (NULL-terminated), printed as an array */
} wl_arg;

#define WL_I(v) ((wl_arg){ .kind = WL_ARG_INT, .i = (long long)(v) })
#define WL_S(p) ((wl_arg){ .kind = WL_ARG_STR, .s = (p) })
#define WL_B(p, n) ((wl_arg){ .kind = WL_ARG_BUF, .s = (const char *)(p), .len = (size_t)(n) })
#define WL_V(p) ((wl_arg){ .kind = WL_ARG_STRV, .v = (p) })

/* Identity of the calling process/thread, as printed in every line. Set by
 * wl_init (which issues and logs getpid/getppid/getuid/getgid) and updated
 * by the wrappers that change it (fork child, setuid, setgid, gettid). */
void wl_init(const char *argv0);

/* Log one line. has_ret 0 prints "ret":null (execve, exit_group: logged
 * before a call that does not return). extra: more JSON members (without
 * leading comma) or NULL. */
void wl_log(const char *name, long nr, int nargs, const wl_arg *args,
            int has_ret, long ret, const char *extra);

/* Print a line "TAG {json}" (TAG is GTWL or GTPS) with one write(2). */
void wl_emit(const char *tag, const char *json);

/* Append s as a JSON string (with quotes) to buf at *pos (bounded). */
void wl_json_str(char *buf, size_t size, size_t *pos, const char *s, size_t len);

/* Logged system calls: return the kernel's value (-errno on failure). */
long wl_openat(int dirfd, const char *path, int flags, int mode);
long wl_read(int fd, void *buf, size_t count);
long wl_write(int fd, const void *buf, size_t count);
long wl_close(int fd);
long wl_unlink(const char *path);
long wl_getpid(void);
long wl_getppid(void);
long wl_gettid(void);
long wl_getuid(void);
long wl_getgid(void);
long wl_setuid(unsigned uid);
long wl_setgid(unsigned gid);
long wl_fork(void);                 /* clone(SIGCHLD, 0, ...) like fork() */
long wl_wait4(int pid, int *status);
long wl_execve(const char *path, char *const argv[], char *const envp[]);
long wl_sched_setaffinity(int tid, unsigned long mask);
long wl_nanosleep_ms(long ms);
void wl_exit_group(int status) __attribute__((noreturn));

/* Current identity fields (cached, no system call). */
int wl_pid(void);
