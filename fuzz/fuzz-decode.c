/* Fuzz target: the argument decoders over random registers and caller
 * memory, then the text and JSON renderings of the record. Input: byte 0
 * picks a system call: from `calls` (its kernel metadata: types and names
 * as the kernel's SYSCALL_DEFINE declares them), then from `decoded` (every
 * syscall of src/decode/table.c, generic metadata), past both: no metadata;
 * then six raw arguments and the result (little-endian 64-bit), one flags
 * byte (bit 0: the call returned; bit 1: struct layouts from the Debian 12
 * kernel's BTF (tests/unit/decode/data); bit 2: -x, bit 3: -xx, bit 4: -y
 * with the descriptor described by the caller's memory; bits 5-7: nargs
 * for `decoded` calls), a 4-byte comm (its first byte also the -s size),
 * and the rest is the caller's memory from FUZZ_USER_BASE (anything
 * outside is unreadable). The JSON line must parse; the text line must hold no raw
 * control byte. Seeds: seeds/make-decode.py. */
#include "fuzz-common.h"

#include <string.h>
#include <json-glib/json-glib.h>

#include "decode/decode.h"
#include "os/linux/offsets.h"

#define FUZZ_USER_BASE 0x10000ULL

typedef struct {
  const char *name;
  const char *args[6][2];   /* type, name */
} Call;

static const Call calls[] = {
  { "read", { { "unsigned int", "fd" }, { "char *", "buf" }, { "size_t", "count" } } },
  { "write", { { "unsigned int", "fd" }, { "const char *", "buf" }, { "size_t", "count" } } },
  { "openat", { { "int", "dfd" }, { "const char *", "filename" }, { "int", "flags" },
                { "umode_t", "mode" } } },
  { "execve", { { "const char *", "filename" }, { "const char *const *", "argv" },
                { "const char *const *", "envp" } } },
  { "mmap", { { "unsigned long", "addr" }, { "unsigned long", "len" },
              { "unsigned long", "prot" }, { "unsigned long", "flags" },
              { "unsigned long", "fd" }, { "unsigned long", "off" } } },
  { "clone", { { "unsigned long", "clone_flags" }, { "unsigned long", "newsp" },
               { "int *", "parent_tidptr" }, { "int *", "child_tidptr" },
               { "unsigned long", "tls" } } },
  { "kill", { { "pid_t", "pid" }, { "int", "sig" } } },
  { "connect", { { "int", "fd" }, { "struct sockaddr *", "uservaddr" },
                 { "int", "addrlen" } } },
  { "sendto", { { "int", "fd" }, { "void *", "buff" }, { "size_t", "len" },
                { "unsigned int", "flags" }, { "struct sockaddr *", "addr" },
                { "int", "addr_len" } } },
  { "accept", { { "int", "fd" }, { "struct sockaddr *", "upeer_sockaddr" },
                { "int *", "upeer_addrlen" } } },
  { "wait4", { { "pid_t", "upid" }, { "int *", "stat_addr" }, { "int", "options" },
               { "struct rusage *", "ru" } } },
  { "pipe2", { { "int *", "fildes" }, { "int", "flags" } } },
  { "newfstatat", { { "int", "dfd" }, { "const char *", "filename" },
                    { "struct stat *", "statbuf" }, { "int", "flag" } } },
  { "unlinkat", { { "int", "dfd" }, { "const char *", "pathname" }, { "int", "flag" } } },
  { "rt_sigaction", { { "int", "sig" }, { "const struct sigaction *", "act" },
                      { "struct sigaction *", "oact" }, { "size_t", "sigsetsize" } } },
  { "recvfrom", { { "int", "fd" }, { "void *", "ubuf" }, { "size_t", "size" },
                  { "unsigned int", "flags" }, { "struct sockaddr *", "addr" },
                  { "int *", "addr_len" } } },
  { "readlink", { { "const char *", "path" }, { "char *", "buf" }, { "int", "bufsiz" } } },
  { "mprotect", { { "unsigned long", "start" }, { "size_t", "len" },
                  { "unsigned long", "prot" } } },
};

