/* gtw-parity DIR: the common system calls (files and descriptors, memory,
 * processes, signals, sockets, time, ids, polling, basic IPC), each issued
 * once with syscall(2) and fixed arguments (also vectored I/O, messages,
 * directory listing, statx, select), for comparing guestrace's text
 * output line by line with strace's. DIR is a fresh directory to work in.
 * Nothing is logged: the two tracers are the witnesses. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stddef.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <asm/prctl.h>
#include <sys/ioctl.h>
#include <linux/fs.h>
#include <sys/random.h>
#include <sys/select.h>
#include <linux/stat.h>

#define S(...) syscall(__VA_ARGS__)

static void
on_usr1(int sig)
{
  (void)sig;
}

static void
files(const char *dir)
{
  char a[256], b[256], buf[256];
  struct stat st;
  snprintf(a, sizeof a, "%s/a", dir);
  snprintf(b, sizeof b, "%s/b", dir);
  long fd = S(SYS_openat, AT_FDCWD, a, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  S(SYS_write, fd, "hello, parity\n", 14);
  S(SYS_write, fd, "0123456789abcdefghijklmnopqrstuvwxyz\t\001\n", 40);
  S(SYS_pwrite64, fd, "xy", 2, 3);
  S(SYS_fsync, fd);
  S(SYS_ftruncate, fd, 60);
  S(SYS_fstat, fd, &st);
  S(SYS_close, fd);
  fd = S(SYS_open, a, O_RDONLY);
  S(SYS_read, fd, buf, 8);
  S(SYS_read, fd, buf, sizeof buf);
  S(SYS_pread64, fd, buf, 4, 1);
  S(SYS_lseek, fd, 0, SEEK_SET);
  S(SYS_lseek, fd, (long)-2, SEEK_END);
  S(SYS_fcntl, fd, F_GETFL);
  S(SYS_fcntl, fd, F_SETFD, FD_CLOEXEC);
  S(SYS_fcntl, fd, F_GETFD);
  S(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 10);
  S(SYS_ioctl, fd, TCGETS, buf);
  S(SYS_ioctl, fd, FIONREAD, buf);
  S(SYS_stat, a, &st);
  S(SYS_lstat, a, &st);
  S(SYS_newfstatat, AT_FDCWD, a, &st, 0);
  S(SYS_newfstatat, fd, "", &st, AT_EMPTY_PATH);
  S(SYS_stat, "/nonexistent", &st);
  S(SYS_access, a, R_OK | W_OK);
  S(SYS_access, "/nonexistent", F_OK);
  S(SYS_faccessat2, AT_FDCWD, a, X_OK, AT_EACCESS);
  S(SYS_readlink, "/proc/self/exe", buf, sizeof buf);
  S(SYS_symlinkat, a, AT_FDCWD, b);
  S(SYS_readlinkat, AT_FDCWD, b, buf, sizeof buf);
  S(SYS_unlink, b);
  S(SYS_link, a, b);
  S(SYS_renameat2, AT_FDCWD, b, AT_FDCWD, a, RENAME_NOREPLACE);
  S(SYS_rename, b, a);
  S(SYS_unlink, b);
  S(SYS_chmod, a, 0600);
  S(SYS_fchmod, fd, 0644);
  S(SYS_chown, a, -1, -1);
  S(SYS_umask, 022);
  S(SYS_getcwd, buf, sizeof buf);
  S(SYS_mkdir, b, 0755);
  S(SYS_chdir, b);
  S(SYS_chdir, "..");
  S(SYS_rmdir, b);
  S(SYS_mkdirat, AT_FDCWD, b, 0700);
  S(SYS_unlinkat, AT_FDCWD, b, AT_REMOVEDIR);
  S(SYS_truncate, a, 10);
  S(SYS_utimensat, AT_FDCWD, a, NULL, 0);
  S(SYS_close, fd);
  S(SYS_close, 10);
  S(SYS_unlinkat, AT_FDCWD, a, 0);
  S(SYS_close, 99);
}

static void
descriptors(void)
{
  int p[2];
  char buf[16];
  S(SYS_pipe2, p, O_CLOEXEC);
  S(SYS_write, p[1], "ping", 4);
  S(SYS_read, p[0], buf, sizeof buf);
  long d = S(SYS_dup, p[0]);
  S(SYS_dup2, p[0], 20);
  S(SYS_dup3, p[0], 21, O_CLOEXEC);
  S(SYS_close, d);
  S(SYS_close, 20);
  S(SYS_close, 21);
  S(SYS_close, p[0]);
  S(SYS_close, p[1]);
  S(SYS_pipe, p);
  S(SYS_close, p[0]);
  S(SYS_close, p[1]);
  long m = S(SYS_memfd_create, "parity", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  S(SYS_close, m);
  long e = S(SYS_eventfd2, 3, EFD_CLOEXEC | EFD_NONBLOCK);
  S(SYS_close, e);
  S(SYS_getrandom, buf, 4, GRND_NONBLOCK);
}

static void
memory(void)
{
  void *brk0 = (void *)S(SYS_brk, 0);
  (void)brk0;
  void *m = (void *)S(SYS_mmap, 0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  m = (void *)S(SYS_mremap, m, 8192, 16384, MREMAP_MAYMOVE);
  S(SYS_mprotect, m, 4096, PROT_READ);
  S(SYS_madvise, m, 8192, MADV_DONTNEED);
  S(SYS_mlock, m, 4096);
  S(SYS_munlock, m, 4096);
  S(SYS_msync, m, 4096, MS_ASYNC);
  S(SYS_mincore, m, 4096, (unsigned char[2]){ 0 });
  S(SYS_munmap, m, 16384);
  S(SYS_mprotect, 0, 4096, PROT_NONE);
}

static void
processes(void)
{
  int status;
  struct rlimit rl;
  struct utsname u;
  S(SYS_getpid);
  S(SYS_getppid);
  S(SYS_gettid);
  S(SYS_getpgrp);
  S(SYS_getpgid, 0);
  S(SYS_getsid, 0);
  S(SYS_setpgid, 0, 0);
  S(SYS_uname, &u);
  S(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &rl);
  S(SYS_getrlimit, RLIMIT_STACK, &rl);
  S(SYS_prctl, PR_SET_NAME, "gtw-parity", 0, 0, 0);
  S(SYS_prctl, PR_GET_DUMPABLE, 0, 0, 0, 0);
  S(SYS_arch_prctl, ARCH_GET_FS, &rl);
  S(SYS_sched_yield);
  S(SYS_getpriority, PRIO_PROCESS, 0);
  long pid = S(SYS_clone, SIGCHLD, 0, NULL, NULL, 0);
  if (pid == 0)
    S(SYS_exit_group, 3);
  S(SYS_wait4, pid, &status, 0, NULL);
  S(SYS_wait4, -1, &status, WNOHANG, NULL);
  S(SYS_kill, pid, 0);
}

static void
signals(void)
{
  struct sigaction sa;
  sigset_t set, old;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);   /* glibc adds SA_RESTORER and its restorer */
  sigemptyset(&set);
  sigaddset(&set, SIGUSR2);
  sigaddset(&set, SIGTERM);
  S(SYS_rt_sigprocmask, SIG_BLOCK, &set, &old, 8);
  S(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, 8);
  sa.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &sa, NULL);
  S(SYS_rt_sigaction, SIGPIPE, NULL, &sa, 8);
  S(SYS_rt_sigpending, &set, 8);
  S(SYS_kill, S(SYS_getpid), SIGUSR1);
  S(SYS_tgkill, S(SYS_getpid), S(SYS_gettid), 0);
}

