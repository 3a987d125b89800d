/* Probes: a traced kernel function, where its breakpoint goes, how its
 * arguments are found, and who wants to hear about it. */
#pragma once

#include <guestrace/guestrace.h>
#include "vmi/vmi.h"
#include "os/linux/linux.h"

typedef enum {
  GT_ABI_PTREGS_64,   /* __x64_sys_*(const struct pt_regs *): args in regs->di.. */
  GT_ABI_PTREGS_32,   /* __ia32_sys_*: args in regs->bx, cx, dx, si, di, bp */
  GT_ABI_REGS,        /* a plain function: rdi, rsi, rdx, rcx, r8, r9 */
} GtArgAbi;

typedef struct {
  char *name;                 /* "openat", "do_exit" */
  char *symbol;               /* "__x64_sys_openat" */
  guint64 func;               /* function address */
  guint64 bp;                 /* breakpoint address */
  guint skip;                 /* bytes passed over at resume (the ftrace NOP);
                               * 0: the breakpoint is single-stepped over */
  GtArgAbi abi;
  const GtSyscallMeta *meta;  /* the kernel's description, NULL if none */
  GtSyscallMeta *own_meta;    /* meta when built from BTF (owned) */
  gint nr;                    /* syscall number, -1 for plain functions */
  gboolean noreturn;          /* exit, exit_group, do_exit... */
  /* Consumers. */
  GtSyscallFunc call_cb;
  GtSysretFunc ret_cb;
  void *user_data;
  gboolean record;            /* report as GtRecord */
  gboolean base;              /* asked for by name (not only by a config) */
  gboolean from_config;       /* asked for by the config's Functions */
} GtProbe;

void gt_probe_free(GtProbe *p);
/* Where the ftrace NOP is in the code at a function's entry: 0, or 4 after
 * endbr64 (or the NOP a kernel seals an endbr64 with); -1 if there is none
 * (the function is notrace, or ftrace is using its site). */
gint gt_probe_ftrace_nop_offset(const guint8 *code, gsize len);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GtProbe, gt_probe_free)

/* Resolves a user-given name ("openat", "sys_openat", "__x64_sys_openat",
 * "__ia32_sys_openat", "do_exit") to a probe: symbol, address, breakpoint
 * site, argument ABI and metadata: the syscall tracepoint metadata (meta,
 * may be NULL), or for other functions their BTF prototype (btf, may be
 * NULL). */
GtProbe *gt_probe_resolve(GtVmi *vmi, GHashTable *meta, GtKernelBtf *btf, const char *name,
                          GError **error);
