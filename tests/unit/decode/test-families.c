/* The decoder families on crafted registers and caller memory, with the
 * struct layouts of the real guest kernels' BTF (data/, *.btf: the types the
 * decoders read, extracted from Debian 12's 6.1 and Debian 13's 6.12 by
 * btf-subset.c). Every expected line is strace 6.1's output for the same
 * call (tests/guest/workloads/gtw-parity.c run under strace). */
#include "decode/decode.h"
#include "os/linux/offsets.h"

#include <string.h>

/* ---- a fake caller memory: regions of bytes ---------------------------- */

typedef struct {
  guint64 va;
  GByteArray *bytes;
} Region;

static GArray *regions;   /* Region */

static void
mem_reset(void)
{
  if (regions)
    for (guint i = 0; i < regions->len; i++)
      g_byte_array_unref(g_array_index(regions, Region, i).bytes);
  g_clear_pointer(&regions, g_array_unref);
  regions = g_array_new(FALSE, FALSE, sizeof(Region));
}

static void
mem_put(guint64 va, const void *data, gsize len)
{
  Region r = { va, g_byte_array_new() };
  g_byte_array_append(r.bytes, data, (guint)len);
  g_array_append_val(regions, r);
}

static gsize
fake_read_bytes(void *ctx, guint64 va, void *buf, gsize len)
{
  for (guint i = 0; i < regions->len; i++) {
    Region *r = &g_array_index(regions, Region, i);
    if (va >= r->va && va < r->va + r->bytes->len) {
      gsize n = MIN(len, r->va + r->bytes->len - va);
      memcpy(buf, r->bytes->data + (va - r->va), n);
      return n;
    }
  }
  return 0;
}

static char *
fake_read_string(void *ctx, guint64 va, gsize max, gboolean *truncated)
{
  g_autofree char *buf = g_malloc0(max + 1);
  gsize n = fake_read_bytes(ctx, va, buf, max);
  if (!n)
    return NULL;
  gsize len = strnlen(buf, n);
  /* As the guest reader: no NUL in what was read (the limit, or an
   * unreadable byte). */
  *truncated = len == n;
  return g_strndup(buf, len);
}

/* ---- the guest kernel's layouts --------------------------------------- */

static GtKernelBtf *btf;

static void
load_btf(const char *name)
{
  g_autofree char *path = g_build_filename(GT_TEST_SRCDIR, "tests", "unit", "decode", "data",
                                           name, NULL);
  g_autofree char *data = NULL;
  gsize size = 0;
  g_assert_true(g_file_get_contents(path, &data, &size, NULL));
  g_autoptr(GError) error = NULL;
  g_clear_pointer(&btf, gt_kbtf_free);
  btf = gt_kbtf_load_raw(data, size, &error);
  g_assert_no_error(error);
}

/* Writes `len` bytes of v at the BTF offset of type.member inside buf. */
static void
put_field(guint8 *buf, const char *type, const char *member, guint64 v)
{
  guint off = 0, size = 0;
  g_assert_true(gt_kbtf_member_offset(btf, type, member, &off, &size, NULL));
  g_assert_cmpuint(size, <=, 8);
  memcpy(buf + off, &v, size);
}

static guint
type_size(const char *type)
{
  guint size = 0;
  g_assert_true(gt_kbtf_struct_size(btf, type, &size, NULL));
  return size;
}

/* ---- one call --------------------------------------------------------- */

static int
nr_of(const char *name)
{
  for (int nr = 0; nr < 512; nr++)
    if (!g_strcmp0(gt_decode_syscall_name(nr), name))
      return nr;
  g_assert_not_reached();
}

static GtDecodeOptions options;
/* The caller's stack pointer given to the decoders (rt_sigreturn). */
static guint64 user_sp;

/* Decodes name(raw...) = result (has_result FALSE: "= ?") and checks the
 * text line without its "[pid ...] " prefix. */
static void
check_call(const char *name, guint nargs, const guint64 raw[6], gboolean has_result,
           gint64 result, const char *want)
{
  GtSyscallMeta m = { .name = (char *)name, .nr = nr_of(name), .nargs = nargs };
  GtArgReader rd = { fake_read_string, fake_read_bytes, NULL, btf, &options, NULL, user_sp };
  g_autoptr(GtRecord) rec = gt_record_new();
  rec->name = g_strdup(name);
  rec->nr = m.nr;
  rec->pid = rec->tid = 7;
  g_strlcpy(rec->comm, "t", sizeof rec->comm);
  gt_decode_call(rec, &m, raw, nargs, &rd);
  rec->has_result = has_result;
  rec->result = result;
  if (has_result)
    gt_decode_return(rec, &rd);
  g_autofree char *line = gt_record_format_text(rec);
  g_assert_true(g_str_has_prefix(line, "[pid 7 t] "));
  g_assert_cmpstr(line + strlen("[pid 7 t] "), ==, want);
}

#define CALL(name, n, res, want, ...)                                                      \
  do {                                                                                     \
    const guint64 raw_[6] = { __VA_ARGS__ };                                               \
    check_call(name, n, raw_, TRUE, res, want);                                            \
  } while (0)

#define AT_FDCWD_RAW ((guint64)(gint64)-100)
#define PATH_A 0x10000
#define PATH_B 0x10100
#define BUF 0x20000
#define STRUCT1 0x30000
#define STRUCT2 0x31000

static void
setup_paths(void)
{
  mem_reset();
  mem_put(PATH_A, "/tmp/pdir/a", 12);
  mem_put(PATH_B, "/tmp/pdir/b", 12);
}

static void
test_files(void)
{
  setup_paths();
  CALL("openat", 4, 3, "openat(AT_FDCWD, \"/tmp/pdir/a\", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0640) = 3",
       AT_FDCWD_RAW, PATH_A, 01 | 0100 | 01000 | 02000000, 0640);
  CALL("open", 3, 3, "open(\"/tmp/pdir/a\", O_RDONLY) = 3", PATH_A, 0, 0);
  mem_put(BUF, "helxy, parity\n0123456789abcdefghijklmnopqrstuvwxyz", 50);
  CALL("read", 3, 8, "read(3, \"helxy, p\", 8) = 8", 3, BUF, 8);
  CALL("read", 3, 50, "read(3, \"helxy, parity\\n0123456789abcdefgh\"..., 256) = 50", 3, BUF, 256);
  CALL("read", 3, -14, "read(3, 0x20000, 8) = -1 EFAULT (Bad address)", 3, BUF, 8);
  CALL("lseek", 3, 58, "lseek(3, -2, SEEK_END) = 58", 3, (guint64)-2, 2);
  CALL("fcntl", 3, 0x8000, "fcntl(3, F_GETFL) = 0x8000 (flags O_RDONLY|O_LARGEFILE)", 3, 3, 0);
  CALL("fcntl", 3, 1, "fcntl(3, F_GETFD) = 0x1 (flags FD_CLOEXEC)", 3, 1, 0);
  CALL("fcntl", 3, 0, "fcntl(3, F_SETFD, FD_CLOEXEC) = 0", 3, 2, 1);
  CALL("fcntl", 3, 11, "fcntl(3, F_DUPFD_CLOEXEC, 10) = 11", 3, 1030, 10);
  CALL("ioctl", 3, -25, "ioctl(3, TCGETS, 0x20000) = -1 ENOTTY (Inappropriate ioctl for device)",
       3, 0x5401, BUF);
  CALL("faccessat2", 4, -13,
       "faccessat2(AT_FDCWD, \"/tmp/pdir/a\", X_OK, AT_EACCESS) = -1 EACCES (Permission denied)",
       AT_FDCWD_RAW, PATH_A, 1, 0x200);
  CALL("unlinkat", 3, 0, "unlinkat(AT_FDCWD, \"/tmp/pdir/b\", AT_REMOVEDIR) = 0",
       AT_FDCWD_RAW, PATH_B, 0x200);
  CALL("access", 2, 0, "access(\"/tmp/pdir/a\", R_OK|W_OK) = 0", PATH_A, 6);
  CALL("renameat2", 5, -17,
       "renameat2(AT_FDCWD, \"/tmp/pdir/b\", AT_FDCWD, \"/tmp/pdir/a\", RENAME_NOREPLACE) = -1 EEXIST (File exists)",
       AT_FDCWD_RAW, PATH_B, AT_FDCWD_RAW, PATH_A, 1);
  CALL("umask", 1, 022, "umask(022) = 022", 022);
  CALL("chmod", 2, 0, "chmod(\"/tmp/pdir/a\", 0600) = 0", PATH_A, 0600);
  mem_put(BUF + 0x100, "/tmp\0garbage", 12);
  CALL("getcwd", 2, 5, "getcwd(\"/tmp\", 256) = 5", BUF + 0x100, 256);
  /* A result larger than what is read (a hostile kernel, or a JSON size
   * below it): what was read, marked as cut, never past the buffer. */
  options.json_size = 8;
  mem_put(BUF + 0x400, "0123456789012345678901234567890123456789", 40);
  CALL("readlink", 3, 100,
       "readlink(\"/tmp/pdir/a\", \"01234567890123456789012345678901\"..., 256) = 100",
       PATH_A, BUF + 0x400, 256);
  gt_decode_options_init(&options);
  CALL("readlinkat", 4, 11, "readlinkat(AT_FDCWD, \"/tmp/pdir/b\", \"/tmp/pdir/a\", 256) = 11",
       AT_FDCWD_RAW, PATH_B, PATH_A, 256);
  guint8 st[512] = { 0 };
  put_field(st, "stat", "st_mode", 0100640);
  put_field(st, "stat", "st_size", 60);
  mem_put(STRUCT1, st, type_size("stat"));
  CALL("fstat", 2, 0, "fstat(3, {st_mode=S_IFREG|0640, st_size=60, ...}) = 0", 3, STRUCT1);
  CALL("newfstatat", 4, 0,
       "newfstatat(3, \"\", {st_mode=S_IFREG|0640, st_size=60, ...}, AT_EMPTY_PATH) = 0",
       3, PATH_A + 11, STRUCT1, 0x1000);
  mem_put(PATH_A + 0x1000, "/nonexistent", 13);
  CALL("stat", 2, -2, "stat(\"/nonexistent\", 0x30000) = -1 ENOENT (No such file or directory)",
       PATH_A + 0x1000, STRUCT1);
  /* An unreadable path prints as its address, never as guessed bytes. */
  CALL("unlink", 1, -14, "unlink(0x50000) = -1 EFAULT (Bad address)", 0x50000);
  guint8 rnd[4] = { 0xf1, 0x79, 0xa1, 0xc7 };
  mem_put(BUF + 0x200, rnd, 4);
  CALL("getrandom", 3, 4, "getrandom(\"\\xf1\\x79\\xa1\\xc7\", 4, GRND_NONBLOCK) = 4",
       BUF + 0x200, 4, 1);
}

