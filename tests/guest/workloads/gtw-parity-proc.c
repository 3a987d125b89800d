/* gtw-parity-proc: process, time and scheduling calls and terminal ioctls
 * (fork + wait4 with rusage, waitid, clone3, getrusage, futex with
 * timeouts, sched_*, sleeps, robust lists, termios on /dev/console), each
 * issued with syscall(2) and fixed arguments, for comparing guestrace's
 * text output line by line with strace's. Only the main thread runs: the
 * children exit at once (their lines are not compared). Nothing is
 * logged: the two tracers are the witnesses. */
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define S(...) syscall(__VA_ARGS__)

/* The kernel's struct termios (asm-generic/termbits.h): glibc's has more. */
struct kernel_termios {
  unsigned int c_iflag, c_oflag, c_cflag, c_lflag;
  unsigned char c_line, c_cc[19];
};

static void
children(void)
{
  int status;
  struct rusage ru;
  siginfo_t si;
  long pid = S(SYS_clone, SIGCHLD, 0, NULL, NULL, 0);
  if (pid == 0)
    S(SYS_exit_group, 0);
  S(SYS_wait4, pid, &status, 0, &ru);
  pid = S(SYS_clone, SIGCHLD, 0, NULL, NULL, 0);
  if (pid == 0)
    S(SYS_exit_group, 7);
  memset(&si, 0, sizeof si);
  S(SYS_waitid, P_PID, pid, &si, WEXITED, NULL);
  S(SYS_waitid, P_ALL, 0, &si, WEXITED | WNOHANG, NULL);
  struct clone_args ca;
  memset(&ca, 0, sizeof ca);
  ca.exit_signal = SIGCHLD;
  pid = S(SYS_clone3, &ca, sizeof ca);
  if (pid == 0)
    S(SYS_exit_group, 0);
  S(SYS_wait4, -1, &status, 0, NULL);
  S(SYS_wait4, -1, &status, WNOHANG, NULL);
  S(SYS_getrusage, RUSAGE_SELF, &ru);
  S(SYS_getrusage, RUSAGE_CHILDREN, &ru);
}

static void
futexes(void)
{
  static uint32_t word, other;
  struct timespec rel = { 0, 1000000 }, past = { 1, 0 };
  S(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, &rel, NULL, 0);
  S(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 1, &rel, NULL, 0);
  S(SYS_futex, &word, FUTEX_WAIT, 0, &rel, NULL, 0);
  S(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
  S(SYS_futex, &word, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &past, NULL,
    FUTEX_BITSET_MATCH_ANY);
  S(SYS_futex, &word, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, FUTEX_BITSET_MATCH_ANY);
  S(SYS_futex, &word, FUTEX_REQUEUE_PRIVATE, 1, 2, &other, 0);
  S(SYS_futex, &word, FUTEX_CMP_REQUEUE_PRIVATE, 1, 2, &other, 0);
}

static void
scheduling(void)
{
  cpu_set_t set;
  struct sched_param p = { 0 };
  CPU_ZERO(&set);
  S(SYS_sched_getaffinity, 0, sizeof set, &set);
  S(SYS_sched_setaffinity, 0, sizeof set, &set);
  S(SYS_sched_yield);
  S(SYS_sched_getparam, 0, &p);
  S(SYS_sched_setparam, 0, &p);
  S(SYS_sched_getscheduler, 0);
  S(SYS_sched_setscheduler, 0, SCHED_OTHER, &p);
  S(SYS_sched_get_priority_max, SCHED_FIFO);
  S(SYS_sched_get_priority_min, SCHED_RR);
  struct timespec ts;
  S(SYS_sched_rr_get_interval, 0, &ts);
}

static void
sleeps(void)
{
  struct timespec d = { 0, 1000 }, past = { 1, 0 };
  S(SYS_nanosleep, &d, NULL);
  S(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &d, NULL);
  S(SYS_clock_nanosleep, CLOCK_REALTIME, TIMER_ABSTIME, &past, NULL);
  static long head[3];
  S(SYS_set_robust_list, head, sizeof head);
}

static void
terminal(void)
{
  struct kernel_termios t;
  struct winsize ws;
  int pgrp;
  long fd = S(SYS_openat, AT_FDCWD, "/dev/console", O_RDWR | O_NOCTTY);
  S(SYS_ioctl, fd, TCGETS, &t);
  S(SYS_ioctl, fd, TCSETS, &t);
  S(SYS_ioctl, fd, TCSETSW, &t);
  S(SYS_ioctl, fd, TIOCGWINSZ, &ws);
  S(SYS_ioctl, fd, TIOCSWINSZ, &ws);
  S(SYS_ioctl, fd, TIOCGPGRP, &pgrp);
  S(SYS_ioctl, fd, TCFLSH, TCIFLUSH);
  S(SYS_close, fd);
  S(SYS_ioctl, 99, TCGETS, &t);
}

int
main(void)
{
  children();
  futexes();
  scheduling();
  sleeps();
  terminal();
  S(SYS_exit_group, 0);
}