static void
network(void)
{
  struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(7357) };
  struct sockaddr_in got;
  struct sockaddr_un un = { .sun_family = AF_UNIX, .sun_path = "\0gtw-parity" };
  socklen_t len = sizeof got;
  int one = 1, sv[2];
  char buf[32];
  in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  long s = S(SYS_socket, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
  S(SYS_setsockopt, s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  S(SYS_setsockopt, s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  S(SYS_bind, s, &in, sizeof in);
  S(SYS_listen, s, 8);
  S(SYS_getsockname, s, &got, &len);
  long c = S(SYS_socket, AF_INET, SOCK_STREAM, 0);
  S(SYS_connect, c, &in, sizeof in);
  long a = S(SYS_accept4, s, NULL, NULL, SOCK_CLOEXEC);
  S(SYS_sendto, c, "request", 7, MSG_NOSIGNAL, NULL, 0);
  S(SYS_recvfrom, a, buf, sizeof buf, 0, NULL, NULL);
  S(SYS_shutdown, c, SHUT_WR);
  S(SYS_close, a);
  S(SYS_close, c);
  S(SYS_close, s);
  long u = S(SYS_socket, AF_UNIX, SOCK_DGRAM, 0);
  S(SYS_bind, u, &un, offsetof(struct sockaddr_un, sun_path) + 11);
  S(SYS_sendto, u, "dgram", 5, 0, &un, offsetof(struct sockaddr_un, sun_path) + 11);
  S(SYS_recvfrom, u, buf, sizeof buf, MSG_DONTWAIT, NULL, NULL);
  S(SYS_close, u);
  S(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, sv);
  S(SYS_close, sv[0]);
  S(SYS_close, sv[1]);
  /* IPv6 (nothing listens: refused) and netlink addresses */
  struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(7358),
                              .sin6_addr = IN6ADDR_LOOPBACK_INIT };
  struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
  long v6 = S(SYS_socket, AF_INET6, SOCK_STREAM, 0);
  S(SYS_connect, v6, &in6, sizeof in6);
  S(SYS_close, v6);
  long n = S(SYS_socket, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  S(SYS_bind, n, &nl, sizeof nl);
  S(SYS_close, n);
}

static void
times(void)
{
  struct timespec ts = { 0, 1000000 };
  struct timeval tv;
  S(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
  S(SYS_clock_getres, CLOCK_REALTIME, &ts);
  ts.tv_sec = 0;
  ts.tv_nsec = 1000000;
  S(SYS_nanosleep, &ts, NULL);
  S(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &ts, NULL);
  S(SYS_gettimeofday, &tv, NULL);
  S(SYS_alarm, 0);
}

static void
ids(void)
{
  S(SYS_getuid);
  S(SYS_geteuid);
  S(SYS_getgid);
  S(SYS_getegid);
  S(SYS_setuid, S(SYS_getuid));
  S(SYS_setgid, S(SYS_getgid));
  S(SYS_getgroups, 0, NULL);
}

static void
polling(void)
{
  int p[2];
  S(SYS_pipe2, p, 0);
  struct pollfd pfd[2] = { { .fd = p[0], .events = POLLIN }, { .fd = p[1], .events = POLLOUT } };
  S(SYS_poll, pfd, 2, 0);
  long ep = S(SYS_epoll_create1, EPOLL_CLOEXEC);
  struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 7 };
  S(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, p[0], &ev);
  S(SYS_write, p[1], "x", 1);
  S(SYS_epoll_wait, ep, &ev, 1, 0);
  S(SYS_epoll_ctl, ep, EPOLL_CTL_DEL, p[0], NULL);
  S(SYS_close, ep);
  S(SYS_close, p[0]);
  S(SYS_close, p[1]);
}

/* readv/writev and the positioned variants on a file it creates. */
static void
vectored(const char *dir)
{
  char a[256], r1[4], r2[8];
  snprintf(a, sizeof a, "%s/v", dir);
  struct iovec w[2] = { { "ab", 2 }, { "cdefgh\n", 7 } };
  struct iovec r[2] = { { r1, sizeof r1 }, { r2, sizeof r2 } };
  long fd = S(SYS_openat, AT_FDCWD, a, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  S(SYS_writev, fd, w, 2);
  S(SYS_pwritev, fd, w, 1, 9, 0);
  S(SYS_pwritev2, fd, w, 2, 11, 0, RWF_DSYNC);
  S(SYS_lseek, fd, 0, SEEK_SET);
  S(SYS_readv, fd, r, 2);
  S(SYS_readv, fd, r, 2);
  S(SYS_preadv, fd, r, 2, 15, 0);
  S(SYS_preadv2, fd, r, 1, 0, 0, 0);
  S(SYS_readv, fd, r, 0);
  S(SYS_writev, fd, (void *)8, 1);
  S(SYS_readv, 99, r, 2);
  S(SYS_close, fd);
  S(SYS_unlinkat, AT_FDCWD, a, 0);
}

/* sendmsg/recvmsg and sendmmsg/recvmmsg over a datagram socketpair: two
 * buffers, a descriptor passed with SCM_RIGHTS, a receive cut short
 * (MSG_TRUNC), an empty queue. */
static void
messages(void)
{
  int sv[2];
  char b1[3], b2[4], name[128];
  union {
    struct cmsghdr h;
    char buf[CMSG_SPACE(sizeof(int))];
  } out, in;
  S(SYS_socketpair, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv);
  struct iovec w[2] = { { "hello", 5 }, { "msg", 3 } };
  memset(&out, 0, sizeof out);
  out.h.cmsg_len = CMSG_LEN(sizeof(int));
  out.h.cmsg_level = SOL_SOCKET;
  out.h.cmsg_type = SCM_RIGHTS;
  memcpy(CMSG_DATA(&out.h), &sv[0], sizeof(int));
  struct msghdr m = { .msg_iov = w, .msg_iovlen = 2, .msg_control = out.buf,
                      .msg_controllen = sizeof out.buf };
  S(SYS_sendmsg, sv[0], &m, MSG_NOSIGNAL);
  struct msghdr p = { .msg_iov = w, .msg_iovlen = 1 };
  S(SYS_sendmsg, sv[0], &p, 0);
  struct iovec r[2] = { { b1, sizeof b1 }, { b2, sizeof b2 } };
  memset(&in, 0, sizeof in);
  struct msghdr rm = { .msg_name = name, .msg_namelen = sizeof name, .msg_iov = r,
                       .msg_iovlen = 2, .msg_control = in.buf, .msg_controllen = sizeof in.buf };
  long got = S(SYS_recvmsg, sv[1], &rm, MSG_CMSG_CLOEXEC);
  if (got > 0 && rm.msg_controllen >= sizeof in.buf) {
    int passed;
    memcpy(&passed, CMSG_DATA(&in.h), sizeof passed);
    S(SYS_close, passed);
  }
  struct msghdr rp = { .msg_iov = r, .msg_iovlen = 2 };
  S(SYS_recvmsg, sv[1], &rp, 0);
  S(SYS_recvmsg, sv[1], &rp, MSG_DONTWAIT);
  struct mmsghdr mv[2] = { { .msg_hdr = { .msg_iov = w, .msg_iovlen = 1 } },
                           { .msg_hdr = { .msg_iov = w + 1, .msg_iovlen = 1 } } };
  S(SYS_sendmmsg, sv[0], mv, 2, MSG_NOSIGNAL);
  struct mmsghdr rv[2] = { { .msg_hdr = { .msg_iov = r, .msg_iovlen = 1 } },
                           { .msg_hdr = { .msg_iov = r + 1, .msg_iovlen = 1 } } };
  struct timespec ts = { 0, 0 };
  S(SYS_recvmmsg, sv[1], rv, 2, MSG_DONTWAIT, NULL);
  S(SYS_recvmmsg, sv[1], rv, 2, MSG_DONTWAIT, &ts);
  S(SYS_close, sv[0]);
  S(SYS_close, sv[1]);
}

/* getdents64 on the work directory, statx of it and of a missing path. */
static void
directories(const char *dir)
{
  char dents[4096];
  struct statx stx;
  long d = S(SYS_openat, AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  S(SYS_getdents64, d, dents, sizeof dents);
  S(SYS_getdents64, d, dents, sizeof dents);
  S(SYS_statx, AT_FDCWD, dir, 0, STATX_ALL, &stx);
  S(SYS_statx, d, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_TYPE | STATX_SIZE, &stx);
  S(SYS_statx, AT_FDCWD, "/nonexistent", AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx);
  S(SYS_close, d);
}

/* select, pselect6 and ppoll on a pipe: ready, timed out. */
static void
selecting(void)
{
  int p[2];
  char c;
  fd_set rd, wr;
  struct timeval tv = { 0, 0 };
  struct timespec ts = { 0, 0 };
  sigset_t none;
  sigemptyset(&none);
  struct {
    const sigset_t *set;
    size_t size;
  } mask = { &none, 8 };
  S(SYS_pipe2, p, 0);
  S(SYS_write, p[1], "s", 1);
  FD_ZERO(&rd);
  FD_ZERO(&wr);
  FD_SET(p[0], &rd);
  FD_SET(p[1], &wr);
  S(SYS_select, p[1] + 1, &rd, &wr, NULL, &tv);
  FD_ZERO(&rd);
  FD_SET(p[0], &rd);
  S(SYS_select, p[1] + 1, &rd, NULL, NULL, NULL);
  FD_ZERO(&rd);
  FD_SET(p[0], &rd);
  S(SYS_pselect6, p[0] + 1, &rd, NULL, NULL, &ts, &mask);
  struct pollfd pfd[2] = { { .fd = p[0], .events = POLLIN }, { .fd = -1 } };
  S(SYS_ppoll, pfd, 2, &ts, &none, 8);
  S(SYS_read, p[0], &c, 1);
  FD_ZERO(&rd);
  FD_SET(p[0], &rd);
  S(SYS_select, p[0] + 1, &rd, NULL, NULL, &tv);
  S(SYS_ppoll, pfd, 1, &ts, NULL, 8);
  S(SYS_close, p[0]);
  S(SYS_close, p[1]);
}

static void
ipc(void)
{
  int word = 0;
  S(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

int
main(int argc, char **argv)
{
  const char *dir = argc > 1 ? argv[1] : "/tmp";
  files(dir);
  descriptors();
  memory();
  processes();
  signals();
  network();
  times();
  ids();
  polling();
  ipc();
  vectored(dir);
  messages();
  directories(dir);
  selecting();
  S(SYS_exit_group, 0);
}
