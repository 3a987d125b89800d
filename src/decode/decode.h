/* Decoding: turning raw argument values and results into meaning. The
 * argument names and types come from the kernel's own syscall metadata; the
 * code here only knows what values mean (flag sets, strings, argv arrays,
 * socket addresses, signals, errno names). */
#pragma once

#include <glib.h>
#include "trace/record-private.h"
#include "os/linux/linux.h"

/* How decoders read the calling process's memory. Every read is bounded by
 * the decoder; a failed read renders as the raw pointer. */
typedef struct {
  /* A string of at most max bytes; NULL if unreadable. */
  char *(*read_string)(void *ctx, guint64 va, gsize max, gboolean *truncated);
  /* Up to len bytes; returns how many were readable. */
  gsize (*read_bytes)(void *ctx, guint64 va, void *buf, gsize len);
  void *ctx;
} GtArgReader;

/* Longest string read from the guest for one argument. */
#define GT_DECODE_STRING_MAX 4096
/* Longest string shown in text output before "...". */
#define GT_DECODE_TEXT_MAX 256
/* Most entries read from an argv array. */
#define GT_DECODE_ARGV_MAX 256

/* Fills rec->args from raw values using the metadata (may be NULL: then
 * `nargs` raw arguments named arg0..). Strings are read now, at the call. */
void gt_decode_call(GtRecord *rec, const GtSyscallMeta *meta, const guint64 raw[6],
                    guint nargs, const GtArgReader *rd);

/* Decodes out-parameters after a successful return (read's data, wait4's
 * status, pipe's fds, accept's address, stat's fields). */
void gt_decode_return(GtRecord *rec, const GtArgReader *rd);

/* "ENOENT" for 2, kernel-internal codes too (ERESTARTSYS); NULL if unknown. */
const char *gt_errno_name(int e);
/* "No such file or directory"; NULL if unknown. */
const char *gt_errno_text(int e);
/* "SIGSEGV" for 11; NULL if unknown. */
const char *gt_signal_name(int sig);

/* Flag sets by kind; the result lists set flags joined with '|' and any
 * unknown bits in hex. */
typedef enum {
  GT_FLAGS_OPEN, GT_FLAGS_AT, GT_FLAGS_PROT, GT_FLAGS_MAP, GT_FLAGS_CLONE,
} GtFlagKind;
char *gt_decode_flags(GtFlagKind kind, guint64 value);

/* A socket address of len bytes, "{sa_family=AF_INET, sin_port=htons(80),
 * sin_addr=inet_addr(\"10.0.0.1\")}" style. */
char *gt_decode_sockaddr(const guint8 *data, gsize len);

/* A C-escaped, double-quoted rendering of len bytes, cut at max with "...". */
char *gt_quote_bytes(const char *data, gsize len, gsize max, gboolean truncated);
