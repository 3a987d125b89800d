/* What a callback sees: the guest at one call or return. */
#pragma once

#include <guestrace/guestrace.h>
#include "driver/driver.h"
#include "os/linux/linux.h"
#include "trace/probe.h"

typedef struct GtEngine GtEngine;

/* A process's user address space, resolved once per GtGuestState. */
typedef struct {
  gt_pid_t pid;
  guint64 task;   /* task_struct address, 0 if unknown */
  guint64 root;   /* physical address of its top page table; 0: none */
} GtUserSpace;

struct _GtEvent {
  GtEventKind kind;
  guint64 address;     /* the traced function */
  guint vcpu;
};

struct _GtGuestState {
  GtEngine *engine;
  GtVmi *vmi;
  const GtProbe *probe;
  GtRegs regs;
  const GtTaskInfo *task;
  guint64 args[6];
  guint64 user_sp;        /* the caller's stack pointer at the call, 0 if unknown */
  gboolean is_return;
  gint64 retval;
  gboolean hijack;
  gint64 hijack_value;
  struct _GtEvent event;
  GtUserSpace other;   /* the last other process read (pid 0: none yet) */
};

/* User-pointer reads of process `pid` (0: the calling process), as the
 * kernel's copy_from_user checks them: only below the user-space limit,
 * only through pages every level of whose translation has U/S, then the
 * engine's fallback reader (gt_engine_set_user_fallback) for what the page
 * tables cannot give. Another pid is resolved once per state. Return the
 * count of leading bytes read / the string (NULL: not even one byte). */
gsize gt_state_read_user(GtGuestState *st, guint64 va, gt_pid_t pid, void *buf, gsize len);
char *gt_state_read_user_string(GtGuestState *st, guint64 va, gt_pid_t pid, gsize max,
                                gboolean *truncated);
/* Kernel memory, explicitly (the kernel's page tables, no user check). */
gsize gt_state_read_kernel(GtGuestState *st, guint64 va, void *buf, gsize len);
char *gt_state_read_kernel_string(GtGuestState *st, guint64 va, gsize max,
                                  gboolean *truncated);
