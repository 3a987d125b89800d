/* The fake Xen back end (see fake-xen.h). */
#include "fake-xen.h"

#include <string.h>

#define PAGE 4096

static void
put64(FakeXen *f, guint64 pa, guint64 v)
{
  memcpy(f->ram + pa, &v, 8);
}

FakeXen *
fake_xen_new(void)
{
  FakeXen *f = g_new0(FakeXen, 1);
  f->ram = g_malloc0(FAKE_FRAMES * PAGE);
  f->alive = TRUE;
  /* PML4 at 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000, text at 0xa000. */
  guint64 va = FAKE_TEXT_VA;
  put64(f, 0x1000 + ((va >> 39) & 511) * 8, 0x2000 | 3);
  put64(f, 0x2000 + ((va >> 30) & 511) * 8, 0x3000 | 3);
  put64(f, 0x3000 + ((va >> 21) & 511) * 8, 0x4000 | 3);
  put64(f, 0x4000 + ((va >> 12) & 511) * 8, FAKE_TEXT_PA | 3);
  static const guint8 nop5[5] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };
  memcpy(f->ram + FAKE_TEXT_PA + 0x100, nop5, 5);
  memset(f->ram + FAKE_TEXT_PA + 0x200, 0xcc, 5);
  static const guint8 code[5] = { 0x48, 0x89, 0xe5, 0x31, 0xc0 };
  memcpy(f->ram + FAKE_TEXT_PA + 0x300, code, 5);
  for (guint v = 0; v < FAKE_VCPUS; v++) {
    f->regs[v].r[GT_REG_CR3] = FAKE_CR3 | 0x1000;  /* a PTI user root: bit 12 set */
    f->regs[v].r[GT_REG_RIP] = 0x400000 + v;
  }
  f->ring_page = g_aligned_alloc0(1, PAGE, PAGE);
  return f;
}

void
fake_xen_free(FakeXen *f)
{
  g_aligned_free(f->ring_page);
  g_free(f->ram);
  g_free(f);
}

void
fake_xen_push(FakeXen *f, guint32 reason, guint vcpu, guint64 rip, guint32 cr_index)
{
  vm_event_request_t req;
  memset(&req, 0, sizeof req);
  req.version = VM_EVENT_INTERFACE_VERSION;
  req.flags = VM_EVENT_FLAG_VCPU_PAUSED;
  req.reason = reason;
  req.vcpu_id = vcpu;
  req.data.regs.x86.rip = rip;
  req.data.regs.x86.rax = 39;            /* like a syscall number */
  req.data.regs.x86.rsp = 0xffffc90000003f00ULL;
  req.data.regs.x86.cr3 = FAKE_CR3;
  if (reason == VM_EVENT_REASON_WRITE_CTRLREG) {
    req.u.write_ctrlreg.index = cr_index;
    req.u.write_ctrlreg.new_value = 39;
    req.u.write_ctrlreg.old_value = FAKE_CR3;
  } else if (reason == VM_EVENT_REASON_SOFTWARE_BREAKPOINT) {
    req.u.software_breakpoint.insn_length = 1;
  }
  memcpy(RING_GET_REQUEST(&f->front, f->front.req_prod_pvt), &req, sizeof req);
  f->front.req_prod_pvt++;
  RING_PUSH_REQUESTS(&f->front);
  f->notified = TRUE;
}

gboolean
fake_xen_pop(FakeXen *f, vm_event_response_t *rsp)
{
  if (!RING_HAS_UNCONSUMED_RESPONSES(&f->front))
    return FALSE;
  memcpy(rsp, RING_GET_RESPONSE(&f->front, f->front.rsp_cons), sizeof *rsp);
  f->front.rsp_cons++;
  return TRUE;
}

static void fk_close(void *be) { ((FakeXen *)be)->closed = TRUE; }
static guint fk_vcpu_count(void *be) { return FAKE_VCPUS; }
static gboolean fk_alive(void *be) { return ((FakeXen *)be)->alive; }

static gboolean
fk_pause(void *be, GError **error)
{
  FakeXen *f = be;
  f->paused++;
  f->pauses++;
  return TRUE;
}

static gboolean
fk_unpause(void *be, GError **error)
{
  FakeXen *f = be;
  g_assert_cmpint(f->paused, >, 0);
  f->paused--;
  f->unpauses++;
  return TRUE;
}

static gboolean
fk_vcpu_running(void *be, guint vcpu, gboolean *running, GError **error)
{
  FakeXen *f = be;
  f->running_polls++;
  *running = f->running_left > 0;
  if (f->running_left)
    f->running_left--;
  return TRUE;
}

static gboolean
fk_get_regs(void *be, guint vcpu, GtRegs *regs, GError **error)
{
  *regs = ((FakeXen *)be)->regs[vcpu];
  return TRUE;
}

static gboolean
fk_set_regs(void *be, guint vcpu, const GtRegs *regs, GError **error)
{
  ((FakeXen *)be)->regs[vcpu] = *regs;
  return TRUE;
}

static void *
fk_map_frame(void *be, guint64 gfn, GError **error)
{
  FakeXen *f = be;
  if (gfn >= FAKE_FRAMES) {
    g_set_error(error, GT_ERROR, GT_ERROR_MEMORY, "no frame %" G_GINT64_MODIFIER "x", gfn);
    return NULL;
  }
  f->maps++;
  return f->ram + gfn * PAGE;
}

static void fk_unmap_frame(void *be, void *page) { ((FakeXen *)be)->unmaps++; }

static void *
fk_monitor_enable(void *be, GtXenTrap trap, GError **error)
{
  FakeXen *f = be;
  f->monitor_on = TRUE;
  f->trap = trap;
  /* Xen's side: the driver initialises the shared indexes after this. */
  FRONT_RING_INIT(&f->front, (vm_event_sring_t *)f->ring_page, PAGE);
  return f->ring_page;
}

static void fk_monitor_disable(void *be) { ((FakeXen *)be)->monitor_on = FALSE; }

static gboolean
fk_wait_event(void *be, int timeout_ms, gboolean *fired, GError **error)
{
  FakeXen *f = be;
  *fired = f->notified;
  f->notified = FALSE;
  return TRUE;
}

static gboolean
fk_notify(void *be, GError **error)
{
  ((FakeXen *)be)->notifies++;
  return TRUE;
}

static int fk_event_fd(void *be) { return -1; }

static gboolean
fk_inject_bp(void *be, guint vcpu, guint insn_len, GError **error)
{
  ((FakeXen *)be)->injects++;
  return TRUE;
}

const GtXenBackendOps fake_xen_ops = {
  .close = fk_close,
  .vcpu_count = fk_vcpu_count,
  .alive = fk_alive,
  .pause = fk_pause,
  .unpause = fk_unpause,
  .vcpu_running = fk_vcpu_running,
  .get_regs = fk_get_regs,
  .set_regs = fk_set_regs,
  .map_frame = fk_map_frame,
  .unmap_frame = fk_unmap_frame,
  .monitor_enable = fk_monitor_enable,
  .monitor_disable = fk_monitor_disable,
  .wait_event = fk_wait_event,
  .notify = fk_notify,
  .event_fd = fk_event_fd,
  .inject_bp = fk_inject_bp,
};