/* JSON: the raw values in args, their meaning in decoded, structs
 * written back in out, the kernel's own name beside the user-space one. */
static void
test_json(void)
{
  setup_paths();
  GtSyscallMeta m = { .name = "openat", .nr = nr_of("openat"), .nargs = 4 };
  GtArgReader rd = { fake_read_string, fake_read_bytes, NULL, btf, &options, NULL };
  g_autoptr(GtRecord) rec = gt_record_new();
  rec->name = g_strdup("openat");
  rec->nr = m.nr;
  const guint64 raw[6] = { AT_FDCWD_RAW, PATH_A, 01 | 0100 | 02000000, 0640 };
  gt_decode_call(rec, &m, raw, 4, &rd);
  rec->has_result = TRUE;
  rec->result = 3;
  gt_decode_return(rec, &rd);
  g_autofree char *j = gt_record_format_json(rec);
  g_assert_nonnull(strstr(j, "\"args\":{\"arg0\":-100,\"arg1\":\"/tmp/pdir/a\",\"arg2\":524353,"));
  g_assert_nonnull(strstr(j, "\"decoded\":{\"arg0\":\"AT_FDCWD\","
                             "\"arg2\":[\"O_WRONLY\",\"O_CREAT\",\"O_CLOEXEC\"]}"));

  guint8 st[512] = { 0 };
  put_field(st, "stat", "st_mode", 0100640);
  put_field(st, "stat", "st_size", 60);
  mem_put(STRUCT1, st, type_size("stat"));
  GtSyscallMeta fm = { .name = "newfstat", .nr = nr_of("fstat"), .nargs = 2 };
  g_autoptr(GtRecord) f = gt_record_new();
  f->name = g_strdup("newfstat");
  f->nr = fm.nr;
  const guint64 fraw[6] = { 3, STRUCT1 };
  gt_decode_call(f, &fm, fraw, 2, &rd);
  f->has_result = TRUE;
  gt_decode_return(f, &rd);
  g_autofree char *fj = gt_record_format_json(f);
  g_assert_nonnull(strstr(fj, "\"syscall\":\"fstat\",\"kernel_function\":\"newfstat\""));
  g_assert_nonnull(strstr(fj, "\"out\":{\"arg1\":{\"st_mode_type\":\"S_IFREG\","
                              "\"st_mode\":33184,\"st_size\":60,"));
}

static void
test_descriptors(void)
{
  mem_reset();
  gint32 fds[2] = { 3, 4 };
  mem_put(BUF, fds, sizeof fds);
  mem_put(PATH_A, "parity", 7);
  CALL("pipe2", 2, 0, "pipe2([3, 4], O_CLOEXEC) = 0", BUF, 02000000);
  CALL("pipe2", 2, -24, "pipe2(0x20000, 0) = -1 EMFILE (Too many open files)", BUF, 0);
  CALL("dup3", 3, 21, "dup3(3, 21, O_CLOEXEC) = 21", 3, 21, 02000000);
  CALL("close", 1, -9, "close(99) = -1 EBADF (Bad file descriptor)", 99);
  CALL("memfd_create", 2, 3, "memfd_create(\"parity\", MFD_CLOEXEC|MFD_ALLOW_SEALING) = 3",
       PATH_A, 3);
  CALL("eventfd2", 2, 3, "eventfd2(3, EFD_CLOEXEC|EFD_NONBLOCK) = 3", 3, 02004000);
}

static void
test_memory(void)
{
  mem_reset();
  CALL("brk", 1, 0x29c2d000, "brk(NULL) = 0x29c2d000", 0);
  CALL("mmap", 6, 0x7f2440726000,
       "mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f2440726000",
       0, 8192, 3, 0x22, (guint64)-1, 0);
  CALL("mprotect", 3, 0, "mprotect(0x7f2440726000, 4096, PROT_READ) = 0", 0x7f2440726000, 4096, 1);
  CALL("mprotect", 3, -12, "mprotect(NULL, 4096, PROT_NONE) = -1 ENOMEM (Cannot allocate memory)",
       0, 4096, 0);
  CALL("madvise", 3, 0, "madvise(0x7f2440726000, 8192, MADV_DONTNEED) = 0", 0x7f2440726000, 8192, 4);
  CALL("mremap", 4, 0x7f056d9f4000,
       "mremap(0x7f056d9f8000, 8192, 16384, MREMAP_MAYMOVE) = 0x7f056d9f4000",
       0x7f056d9f8000, 8192, 16384, 1, 0);
  CALL("munmap", 2, 0, "munmap(0x7f056d9f4000, 16384) = 0", 0x7f056d9f4000, 16384);
}

