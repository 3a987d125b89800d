/* The one table that maps each syscall (by the name user space knows, as
 * in asm/unistd_64.h) to its decoder. A syscall not listed here is
 * rendered from the kernel's own argument types (generic.c). */
#include "decode/families.h"

#include <string.h>

static const GtDecoderEntry decoders[] = {
  /* files */
  { "open", gt_dec_open }, { "openat", gt_dec_openat }, { "creat", gt_dec_creat },
  { "read", gt_dec_read }, { "pread64", gt_dec_read },
  { "write", gt_dec_write }, { "pwrite64", gt_dec_write },
  { "lseek", gt_dec_lseek },
  { "readv", gt_dec_readv }, { "preadv", gt_dec_readv }, { "preadv2", gt_dec_readv },
  { "writev", gt_dec_writev }, { "pwritev", gt_dec_writev }, { "pwritev2", gt_dec_writev },
  { "stat", gt_dec_stat }, { "lstat", gt_dec_stat }, { "fstat", gt_dec_fstat },
  { "newfstatat", gt_dec_newfstatat }, { "statx", gt_dec_statx },
  { "getdents64", gt_dec_getdents64 },
  { "access", gt_dec_access }, { "faccessat", gt_dec_faccessat },
  { "faccessat2", gt_dec_faccessat },
  { "readlink", gt_dec_readlink }, { "readlinkat", gt_dec_readlinkat },
  { "getcwd", gt_dec_getcwd },
  { "unlink", gt_dec_path }, { "rmdir", gt_dec_path }, { "chdir", gt_dec_path },
  { "chroot", gt_dec_path }, { "acct", gt_dec_path },
  { "link", gt_dec_path_path }, { "symlink", gt_dec_path_path },
  { "rename", gt_dec_path_path },
  { "symlinkat", gt_dec_symlinkat }, { "linkat", gt_dec_linkat },
  { "renameat", gt_dec_renameat }, { "renameat2", gt_dec_renameat },
  { "unlinkat", gt_dec_unlinkat },
  { "mkdir", gt_dec_path_mode }, { "chmod", gt_dec_path_mode },
  { "mkdirat", gt_dec_dirfd_path_mode }, { "fchmodat", gt_dec_dirfd_path_mode },
  { "fchmod", gt_dec_fd_mode },
  { "chown", gt_dec_chown }, { "lchown", gt_dec_chown }, { "fchown", gt_dec_fchown },
  { "umask", gt_dec_umask },
  { "truncate", gt_dec_path_len }, { "ftruncate", gt_dec_fd_len },
  { "utimensat", gt_dec_utimensat },
  { "ioctl", gt_dec_ioctl },
  { "getrandom", gt_dec_getrandom },
  /* descriptors */
  { "close", gt_dec_fd }, { "dup", gt_dec_dup }, { "fsync", gt_dec_fd },
  { "fdatasync", gt_dec_fd }, { "fchdir", gt_dec_fd },
  { "dup2", gt_dec_dup2 }, { "dup3", gt_dec_dup3 },
  { "pipe", gt_dec_pipe }, { "pipe2", gt_dec_pipe2 },
  { "fcntl", gt_dec_fcntl },
  { "memfd_create", gt_dec_memfd_create }, { "eventfd2", gt_dec_eventfd2 },
  { "flock", gt_dec_flock },
  /* memory */
  { "brk", gt_dec_brk }, { "mmap", gt_dec_mmap }, { "mprotect", gt_dec_mprotect },
  { "munmap", gt_dec_addr_len }, { "mlock", gt_dec_addr_len },
  { "munlock", gt_dec_addr_len }, { "madvise", gt_dec_madvise }, { "msync", gt_dec_msync },
  { "mlockall", gt_dec_mlockall }, { "mincore", gt_dec_mincore }, { "mremap", gt_dec_mremap },
  /* processes */
  { "execve", gt_dec_execve }, { "execveat", gt_dec_execveat },
  { "clone", gt_dec_clone }, { "wait4", gt_dec_wait4 },
  { "exit", gt_dec_int }, { "exit_group", gt_dec_int },
  { "uname", gt_dec_uname },
  { "prlimit64", gt_dec_prlimit64 }, { "getrlimit", gt_dec_getrlimit },
  { "setrlimit", gt_dec_setrlimit },
  { "prctl", gt_dec_prctl }, { "arch_prctl", gt_dec_arch_prctl },
  { "getpriority", gt_dec_priority }, { "setpriority", gt_dec_priority },
  { "set_tid_address", gt_dec_set_tid_address }, { "set_robust_list", gt_dec_set_robust_list },
  { "rseq", gt_dec_rseq },
  { "kill", gt_dec_kill }, { "tkill", gt_dec_kill }, { "tgkill", gt_dec_tgkill },
  { "sched_yield", gt_dec_none }, { "fork", gt_dec_none }, { "vfork", gt_dec_none },
  { "clone3", gt_dec_clone3 }, { "waitid", gt_dec_waitid }, { "getrusage", gt_dec_getrusage },
  /* scheduling */
  { "sched_getaffinity", gt_dec_sched_getaffinity },
  { "sched_setaffinity", gt_dec_sched_setaffinity },
  { "sched_getparam", gt_dec_sched_getparam }, { "sched_setparam", gt_dec_sched_setparam },
  { "sched_getscheduler", gt_dec_sched_getscheduler },
  { "sched_setscheduler", gt_dec_sched_setscheduler },
  { "sched_get_priority_max", gt_dec_sched_policy },
  { "sched_get_priority_min", gt_dec_sched_policy },
  { "sched_rr_get_interval", gt_dec_sched_rr_get_interval },
  /* ids */
  { "getpid", gt_dec_none }, { "getppid", gt_dec_none }, { "gettid", gt_dec_none },
  { "getpgrp", gt_dec_none }, { "setsid", gt_dec_none },
  { "getuid", gt_dec_none }, { "geteuid", gt_dec_none },
  { "getgid", gt_dec_none }, { "getegid", gt_dec_none },
  { "getpgid", gt_dec_int }, { "getsid", gt_dec_int }, { "setuid", gt_dec_int },
  { "setgid", gt_dec_int }, { "setfsuid", gt_dec_int }, { "setfsgid", gt_dec_int },
  { "setpgid", gt_dec_int_int }, { "setreuid", gt_dec_int_int }, { "setregid", gt_dec_int_int },
  { "setresuid", gt_dec_int3 }, { "setresgid", gt_dec_int3 },
  { "getgroups", gt_dec_getgroups },
  /* signals */
  { "rt_sigaction", gt_dec_rt_sigaction }, { "rt_sigprocmask", gt_dec_rt_sigprocmask },
  { "rt_sigpending", gt_dec_rt_sigpending }, { "rt_sigreturn", gt_dec_rt_sigreturn },
  /* network */
  { "socket", gt_dec_socket }, { "socketpair", gt_dec_socketpair },
  { "bind", gt_dec_sockaddr_in }, { "connect", gt_dec_sockaddr_in },
  { "listen", gt_dec_listen },
  { "getsockname", gt_dec_getsockname }, { "getpeername", gt_dec_getsockname },
  { "accept", gt_dec_accept }, { "accept4", gt_dec_accept },
  { "sendto", gt_dec_sendto }, { "recvfrom", gt_dec_recvfrom },
  { "sendmsg", gt_dec_sendmsg }, { "recvmsg", gt_dec_recvmsg },
  { "sendmmsg", gt_dec_sendmmsg }, { "recvmmsg", gt_dec_recvmmsg },
  { "shutdown", gt_dec_shutdown },
  { "setsockopt", gt_dec_setsockopt }, { "getsockopt", gt_dec_getsockopt },
  /* time */
  { "clock_gettime", gt_dec_clock_gettime }, { "clock_getres", gt_dec_clock_gettime },
  { "clock_settime", gt_dec_clock_settime },
  { "nanosleep", gt_dec_nanosleep }, { "clock_nanosleep", gt_dec_clock_nanosleep },
  { "gettimeofday", gt_dec_gettimeofday }, { "alarm", gt_dec_alarm },
  /* polling */
  { "poll", gt_dec_poll }, { "ppoll", gt_dec_ppoll }, { "select", gt_dec_select }, { "pselect6", gt_dec_pselect6 },
  { "epoll_create1", gt_dec_epoll_create1 }, { "epoll_create", gt_dec_int },
  { "epoll_ctl", gt_dec_epoll_ctl },
  { "epoll_wait", gt_dec_epoll_wait }, { "epoll_pwait", gt_dec_epoll_wait },
  /* ipc */
  { "futex", gt_dec_futex },
};

GtDecoderFn
gt_decoder_lookup(const char *name)
{
  static GHashTable *index;
  static gsize once;
  if (g_once_init_enter(&once)) {
    GHashTable *t = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < G_N_ELEMENTS(decoders); i++)
      g_hash_table_insert(t, (gpointer)decoders[i].name, (gpointer)&decoders[i]);
    index = t;
    g_once_init_leave(&once, 1);
  }
  const GtDecoderEntry *e = name ? g_hash_table_lookup(index, name) : NULL;
  return e ? e->fn : NULL;
}

const char *
gt_decode_syscall_name(int nr)
{
  return nr >= 0 ? gt_xlat_name(&gt_xlat_syscall_names, (guint64)nr) : NULL;
}

int
gt_decode_syscall_nr(const char *name)
{
  for (guint i = 0; name && i < gt_xlat_syscall_names.n; i++)
    if (!strcmp(gt_xlat_syscall_names.entries[i].name, name))
      return (int)gt_xlat_syscall_names.entries[i].value;
  return -1;
}
