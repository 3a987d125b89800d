/* The QEMU driver: connects to QEMU's gdb stub (qSupported, target
 * description, vCPU threads, memory mode) and detaches cleanly. The other
 * operations live in qemu-regs.c, qemu-mem.c and qemu-run.c. */
#include <string.h>

#include "driver/qemu/qemu-driver.h"
#include "driver/qemu/qemu-private.h"
#include "driver/journal.h"

#define MAX_XML_BYTES (1024 * 1024)
#define MAX_THREAD_QUERIES 4096

gboolean
qemu_simple_request(QemuDriver *q, const char *req, GError **error)
{
  GString *reply = NULL;
  if (!gt_rsp_conn_request(q->conn, req, &reply, error))
    return FALSE;
  gboolean ok = g_strcmp0(reply->str, "OK") == 0;
  if (!ok)
    g_set_error(error, GT_ERROR, reply->len ? GT_ERROR_PROTOCOL : GT_ERROR_UNSUPPORTED,
                "gdb stub answered '%.20s' to '%.20s'", reply->str, req);
  g_string_free(reply, TRUE);
  return ok;
}

gboolean
qemu_check_stopped(QemuDriver *q, const char *what, GError **error)
{
  if (gt_rsp_conn_is_gone(q->conn)) {
    g_set_error(error, GT_ERROR, GT_ERROR_GUEST_GONE, "the guest is gone");
    return FALSE;
  }
  if (q->running) {
    g_set_error(error, GT_ERROR, GT_ERROR_FAILED, "cannot %s while the guest runs: pause it",
                what);
    return FALSE;
  }
  return TRUE;
}

static guint
qemu_vcpu_count(GtDriver *d)
{
  return ((QemuDriver *)d)->nvcpu;
}

static int
qemu_event_fd(GtDriver *d)
{
  return gt_rsp_conn_fd(((QemuDriver *)d)->conn);
}

static void
qemu_free(QemuDriver *q)
{
  for (guint i = 0; q->cache && i < q->nvcpu; i++)
    g_byte_array_unref(q->cache[i].g);
  g_free(q->cache);
  g_strfreev(q->thread_names);
  g_free(q->thread_ids);
  g_clear_pointer(&q->bps, g_hash_table_unref);
  g_clear_pointer(&q->layout, gt_target_layout_free);
  g_clear_pointer(&q->ram, gt_qemu_ram_free);
  g_clear_pointer(&q->conn, gt_rsp_conn_free);
  g_free(q);
}

static gboolean
qemu_gone(GtDriver *d)
{
  return ((QemuDriver *)d)->exited;
}

/* Leave the guest as we found it: running, without our breakpoints. */
static void
qemu_close(GtDriver *d)
{
  QemuDriver *q = (QemuDriver *)d;
  g_autoptr(GError) err = NULL;
  if (q->exited)
    gt_journal_forget(d->journal);   /* the guest powered off */
  if (q->conn && !gt_rsp_conn_is_gone(q->conn) && q->nvcpu > 0) {
    if (q->running && !qemu_pause(d, &err)) {
      g_warning("gdb stub: cannot pause before detaching: %s", err->message);
      g_clear_error(&err);
    }
    if (!qemu_flush_pc(q, &err)) {
      g_warning("gdb stub: cannot set the instruction pointer before detaching: %s",
                err->message);
      g_clear_error(&err);
    }
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, q->bps);
    while (!gt_rsp_conn_is_gone(q->conn) && g_hash_table_iter_next(&it, &key, NULL)) {
      g_autofree char *req = g_strdup_printf("z0,%" G_GINT64_MODIFIER "x,1", *(guint64 *)key);
      if (!qemu_simple_request(q, req, &err)) {
        g_warning("gdb stub: cannot remove breakpoint: %s", err->message);
        g_clear_error(&err);
      } else {
        gt_journal_note_bp(q->parent.journal, *(guint64 *)key, FALSE, NULL);
      }
    }
    if (q->phys_mode && !gt_rsp_conn_is_gone(q->conn))
      qemu_simple_request(q, "Qqemu.PhyMemMode:0", NULL);
    if (!gt_rsp_conn_is_gone(q->conn)) {
      g_autofree char *det = NULL;
      if (q->thread_ids[0].pid > 0)
        det = g_strdup_printf("D;%" G_GINT64_MODIFIER "x", q->thread_ids[0].pid);
      gboolean detached = det && qemu_simple_request(q, det, NULL);
      if (!detached && !gt_rsp_conn_is_gone(q->conn)) {
        detached = qemu_simple_request(q, "D", &err);
        if (!detached)
          g_warning("gdb stub: detach failed: %s", err->message);
      }
      /* QEMU 7.2's 'D' (handle_detach in gdbstub/gdbstub.c) removes every
       * breakpoint of the process, ours with them, before it continues. */
      g_hash_table_iter_init(&it, q->bps);
      while (detached && g_hash_table_iter_next(&it, &key, NULL))
        gt_journal_note_bp(q->parent.journal, *(guint64 *)key, FALSE, NULL);
    }
  }
  g_clear_pointer(&q->conn, gt_rsp_conn_free);
  if (q->detach_hook)
    q->detach_hook(q->detach_data);
  qemu_free(q);
}

