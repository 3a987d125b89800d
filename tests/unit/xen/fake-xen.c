/* The fake Xen back end (see fake-xen.h). */
#include "fake-xen.h"
#include "driver/xen/xen-policy.h"

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
  f->nvcpus = FAKE_VCPUS;
  for (guint v = 0; v < FAKE_MAX_VCPUS; v++) {
    f->regs[v].r[GT_REG_CR3] = FAKE_CR3 | 0x1000;  /* a PTI user root: bit 12 set */
    f->regs[v].r[GT_REG_RIP] = 0x400000 + v;
  }
  f->ring_page = g_aligned_alloc0(1, PAGE, PAGE);
  return f;
}

void
fake_xen_free(FakeXen *f)
{
  /* Every test: no answer was dropped by the ring's teardown. */
  g_assert_cmpuint(f->lost, ==, 0);
  g_aligned_free(f->ring_page);
  g_free(f->ram);
  g_free(f);
}

FakeXen *
fake_xen_clone(const FakeXen *f)
{
  FakeXen *c = fake_xen_new();
  memcpy(c->ram, f->ram, FAKE_FRAMES * PAGE);
  memcpy(c->ring_page, f->ring_page, PAGE);
  c->nvcpus = f->nvcpus;
  memcpy(c->regs, f->regs, sizeof c->regs);
  c->front = f->front;
  c->front.sring = c->ring_page;
  c->rsp_seen = f->rsp_seen;
  c->vm_paused = f->vm_paused;
  c->monitor_on = f->monitor_on;
  c->events_on = f->events_on;
  c->trap = f->trap;
  return c;
}

void
fake_xen_map(FakeXen *f, guint64 va, guint frame)
{
  g_assert_cmpuint(va >> 21, ==, FAKE_TEXT_VA >> 21);
  g_assert_cmpuint(frame, <, FAKE_FRAMES);
  put64(f, 0x4000 + ((va >> 12) & 511) * 8, ((guint64)frame * PAGE) | 3);
}

void
fake_xen_push(FakeXen *f, guint32 reason, guint vcpu, guint64 rip, guint32 cr_index)
{
  GtRegs regs;
  memset(&regs, 0, sizeof regs);
  regs.r[GT_REG_RIP] = rip;
  regs.r[GT_REG_RAX] = 39;            /* like a syscall number */
  regs.r[GT_REG_RSP] = 0xffffc90000003f00ULL;
  regs.r[GT_REG_CR3] = FAKE_CR3;
  fake_xen_push_regs(f, reason, vcpu, &regs, cr_index);
}

void
fake_xen_push_regs(FakeXen *f, guint32 reason, guint vcpu, const GtRegs *regs,
                   guint32 cr_index)
{
  vm_event_request_t req;
  memset(&req, 0, sizeof req);
  req.version = VM_EVENT_INTERFACE_VERSION;
  req.flags = VM_EVENT_FLAG_VCPU_PAUSED;
  req.reason = reason;
  req.vcpu_id = vcpu;
  struct vm_event_regs_x86 *x = &req.data.regs.x86;
  gt_xen_regs_to_event(regs, x);   /* the general registers; the rest here */
  x->cs_sel = (guint16)regs->r[GT_REG_CS];
  x->ss_sel = (guint16)regs->r[GT_REG_SS];
  x->gs_base = regs->r[GT_REG_GS_BASE];
  x->shadow_gs = regs->r[GT_REG_KERNEL_GS_BASE];
  x->cr3 = regs->r[GT_REG_CR3];
  x->cr4 = regs->r[GT_REG_CR4];
  if (reason == VM_EVENT_REASON_WRITE_CTRLREG) {
    req.u.write_ctrlreg.index = cr_index;
    req.u.write_ctrlreg.new_value = regs->r[GT_REG_RAX];
    req.u.write_ctrlreg.old_value = FAKE_CR3;
  } else if (reason == VM_EVENT_REASON_SOFTWARE_BREAKPOINT) {
    req.u.software_breakpoint.insn_length = 1;
  }
  if (vcpu < FAKE_MAX_VCPUS)
    f->vm_paused |= 1u << vcpu;
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
static guint fk_vcpu_count(void *be) { return ((FakeXen *)be)->nvcpus; }
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
  f->events_on = TRUE;
  f->rsp_seen = 0;
  f->trap = trap;
  /* Xen's side: the driver initialises the shared indexes after this. */
  FRONT_RING_INIT(&f->front, (vm_event_sring_t *)f->ring_page, PAGE);
  return f->ring_page;
}

static void fk_monitor_adopt(void *be, void *page)
{
  FakeXen *f = be;
  g_assert_true(page == f->ring_page);
  f->adopted = TRUE;
}

static void fk_monitor_events_off(void *be) { ((FakeXen *)be)->events_on = FALSE; }

static gboolean
fk_unpause_settled(void *be, int *stuck, GError **error)
{
  FakeXen *f = be;
  /* Events still on, a vCPU could stop again before it settles. */
  g_assert_false(f->events_on);
  f->settles++;
  f->answered = 0;
  *stuck = f->stuck ? __builtin_ctz(f->stuck) : -1;
  return fk_unpause(be, error);
}

static void
fk_monitor_disable(void *be)
{
  FakeXen *f = be;
  f->monitor_on = FALSE;
  f->events_on = FALSE;
  /* from vm_event_cleanup_domain(); nothing matters once the domain (or,
   * in the guardian tests, the killed tracer's copy of it) is gone */
  if (f->alive)
    f->lost += (guint)__builtin_popcount(f->answered);
  f->answered = 0;
}

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
  FakeXen *f = be;
  f->notifies++;
  /* As vm_event_resume(): takes every response put so far. */
  for (; f->monitor_on && f->rsp_seen != f->front.sring->rsp_prod; f->rsp_seen++) {
    const vm_event_response_t *r = RING_GET_RESPONSE(&f->front, f->rsp_seen);
    if (!(r->flags & VM_EVENT_FLAG_VCPU_PAUSED) || r->vcpu_id >= FAKE_MAX_VCPUS)
      continue;
    guint bit = 1u << r->vcpu_id;
    if (!(f->vm_paused & bit)) {
      f->ignored++;
      continue;
    }
    f->vm_paused &= ~bit;
    f->applied[r->vcpu_id] = *r;
    f->answered |= bit;
  }
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
  .monitor_adopt = fk_monitor_adopt,
  .monitor_events_off = fk_monitor_events_off,
  .unpause_settled = fk_unpause_settled,
  .monitor_disable = fk_monitor_disable,
  .wait_event = fk_wait_event,
  .notify = fk_notify,
  .event_fd = fk_event_fd,
  .inject_bp = fk_inject_bp,
};
