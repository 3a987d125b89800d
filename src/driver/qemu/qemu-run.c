/* Execution control over the gdb stub (all-stop): 'c' to resume every
 * vCPU, 0x03 to pause, stop replies to learn which vCPU stopped where, and
 * software breakpoints with Z0/z0. QEMU stops the VM on any byte received
 * while it runs, so nothing but 0x03 is sent while the guest runs. */
#include <string.h>

#include "driver/qemu/qemu-private.h"
#include "driver/qemu/qemu-driver.h"
#include "driver/journal.h"

#define GDB_SIGNAL_TRAP 5

static int
vcpu_of_thread(QemuDriver *q, const GtRspThreadId *id)
{
  for (guint i = 0; i < q->nvcpu; i++)
    if (gt_rsp_thread_id_equal(&q->thread_ids[i], id))
      return (int)i;
  return -1;
}

/* The vCPU a stop reply without a thread field is about: ask with qC. */
static int
current_vcpu(QemuDriver *q, GError **error)
{
  GString *reply = NULL;
  if (!gt_rsp_conn_request(q->conn, "qC", &reply, error))
    return -1;
  GtRspThreadId id;
  int v = 0;
  if (reply->len > 2 && reply->str[0] == 'Q' && reply->str[1] == 'C' &&
      gt_rsp_parse_thread_id(reply->str + 2, reply->len - 2, &id))
    v = MAX(vcpu_of_thread(q, &id), 0);
  g_string_free(reply, TRUE);
  return v;
}

/* Turn a stop reply into a GtStop. The guest is stopped afterwards unless
 * it is gone. */
static gboolean
handle_stop(QemuDriver *q, const GString *s, GtStop *stop, GError **error)
{
  GtRspStop rs;
  memset(stop, 0, sizeof *stop);
  if (!gt_rsp_parse_stop(s->str, s->len, &rs)) {
    g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL, "bad stop reply '%.40s'", s->str);
    return FALSE;
  }
  gboolean was_interrupt = q->interrupt_sent;
  q->running = FALSE;
  q->interrupt_sent = FALSE;
  qemu_regs_invalidate(q);
  if (rs.kind == 'W' || rs.kind == 'X') {
    gt_rsp_conn_set_gone(q->conn);
    q->exited = TRUE;
    stop->kind = GT_STOP_GONE;
    return TRUE;
  }
  int vcpu = rs.has_thread ? vcpu_of_thread(q, &rs.thread) : current_vcpu(q, error);
  if (vcpu < 0) {
    if (!rs.has_thread)
      return FALSE;
    g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL, "stop reply for an unknown thread: '%.40s'",
                s->str);
    return FALSE;
  }
  stop->vcpu = (guint)vcpu;
  if (rs.kind == 'T' && rs.signal == GDB_SIGNAL_TRAP && rs.has_thread)
    qemu_regs_stopped_on(q, stop->vcpu);
  const GtRegDesc *rip = gt_target_layout_reg(q->layout, GT_REG_RIP);
  gboolean have_rip = FALSE;
  for (guint i = 0; rip && i < rs.nregs; i++) {
    if (rs.regs[i].regnum == rip->regnum && rs.regs[i].len >= 8) {
      guint64 v = 0;
      for (guint b = 8; b-- > 0;)
        v = v << 8 | rs.regs[i].bytes[b];
      stop->rip = v;
      have_rip = TRUE;
    }
  }
  if (!have_rip && !qemu_read_rip(q, stop->vcpu, &stop->rip, error))
    return FALSE;
  if (g_hash_table_contains(q->bps, &stop->rip))
    stop->kind = GT_STOP_BREAKPOINT;
  else if (was_interrupt)
    stop->kind = GT_STOP_PAUSED;
  else
    stop->kind = GT_STOP_OTHER;
  return TRUE;
}

static gboolean
gone_stop(QemuDriver *q, GtStop *stop, GError **error, GError *cause)
{
  if (g_error_matches(cause, GT_ERROR, GT_ERROR_GUEST_GONE)) {
    /* The socket closed without an exit reply ('W'/'X'; QEMU sends none
     * on a stub added through QMP): the guest is gone if QEMU is. */
    g_error_free(cause);
    q->running = FALSE;
    if (!q->exited && gt_qemu_process_gone(q->qemu_pid))
      q->exited = TRUE;
    memset(stop, 0, sizeof *stop);
    stop->kind = q->exited ? GT_STOP_GONE : GT_STOP_LOST;
    return TRUE;
  }
  g_propagate_error(error, cause);
  return FALSE;
}