/* Ends the connection without detaching, when a detach would let the guest
 * run into a trap nobody catches (gt_driver_end). QEMU 7.2's gdb stub does
 * nothing when a debugger's socket closes (gdb_chr_event handles only
 * CHR_EVENT_OPENED): the run state and every breakpoint stay as they are.
 * A VM stopped stays stopped; a running one runs until it hits one of the
 * breakpoints, and stops there (RUN_STATE_DEBUG). The next debugger (the
 * guardian, `guestrace recover`) is accepted once the socket is closed;
 * it stops the VM, clears the breakpoints with its '?' and repairs from
 * the journal before it lets the guest run. */
static void
qemu_abandon(GtDriver *d)
{
  QemuDriver *q = (QemuDriver *)d;
  g_autoptr(GError) err = NULL;
  if (q->conn && !gt_rsp_conn_is_gone(q->conn) && q->nvcpu > 0) {
    /* A vCPU sent back from the trap must be sent before we go. */
    if (!q->running && !qemu_flush_pc(q, &err))
      g_warning("gdb stub: cannot set the instruction pointer before leaving: %s",
                err->message);
    /* The mode is the stub's, not the connection's: the next debugger
     * would inherit it. */
    if (!q->running && q->phys_mode && !gt_rsp_conn_is_gone(q->conn))
      qemu_simple_request(q, "Qqemu.PhyMemMode:0", NULL);
  }
  g_clear_pointer(&q->conn, gt_rsp_conn_free);
  if (q->detach_hook)
    q->detach_hook(q->detach_data);
  qemu_free(q);
}

void
gt_qemu_driver_set_detach_hook(GtDriver *d, GDestroyNotify hook, gpointer data)
{
  QemuDriver *q = (QemuDriver *)d;
  q->detach_hook = hook;
  q->detach_data = data;
}

pid_t gt_qemu_driver_qemu_pid(GtDriver *d) { return ((QemuDriver *)d)->qemu_pid; }
void gt_qemu_driver_set_qemu_pid(GtDriver *d, pid_t pid) { ((QemuDriver *)d)->qemu_pid = pid; }

static const GtDriverOps qemu_ops = {
  .name = "qemu",
  .close = qemu_close,
  .abandon = qemu_abandon,
  .gone = qemu_gone,
  .vcpu_count = qemu_vcpu_count,
  .pause = qemu_pause,
  .resume = qemu_resume,
  .step = qemu_step,
  .get_regs = qemu_get_regs,
  .set_reg = qemu_set_reg,
  .read_phys = qemu_read_phys,
  .write_phys = qemu_write_phys,
  .insert_bp = qemu_insert_bp,
  .remove_bp = qemu_remove_bp,
  .wait = qemu_wait,
  .event_fd = qemu_event_fd,
};