static void
test_processes(void)
{
  mem_reset();
  CALL("clone", 5, 24723, "clone(child_stack=NULL, flags=SIGCHLD) = 24723", 17, 0, 0, 0, 0);
  CALL("clone", 5, 9,
       "clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 9",
       0x01200011, 0, 0, 0x7f00, 0);
  gint32 status = 3 << 8;
  mem_put(BUF, &status, sizeof status);
  CALL("wait4", 4, 24723,
       "wait4(24723, [{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = 24723", 24723, BUF, 0, 0);
  CALL("wait4", 4, -10, "wait4(-1, 0x20000, WNOHANG, NULL) = -1 ECHILD (No child processes)",
       (guint64)-1, BUF, 1, 0);
  guint8 rl[64] = { 0 };
  put_field(rl, "rlimit64", "rlim_cur", 8192 * 1024);
  put_field(rl, "rlimit64", "rlim_max", G_MAXUINT64);
  mem_put(STRUCT1, rl, type_size("rlimit64"));
  CALL("prlimit64", 4, 0,
       "prlimit64(0, RLIMIT_STACK, NULL, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}) = 0",
       0, 3, 0, STRUCT1);
  CALL("getrlimit", 2, 0,
       "getrlimit(RLIMIT_STACK, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}) = 0", 3, STRUCT1);
  guint8 uts[512] = { 0 };
  guint off = 0, size = 0;
  g_assert_true(gt_kbtf_member_offset(btf, "new_utsname", "nodename", &off, &size, NULL));
  memcpy(uts, "Linux", 5);
  memcpy(uts + off, "vm", 2);
  mem_put(STRUCT2, uts, type_size("new_utsname"));
  CALL("uname", 1, 0, "uname({sysname=\"Linux\", nodename=\"vm\", ...}) = 0", STRUCT2);
  mem_put(PATH_A, "gtw-parity", 11);
  CALL("prctl", 5, 0, "prctl(PR_SET_NAME, \"gtw-parity\") = 0", 15, PATH_A, 0, 0, 0);
  CALL("prctl", 5, 1, "prctl(PR_GET_DUMPABLE) = 1 (SUID_DUMP_USER)", 3, 0, 0, 0, 0);
  CALL("arch_prctl", 2, 0, "arch_prctl(ARCH_SET_FS, 0x29c2d380) = 0", 0x1002, 0x29c2d380);
  guint64 fs = 0x29c2d380;
  mem_put(BUF + 0x100, &fs, sizeof fs);
  CALL("arch_prctl", 2, 0, "arch_prctl(ARCH_GET_FS, [0x29c2d380]) = 0", 0x1003, BUF + 0x100);
  CALL("rseq", 4, 0, "rseq(0x29c2dca0, 0x20, 0, 0x53053053) = 0", 0x29c2dca0, 0x20, 0, 0x53053053);
  CALL("getpriority", 2, 20, "getpriority(PRIO_PROCESS, 0) = 20", 0, 0);
  CALL("kill", 2, -3, "kill(24723, 0) = -1 ESRCH (No such process)", 24723, 0);
  const guint64 raw[6] = { 0 };
  check_call("exit_group", 1, raw, FALSE, 0, "exit_group(0) = ?");
}

static void
test_signals(void)
{
  mem_reset();
  guint8 sa[256] = { 0 };
  put_field(sa, "sigaction", "sa_handler", 0x401615);
  put_field(sa, "sigaction", "sa_flags", 0x04000000);
  put_field(sa, "sigaction", "sa_restorer", 0x409990);
  mem_put(STRUCT1, sa, type_size("sigaction"));
  CALL("rt_sigaction", 4, 0,
       "rt_sigaction(SIGUSR1, {sa_handler=0x401615, sa_mask=[], sa_flags=SA_RESTORER, sa_restorer=0x409990}, NULL, 8) = 0",
       10, STRUCT1, 0, 8);
  put_field(sa, "sigaction", "sa_handler", 1);
  mem_put(STRUCT2, sa, type_size("sigaction"));
  CALL("rt_sigaction", 4, 0,
       "rt_sigaction(SIGPIPE, NULL, {sa_handler=SIG_IGN, sa_mask=[], sa_flags=SA_RESTORER, sa_restorer=0x409990}, 8) = 0",
       13, 0, STRUCT2, 8);
  guint64 set = (1ULL << (12 - 1)) | (1ULL << (15 - 1)), empty = 0, most = ~(1ULL << 8);
  mem_put(BUF, &set, 8);
  mem_put(BUF + 8, &empty, 8);
  mem_put(BUF + 16, &most, 8);
  CALL("rt_sigprocmask", 4, 0, "rt_sigprocmask(SIG_BLOCK, [USR2 TERM], [], 8) = 0", 0, BUF,
       BUF + 8, 8);
  CALL("rt_sigprocmask", 4, 0, "rt_sigprocmask(SIG_SETMASK, ~[KILL], NULL, 8) = 0", 2, BUF + 16,
       0, 8);
  CALL("tgkill", 3, 0, "tgkill(24722, 24722, SIGRTMIN) = 0", 24722, 24722, 32);
  /* rt_sigreturn: the mask in the signal frame at the stack pointer - 8. */
  guint uc = 0, mask = 0, size = 0;
  g_assert_true(gt_kbtf_member_offset(btf, "rt_sigframe", "uc", &uc, &size, NULL));
  g_assert_true(gt_kbtf_member_offset(btf, "ucontext", "uc_sigmask", &mask, &size, NULL));
  guint64 usr1 = 1ULL << (10 - 1);
  mem_put(0x40000 - 8 + uc + mask, &usr1, sizeof usr1);
  user_sp = 0x40000;
  CALL("rt_sigreturn", 0, 0, "rt_sigreturn({mask=[USR1]}) = 0", 0);
  user_sp = 0;
  CALL("rt_sigreturn", 0, 0, "rt_sigreturn() = 0", 0);
}

/* Socket addresses by family, layouts from the kernel's BTF: strace's
 * print_sockaddr (fields when the address is long enough, else sa_data;
 * shorter than the family: the pointer). */
static void
test_sockaddrs(void)
{
  mem_reset();
  guint8 in6[28] = { 10, 0, 0, 53 };
  in6[23] = 1;
  mem_put(STRUCT1, in6, sizeof in6);
  CALL("connect", 3, 0,
       "connect(3, {sa_family=AF_INET6, sin6_port=htons(53), sin6_flowinfo=htonl(0), "
       "inet_pton(AF_INET6, \"::1\", &sin6_addr), sin6_scope_id=0}, 28) = 0",
       3, STRUCT1, 28);
  CALL("connect", 3, 0,
       "connect(3, {sa_family=AF_INET6, sin6_port=htons(53), sin6_flowinfo=htonl(0), "
       "inet_pton(AF_INET6, \"::1\", &sin6_addr)}, 24) = 0",
       3, STRUCT1, 24);
  guint8 nl[12] = { 16, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0 };
  mem_put(STRUCT2, nl, sizeof nl);
  CALL("bind", 3, 0, "bind(3, {sa_family=AF_NETLINK, nl_pid=0, nl_groups=0x000005}, 12) = 0",
       3, STRUCT2, 12);
  mem_put(BUF, "\1\0\0abc", 6);
  CALL("connect", 3, 0, "connect(3, {sa_family=AF_UNIX, sun_path=@\"abc\"}, 6) = 0", 3, BUF, 6);
  mem_put(BUF + 0x100, "\1\0/run/x.sock", 14);
  CALL("connect", 3, 0, "connect(3, {sa_family=AF_UNIX, sun_path=\"/run/x.sock\"}, 14) = 0", 3,
       BUF + 0x100, 14);
  CALL("connect", 3, 0, "connect(3, {sa_family=AF_UNIX}, 2) = 0", 3, BUF + 0x100, 2);
  mem_put(BUF + 0x200, "\2\0\x1c\xbd", 4);
  CALL("connect", 3, 0, "connect(3, {sa_family=AF_INET, sa_data=\"\\34\\275\"}, 4) = 0", 3,
       BUF + 0x200, 4);
  mem_put(BUF + 0x300, "\xc8\0ab", 4);
  CALL("connect", 3, 0, "connect(3, {sa_family=0xc8 /* AF_??? */, sa_data=\"ab\"}, 4) = 0", 3,
       BUF + 0x300, 4);
  CALL("connect", 3, 0, "connect(3, 0x20300, 1) = 0", 3, BUF + 0x300, 1);
}

