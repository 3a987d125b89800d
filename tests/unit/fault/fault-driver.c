/* The fault-injection harness's driver: one connection to the fake guest
 * (fault-world.c) behind GtDriverOps, all-stop like QEMU's gdb stub, that
 * fails its Nth operation of one kind when told to (fault-world.h). */
#include "fault-world-private.h"

#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <guestrace/types.h>
#include "driver/journal.h"

typedef struct {
  GtDriver parent;
  FakeWorld *w;
  gboolean lost;
  guint counts[FW_OP_COUNT];
  gboolean armed;
  FwOp fail_op;
  guint fail_n;
  FwFailMode mode;
  int efd;
} FakeConn;

/* Counts op; FALSE (error set) when it is the one to fail or the
 * connection is gone. */
static gboolean
op(FakeConn *c, FwOp kind, GError **error)
{
  if (c->lost) {
    g_set_error(error, GT_ERROR, GT_ERROR_CONNECT, "fake: the connection is gone");
    return FALSE;
  }
  c->counts[kind]++;
  if (!c->armed || kind != c->fail_op || c->counts[kind] < c->fail_n ||
      (c->counts[kind] > c->fail_n && c->mode != FW_FAIL_FROM))
    return TRUE;
  if (c->mode == FW_FAIL_LOST) {
    c->lost = TRUE;
    g_set_error(error, GT_ERROR, GT_ERROR_CONNECT, "fake: connection lost at %s #%u",
                fw_op_names[kind], c->fail_n);
  } else {
    g_set_error(error, GT_ERROR, kind == FW_OP_READ ? GT_ERROR_MEMORY : GT_ERROR_FAILED,
                "fake: %s #%u failed", fw_op_names[kind], c->counts[kind]);
  }
  return FALSE;
}

static guint
fc_vcpu_count(GtDriver *d)
{
  return FW_NVCPUS;
}

static gboolean
fc_pause(GtDriver *d, GError **error)
{
  FakeConn *c = (FakeConn *)d;
  if (!op(c, FW_OP_PAUSE, error))
    return FALSE;
  fw_pause(c->w);
  return TRUE;
}

static gboolean
fc_resume(GtDriver *d, GError **error)
{
  FakeConn *c = (FakeConn *)d;
  if (!op(c, FW_OP_RESUME, error))
    return FALSE;
  fw_resume(c->w);
  return TRUE;
}

static gboolean
fc_get_regs(GtDriver *d, guint vcpu, GtRegs *regs, GError **error)
{
  FakeConn *c = (FakeConn *)d;
  if (!op(c, FW_OP_GET_REGS, error))
    return FALSE;
  g_assert_cmpuint(vcpu, <, FW_NVCPUS);
  *regs = *fw_regs(c->w, vcpu);
  return TRUE;
}

static gboolean
fc_set_reg(GtDriver *d, guint vcpu, gt_reg_name_t reg, guint64 value, GError **error)
{
  FakeConn *c = (FakeConn *)d;
  if (!op(c, FW_OP_SET_REG, error))
    return FALSE;
  g_assert_cmpuint(vcpu, <, FW_NVCPUS);
  fw_require_stopped(c->w, "set a register");
  fw_regs(c->w, vcpu)->r[reg] = value;
  return TRUE;
}

static gboolean
in_ram(FakeConn *c, guint64 pa, gsize len, GError **error)
{
  GByteArray *ram = fw_guest(c->w)->ram;
  if (pa <= ram->len && len <= ram->len - pa)
    return TRUE;
  g_set_error(error, GT_ERROR, GT_ERROR_MEMORY, "fake: physical %#" G_GINT64_MODIFIER
              "x+%" G_GSIZE_FORMAT " is not RAM", pa, len);
  return FALSE;
}

static gboolean
fc_read_phys(GtDriver *d, guint64 pa, void *buf, gsize len, GError **error)
{
  FakeConn *c = (FakeConn *)d;
  if (!op(c, FW_OP_READ, error) || !in_ram(c, pa, len, error))
    return FALSE;
  memcpy(buf, fw_guest(c->w)->ram->data + pa, len);
  return TRUE;
}

static gboolean
fc_write_phys(GtDriver *d, guint64 pa, const void *buf, gsize len, GError **error)
{
  FakeConn *c = (FakeConn *)d;
  if (!op(c, FW_OP_WRITE, error) || !in_ram(c, pa, len, error))
    return FALSE;
  fw_require_stopped(c->w, "write memory");
  memcpy(fw_guest(c->w)->ram->data + pa, buf, len);
  return TRUE;
}

/* Journalled as the QEMU driver does: before it is inserted, after it is
 * removed. */
static gboolean
fc_insert_bp(GtDriver *d, guint64 va, GError **error)
{
  FakeConn *c = (FakeConn *)d;
  if (!op(c, FW_OP_INSERT_BP, error))
    return FALSE;
  fw_require_stopped(c->w, "insert a breakpoint");
  if (!gt_journal_note_bp(d->journal, va, TRUE, error))
    return FALSE;
  g_hash_table_add(fw_bps(c->w), g_memdup2(&va, sizeof va));
  return TRUE;
}