/* Every syscall with a decoder (src/decode/table.c). */
static const char *const decoded[] = {
  "open", "openat", "creat", "read", "pread64", "write", "pwrite64", "lseek", "stat", "lstat",
  "fstat", "newfstatat", "access", "faccessat", "faccessat2", "readlink", "readlinkat",
  "getcwd", "unlink", "rmdir", "chdir", "chroot", "acct", "link", "symlink", "rename",
  "symlinkat", "linkat", "renameat", "renameat2", "unlinkat", "mkdir", "chmod", "mkdirat",
  "fchmodat", "fchmod", "chown", "lchown", "fchown", "umask", "truncate", "ftruncate",
  "utimensat", "ioctl", "getrandom", "close", "dup", "fsync", "fdatasync", "fchdir", "dup2",
  "dup3", "pipe", "pipe2", "fcntl", "memfd_create", "eventfd2", "flock", "brk", "mmap",
  "mprotect", "munmap", "mlock", "munlock", "madvise", "msync", "mlockall", "mincore",
  "mremap", "execve", "execveat", "clone", "wait4", "exit", "exit_group", "uname",
  "prlimit64", "getrlimit", "setrlimit", "prctl", "arch_prctl", "getpriority", "setpriority",
  "set_tid_address", "set_robust_list", "rseq", "kill", "tkill", "tgkill", "sched_yield",
  "fork", "vfork", "getpid", "getppid", "gettid", "getpgrp", "setsid", "getuid", "geteuid",
  "getgid", "getegid", "getpgid", "getsid", "setuid", "setgid", "setfsuid", "setfsgid",
  "setpgid", "setreuid", "setregid", "setresuid", "setresgid", "getgroups", "rt_sigaction",
  "rt_sigprocmask", "rt_sigpending", "socket", "socketpair", "bind", "connect", "listen",
  "getsockname", "getpeername", "accept", "accept4", "sendto", "recvfrom", "shutdown",
  "setsockopt", "getsockopt", "clock_gettime", "clock_getres", "clock_settime", "nanosleep",
  "clock_nanosleep", "gettimeofday", "alarm", "poll", "epoll_create1", "epoll_create",
  "epoll_ctl", "epoll_wait", "epoll_pwait", "futex",
};

typedef struct {
  const guint8 *mem;
  gsize len;
} Caller;

/* -y: the caller's memory (up to 64 bytes, hostile) is what every
 * descriptor is. */
static gboolean
describe_fd(void *ctx, gint fd, GString *out, gboolean *deleted)
{
  const Caller *c = ctx;
  if (!c->len || fd % 3 == 0)
    return FALSE;
  g_string_append_len(out, (const char *)c->mem, (gssize)MIN(c->len, 64));
  *deleted = fd % 2;
  return TRUE;
}

static int
nr_of(const char *name)
{
  for (int nr = 0; nr < 512; nr++)
    if (!g_strcmp0(gt_decode_syscall_name(nr), name))
      return nr;
  return -1;
}

static GtKernelBtf *
layouts(void)
{
  static GtKernelBtf *btf;
  static gboolean tried;
  if (!tried) {
    tried = TRUE;
    g_autofree char *data = NULL;
    gsize size = 0;
    if (g_file_get_contents(GT_FUZZ_SRCDIR "/tests/unit/decode/data/deb12-6.1-decode.btf", &data,
                            &size, NULL))
      btf = gt_kbtf_load_raw(data, size, NULL);
  }
  return btf;
}

static gsize
read_bytes(void *ctx, guint64 va, void *buf, gsize len)
{
  const Caller *c = ctx;
  if (va < FUZZ_USER_BASE || va - FUZZ_USER_BASE >= c->len)
    return 0;
  gsize off = va - FUZZ_USER_BASE;
  gsize n = MIN(len, c->len - off);
  memcpy(buf, c->mem + off, n);
  return n;
}