static void
test_network(void)
{
  mem_reset();
  CALL("socket", 3, 3, "socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_TCP) = 3", 2,
       1 | 02000000, 6);
  CALL("socket", 3, 4, "socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 4", 2, 1, 0);
  CALL("socket", 3, 3, "socket(AF_UNIX, SOCK_DGRAM, 0) = 3", 1, 2, 0);
  gint32 one = 1;
  mem_put(BUF, &one, 4);
  CALL("setsockopt", 5, 0, "setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0", 3, 1, 2, BUF, 4);
  CALL("setsockopt", 5, 0, "setsockopt(3, SOL_TCP, TCP_NODELAY, [1], 4) = 0", 3, 6, 1, BUF, 4);
  guint8 in[16] = { 2, 0, 0x1c, 0xbd, 127, 0, 0, 1 };
  mem_put(STRUCT1, in, sizeof in);
  CALL("bind", 3, 0,
       "bind(3, {sa_family=AF_INET, sin_port=htons(7357), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 0",
       3, STRUCT1, 16);
  gint32 len = 16;
  mem_put(BUF + 8, &len, 4);
  CALL("getsockname", 3, 0,
       "getsockname(3, {sa_family=AF_INET, sin_port=htons(7357), sin_addr=inet_addr(\"127.0.0.1\")}, [16]) = 0",
       3, STRUCT1, BUF + 8);
  CALL("accept4", 4, 5, "accept4(3, NULL, NULL, SOCK_CLOEXEC) = 5", 3, 0, 0, 02000000);
  mem_put(PATH_A, "request", 7);
  CALL("sendto", 6, 7, "sendto(4, \"request\", 7, MSG_NOSIGNAL, NULL, 0) = 7", 4, PATH_A, 7,
       0x4000, 0, 0);
  CALL("recvfrom", 6, 7, "recvfrom(5, \"request\", 32, 0, NULL, NULL) = 7", 5, PATH_A, 32, 0, 0, 0);
  guint8 un[13] = { 1, 0, 0, 'g', 't', 'w', '-', 'p', 'a', 'r', 'i', 't', 'y' };
  mem_put(STRUCT2, un, sizeof un);
  CALL("bind", 3, 0, "bind(3, {sa_family=AF_UNIX, sun_path=@\"gtw-parity\"}, 13) = 0", 3, STRUCT2,
       13);
  CALL("shutdown", 2, 0, "shutdown(4, SHUT_WR) = 0", 4, 1);
}

static void
test_time(void)
{
  mem_reset();
  guint8 ts[32] = { 0 };
  put_field(ts, "__kernel_timespec", "tv_sec", 596);
  put_field(ts, "__kernel_timespec", "tv_nsec", 141380186);
  mem_put(STRUCT1, ts, type_size("__kernel_timespec"));
  CALL("clock_gettime", 2, 0, "clock_gettime(CLOCK_MONOTONIC, {tv_sec=596, tv_nsec=141380186}) = 0",
       1, STRUCT1);
  put_field(ts, "__kernel_timespec", "tv_sec", 0);
  put_field(ts, "__kernel_timespec", "tv_nsec", 1000000);
  mem_put(STRUCT2, ts, type_size("__kernel_timespec"));
  CALL("nanosleep", 2, 0, "nanosleep({tv_sec=0, tv_nsec=1000000}, NULL) = 0", STRUCT2, 0);
  CALL("clock_nanosleep", 4, 0,
       "clock_nanosleep(CLOCK_MONOTONIC, 0, {tv_sec=0, tv_nsec=1000000}, NULL) = 0", 1, 0, STRUCT2,
       0);
  guint8 tv[32] = { 0 };
  put_field(tv, "__kernel_old_timeval", "tv_sec", 1796173595);
  put_field(tv, "__kernel_old_timeval", "tv_usec", 656876);
  mem_put(BUF, tv, type_size("__kernel_old_timeval"));
  CALL("gettimeofday", 2, 0, "gettimeofday({tv_sec=1796173595, tv_usec=656876}, NULL) = 0", BUF, 0);
}

static void
test_ids_polling_ipc(void)
{
  mem_reset();
  CALL("setuid", 1, 0, "setuid(0) = 0", 0);
  CALL("getgroups", 2, 0, "getgroups(0, NULL) = 0", 0, 0);
  CALL("getpid", 0, 24722, "getpid() = 24722", 0);
  guint size = type_size("pollfd");
  guint8 pfd[64] = { 0 };
  put_field(pfd, "pollfd", "fd", 3);
  put_field(pfd, "pollfd", "events", 1);
  put_field(pfd + size, "pollfd", "fd", 4);
  put_field(pfd + size, "pollfd", "events", 4);
  put_field(pfd + size, "pollfd", "revents", 4);
  mem_put(STRUCT1, pfd, 2 * size);
  CALL("poll", 3, 1,
       "poll([{fd=3, events=POLLIN}, {fd=4, events=POLLOUT}], 2, 0) = 1 ([{fd=4, revents=POLLOUT}])",
       STRUCT1, 2, 0);
  guint8 ts[16] = { 0 };
  mem_put(STRUCT1 + 0x100, ts, sizeof ts);
  CALL("ppoll", 5, 1,
       "ppoll([{fd=3, events=POLLIN}, {fd=4, events=POLLOUT}], 2, {tv_sec=0, tv_nsec=0}, NULL, 8) = 1 "
       "([{fd=4, revents=POLLOUT}], left {tv_sec=0, tv_nsec=0})", STRUCT1, 2, STRUCT1 + 0x100, 0, 8);
  CALL("ppoll", 5, 0, "ppoll([{fd=3, events=POLLIN}], 1, {tv_sec=0, tv_nsec=0}, [], 8) = 0 (Timeout)",
       STRUCT1, 1, STRUCT1 + 0x100, STRUCT1 + 0x100, 8);
  options.text_size = 1;
  CALL("poll", 3, 1, "poll([{fd=3, events=POLLIN}, ...], 2, 0) = 1 ([{fd=4, revents=POLLOUT}])",
       STRUCT1, 2, 0);
  gt_decode_options_init(&options);
  guint8 ev[32] = { 0 };
  put_field(ev, "epoll_event", "events", 1);
  put_field(ev, "epoll_event", "data", 7);
  mem_put(STRUCT2, ev, type_size("epoll_event"));
  CALL("epoll_ctl", 4, 0, "epoll_ctl(5, EPOLL_CTL_ADD, 3, {events=EPOLLIN, data={u32=7, u64=7}}) = 0",
       5, 1, 3, STRUCT2);
  CALL("epoll_wait", 4, 1, "epoll_wait(5, [{events=EPOLLIN, data={u32=7, u64=7}}], 1, 0) = 1", 5,
       STRUCT2, 1, 0);
  CALL("epoll_create1", 1, 5, "epoll_create1(EPOLL_CLOEXEC) = 5", 02000000);
  CALL("futex", 6, 0, "futex(0x7ffca2820710, FUTEX_WAKE_PRIVATE, 1) = 0", 0x7ffca2820710, 129, 1,
       0, 0, 0);
}

#define IOV 0x40000
#define DATA 0x41000
#define MSG 0x42000
#define CTRL 0x43000

/* n iovecs at IOV over DATA, DATA+0x100, ... with these lengths. */
static void
put_iovecs(const guint64 *lens, guint n)
{
  guint size = type_size("iovec");
  guint8 v[512] = { 0 };
  for (guint k = 0; k < n; k++) {
    put_field(v + k * size, "iovec", "iov_base", DATA + 0x100 * k);
    put_field(v + k * size, "iovec", "iov_len", lens[k]);
  }
  mem_put(IOV, v, n * size);
}

