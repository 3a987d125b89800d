/* Decoding: turning raw argument values and results into what strace
 * shows. Which decoder a syscall gets is one table (table.c, by the name
 * user space knows); the decoders are grouped by family (files.c,
 * descriptors.c, memory.c, processes.c, signals.c, network.c, time.c,
 * ids.c, polling.c, ipc.c); constants come from tables generated from the
 * kernel's UAPI headers (xlat/); struct layouts from the guest's BTF.
 * A syscall without a decoder, and any kernel function, is rendered from
 * the kernel's own argument types. */
#pragma once

#include <glib.h>
#include "trace/record-private.h"
#include "os/linux/linux.h"
#include <guestrace/escape.h>

/* What users choose about rendering (strace's -s, -x/-xx, -y). */
typedef struct {
  guint text_size;        /* -s: bytes of a string shown in text (strace: 32) */
  gsize json_size;        /* bytes of a string kept for JSON (default 4096) */
  GtEscapeStyle style;    /* -x: GT_ESCAPE_HEX_NONASCII, -xx: GT_ESCAPE_HEX_ALL */
  gboolean fd_paths;      /* -y: descriptors annotated with what they are */
  /* envp's strings are read (JSON shows them); FALSE: only its count, all
   * text shows, so nothing more is read. */
  gboolean envp_strings;
} GtDecodeOptions;

#define GT_DECODE_TEXT_SIZE_DEFAULT 32
#define GT_DECODE_JSON_SIZE_DEFAULT 4096
/* Most bytes read for one string or buffer, whatever the options say. */
#define GT_DECODE_SIZE_LIMIT (1024 * 1024)
void gt_decode_options_init(GtDecodeOptions *o);

/* How decoders read the calling process's memory. Every read is bounded by
 * the decoder; a failed read renders as the raw pointer. */
typedef struct {
  /* A string of at most max bytes; NULL if unreadable. */
  char *(*read_string)(void *ctx, guint64 va, gsize max, gboolean *truncated);
  /* Up to len bytes; returns how many were readable. */
  gsize (*read_bytes)(void *ctx, guint64 va, void *buf, gsize len);
  void *ctx;
  /* The guest kernel's BTF for struct layouts (NULL: structs print as
   * pointers). Borrowed. */
  GtKernelBtf *btf;
  /* Rendering options (NULL: the defaults). Borrowed. */
  const GtDecodeOptions *opt;
  /* -y: appends what descriptor fd of the caller is ("/etc/passwd",
   * "socket:[123]"; AT_FDCWD: the working directory); FALSE if unknown.
   * *deleted is set for an unlinked file. NULL: not available. */
  gboolean (*describe_fd)(void *ctx, gint fd, GString *out, gboolean *deleted);
  /* The caller's user stack pointer at the call (rt_sigreturn's frame); 0
   * if unknown. */
  guint64 user_sp;
} GtArgReader;

/* Longest path read from the guest (paths are never cut, as strace). */
#define GT_DECODE_STRING_MAX 4096
/* Most entries read from an argv array. */
#define GT_DECODE_ARGV_MAX 256

/* Fills rec->args from raw values using the metadata (may be NULL: then
 * `nargs` raw arguments named arg0..), sets rec->name to the name user
 * space knows (kernel_name keeps the kernel's), and decodes the
 * in-parameters. */
void gt_decode_call(GtRecord *rec, const GtSyscallMeta *meta, const guint64 raw[6],
                    guint nargs, const GtArgReader *rd);

/* At the return: out-parameters (only after success, as strace) and the
 * result's meaning. */
void gt_decode_return(GtRecord *rec, const GtArgReader *rd);

/* The name user space knows for an x86-64 syscall number ("fstat" for 5),
 * from asm/unistd_64.h; NULL if none. */
const char *gt_decode_syscall_name(int nr);
/* The reverse: the x86-64 number of a name user space knows, -1 if none. */
int gt_decode_syscall_nr(const char *name);

/* "ENOENT" for 2, kernel-internal codes too (ERESTARTSYS); NULL if unknown. */
const char *gt_errno_name(int e);
/* "No such file or directory"; NULL if unknown. */
const char *gt_errno_text(int e);
/* "SIGSEGV" for 11, "SIGRTMIN", "SIGRT_1" ...; NULL if unknown. */
const char *gt_signal_name(int sig);

/* A C-escaped, double-quoted rendering of len bytes, cut at max with "...". */
char *gt_quote_bytes(const char *data, gsize len, gsize max, gboolean truncated);
