/* vCPU registers over the gdb stub: one 'g' per vCPU per stop, cached until
 * resume; writes with 'P' update the cache. Offsets come from the target
 * description, never from a table.
 *
 * Round trips saved: a stop reply for a trap (T05 naming a thread) makes
 * that thread the stub's general and continue thread (QEMU's
 * gdb_set_stop_cpu; GDB assumes the same of Hg after a stop), so no Hg is
 * sent for it, and a RIP write for it is deferred and sent as the address
 * of the next 'c ADDR' instead of a 'P'. */
#include <string.h>

#include "driver/qemu/qemu-private.h"
#include "driver/qemu/rsp-codec.h"

void
qemu_regs_invalidate(QemuDriver *q)
{
  for (guint i = 0; i < q->nvcpu; i++)
    q->cache[i].valid = FALSE;
  q->g_thread = -1;
  q->c_thread = -1;
  q->pc_deferred = FALSE;
}

void
qemu_regs_stopped_on(QemuDriver *q, guint vcpu)
{
  q->g_thread = (int)vcpu;
  q->c_thread = (int)vcpu;
}

static gboolean
check_vcpu(QemuDriver *q, guint vcpu, GError **error)
{
  if (vcpu >= q->nvcpu) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG, "no vCPU %u (the guest has %u)",
                vcpu, q->nvcpu);
    return FALSE;
  }
  return TRUE;
}

static gboolean
select_thread(QemuDriver *q, guint vcpu, GError **error)
{
  if (q->g_thread == (int)vcpu)
    return TRUE;
  g_autofree char *req = g_strdup_printf("Hg%s", q->thread_names[vcpu]);
  if (!qemu_simple_request(q, req, error))
    return FALSE;
  q->g_thread = (int)vcpu;
  return TRUE;
}

/* Parse a register dump; "xx" (unavailable) reads as zero. */
static gboolean
parse_reg_hex(const char *hex, gsize hexlen, GByteArray *out)
{
  if (hexlen % 2)
    return FALSE;
  g_byte_array_set_size(out, (guint)(hexlen / 2));
  for (gsize i = 0; i < hexlen / 2; i++) {
    if (hex[2 * i] == 'x' && hex[2 * i + 1] == 'x') {
      out->data[i] = 0;
      continue;
    }
    if (!gt_rsp_hex_to_bytes(hex + 2 * i, 1, &out->data[i]))
      return FALSE;
  }
  return TRUE;
}

static gboolean
ensure_g(QemuDriver *q, guint vcpu, GError **error)
{
  QemuRegCache *c = &q->cache[vcpu];
  if (c->valid)
    return TRUE;
  if (!qemu_check_stopped(q, "read registers", error) || !select_thread(q, vcpu, error))
    return FALSE;
  GString *reply = NULL;
  if (!gt_rsp_conn_request(q->conn, "g", &reply, error))
    return FALSE;
  gboolean ok = !gt_rsp_is_error(reply->str, reply->len) &&
                parse_reg_hex(reply->str, reply->len, c->g);
  if (!ok)
    g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL, "bad 'g' reply '%.40s'", reply->str);
  g_string_free(reply, TRUE);
  c->valid = ok;
  return ok;
}

static guint64
le_value(const guint8 *p, guint nbytes)
{
  guint64 v = 0;
  for (guint i = MIN(nbytes, 8); i-- > 0;)
    v = v << 8 | p[i];
  return v;
}

/* A register outside the 'g' packet: ask for it alone with 'p'. */
static gboolean
read_one(QemuDriver *q, guint vcpu, const GtRegDesc *d, guint64 *value, GError **error)
{
  if (!select_thread(q, vcpu, error))
    return FALSE;
  g_autofree char *req = g_strdup_printf("p%x", d->regnum);
  GString *reply = NULL;
  if (!gt_rsp_conn_request(q->conn, req, &reply, error))
    return FALSE;
  g_autoptr(GByteArray) bytes = g_byte_array_new();
  gboolean ok = !gt_rsp_is_error(reply->str, reply->len) &&
                parse_reg_hex(reply->str, reply->len, bytes) && bytes->len >= d->bitsize / 8;
  if (ok)
    *value = le_value(bytes->data, d->bitsize / 8);
  else
    g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL, "cannot read register %s", d->name);
  g_string_free(reply, TRUE);
  return ok;
}