/* readv/writev and the p/2 variants: strace's tprint_iov_upto. */
static void
test_vectored(void)
{
  mem_reset();
  mem_put(DATA, "ab", 2);
  mem_put(DATA + 0x100, "c", 1);
  mem_put(DATA + 0x200, "0123456789abcdefghijklmnopqrstuvwxyz", 36);
  const guint64 lens[3] = { 2, 1, 36 };
  put_iovecs(lens, 3);
  CALL("writev", 3, 3, "writev(1, [{iov_base=\"ab\", iov_len=2}, {iov_base=\"c\", iov_len=1}], 2) = 3",
       1, IOV, 2);
  CALL("writev", 3, 39,
       "writev(1, [{iov_base=\"ab\", iov_len=2}, {iov_base=\"c\", iov_len=1}, "
       "{iov_base=\"0123456789abcdefghijklmnopqrstuv\"..., iov_len=36}], 3) = 39", 1, IOV, 3);
  /* readv: the data at the return, only as much as the result. */
  CALL("readv", 3, 2,
       "readv(3, [{iov_base=\"ab\", iov_len=2}, {iov_base=\"\", iov_len=1}], 2) = 2", 3, IOV, 2);
  CALL("readv", 3, -14,
       "readv(3, [{iov_base=0x41000, iov_len=2}, {iov_base=0x41100, iov_len=1}], 2) = -1 EFAULT (Bad address)",
       3, IOV, 2);
  CALL("preadv", 5, 3,
       "preadv(3, [{iov_base=\"ab\", iov_len=2}, {iov_base=\"c\", iov_len=1}], 2, 5) = 3", 3, IOV,
       2, 5, 0);
  CALL("pwritev2", 6, 3,
       "pwritev2(3, [{iov_base=\"ab\", iov_len=2}, {iov_base=\"c\", iov_len=1}], 2, -1, RWF_DSYNC|RWF_APPEND) = 3",
       3, IOV, 2, (guint64)-1, (guint64)-1, 0x12);
  CALL("preadv2", 6, 0, "preadv2(3, [{iov_base=\"\", iov_len=2}], 1, 0, 0) = 0", 3, IOV, 1, 0, 0,
       0);
  CALL("writev", 3, 0, "writev(1, [], 0) = 0", 1, IOV, 0);
  CALL("writev", 3, -14, "writev(1, NULL, 1) = -1 EFAULT (Bad address)", 1, 0, 1);
  /* The first element unreadable: the address; a later one: "...". */
  CALL("writev", 3, -14, "writev(1, 0x50000, 1) = -1 EFAULT (Bad address)", 1, 0x50000, 1);
  CALL("writev", 3, -14,
       "writev(1, [{iov_base=\"ab\", iov_len=2}, {iov_base=\"c\", iov_len=1}, "
       "{iov_base=\"0123456789abcdefghijklmnopqrstuv\"..., iov_len=36}, ... /* 0x40030 */], 4) = -1 EFAULT (Bad address)",
       1, IOV, 4);
  /* At most -s elements. */
  options.text_size = 2;
  CALL("writev", 3, 3, "writev(1, [{iov_base=\"ab\", iov_len=2}, {iov_base=\"c\", iov_len=1}, ...], 3) = 3",
       1, IOV, 3);
  gt_decode_options_init(&options);
  /* JSON: the buffers as objects beside the raw pointer. */
  GtSyscallMeta m = { .name = "writev", .nr = nr_of("writev"), .nargs = 3 };
  GtArgReader rd = { fake_read_string, fake_read_bytes, NULL, btf, &options, NULL };
  g_autoptr(GtRecord) rec = gt_record_new();
  rec->name = g_strdup("writev");
  rec->nr = m.nr;
  const guint64 raw[6] = { 1, IOV, 2 };
  gt_decode_call(rec, &m, raw, 3, &rd);
  rec->has_result = TRUE;
  rec->result = 3;
  gt_decode_return(rec, &rd);
  g_autofree char *j = gt_record_format_json(rec);
  g_assert_nonnull(strstr(j, "\"arg1\":[{\"iov_base\":266240,\"iov_len\":2,\"data\":\"\\\"ab\\\"\"},"));
}

static void
put_msghdr(guint64 name, guint64 namelen, guint64 iovlen, guint64 control, guint64 controllen,
           guint64 flags)
{
  guint8 m[128] = { 0 };
  put_field(m, "user_msghdr", "msg_name", name);
  put_field(m, "user_msghdr", "msg_namelen", namelen);
  put_field(m, "user_msghdr", "msg_iov", IOV);
  put_field(m, "user_msghdr", "msg_iovlen", iovlen);
  put_field(m, "user_msghdr", "msg_control", control);
  put_field(m, "user_msghdr", "msg_controllen", controllen);
  put_field(m, "user_msghdr", "msg_flags", flags);
  mem_put(MSG, m, type_size("user_msghdr"));
}

/* sendmsg/recvmsg: strace's print_struct_msghdr and decode_msg_control. */
static void
test_msghdr(void)
{
  mem_reset();
  mem_put(DATA, "ab", 2);
  mem_put(DATA + 0x100, "cde", 3);
  const guint64 lens[2] = { 2, 3 };
  put_iovecs(lens, 2);
  guint8 cm[24] = { 0 };
  put_field(cm, "cmsghdr", "cmsg_len", 20);
  put_field(cm, "cmsghdr", "cmsg_level", 1);
  put_field(cm, "cmsghdr", "cmsg_type", 1);
  gint32 fd = 5;
  memcpy(cm + type_size("cmsghdr"), &fd, 4);
  mem_put(CTRL, cm, sizeof cm);
  guint8 un[13] = { 1, 0, 0, 'g', 't', 'w', '-', 'p', 'a', 'r', 'i', 't', 'y' };
  mem_put(STRUCT2, un, sizeof un);
  put_msghdr(STRUCT2, 13, 2, CTRL, 24, 0);
  CALL("sendmsg", 3, 5,
       "sendmsg(3, {msg_name={sa_family=AF_UNIX, sun_path=@\"gtw-parity\"}, msg_namelen=13, "
       "msg_iov=[{iov_base=\"ab\", iov_len=2}, {iov_base=\"cde\", iov_len=3}], msg_iovlen=2, "
       "msg_control=[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[5]}], "
       "msg_controllen=24, msg_flags=0}, MSG_DONTWAIT) = 5", 3, MSG, 0x40);
  mem_reset();
  mem_put(DATA, "ab", 2);
  mem_put(DATA + 0x100, "cde", 3);
  put_iovecs(lens, 2);
  put_msghdr(0, 0, 2, 0, 0, 0x20);
  CALL("recvmsg", 3, 4,
       "recvmsg(3, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"ab\", iov_len=2}, "
       "{iov_base=\"cd\", iov_len=3}], msg_iovlen=2, msg_controllen=0, msg_flags=MSG_TRUNC}, 0) = 4",
       3, MSG, 0);
  CALL("recvmsg", 3, -11,
       "recvmsg(3, {msg_namelen=0}, MSG_DONTWAIT) = -1 EAGAIN (Resource temporarily unavailable)",
       3, MSG, 0x40);
  CALL("sendmsg", 3, -14, "sendmsg(3, 0x50000, 0) = -1 EFAULT (Bad address)", 3, 0x50000, 0);

  /* sendmmsg/recvmmsg: two mmsghdr, each one buffer; msg_len as the
   * kernel wrote it. */
  mem_reset();
  mem_put(DATA, "ab", 2);
  mem_put(DATA + 0x100, "cde", 3);
  put_iovecs(lens, 2);
  guint msize = type_size("mmsghdr");
  guint8 mm[256] = { 0 };
  for (guint k = 0; k < 2; k++) {
    put_field(mm + k * msize, "user_msghdr", "msg_iov", IOV + k * type_size("iovec"));
    put_field(mm + k * msize, "user_msghdr", "msg_iovlen", 1);
    put_field(mm + k * msize, "mmsghdr", "msg_len", 2 - k);
  }
  mem_put(MSG, mm, 2 * msize);
  CALL("sendmmsg", 4, 1,
       "sendmmsg(3, [{msg_hdr={msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"ab\", iov_len=2}], "
       "msg_iovlen=1, msg_controllen=0, msg_flags=0}, msg_len=2}, {msg_hdr={msg_name=NULL, "
       "msg_namelen=0, msg_iov=[{iov_base=\"cde\", iov_len=3}], msg_iovlen=1, msg_controllen=0, "
       "msg_flags=0}}], 2, MSG_NOSIGNAL) = 1", 3, MSG, 2, 0x4000);
  guint8 ts[16] = { 0 };
  mem_put(STRUCT1, ts, sizeof ts);
  CALL("recvmmsg", 5, 2,
       "recvmmsg(3, [{msg_hdr={msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"ab\", iov_len=2}], "
       "msg_iovlen=1, msg_controllen=0, msg_flags=0}, msg_len=2}, {msg_hdr={msg_name=NULL, "
       "msg_namelen=0, msg_iov=[{iov_base=\"c\", iov_len=3}], msg_iovlen=1, msg_controllen=0, "
       "msg_flags=0}, msg_len=1}], 2, MSG_DONTWAIT, {tv_sec=0, tv_nsec=0}) = 2 (left {tv_sec=0, tv_nsec=0})",
       3, MSG, 2, 0x40, STRUCT1);
  CALL("recvmmsg", 5, 0, "recvmmsg(3, [], 2, 0, {tv_sec=0, tv_nsec=0}) = 0 (Timeout)", 3, MSG, 2,
       0, STRUCT1);
  /* After a failure strace reads no element (sendmmsg does, without
   * msg_len). */
  CALL("recvmmsg", 5, -11,
       "recvmmsg(3, 0x42000, 1, MSG_DONTWAIT, NULL) = -1 EAGAIN (Resource temporarily unavailable)",
       3, MSG, 1, 0x40, 0);
  CALL("sendmmsg", 4, -32,
       "sendmmsg(3, [{msg_hdr={msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"ab\", iov_len=2}], "
       "msg_iovlen=1, msg_controllen=0, msg_flags=0}}], 1, 0) = -1 EPIPE (Broken pipe)", 3, MSG, 1, 0);
}