static gboolean
handshake(QemuDriver *q, gboolean *xfer, GError **error)
{
  GString *reply = NULL;
  if (!gt_rsp_conn_request(q->conn, "qSupported:multiprocess+;swbreak+;xmlRegisters=i386",
                           &reply, error))
    return FALSE;
  g_auto(GStrv) feats = g_strsplit(reply->str, ";", 256);
  g_string_free(reply, TRUE);
  q->packet_size = 400;  /* the protocol's minimum guarantee */
  *xfer = FALSE;
  gboolean no_ack = FALSE;
  for (guint i = 0; feats[i]; i++) {
    guint64 v;
    if (g_str_has_prefix(feats[i], "PacketSize=") &&
        g_ascii_string_to_unsigned(feats[i] + 11, 16, 256, 64 * 1024, &v, NULL))
      q->packet_size = (gsize)v;
    else if (g_str_equal(feats[i], "qXfer:features:read+"))
      *xfer = TRUE;
    else if (g_str_equal(feats[i], "QStartNoAckMode+"))
      no_ack = TRUE;
  }
  /* Over TCP acks only cost a send and a receive per packet. The OK is
   * still acknowledged; both sides stop after it. QEMU 7.2 does not offer
   * it. */
  g_autoptr(GError) err = NULL;
  if (no_ack && qemu_simple_request(q, "QStartNoAckMode", &err))
    gt_rsp_conn_set_no_ack(q->conn);
  else if (err && gt_rsp_conn_is_gone(q->conn)) {
    g_propagate_error(error, g_steal_pointer(&err));
    return FALSE;
  }
  return TRUE;
}

static gboolean
annex_name_ok(const char *annex)
{
  if (!*annex || strlen(annex) > 64)
    return FALSE;
  for (const char *p = annex; *p; p++)
    if (!g_ascii_isalnum(*p) && *p != '.' && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

/* Reads one annex with qXfer:features:read, chunk by chunk. */
static char *
fetch_annex(const char *annex, gpointer user, GError **error)
{
  QemuDriver *q = user;
  if (!annex_name_ok(annex)) {
    g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL, "bad annex name '%.64s'", annex);
    return NULL;
  }
  g_autoptr(GString) text = g_string_new(NULL);
  gsize chunk = q->packet_size - 8;
  for (;;) {
    g_autofree char *req = g_strdup_printf("qXfer:features:read:%s:%" G_GSIZE_MODIFIER
                                           "x,%" G_GSIZE_MODIFIER "x", annex, text->len, chunk);
    GString *reply = NULL;
    if (!gt_rsp_conn_request(q->conn, req, &reply, error))
      return NULL;
    char kind = reply->len ? reply->str[0] : 0;
    if (kind != 'm' && kind != 'l') {
      g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL, "cannot read %s: '%.20s'", annex,
                  reply->str);
      g_string_free(reply, TRUE);
      return NULL;
    }
    gsize n = reply->len - 1;
    if (memchr(reply->str + 1, 0, n) || text->len + n > MAX_XML_BYTES ||
        (kind == 'm' && n == 0)) {
      g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL, "bad or oversized annex %s", annex);
      g_string_free(reply, TRUE);
      return NULL;
    }
    g_string_append_len(text, reply->str + 1, (gssize)n);
    g_string_free(reply, TRUE);
    if (kind == 'l')
      break;
  }
  return g_string_free(g_steal_pointer(&text), FALSE);
}

static gboolean
add_threads(QemuDriver *q, GPtrArray *names, const char *list, GError **error)
{
  g_auto(GStrv) ids = g_strsplit(list, ",", QEMU_MAX_VCPUS + 1);
  for (guint i = 0; ids[i]; i++) {
    GtRspThreadId id;
    if (!gt_rsp_parse_thread_id(ids[i], strlen(ids[i]), &id) || id.tid <= 0) {
      g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL, "bad thread id '%.20s'", ids[i]);
      return FALSE;
    }
    if (names->len >= QEMU_MAX_VCPUS) {
      g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL, "too many vCPUs");
      return FALSE;
    }
    g_ptr_array_add(names, g_strdup(ids[i]));
  }
  return TRUE;
}