/* Wait for the next stop reply of a running guest. */
static gboolean
wait_running(QemuDriver *q, int timeout_ms, GtStop *stop, GError **error)
{
  gint64 deadline = timeout_ms < 0 ? -1 : g_get_monotonic_time() + (gint64)timeout_ms * 1000;
  memset(stop, 0, sizeof *stop);
  for (;;) {
    GString *s = gt_rsp_conn_pop_stop(q->conn);
    GError *err = NULL;
    if (!s) {
      int left = -1;
      if (deadline >= 0)
        left = (int)MAX((deadline - g_get_monotonic_time() + 999) / 1000, 0);
      if (!gt_rsp_conn_recv(q->conn, left, &s, &err))
        return gone_stop(q, stop, error, err);
      if (!s)
        return TRUE;  /* timeout: GT_STOP_NONE */
    }
    if (gt_rsp_is_stop_reply(s->str, s->len)) {
      gboolean ok = handle_stop(q, s, stop, &err);
      g_string_free(s, TRUE);
      return ok ? TRUE : gone_stop(q, stop, error, err);
    }
    if (!gt_rsp_is_console(s->str, s->len))
      g_debug("gdb stub: ignoring '%.40s' while running", s->str);
    g_string_free(s, TRUE);
  }
}

gboolean
qemu_wait(GtDriver *d, int timeout_ms, GtStop *stop, GError **error)
{
  QemuDriver *q = (QemuDriver *)d;
  memset(stop, 0, sizeof *stop);
  if (gt_rsp_conn_is_gone(q->conn) && !q->running) {
    stop->kind = q->exited ? GT_STOP_GONE : GT_STOP_LOST;
    return TRUE;
  }
  if (!q->running) {
    /* Stopped already: report the stop pause() saw, once. */
    if (q->has_pending) {
      *stop = q->pending;
      q->has_pending = FALSE;
    }
    return TRUE;
  }
  return wait_running(q, timeout_ms, stop, error);
}

gboolean
qemu_pause(GtDriver *d, GError **error)
{
  QemuDriver *q = (QemuDriver *)d;
  if (!q->running)
    return TRUE;
  if (!q->interrupt_sent) {
    if (!gt_rsp_conn_send_raw(q->conn, "\x03", 1, error))
      return FALSE;
    q->interrupt_sent = TRUE;
  }
  GtStop stop;
  if (!wait_running(q, gt_rsp_conn_timeout(q->conn), &stop, error))
    return FALSE;
  if (stop.kind == GT_STOP_NONE) {
    g_set_error(error, GT_ERROR, GT_ERROR_TIMEOUT, "the guest did not stop after 0x03");
    return FALSE;
  }
  if (stop.kind == GT_STOP_GONE) {
    g_set_error(error, GT_ERROR, GT_ERROR_GUEST_GONE, "the guest is gone");
    return FALSE;
  }
  q->pending = stop;
  q->has_pending = TRUE;
  return TRUE;
}

gboolean
qemu_resume(GtDriver *d, GError **error)
{
  QemuDriver *q = (QemuDriver *)d;
  if (q->running)
    return TRUE;
  if (gt_rsp_conn_is_gone(q->conn)) {
    g_set_error(error, GT_ERROR, GT_ERROR_GUEST_GONE, "the guest is gone");
    return FALSE;
  }
  /* A stop reply queued while we were stopped is stale now. */
  gt_rsp_conn_clear_stops(q->conn);
  q->has_pending = FALSE;
  /* A RIP written for the stopped vCPU goes with the continue. */
  g_autofree char *req = q->pc_deferred ? g_strdup_printf("c%" G_GINT64_MODIFIER "x", q->pc)
                                        : g_strdup("c");
  if (!gt_rsp_conn_send(q->conn, req, strlen(req), error))
    return FALSE;
  qemu_regs_invalidate(q);
  q->running = TRUE;
  q->interrupt_sent = FALSE;
  return TRUE;
}