static void
test_dirent_statx(void)
{
  mem_reset();
  /* Three entries of 24 bytes: d_reclen at its BTF offset. */
  guint roff = 0, rsize = 0;
  g_assert_true(gt_kbtf_member_offset(btf, "linux_dirent64", "d_reclen", &roff, &rsize, NULL));
  guint8 d[80] = { 0 };
  for (guint k = 0; k < 3; k++)
    d[24 * k + roff] = 24;
  mem_put(BUF, d, sizeof d);
  CALL("getdents64", 3, 72, "getdents64(3, 0x20000 /* 3 entries */, 32768) = 72", 3, BUF, 32768);
  CALL("getdents64", 3, 0, "getdents64(3, 0x20000 /* 0 entries */, 32768) = 0", 3, BUF, 32768);
  CALL("getdents64", 3, 80, "getdents64(3, 0x20000 /* 3+ entries */, 32768) = 80", 3, BUF, 32768);
  CALL("getdents64", 3, -9, "getdents64(3, 0x20000, 32768) = -1 EBADF (Bad file descriptor)", 3,
       BUF, 32768);
  setup_paths();
  guint8 st[512] = { 0 };
  put_field(st, "statx", "stx_mask", 0x17ff);
  put_field(st, "statx", "stx_mode", 040755);
  put_field(st, "statx", "stx_size", 4096);
  mem_put(STRUCT1, st, type_size("statx"));
  CALL("statx", 5, 0,
       "statx(AT_FDCWD, \"/tmp/pdir/a\", AT_STATX_SYNC_AS_STAT, STATX_ALL, {stx_mask=STATX_BASIC_STATS|STATX_MNT_ID, "
       "stx_attributes=0, stx_mode=S_IFDIR|0755, stx_size=4096, ...}) = 0",
       AT_FDCWD_RAW, PATH_A, 0, 0xfff, STRUCT1);
  CALL("statx", 5, -2,
       "statx(3, \"/tmp/pdir/b\", AT_STATX_SYNC_AS_STAT|AT_SYMLINK_NOFOLLOW, STATX_TYPE|STATX_SIZE, 0x30000) = -1 ENOENT (No such file or directory)",
       3, PATH_B, 0x100, 0x201, STRUCT1);
  guint8 st2[512] = { 0 };
  put_field(st2, "statx", "stx_mask", 0x1);
  put_field(st2, "statx", "stx_mode", 0104755);
  mem_put(STRUCT2, st2, type_size("statx"));
  CALL("statx", 5, 0,
       "statx(AT_FDCWD, \"/tmp/pdir/a\", AT_STATX_DONT_SYNC, STATX_TYPE, {stx_mask=STATX_TYPE, "
       "stx_attributes=0, stx_mode=S_IFREG|S_ISUID|0755, ...}) = 0",
       AT_FDCWD_RAW, PATH_A, 0x4000, 1, STRUCT2);
}

static void
test_select(void)
{
  mem_reset();
  guint8 rd[8] = { 0x18 }, wr[8] = { 0x10 }, none[8] = { 0 };
  mem_put(BUF, rd, 8);
  mem_put(BUF + 8, wr, 8);
  mem_put(BUF + 16, none, 8);
  guint8 tv[16] = { 0 };
  mem_put(STRUCT1, tv, 16);
  CALL("select", 5, 2, "select(5, [3 4], [4], NULL, NULL) = 2 (in [3 4])", 5, BUF, BUF + 8, 0, 0);
  CALL("select", 5, 3, "select(5, [3 4], [4], [], {tv_sec=0, tv_usec=0}) = 3 (in [3 4], out [4], left {tv_sec=0, tv_usec=0})",
       5, BUF, BUF + 8, BUF + 16, STRUCT1);
  CALL("select", 5, 0, "select(5, [3 4], NULL, NULL, {tv_sec=0, tv_usec=0}) = 0 (Timeout)", 5,
       BUF, 0, 0, STRUCT1);
  CALL("select", 5, -9, "select(5, [3 4], NULL, NULL, NULL) = -1 EBADF (Bad file descriptor)", 5,
       BUF, 0, 0, 0);
  guint64 sm[2] = { BUF + 16, 8 };
  mem_put(STRUCT2, sm, sizeof sm);
  CALL("pselect6", 6, 1,
       "pselect6(5, [3 4], NULL, NULL, {tv_sec=0, tv_nsec=0}, {sigmask=[], sigsetsize=8}) = 1 (in [3], left {tv_sec=0, tv_nsec=0})",
       5, BUF, 0, 0, STRUCT1, STRUCT2);
}

/* -s, -x and -xx change strings only; paths are never cut. */
static void
test_options(void)
{
  mem_reset();
  mem_put(BUF, "0123456789abcdefghijklmnopqrstuvwxyz\t\001\n", 39);
  mem_put(PATH_A, "/a/rather/long/path/that/strace/never/cuts", 43);
  options.text_size = 8;
  CALL("write", 3, 39, "write(3, \"01234567\"..., 39) = 39", 3, BUF, 39);
  CALL("unlink", 1, 0, "unlink(\"/a/rather/long/path/that/strace/never/cuts\") = 0", PATH_A);
  options.style = GT_ESCAPE_HEX_NONASCII;
  CALL("write", 3, 2, "write(3, \"01\", 2) = 2", 3, BUF, 2);
  options.text_size = 3;
  /* As strace: the hex decision looks at the shown bytes only. */
  CALL("write", 3, 39, "write(3, \"012\"..., 39) = 39", 3, BUF, 39);
  options.text_size = 64;
  CALL("write", 3, 39, "write(3, \"\\x30\\x31\\x32\\x33\\x34\\x35\\x36\\x37\\x38\\x39\\x61\\x62\\x63\\x64\\x65\\x66\\x67\\x68\\x69\\x6a\\x6b\\x6c\\x6d\\x6e\\x6f\\x70\\x71\\x72\\x73\\x74\\x75\\x76\\x77\\x78\\x79\\x7a\\x09\\x01\\x0a\", 39) = 39", 3, BUF, 39);
  options.style = GT_ESCAPE_HEX_ALL;
  CALL("write", 3, 2, "write(3, \"\\x30\\x31\", 2) = 2", 3, BUF, 2);
  gt_decode_options_init(&options);
}

/* Process, scheduling, futex and terminal calls (gtw-parity-proc.c's lines
 * under strace 6.1). */
