/* What a callback sees: the guest at one call or return. */
#pragma once

#include <guestrace/guestrace.h>
#include "driver/driver.h"
#include "os/linux/linux.h"
#include "trace/probe.h"

typedef struct GtEngine GtEngine;

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
  gboolean is_return;
  gint64 retval;
  gboolean hijack;
  gint64 hijack_value;
  struct _GtEvent event;
};

/* Reads bytes of process `pid` (0: the calling process / kernel). */
gsize gt_state_read(GtGuestState *st, guint64 va, gt_pid_t pid, void *buf, gsize len);
char *gt_state_read_string(GtGuestState *st, guint64 va, gt_pid_t pid, gsize max,
                           gboolean *truncated);
