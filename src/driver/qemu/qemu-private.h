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
  gboolean running;
  gboolean interrupt_sent;
  gboolean has_pending;   /* a stop seen by pause(), reported by wait() */
  GtStop pending;
  GHashTable *bps;        /* guint64* -> itself */
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