static void
test_wait_sched(void)
{
  mem_reset();
  gint32 st = 7 << 8;
  mem_put(BUF, &st, sizeof st);
  guint8 ru[256] = { 0 };
  put_field(ru, "rusage", "ru_utime.tv_usec", 87);
  put_field(ru, "rusage", "ru_stime.tv_sec", 2);
  mem_put(STRUCT1, ru, type_size("rusage"));
  CALL("wait4", 4, 15756,
       "wait4(15756, [{WIFEXITED(s) && WEXITSTATUS(s) == 7}], 0, {ru_utime={tv_sec=0, tv_usec=87}, ru_stime={tv_sec=2, tv_usec=0}, ...}) = 15756",
       15756, BUF, 0, STRUCT1);
  CALL("wait4", 4, -10, "wait4(-1, 0x20000, WNOHANG, NULL) = -1 ECHILD (No child processes)",
       (guint64)-1, BUF, 1, 0);
  CALL("wait4", 4, 0, "wait4(-1, 0x20000, WNOHANG, 0x30000) = 0", (guint64)-1, BUF, 1, STRUCT1);
  CALL("getrusage", 2, 0,
       "getrusage(RUSAGE_CHILDREN, {ru_utime={tv_sec=0, tv_usec=87}, ru_stime={tv_sec=2, tv_usec=0}, ...}) = 0",
       (guint64)-1, STRUCT1);
  guint8 si[256] = { 0 };
  put_field(si, "siginfo", "si_signo", 17);
  put_field(si, "siginfo", "si_code", 1);
  put_field(si, "siginfo", "_sifields._sigchld._pid", 15757);
  put_field(si, "siginfo", "_sifields._sigchld._status", 7);
  put_field(si, "siginfo", "_sifields._sigchld._stime", 123);
  mem_put(STRUCT2, si, type_size("siginfo"));
  CALL("waitid", 5, 0,
       "waitid(P_PID, 15757, {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=15757, si_uid=0, si_status=7, si_utime=0, si_stime=123 /* 1.23 s */}, WEXITED, NULL) = 0",
       1, 15757, STRUCT2, 4, 0);
  put_field(si, "siginfo", "si_code", 2);
  put_field(si, "siginfo", "_sifields._sigchld._status", 9);
  mem_put(STRUCT2 + 0x200, si, type_size("siginfo"));
  CALL("waitid", 5, 0,
       "waitid(P_ALL, 0, {si_signo=SIGCHLD, si_code=CLD_KILLED, si_pid=15757, si_uid=0, si_status=SIGKILL, si_utime=0, si_stime=123 /* 1.23 s */}, WEXITED, 0x30800) = 0",
       0, 0, STRUCT2 + 0x200, 4, STRUCT1 + 0x800);
  CALL("waitid", 5, -10,
       "waitid(P_ALL, 0, 0x31000, WNOHANG|WEXITED, NULL) = -1 ECHILD (No child processes)",
       0, 0, STRUCT2, 5, 0);
  guint8 ca[128] = { 0 };
  put_field(ca, "clone_args", "exit_signal", 17);
  mem_put(STRUCT1 + 0x400, ca, type_size("clone_args"));
  CALL("clone3", 2, 15758,
       "clone3({flags=0, exit_signal=SIGCHLD, stack=NULL, stack_size=0}, 88) = 15758",
       STRUCT1 + 0x400, 88);
  memset(ca, 0, sizeof ca);
  put_field(ca, "clone_args", "flags", 0x3d0f00);
  put_field(ca, "clone_args", "child_tid", 0x7f0000000990);
  put_field(ca, "clone_args", "parent_tid", 0x7f0000000990);
  put_field(ca, "clone_args", "stack", 0x7f0000000000);
  put_field(ca, "clone_args", "stack_size", 0x7fff00);
  put_field(ca, "clone_args", "tls", 0x7f00000006c0);
  mem_put(STRUCT1 + 0x600, ca, type_size("clone_args"));
  gint32 tid = 15760;
  mem_put(0x7f0000000990, &tid, sizeof tid);
  CALL("clone3", 2, 15760,
       "clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, child_tid=0x7f0000000990, parent_tid=0x7f0000000990, exit_signal=0, stack=0x7f0000000000, stack_size=0x7fff00, tls=0x7f00000006c0} => {parent_tid=[15760]}, 88) = 15760",
       STRUCT1 + 0x600, 88);

  guint8 mask[128] = { 3 };
  mem_put(BUF + 0x100, mask, sizeof mask);
  CALL("sched_getaffinity", 3, 32, "sched_getaffinity(0, 128, [0 1]) = 32", 0, 128, BUF + 0x100);
  CALL("sched_setaffinity", 3, 0, "sched_setaffinity(0, 128, [0 1]) = 0", 0, 128, BUF + 0x100);
  CALL("sched_setaffinity", 3, 0, "sched_setaffinity(0, 256, [0 1 ...]) = 0", 0, 256, BUF + 0x100);
  gint32 prio = 0;
  mem_put(BUF + 0x300, &prio, sizeof prio);
  CALL("sched_getparam", 2, 0, "sched_getparam(0, [0]) = 0", 0, BUF + 0x300);
  CALL("sched_setparam", 2, 0, "sched_setparam(0, [0]) = 0", 0, BUF + 0x300);
  CALL("sched_getscheduler", 1, 0, "sched_getscheduler(0) = 0 (SCHED_OTHER)", 0);
  CALL("sched_setscheduler", 3, 0, "sched_setscheduler(0, SCHED_OTHER, [0]) = 0", 0, 0,
       BUF + 0x300);
  CALL("sched_get_priority_max", 1, 99, "sched_get_priority_max(SCHED_FIFO) = 99", 1);
  CALL("sched_get_priority_min", 1, 1, "sched_get_priority_min(SCHED_RR) = 1", 2);
  CALL("sched_yield", 0, 0, "sched_yield() = 0", 0);
}

static void
test_futex_tty(void)
{
  mem_reset();
  guint8 ts[32] = { 0 };
  put_field(ts, "__kernel_timespec", "tv_nsec", 1000000);
  mem_put(STRUCT1, ts, type_size("__kernel_timespec"));
  memset(ts, 0, sizeof ts);
  put_field(ts, "__kernel_timespec", "tv_sec", 1);
  mem_put(STRUCT2, ts, type_size("__kernel_timespec"));
  CALL("futex", 6, -110,
       "futex(0x4a72ec, FUTEX_WAIT_PRIVATE, 0, {tv_sec=0, tv_nsec=1000000}) = -1 ETIMEDOUT (Connection timed out)",
       0x4a72ec, 128, 0, STRUCT1, 0, 0);
  CALL("futex", 6, -110, "futex(0x4a72ec, FUTEX_WAIT, 0, NULL) = -1 ETIMEDOUT (Connection timed out)",
       0x4a72ec, 0, 0, 0, 0, 0);
  CALL("futex", 6, -110,
       "futex(0x4a72ec, FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME, 0, {tv_sec=1, tv_nsec=0}, FUTEX_BITSET_MATCH_ANY) = -1 ETIMEDOUT (Connection timed out)",
       0x4a72ec, 128 | 256 | 9, 0, STRUCT2, 0, 0xffffffff);
  CALL("futex", 6, 0, "futex(0x4a72ec, FUTEX_WAKE_BITSET_PRIVATE, 1, FUTEX_BITSET_MATCH_ANY) = 0",
       0x4a72ec, 128 | 10, 1, 0, 0, 0xffffffff);
  CALL("futex", 6, 0, "futex(0x4a72ec, FUTEX_REQUEUE_PRIVATE, 1, 2, 0x4a72e8) = 0", 0x4a72ec,
       128 | 3, 1, 2, 0x4a72e8, 0);
  CALL("futex", 6, 0, "futex(0x4a72ec, FUTEX_CMP_REQUEUE_PRIVATE, 1, 2, 0x4a72e8, 0) = 0",
       0x4a72ec, 128 | 4, 1, 2, 0x4a72e8, 0);
  CALL("futex", 6, 1,
       "futex(0x4a72ec, FUTEX_WAKE_OP_PRIVATE, 1, 1, 0x4a72e8, FUTEX_OP_SET<<28|0<<12|FUTEX_OP_CMP_GT<<24|0x1) = 1",
       0x4a72ec, 128 | 5, 1, 1, 0x4a72e8, 0x04000001);

  guint8 t[64] = { 0 };
  put_field(t, "termios", "c_iflag", 0400 | 02000);
  put_field(t, "termios", "c_oflag", 01 | 04);
  put_field(t, "termios", "c_cflag", 015 | 060 | 0200 | 02000 | 04000);
  put_field(t, "termios", "c_lflag", 0x8a3b);
  mem_put(BUF, t, type_size("termios"));
  const char *tios = "{c_iflag=ICRNL|IXON, c_oflag=NL0|CR0|TAB0|BS0|VT0|FF0|OPOST|ONLCR, "
                     "c_cflag=B9600|CS8|CREAD|HUPCL|CLOCAL, "
                     "c_lflag=ISIG|ICANON|ECHO|ECHOE|ECHOK|IEXTEN|ECHOCTL|ECHOKE, ...}";
  g_autofree char *want = g_strdup_printf("ioctl(3, TCGETS, %s) = 0", tios);
  CALL("ioctl", 3, 0, want, 3, 0x5401, BUF);
  g_autofree char *want2 = g_strdup_printf("ioctl(3, SNDCTL_TMR_START or TCSETS, %s) = 0", tios);
  CALL("ioctl", 3, 0, want2, 3, 0x5402, BUF);
  /* No bits set: strace prints nothing for a flag word (a raw console). */
  memset(t, 0, sizeof t);
  mem_put(BUF + 0x400, t, type_size("termios"));
  CALL("ioctl", 3, 0,
       "ioctl(3, TCGETS, {c_iflag=, c_oflag=NL0|CR0|TAB0|BS0|VT0|FF0|, c_cflag=B0|CS5|, c_lflag=, ...}) = 0",
       3, 0x5401, BUF + 0x400);
  CALL("ioctl", 3, -9, "ioctl(99, TCGETS, 0x20000) = -1 EBADF (Bad file descriptor)", 99, 0x5401,
       BUF);
  guint8 ws[16] = { 0 };
  put_field(ws, "winsize", "ws_row", 24);
  put_field(ws, "winsize", "ws_col", 80);
  mem_put(BUF + 0x100, ws, type_size("winsize"));
  CALL("ioctl", 3, 0, "ioctl(3, TIOCGWINSZ, {ws_row=24, ws_col=80, ws_xpixel=0, ws_ypixel=0}) = 0",
       3, 0x5413, BUF + 0x100);
  gint32 pg = 42;
  mem_put(BUF + 0x200, &pg, sizeof pg);
  CALL("ioctl", 3, 0, "ioctl(3, TIOCGPGRP, [42]) = 0", 3, 0x540f, BUF + 0x200);
  CALL("ioctl", 3, -25, "ioctl(3, TIOCGPGRP, 0x20200) = -1 ENOTTY (Inappropriate ioctl for device)",
       3, 0x540f, BUF + 0x200);
  CALL("ioctl", 3, 0, "ioctl(3, TCFLSH, TCIFLUSH) = 0", 3, 0x540b, 0);
}

