/* The QEMU driver's private state, shared by its files: qemu-driver.c
 * (open/close/handshake), qemu-regs.c, qemu-mem.c and qemu-run.c. */
#pragma once

#include "driver/driver.h"
#include "driver/qemu/qemu-ram.h"
#include "driver/qemu/rsp-conn.h"
#include "driver/qemu/rsp-stop.h"
#include "driver/qemu/target-xml.h"

#define QEMU_MAX_VCPUS 1024

typedef struct {
  GByteArray *g;          /* last 'g' reply, decoded */
  gboolean valid;
} QemuRegCache;

typedef struct {
  GtDriver parent;
  GtRspConn *conn;
  GtTargetLayout *layout;
  GtQemuRam *ram;         /* NULL: memory through m/M packets */
  gsize packet_size;
  gboolean phys_mode;     /* Qqemu.PhyMemMode:1 accepted */
  guint nvcpu;
  char **thread_names;    /* as the stub spells them, for Hg */
  GtRspThreadId *thread_ids;
  QemuRegCache *cache;    /* per vCPU */
  int g_thread;           /* vCPU selected with Hg, -1 unknown */
  int c_thread;           /* vCPU that 'c ADDR' would move, -1 unknown */
  gboolean pc_deferred;   /* c_thread's new RIP, sent with the next 'c' */
  guint64 pc;
  int steps_over_bps;     /* does the stub step over a breakpoint at RIP? -1 unknown */
  gboolean running;
  gboolean exited;        /* the stub said the guest exited ('W'/'X') */
  gboolean interrupt_sent;
  gboolean has_pending;   /* a stop seen by pause(), reported by wait() */
  GtStop pending;
  GHashTable *bps;        /* guint64* -> itself */
  GDestroyNotify detach_hook;   /* see gt_qemu_driver_set_detach_hook */
  gpointer detach_data;
  pid_t qemu_pid;
} QemuDriver;

/* qemu-driver.c */
gboolean qemu_simple_request(QemuDriver *q, const char *req, GError **error);
gboolean qemu_check_stopped(QemuDriver *q, const char *what, GError **error);

/* qemu-regs.c */
void qemu_regs_invalidate(QemuDriver *q);
gboolean qemu_get_regs(GtDriver *d, guint vcpu, GtRegs *regs, GError **error);
gboolean qemu_set_reg(GtDriver *d, guint vcpu, gt_reg_name_t reg, guint64 value,
                      GError **error);
gboolean qemu_read_rip(QemuDriver *q, guint vcpu, guint64 *rip, GError **error);
/* A stop reply named vcpu as the thread that trapped: it is now both the
 * general (Hg) and the continue thread. */
void qemu_regs_stopped_on(QemuDriver *q, guint vcpu);
/* Send a RIP write deferred for 'c ADDR' now, as a 'P' (before a step, a
 * detach, or anything else that is not a plain continue). */
gboolean qemu_flush_pc(QemuDriver *q, GError **error);

/* qemu-mem.c */
gboolean qemu_read_phys(GtDriver *d, guint64 pa, void *buf, gsize len, GError **error);
gboolean qemu_write_phys(GtDriver *d, guint64 pa, const void *buf, gsize len,
                         GError **error);

/* qemu-run.c */
gboolean qemu_pause(GtDriver *d, GError **error);
gboolean qemu_resume(GtDriver *d, GError **error);
gboolean qemu_step(GtDriver *d, guint vcpu, GError **error);
gboolean qemu_wait(GtDriver *d, int timeout_ms, GtStop *stop, GError **error);
gboolean qemu_insert_bp(GtDriver *d, guint64 va, GError **error);
gboolean qemu_remove_bp(GtDriver *d, guint64 va, GError **error);