static gboolean
fc_remove_bp(GtDriver *d, guint64 va, GError **error)
{
  FakeConn *c = (FakeConn *)d;
  if (!op(c, FW_OP_REMOVE_BP, error))
    return FALSE;
  fw_require_stopped(c->w, "remove a breakpoint");
  g_hash_table_remove(fw_bps(c->w), &va);
  gt_journal_note_bp(d->journal, va, FALSE, NULL);
  return TRUE;
}

static gboolean
fc_wait(GtDriver *d, int timeout_ms, GtStop *stop, GError **error)
{
  FakeConn *c = (FakeConn *)d;
  *stop = (GtStop){ GT_STOP_NONE };
  g_autoptr(GError) err = NULL;
  if (!op(c, FW_OP_WAIT, &err)) {
    if (!c->lost) {
      g_propagate_error(error, g_steal_pointer(&err));
      return FALSE;
    }
    stop->kind = GT_STOP_LOST;
    return TRUE;
  }
  fw_next_stop(c->w, stop);
  return TRUE;
}

static int
fc_event_fd(GtDriver *d)
{
  return ((FakeConn *)d)->efd;
}

static void
fc_free(FakeConn *c)
{
  fw_set_last_counts(c->w, c->counts);
  close(c->efd);
  g_free(c);
}

/* Detaching as QEMU's driver does: pause, remove our breakpoints (each
 * noted in the journal), then 'D', which in QEMU removes every breakpoint
 * left and lets the guest run (counted as a resume: it can be refused). A
 * broken connection does nothing: the stub keeps its breakpoints; one that
 * cannot pause the guest does not touch them while it runs. */
static void
fc_close(GtDriver *d)
{
  FakeConn *c = (FakeConn *)d;
  g_autoptr(GError) err = NULL;
  if (!c->lost && fc_pause(d, &err)) {
    g_autoptr(GArray) bps = g_array_new(FALSE, FALSE, sizeof(guint64));
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, fw_bps(c->w));
    while (g_hash_table_iter_next(&it, &key, NULL))
      g_array_append_vals(bps, key, 1);
    for (guint i = 0; i < bps->len; i++)
      if (!fc_remove_bp(d, g_array_index(bps, guint64, i), &err))
        g_clear_error(&err);
    if (op(c, FW_OP_RESUME, &err)) {
      g_hash_table_iter_init(&it, fw_bps(c->w));
      while (g_hash_table_iter_next(&it, &key, NULL))
        gt_journal_note_bp(d->journal, *(guint64 *)key, FALSE, NULL);
      g_hash_table_remove_all(fw_bps(c->w));
      fw_resume(c->w);
    }
  }
  fc_free(c);
}

/* Closing the socket without a detach (QEMU's stub then changes nothing:
 * the guest stays as it is, breakpoints and all). */
static void
fc_abandon(GtDriver *d)
{
  fc_free((FakeConn *)d);
}

static const GtDriverOps fake_ops = {
  .name = "fake",
  .close = fc_close,
  .abandon = fc_abandon,
  .vcpu_count = fc_vcpu_count,
  .pause = fc_pause,
  .resume = fc_resume,
  .get_regs = fc_get_regs,
  .set_reg = fc_set_reg,
  .read_phys = fc_read_phys,
  .write_phys = fc_write_phys,
  .insert_bp = fc_insert_bp,
  .remove_bp = fc_remove_bp,
  .wait = fc_wait,
  .event_fd = fc_event_fd,
};

GtDriver *
fw_connect(FakeWorld *w, const char *identity)
{
  FakeConn *c = g_new0(FakeConn, 1);
  c->parent.ops = &fake_ops;
  c->parent.identity = g_strdup(identity);
  c->w = w;
  /* Always readable: the loop asks wait(0), which says when nothing is
   * there. */
  c->efd = eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK);
  g_assert_cmpint(c->efd, >=, 0);
  fw_attached(w);
  return &c->parent;
}

void
fw_conn_fail(GtDriver *d, FwOp kind, guint n, FwFailMode mode)
{
  FakeConn *c = (FakeConn *)d;
  c->armed = TRUE;
  c->fail_op = kind;
  c->fail_n = n;
  c->mode = mode;
}

GtVmi *
fw_vmi_new(FakeWorld *w, GtDriver *d)
{
  GtVmi *vmi = g_new0(GtVmi, 1);
  vmi->driver = d;
  vmi->mem = gt_vmi_driver_mem(d);
  const char *map = fw_sysmap(w);
  g_autoptr(GError) error = NULL;
  vmi->syms = gt_symbols_parse(map, strlen(map), "fake System.map", &error);
  g_assert_no_error(error);
  vmi->kcr3 = fw_guest(w)->cr3;
  vmi->nvcpus = FW_NVCPUS;
  return vmi;
}