static gboolean
list_threads(QemuDriver *q, GError **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  const char *req = "qfThreadInfo";
  for (guint n = 0;; n++) {
    GString *reply = NULL;
    if (n >= MAX_THREAD_QUERIES) {
      g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL, "thread list does not end");
      return FALSE;
    }
    if (!gt_rsp_conn_request(q->conn, req, &reply, error))
      return FALSE;
    gboolean ok = TRUE, done = FALSE;
    if (reply->len >= 1 && reply->str[0] == 'l')
      done = TRUE;
    else if (reply->len >= 2 && reply->str[0] == 'm')
      ok = add_threads(q, names, reply->str + 1, error);
    else {
      g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL, "bad thread list '%.20s'", reply->str);
      ok = FALSE;
    }
    g_string_free(reply, TRUE);
    if (!ok)
      return FALSE;
    if (done)
      break;
    req = "qsThreadInfo";
  }
  if (names->len == 0) {
    g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL, "the gdb stub lists no vCPUs");
    return FALSE;
  }
  q->nvcpu = names->len;
  q->thread_ids = g_new0(GtRspThreadId, q->nvcpu);
  q->cache = g_new0(QemuRegCache, q->nvcpu);
  for (guint i = 0; i < q->nvcpu; i++) {
    const char *s = g_ptr_array_index(names, i);
    gt_rsp_parse_thread_id(s, strlen(s), &q->thread_ids[i]);
    q->cache[i].g = g_byte_array_new();
  }
  g_ptr_array_add(names, NULL);
  q->thread_names = (char **)g_ptr_array_steal(names, NULL);
  return TRUE;
}

static gboolean
setup(QemuDriver *q, const GtDriverOptions *opts, GError **error)
{
  gboolean xfer;
  if (!handshake(q, &xfer, error))
    return FALSE;
  if (!xfer) {
    g_set_error(error, GT_ERROR, GT_ERROR_UNSUPPORTED,
                "the gdb stub offers no target description (qXfer:features:read)");
    return FALSE;
  }
  /* QEMU stops the VM when a debugger connects; '?' confirms it. Stop
   * replies sent before (QEMU announces that stop unasked) are stale. */
  GString *reply = NULL;
  if (!gt_rsp_conn_request_stop(q->conn, "?", &reply, error))
    return FALSE;
  g_string_free(reply, TRUE);
  gt_rsp_conn_clear_stops(q->conn);
  q->layout = gt_target_layout_parse("target.xml", fetch_annex, q, error);
  if (!q->layout || !list_threads(q, error))
    return FALSE;
  if (!gt_target_layout_reg(q->layout, GT_REG_RIP)) {
    g_set_error(error, GT_ERROR, GT_ERROR_UNSUPPORTED, "the target has no rip register");
    return FALSE;
  }
  if (opts && opts->mem_path) {
    q->ram = gt_qemu_ram_open(opts->mem_path, opts->lowmem, error);
    if (!q->ram)
      return FALSE;
  } else {
    g_autoptr(GError) err = NULL;
    q->phys_mode = qemu_simple_request(q, "Qqemu.PhyMemMode:1", &err);
    if (!q->phys_mode) {
      if (gt_rsp_conn_is_gone(q->conn)) {
        g_propagate_error(error, g_steal_pointer(&err));
        return FALSE;
      }
      g_debug("gdb stub: no physical-memory mode: %s", err->message);
    }
  }
  return TRUE;
}

GtDriver *
gt_qemu_driver_open_fd(int fd, const GtDriverOptions *opts, GError **error)
{
  QemuDriver *q = g_new0(QemuDriver, 1);
  q->parent.ops = &qemu_ops;
  q->conn = gt_rsp_conn_new(fd, opts && opts->timeout_ms > 0 ? opts->timeout_ms : 5000);
  q->g_thread = -1;
  q->c_thread = -1;
  q->steps_over_bps = -1;
  q->bps = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
  if (!setup(q, opts, error)) {
    /* Let a live stub's guest run again: the connection stopped it. */
    if (!gt_rsp_conn_is_gone(q->conn) && q->nvcpu > 0)
      qemu_close(&q->parent);
    else {
      if (!gt_rsp_conn_is_gone(q->conn) && gt_rsp_conn_send(q->conn, "D", 1, NULL)) {
        GString *r = NULL;
        gt_rsp_conn_recv(q->conn, 200, &r, NULL);
        if (r)
          g_string_free(r, TRUE);
      }
      qemu_free(q);
    }
    return NULL;
  }
  return &q->parent;
}