gboolean
qemu_get_regs(GtDriver *d, guint vcpu, GtRegs *regs, GError **error)
{
  QemuDriver *q = (QemuDriver *)d;
  if (!check_vcpu(q, vcpu, error) || !ensure_g(q, vcpu, error))
    return FALSE;
  const GByteArray *g = q->cache[vcpu].g;
  memset(regs, 0, sizeof *regs);
  for (guint r = 0; r < GT_REG_COUNT; r++) {
    const GtRegDesc *desc = gt_target_layout_reg(q->layout, r);
    if (!desc)
      continue;  /* the target lacks it: reads as 0 */
    gsize n = desc->bitsize / 8;
    if (desc->offset + n <= g->len)
      regs->r[r] = le_value(g->data + desc->offset, (guint)n);
    else if (!read_one(q, vcpu, desc, &regs->r[r], error))
      return FALSE;
  }
  return TRUE;
}

gboolean
qemu_read_rip(QemuDriver *q, guint vcpu, guint64 *rip, GError **error)
{
  GtRegs regs;
  if (!qemu_get_regs(&q->parent, vcpu, &regs, error))
    return FALSE;
  *rip = regs.r[GT_REG_RIP];
  return TRUE;
}

static gboolean
write_reg(QemuDriver *q, guint vcpu, const GtRegDesc *desc, const guint8 *bytes,
          GError **error)
{
  if (!select_thread(q, vcpu, error))
    return FALSE;
  g_autoptr(GString) req = g_string_new(NULL);
  g_string_printf(req, "P%x=", desc->regnum);
  gt_rsp_bytes_to_hex(req, bytes, desc->bitsize / 8);
  return qemu_simple_request(q, req->str, error);
}

gboolean
qemu_flush_pc(QemuDriver *q, GError **error)
{
  if (!q->pc_deferred)
    return TRUE;
  const GtRegDesc *desc = gt_target_layout_reg(q->layout, GT_REG_RIP);
  guint8 bytes[8];
  for (gsize i = 0; i < 8; i++)
    bytes[i] = (guint8)(q->pc >> (8 * i));
  if (!write_reg(q, (guint)q->c_thread, desc, bytes, error))
    return FALSE;
  q->pc_deferred = FALSE;
  return TRUE;
}

gboolean
qemu_set_reg(GtDriver *d, guint vcpu, gt_reg_name_t reg, guint64 value, GError **error)
{
  QemuDriver *q = (QemuDriver *)d;
  if (!check_vcpu(q, vcpu, error) || !qemu_check_stopped(q, "write registers", error))
    return FALSE;
  const GtRegDesc *desc = gt_target_layout_reg(q->layout, reg);
  if (!desc) {
    g_set_error(error, GT_ERROR, GT_ERROR_UNSUPPORTED,
                "the gdb stub has no register %s", gt_target_reg_xml_name(reg) ?: "?");
    return FALSE;
  }
  gsize n = desc->bitsize / 8;
  guint8 bytes[8];
  for (gsize i = 0; i < n; i++)
    bytes[i] = (guint8)(value >> (8 * i));
  QemuRegCache *c = &q->cache[vcpu];
  gboolean cached = c->valid && desc->offset + n <= c->g->len;
  if (reg == GT_REG_RIP && n == 8 && cached && q->c_thread == (int)vcpu) {
    q->pc_deferred = TRUE;   /* sent by qemu_resume as 'c ADDR' */
    q->pc = value;
  } else if (!write_reg(q, vcpu, desc, bytes, error)) {
    return FALSE;
  }
  if (cached)
    memcpy(c->g->data + desc->offset, bytes, n);
  return TRUE;
}