static char *
read_string(void *ctx, guint64 va, gsize max, gboolean *truncated)
{
  const Caller *c = ctx;
  if (va < FUZZ_USER_BASE || va - FUZZ_USER_BASE >= c->len)
    return NULL;
  gsize off = va - FUZZ_USER_BASE;
  gsize avail = MIN(max, c->len - off);
  const guint8 *nul = memchr(c->mem + off, 0, avail);
  gsize n = nul ? (gsize)(nul - (c->mem + off)) : avail;
  if (truncated)
    *truncated = nul == NULL;
  return g_strndup((const char *)c->mem + off, n);
}

static GtSyscallMeta *
generic_meta(const char *name, guint nargs)
{
  GtSyscallMeta *m = g_new0(GtSyscallMeta, 1);
  m->name = g_strdup(name);
  m->nr = -1;
  m->nargs = nargs;
  for (guint i = 0; i < nargs; i++) {
    m->arg_types[i] = g_strdup("long");
    m->arg_names[i] = g_strdup_printf("a%u", i);
  }
  return m;
}

static GtSyscallMeta *
make_meta(const Call *call)
{
  GtSyscallMeta *m = g_new0(GtSyscallMeta, 1);
  m->name = g_strdup(call->name);
  m->nr = -1;
  while (m->nargs < 6 && call->args[m->nargs][0]) {
    m->arg_types[m->nargs] = g_strdup(call->args[m->nargs][0]);
    m->arg_names[m->nargs] = g_strdup(call->args[m->nargs][1]);
    m->nargs++;
  }
  return m;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  GtFuzzIn in = gt_fuzz_in(data, size);
  guint pick = gt_fuzz_u8(&in);
  guint64 raw[6];
  for (int i = 0; i < 6; i++)
    raw[i] = gt_fuzz_u64(&in);
  gint64 result = (gint64)gt_fuzz_u64(&in);
  guint8 flags = gt_fuzz_u8(&in);
  gsize comm_len;
  const guint8 *comm = gt_fuzz_take(&in, 4, &comm_len);
  Caller caller = { in.p, in.left };
  GtDecodeOptions opt;
  gt_decode_options_init(&opt);
  opt.text_size = comm_len ? comm[0] : 32;
  opt.style = (flags & 8) ? GT_ESCAPE_HEX_ALL : (flags & 4) ? GT_ESCAPE_HEX_NONASCII
                                                             : GT_ESCAPE_OCTAL;
  opt.fd_paths = (flags & 16) != 0;
  GtArgReader rd = { read_string, read_bytes, &caller, (flags & 2) ? layouts() : NULL, &opt,
                     describe_fd };

  const Call *call = pick < G_N_ELEMENTS(calls) ? &calls[pick] : NULL;
  guint d = pick - G_N_ELEMENTS(calls);
  const char *name = call ? call->name : d < G_N_ELEMENTS(decoded) ? decoded[d] : NULL;
  GtSyscallMeta *meta = call ? make_meta(call) : name ? generic_meta(name, (flags >> 5) % 7) : NULL;
  g_autoptr(GtRecord) rec = gt_record_new();
  rec->name = g_strdup(name ? name : "do_exit");
  rec->nr = name ? nr_of(name) : -1;
  rec->pid = rec->tid = 100;
  memcpy(rec->comm, comm, comm_len);   /* a name the process set itself */
  gt_decode_call(rec, meta, raw, meta ? 6 : pick % 7, &rd);
  g_assert(rec->nargs <= GT_MAX_ARGS);
  if (flags & 1) {
    rec->has_result = TRUE;
    rec->result = result;
    gt_decode_return(rec, &rd);
  }
  if (meta)
    gt_syscall_meta_free(meta);

  g_autofree char *text = gt_record_format_text(rec);
  for (const char *p = text; *p; p++)
    g_assert((guchar)*p >= 0x20 && *p != 0x7f);
  g_autofree char *json = gt_record_format_json(rec);
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;
  if (!json_parser_load_from_data(parser, json, -1, &error)) {
    g_printerr("not JSON (%s): %s\n", error->message, json);
    g_assert_not_reached();
  }
  return 0;
}