/* -y: what a descriptor is, for the test: 3 is /etc/pass<wd>, 4 a deleted
 * file, AT_FDCWD /tmp; others unknown. */
static gboolean
fake_describe_fd(G_GNUC_UNUSED void *ctx, gint fd, GString *out, gboolean *deleted)
{
  *deleted = fd == 4;
  if (fd == 3 || fd == 4)
    g_string_append(out, fd == 3 ? "/etc/pass<wd>" : "/tmp/gone");
  else if (fd == -100)
    g_string_append(out, "/tmp");
  else
    return FALSE;
  return TRUE;
}

/* -y in JSON: every descriptor the text annotates is in "fd_paths" (keys:
 * the numbers, AT_FDCWD -100), unlinked ones also in "fd_deleted". */
static void
test_json_fd_paths(void)
{
  setup_paths();
  options.fd_paths = TRUE;
  GtArgReader rd = { fake_read_string, fake_read_bytes, NULL, btf, &options, fake_describe_fd };
  GtSyscallMeta m = { .name = "renameat", .nr = nr_of("renameat"), .nargs = 4 };
  g_autoptr(GtRecord) rec = gt_record_new();
  rec->name = g_strdup("renameat");
  rec->nr = m.nr;
  const guint64 raw[6] = { 3, PATH_A, AT_FDCWD_RAW, PATH_B };
  gt_decode_call(rec, &m, raw, 4, &rd);
  rec->has_result = TRUE;
  gt_decode_return(rec, &rd);
  g_autofree char *t = gt_record_format_text(rec);
  g_assert_nonnull(strstr(t, "renameat(3</etc/pass\\74wd\\76>, \"/tmp/pdir/a\", AT_FDCWD</tmp>, "));
  g_autofree char *j = gt_record_format_json(rec);
  g_assert_nonnull(strstr(j, "\"fd_paths\":{\"3\":\"/etc/pass<wd>\",\"-100\":\"/tmp\"}"));
  g_assert_null(strstr(j, "fd_deleted"));

  GtSyscallMeta dm = { .name = "dup2", .nr = nr_of("dup2"), .nargs = 2 };
  g_autoptr(GtRecord) d = gt_record_new();
  d->name = g_strdup("dup2");
  d->nr = dm.nr;
  const guint64 draw[6] = { 4, 9 };
  gt_decode_call(d, &dm, draw, 2, &rd);
  d->has_result = TRUE;
  d->result = 3;
  gt_decode_return(d, &rd);
  g_autofree char *dt = gt_record_format_text(d);
  g_assert_nonnull(strstr(dt, "dup2(4</tmp/gone>(deleted), 9) = 3</etc/pass\\74wd\\76>"));
  g_autofree char *dj = gt_record_format_json(d);
  g_assert_nonnull(strstr(dj, "\"fd_paths\":{\"4\":\"/tmp/gone\",\"3\":\"/etc/pass<wd>\"},"
                              "\"fd_deleted\":[4]"));
  /* Without -y: no annotations, no field. */
  options.fd_paths = FALSE;
  g_autoptr(GtRecord) n = gt_record_new();
  n->name = g_strdup("dup2");
  n->nr = dm.nr;
  gt_decode_call(n, &dm, draw, 2, &rd);
  g_autofree char *nj = gt_record_format_json(n);
  g_assert_null(strstr(nj, "fd_paths"));
}

/* A string running into unreadable memory before its NUL shows its
 * address, as strace (whose read fails); one cut by the size before the
 * unreadable part shows its prefix. */
static void
test_unreadable_strings(void)
{
  mem_reset();
  mem_put(BUF, "abc", 3);   /* no NUL: what follows is unmapped */
  CALL("prctl", 5, 0, "prctl(PR_SET_NAME, 0x20000) = 0", 15, BUF, 0, 0, 0);
  CALL("unlink", 1, -14, "unlink(0x20000) = -1 EFAULT (Bad address)", BUF);
  mem_put(BUF + 0x100, "0123456789abcdefghijklmnopqrstuvwxyz", 36);
  CALL("prctl", 5, 0, "prctl(PR_SET_NAME, \"0123456789abcdefghijklmnopqrstuv\"...) = 0", 15,
       BUF + 0x100, 0, 0, 0);
  /* 33 readable bytes are all strace reads at -s 32; 32 are not. */
  mem_put(BUF + 0x200, "0123456789abcdefghijklmnopqrstuvw", 33);
  CALL("prctl", 5, 0, "prctl(PR_SET_NAME, \"0123456789abcdefghijklmnopqrstuv\"...) = 0", 15,
       BUF + 0x200, 0, 0, 0);
  mem_put(BUF + 0x300, "0123456789abcdefghijklmnopqrstuv", 32);
  CALL("prctl", 5, 0, "prctl(PR_SET_NAME, 0x20300) = 0", 15, BUF + 0x300, 0, 0, 0);
  CALL("unlink", 1, -14, "unlink(0x20100) = -1 EFAULT (Bad address)", BUF + 0x100);
}

static void
with_kernels(gconstpointer test)
{
  static const char *const blobs[] = { "deb12-6.1-decode.btf", "deb13-6.12-decode.btf" };
  for (guint i = 0; i < G_N_ELEMENTS(blobs); i++) {
    g_test_message("layouts of %s", blobs[i]);
    load_btf(blobs[i]);
    gt_decode_options_init(&options);
    ((void (*)(void))test)();
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_data_func("/decode/files", test_files, with_kernels);
  g_test_add_data_func("/decode/json", test_json, with_kernels);
  g_test_add_data_func("/decode/descriptors", test_descriptors, with_kernels);
  g_test_add_data_func("/decode/memory", test_memory, with_kernels);
  g_test_add_data_func("/decode/processes", test_processes, with_kernels);
  g_test_add_data_func("/decode/signals", test_signals, with_kernels);
  g_test_add_data_func("/decode/network", test_network, with_kernels);
  g_test_add_data_func("/decode/sockaddrs", test_sockaddrs, with_kernels);
  g_test_add_data_func("/decode/time", test_time, with_kernels);
  g_test_add_data_func("/decode/ids-polling-ipc", test_ids_polling_ipc, with_kernels);
  g_test_add_data_func("/decode/options", test_options, with_kernels);
  g_test_add_data_func("/decode/vectored", test_vectored, with_kernels);
  g_test_add_data_func("/decode/msghdr", test_msghdr, with_kernels);
  g_test_add_data_func("/decode/dirent-statx", test_dirent_statx, with_kernels);
  g_test_add_data_func("/decode/select", test_select, with_kernels);
  g_test_add_data_func("/decode/wait-sched", test_wait_sched, with_kernels);
  g_test_add_data_func("/decode/unreadable-strings", test_unreadable_strings, with_kernels);
  g_test_add_data_func("/decode/json-fd-paths", test_json_fd_paths, with_kernels);
  g_test_add_data_func("/decode/futex-tty", test_futex_tty, with_kernels);
  int rc = g_test_run();
  mem_reset();
  g_clear_pointer(&regions, g_array_unref);
  g_clear_pointer(&btf, gt_kbtf_free);
  return rc;
}