static gboolean
bp_request(QemuDriver *q, char op, guint64 va, GError **error)
{
  g_autofree char *req = g_strdup_printf("%c0,%" G_GINT64_MODIFIER "x,1", op, va);
  GString *reply = NULL;
  if (!gt_rsp_conn_request(q->conn, req, &reply, error))
    return FALSE;
  gboolean ok = g_strcmp0(reply->str, "OK") == 0;
  if (!ok && reply->len == 0)
    g_set_error(error, GT_ERROR, GT_ERROR_UNSUPPORTED, "the gdb stub has no breakpoints");
  else if (!ok)
    g_set_error(error, GT_ERROR, GT_ERROR_FAILED,
                "gdb stub refused %s 0x%" G_GINT64_MODIFIER "x: %.20s", req, va, reply->str);
  g_string_free(reply, TRUE);
  return ok;
}

gboolean
qemu_insert_bp(GtDriver *d, guint64 va, GError **error)
{
  QemuDriver *q = (QemuDriver *)d;
  if (g_hash_table_contains(q->bps, &va))
    return TRUE;
  if (!qemu_check_stopped(q, "insert a breakpoint", error) ||
      !gt_journal_note_bp(q->parent.journal, va, TRUE, error) || !bp_request(q, 'Z', va, error))
    return FALSE;
  guint64 *key = g_new(guint64, 1);
  *key = va;
  g_hash_table_add(q->bps, key);
  return TRUE;
}

gboolean
qemu_remove_bp(GtDriver *d, guint64 va, GError **error)
{
  QemuDriver *q = (QemuDriver *)d;
  if (!g_hash_table_contains(q->bps, &va))
    return TRUE;
  if (!qemu_check_stopped(q, "remove a breakpoint", error) || !bp_request(q, 'z', va, error))
    return FALSE;
  g_hash_table_remove(q->bps, &va);
  gt_journal_note_bp(q->parent.journal, va, FALSE, NULL);
  return TRUE;
}

/* `vCont;s:T`, whose answer is the stop reply after the step. QEMU's gdb
 * stub steps with interrupts and timers masked by default. */
static gboolean
step_once(QemuDriver *q, guint vcpu, GError **error)
{
  g_autofree char *req = g_strdup_printf("vCont;s:%s", q->thread_names[vcpu]);
  GString *reply = NULL;
  gboolean ok = gt_rsp_conn_request_stop(q->conn, req, &reply, error);
  qemu_regs_invalidate(q);
  GtRspStop rs;
  if (ok && gt_rsp_parse_stop(reply->str, reply->len, &rs) && rs.kind == 'T' &&
      rs.signal == GDB_SIGNAL_TRAP && rs.has_thread &&
      vcpu_of_thread(q, &rs.thread) == (int)vcpu)
    qemu_regs_stopped_on(q, vcpu);
  if (reply)
    g_string_free(reply, TRUE);
  return ok;
}

static gboolean
step_without_bp(QemuDriver *q, guint vcpu, guint64 bp, GError **error)
{
  return bp_request(q, 'z', bp, error) && step_once(q, vcpu, error) &&
         bp_request(q, 'Z', bp, error);
}

/* One instruction on one vCPU (the others stay stopped), our breakpoint at
 * its RIP included. QEMU under TCG steps over a breakpoint at the current
 * RIP (single-step overrides breakpoints); a stub that reports it again
 * instead (KVM's int3) gets z0/step/Z0. The first such step finds out
 * which, by reading RIP after it. */
gboolean
qemu_step(GtDriver *d, guint vcpu, GError **error)
{
  QemuDriver *q = (QemuDriver *)d;
  if (q->running) {
    g_set_error(error, GT_ERROR, GT_ERROR_FAILED, "cannot single-step a running guest");
    return FALSE;
  }
  if (vcpu >= q->nvcpu) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG, "no vCPU %u", vcpu);
    return FALSE;
  }
  guint64 rip = 0, after = 0;
  if (!qemu_flush_pc(q, error) || !qemu_read_rip(q, vcpu, &rip, error))
    return FALSE;
  if (!g_hash_table_contains(q->bps, &rip))
    return step_once(q, vcpu, error);
  if (q->steps_over_bps == 0)
    return step_without_bp(q, vcpu, rip, error);
  if (!step_once(q, vcpu, error))
    return FALSE;
  if (q->steps_over_bps > 0)
    return TRUE;
  if (!qemu_read_rip(q, vcpu, &after, error))
    return FALSE;
  q->steps_over_bps = after != rip;
  return q->steps_over_bps ? TRUE : step_without_bp(q, vcpu, rip, error);
}
