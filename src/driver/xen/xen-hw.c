/* The real Xen back end: libxenctrl for domain control, registers and the
 * monitor ring, libxenforeignmemory for guest frames, libxenevtchn for the
 * ring's event channel, libxenstore to resolve domain names and
 * libxendevicemodel to give a guest its own #BP back. */
#define __XEN_TOOLS__ 1
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>

#include <xenctrl.h>
#include <xendevicemodel.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xenstore.h>
#include <xen/hvm/save.h>
#include <xen/vm_event.h>

#include "driver/xen/xen-backend.h"

#define MAX_DOMAINS 4096
#define MAX_HVM_CONTEXT (16 * 1024 * 1024)

typedef struct {
  xc_interface *xch;
  xenforeignmemory_handle *fm;
  xenevtchn_handle *xce;
  xendevicemodel_handle *dm;
  guint32 domid;
  guint nvcpu;
  void *ring_page;
  xenevtchn_port_or_error_t lport;
  GtXenTrap trap;
  gboolean adopted;         /* ring_page is a dead tracer's ring, the guard's mapping */
} XenHw;

static void
hw_close(void *be)
{
  XenHw *h = be;
  if (h->dm)
    xendevicemodel_close(h->dm);
  if (h->xce)
    xenevtchn_close(h->xce);
  if (h->fm)
    xenforeignmemory_close(h->fm);
  if (h->xch)
    xc_interface_close(h->xch);
  g_free(h);
}

static guint
hw_vcpu_count(void *be)
{
  return ((XenHw *)be)->nvcpu;
}

static gboolean
info(XenHw *h, xc_dominfo_t *di)
{
  return xc_domain_getinfo(h->xch, h->domid, 1, di) == 1 && di->domid == h->domid;
}

static gboolean
hw_alive(void *be)
{
  XenHw *h = be;
  xc_dominfo_t di;
  return info(h, &di) && !di.dying && !di.shutdown;
}

static gboolean
xfail(GError **error, GtErrorCode code, const char *what)
{
  int e = errno;
  g_set_error(error, GT_ERROR, code, "xen: %s: %s", what, g_strerror(e));
  return FALSE;
}

static gboolean
hw_pause(void *be, GError **error)
{
  XenHw *h = be;
  return xc_domain_pause(h->xch, h->domid) == 0 || xfail(error, GT_ERROR_FAILED, "pause");
}

static gboolean
hw_unpause(void *be, GError **error)
{
  XenHw *h = be;
  return xc_domain_unpause(h->xch, h->domid) == 0 || xfail(error, GT_ERROR_FAILED, "unpause");
}

/* Xen 4.17 keeps an answer's SET_REGISTERS and deferred CR write in the
 * vCPU's vm_event state (vm_event_set_registers(), monitor write_data),
 * applies them when the vCPU next enters the guest (hvm_do_resume() ->
 * hvm_vm_event_do_resume()), and frees that state when the ring is torn
 * down (vm_event_disable() -> vm_event_cleanup_domain()). A vCPU has
 * entered the guest since the sample taken while the domain was paused if
 * it is running now, has run (its running time moved) or is blocked (it
 * halted in the guest: a vCPU with an answer not applied yet is runnable,
 * not blocked). */
#define SETTLE_LIMIT_US (2 * G_USEC_PER_SEC)

static gboolean
entered_guest(XenHw *h, guint vcpu, guint64 t0)
{
  xc_vcpuinfo_t vi;
  if (xc_vcpu_getinfo(h->xch, h->domid, vcpu, &vi) != 0)
    return TRUE;   /* gone: nothing left to apply */
  return !vi.online || vi.running || vi.blocked || vi.cpu_time != t0;
}

static gboolean
hw_unpause_settled(void *be, int *stuck, GError **error)
{
  XenHw *h = be;
  *stuck = -1;
  g_autofree guint64 *t0 = g_new0(guint64, h->nvcpu);
  for (guint v = 0; v < h->nvcpu; v++) {
    xc_vcpuinfo_t vi;
    t0[v] = xc_vcpu_getinfo(h->xch, h->domid, v, &vi) == 0 ? vi.cpu_time : 0;
  }
  if (xc_domain_unpause(h->xch, h->domid) != 0)
    return xfail(error, GT_ERROR_FAILED, "unpause");
  xc_dominfo_t di;
  if (info(h, &di) && di.paused)
    return TRUE;   /* an administrator's pause: nothing runs until it goes */
  gint64 end = g_get_monotonic_time() + SETTLE_LIMIT_US;
  for (guint v = 0; v < h->nvcpu; v++)
    while (!entered_guest(h, v, t0[v])) {
      if (g_get_monotonic_time() > end) {
        *stuck = (int)v;
        return TRUE;
      }
      g_usleep(200);
    }
  return TRUE;
}

static gboolean
hw_vcpu_running(void *be, guint vcpu, gboolean *running, GError **error)
{
  XenHw *h = be;
  xc_vcpuinfo_t vi;
  if (xc_vcpu_getinfo(h->xch, h->domid, vcpu, &vi) != 0)
    return xfail(error, GT_ERROR_FAILED, "vcpu info");
  *running = vi.running != 0;
  return TRUE;
}

static void
from_hw(const struct hvm_hw_cpu *c, GtRegs *o)
{
  memset(o, 0, sizeof *o);
  guint64 v[GT_REG_COUNT] = {
    [GT_REG_RAX] = c->rax, [GT_REG_RBX] = c->rbx, [GT_REG_RCX] = c->rcx,
    [GT_REG_RDX] = c->rdx, [GT_REG_RSI] = c->rsi, [GT_REG_RDI] = c->rdi,
    [GT_REG_RBP] = c->rbp, [GT_REG_RSP] = c->rsp, [GT_REG_R8] = c->r8,
    [GT_REG_R9] = c->r9, [GT_REG_R10] = c->r10, [GT_REG_R11] = c->r11,
    [GT_REG_R12] = c->r12, [GT_REG_R13] = c->r13, [GT_REG_R14] = c->r14,
    [GT_REG_R15] = c->r15, [GT_REG_RIP] = c->rip, [GT_REG_RFLAGS] = c->rflags,
    [GT_REG_CS] = c->cs_sel, [GT_REG_SS] = c->ss_sel, [GT_REG_FS_BASE] = c->fs_base,
    [GT_REG_GS_BASE] = c->gs_base, [GT_REG_KERNEL_GS_BASE] = c->shadow_gs,
    [GT_REG_CR0] = c->cr0, [GT_REG_CR2] = c->cr2, [GT_REG_CR3] = c->cr3,
    [GT_REG_CR4] = c->cr4, [GT_REG_EFER] = c->msr_efer,
  };
  memcpy(o->r, v, sizeof v);
}

static void
to_hw(const GtRegs *i, struct hvm_hw_cpu *c)
{
  c->rax = i->r[GT_REG_RAX]; c->rbx = i->r[GT_REG_RBX]; c->rcx = i->r[GT_REG_RCX];
  c->rdx = i->r[GT_REG_RDX]; c->rsi = i->r[GT_REG_RSI]; c->rdi = i->r[GT_REG_RDI];
  c->rbp = i->r[GT_REG_RBP]; c->rsp = i->r[GT_REG_RSP]; c->r8 = i->r[GT_REG_R8];
  c->r9 = i->r[GT_REG_R9]; c->r10 = i->r[GT_REG_R10]; c->r11 = i->r[GT_REG_R11];
  c->r12 = i->r[GT_REG_R12]; c->r13 = i->r[GT_REG_R13]; c->r14 = i->r[GT_REG_R14];
  c->r15 = i->r[GT_REG_R15]; c->rip = i->r[GT_REG_RIP]; c->rflags = i->r[GT_REG_RFLAGS];
}

/* The domain's whole HVM context (*len bytes, g_free) and where vCPU
 * vcpu's CPU record starts in it. */
static guint8 *
full_context(XenHw *h, guint vcpu, int *len, gsize *cpu_off, GError **error)
{
  int size = xc_domain_hvm_getcontext(h->xch, h->domid, NULL, 0);
  if (size <= 0 || size > MAX_HVM_CONTEXT) {
    xfail(error, GT_ERROR_FAILED, "HVM context size");
    return NULL;
  }
  g_autofree guint8 *buf = g_malloc(size);
  *len = xc_domain_hvm_getcontext(h->xch, h->domid, buf, size);
  if (*len <= 0 || *len > size) {
    xfail(error, GT_ERROR_FAILED, "read HVM context");
    return NULL;
  }
  gsize off = 0;
  while (off + sizeof(struct hvm_save_descriptor) <= (gsize)*len) {
    struct hvm_save_descriptor desc;
    memcpy(&desc, buf + off, sizeof desc);
    off += sizeof desc;
    if (desc.length > (gsize)*len - off || desc.typecode == HVM_SAVE_CODE(END))
      break;
    if (desc.typecode == HVM_SAVE_CODE(CPU) && desc.instance == vcpu &&
        desc.length >= sizeof(struct hvm_hw_cpu)) {
      *cpu_off = off;
      return g_steal_pointer(&buf);
    }
    off += desc.length;
  }
  g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL, "xen: no CPU record for vCPU %u", vcpu);
  return NULL;
}

#define PARTIAL_TRIES 3

/* One vCPU's record (XEN_DOMCTL_gethvmcontext_partial). Seen once in the
 * nested bed: it failed with EINVAL for a vCPU of a paused domain (cause
 * not found in hvm_save_one()), and the session then had to leave a return
 * slot to recovery. So: a few tries, then the whole context, a different
 * path through Xen (hvm_save()). */
static gboolean
hw_get_regs(void *be, guint vcpu, GtRegs *regs, GError **error)
{
  XenHw *h = be;
  struct hvm_hw_cpu c;
  for (guint t = 0; t < PARTIAL_TRIES; t++) {
    if (xc_domain_hvm_getcontext_partial(h->xch, h->domid, HVM_SAVE_CODE(CPU),
                                         (guint16)vcpu, &c, sizeof c) == 0) {
      from_hw(&c, regs);
      return TRUE;
    }
    g_usleep(1000);
  }
  g_autoptr(GError) partial = NULL;
  xfail(&partial, GT_ERROR_FAILED, "read vCPU registers");
  int len = 0;
  gsize off = 0;
  g_autofree guint8 *buf = full_context(h, vcpu, &len, &off, NULL);
  if (!buf) {
    g_propagate_error(error, g_steal_pointer(&partial));
    return FALSE;
  }
  memcpy(&c, buf + off, sizeof c);
  from_hw(&c, regs);
  return TRUE;
}

/* Xen sets one vCPU's registers only through the whole HVM context:
 * fetch it, patch that vCPU's CPU record, and load it back. */
static gboolean
hw_set_regs(void *be, guint vcpu, const GtRegs *regs, GError **error)
{
  XenHw *h = be;
  int len = 0;
  gsize off = 0;
  g_autofree guint8 *buf = full_context(h, vcpu, &len, &off, error);
  if (!buf)
    return FALSE;
  struct hvm_hw_cpu c;
  memcpy(&c, buf + off, sizeof c);
  to_hw(regs, &c);
  memcpy(buf + off, &c, sizeof c);
  if (xc_domain_hvm_setcontext(h->xch, h->domid, buf, len) != 0)
    return xfail(error, GT_ERROR_FAILED, "write HVM context");
  return TRUE;
}

static void *
hw_map_frame(void *be, guint64 gfn, GError **error)
{
  XenHw *h = be;
  xen_pfn_t pfn = gfn;
  int err = 0;
  void *p = xenforeignmemory_map(h->fm, h->domid, PROT_READ | PROT_WRITE, 1, &pfn, &err);
  if (!p || err) {
    if (p)
      xenforeignmemory_unmap(h->fm, p, 1);
    g_set_error(error, GT_ERROR, GT_ERROR_MEMORY, "cannot map guest frame 0x%"
                G_GINT64_MODIFIER "x: %s", gfn, g_strerror(err ? -err : errno));
    return NULL;
  }
  return p;
}

static void
hw_unmap_frame(void *be, void *page)
{
  xenforeignmemory_unmap(((XenHw *)be)->fm, page, 1);
}

/* A domctl of cmd on our domain, every other byte zero (memset: an
 * initializer need not zero the union's bytes past its first member). */
static struct xen_domctl
domctl_for(XenHw *h, guint32 cmd)
{
  struct xen_domctl dc;
  memset(&dc, 0, sizeof dc);
  dc.cmd = cmd;
  dc.domain = (domid_t)h->domid;
  dc.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
  return dc;
}

/* Deferred control-register writes (the monitor may DENY them) have no
 * libxenctrl wrapper in 4.17: issue the domctl directly. */
static int
control_registers_op(XenHw *h)
{
  struct xen_domctl dc = domctl_for(h, XEN_DOMCTL_monitor_op);
  dc.u.monitor_op.op = XEN_DOMCTL_MONITOR_OP_CONTROL_REGISTERS;
  return xc_domctl(h->xch, &dc);
}

static void hw_monitor_disable(void *be);

static void *
hw_monitor_enable(void *be, GtXenTrap trap, GError **error)
{
  XenHw *h = be;
  guint32 port = 0;
  h->trap = trap;
  h->ring_page = xc_monitor_enable(h->xch, h->domid, &port);
  if (!h->ring_page) {
    xfail(error, GT_ERROR_UNSUPPORTED, errno == EBUSY
          ? "enable the monitor ring (another monitor is attached, or a killed tracer left it)"
          : "enable the monitor ring");
    return NULL;
  }
  h->lport = xenevtchn_bind_interdomain(h->xce, h->domid, port);
  if (h->lport < 0) {
    xfail(error, GT_ERROR_FAILED, "bind the ring's event channel");
    hw_monitor_disable(be);
    return NULL;
  }
  int rc;
  if (trap == GT_XEN_TRAP_CR3) {
    rc = control_registers_op(h);
    if (rc == 0)
      rc = xc_monitor_write_ctrlreg(h->xch, h->domid, VM_EVENT_X86_CR3, true, true, 0, false);
  } else {
    rc = xc_monitor_software_breakpoint(h->xch, h->domid, true);
  }
  if (rc != 0) {
    xfail(error, GT_ERROR_UNSUPPORTED, trap == GT_XEN_TRAP_CR3
          ? "monitor CR3 writes" : "monitor software breakpoints");
    hw_monitor_disable(be);
    return NULL;
  }
  return h->ring_page;
}

static void
hw_monitor_events_off(void *be)
{
  XenHw *h = be;
  if (!h->ring_page)
    return;
  if (h->adopted) {
    /* Whichever the dead tracer turned on; the other fails with EEXIST
     * (arch_monitor_domctl_event(): already in the requested state). */
    xc_monitor_write_ctrlreg(h->xch, h->domid, VM_EVENT_X86_CR3, false, false, 0, false);
    xc_monitor_software_breakpoint(h->xch, h->domid, false);
  } else if (h->trap == GT_XEN_TRAP_CR3)
    xc_monitor_write_ctrlreg(h->xch, h->domid, VM_EVENT_X86_CR3, false, false, 0, false);
  else
    xc_monitor_software_breakpoint(h->xch, h->domid, false);
}

static void
hw_monitor_disable(void *be)
{
  XenHw *h = be;
  if (!h->ring_page)
    return;
  hw_monitor_events_off(be);
  if (xc_monitor_disable(h->xch, h->domid) != 0)
    g_warning("xen: cannot disable the monitor ring: %s", g_strerror(errno));
  if (h->lport >= 0)
    xenevtchn_unbind(h->xce, (evtchn_port_t)h->lport);
  if (!h->adopted)
    munmap(h->ring_page, XC_PAGE_SIZE);
  h->ring_page = NULL;
  h->lport = -1;
}

static gboolean
hw_wait_event(void *be, int timeout_ms, gboolean *fired, GError **error)
{
  XenHw *h = be;
  struct pollfd p = { .fd = xenevtchn_fd(h->xce), .events = POLLIN };
  *fired = FALSE;
  int r = poll(&p, 1, timeout_ms);
  if (r < 0 && errno != EINTR)
    return xfail(error, GT_ERROR_FAILED, "poll the event channel");
  if (r > 0) {
    xenevtchn_port_or_error_t port = xenevtchn_pending(h->xce);
    if (port >= 0)
      xenevtchn_unmask(h->xce, (evtchn_port_t)port);
    *fired = TRUE;
  }
  return TRUE;
}

static void
hw_monitor_adopt(void *be, void *page)
{
  XenHw *h = be;
  h->ring_page = page;
  h->adopted = TRUE;
  h->lport = -1;
}

/* XEN_VM_EVENT_RESUME: Xen takes every response on the monitor ring, as
 * an event-channel notification would (vm_event_domctl() ->
 * vm_event_resume(); 0 or -ENODEV without a ring). libxenctrl 4.17 has no
 * wrapper (xc_vm_event_control() is internal), so the domctl is issued
 * directly. */
static int
vm_event_resume_op(XenHw *h)
{
  struct xen_domctl dc = domctl_for(h, XEN_DOMCTL_vm_event_op);
  dc.u.vm_event_op.op = XEN_VM_EVENT_RESUME;
  dc.u.vm_event_op.mode = XEN_DOMCTL_VM_EVENT_OP_MONITOR;
  return xc_domctl(h->xch, &dc);
}

static gboolean
hw_notify(void *be, GError **error)
{
  XenHw *h = be;
  if (h->adopted)
    return vm_event_resume_op(h) == 0 || xfail(error, GT_ERROR_FAILED, "resume the vm_event ring");
  if (h->lport < 0)
    return TRUE;
  return xenevtchn_notify(h->xce, (evtchn_port_t)h->lport) == 0 ||
         xfail(error, GT_ERROR_FAILED, "notify the event channel");
}

static int
hw_event_fd(void *be)
{
  return xenevtchn_fd(((XenHw *)be)->xce);
}

static gboolean
hw_inject_bp(void *be, guint vcpu, guint insn_len, GError **error)
{
  XenHw *h = be;
  /* vector 3 (#BP) as a software exception (x86_event_type 6) */
  return xendevicemodel_inject_event(h->dm, (domid_t)h->domid, (int)vcpu, 3, 6, ~0u,
                                     (uint8_t)MIN(insn_len, 15u), 0) == 0 ||
         xfail(error, GT_ERROR_FAILED, "inject #BP");
}

static const GtXenBackendOps hw_ops = {
  .close = hw_close,
  .vcpu_count = hw_vcpu_count,
  .alive = hw_alive,
  .pause = hw_pause,
  .unpause = hw_unpause,
  .vcpu_running = hw_vcpu_running,
  .get_regs = hw_get_regs,
  .set_regs = hw_set_regs,
  .map_frame = hw_map_frame,
  .unmap_frame = hw_unmap_frame,
  .monitor_enable = hw_monitor_enable,
  .monitor_adopt = hw_monitor_adopt,
  .monitor_events_off = hw_monitor_events_off,
  .unpause_settled = hw_unpause_settled,
  .monitor_disable = hw_monitor_disable,
  .wait_event = hw_wait_event,
  .notify = hw_notify,
  .event_fd = hw_event_fd,
  .inject_bp = hw_inject_bp,
};

/* A name through xenstore's /local/domain/N/name. */
static gboolean
resolve_name(const char *name, guint32 *domid, GError **error)
{
  struct xs_handle *xs = xs_open(XS_OPEN_READONLY);
  if (!xs)
    return xfail(error, GT_ERROR_CONNECT, "open xenstore");
  unsigned int n = 0;
  char **ids = xs_directory(xs, XBT_NULL, "/local/domain", &n);
  gboolean found = FALSE;
  for (unsigned int i = 0; ids && i < n && i < MAX_DOMAINS && !found; i++) {
    g_autofree char *path = g_strdup_printf("/local/domain/%s/name", ids[i]);
    unsigned int len = 0;
    char *v = xs_read(xs, XBT_NULL, path, &len);
    guint64 id;
    if (v && len == strlen(name) && memcmp(v, name, len) == 0 &&
        g_ascii_string_to_unsigned(ids[i], 10, 0, G_MAXUINT16, &id, NULL)) {
      *domid = (guint32)id;
      found = TRUE;
    }
    free(v);
  }
  free(ids);
  xs_close(xs);
  if (!found)
    g_set_error(error, GT_ERROR, GT_ERROR_NOT_FOUND, "xen: no domain named '%s'", name);
  return found;
}

gboolean
gt_xen_hw_domid(const char *domain, guint32 *domid, GError **error)
{
  guint64 id;
  if (g_ascii_string_to_unsigned(domain, 10, 0, G_MAXUINT16, &id, NULL)) {
    *domid = (guint32)id;
    return TRUE;
  }
  return resolve_name(domain, domid, error);
}

char *
gt_xen_hw_identity_of(xc_interface *xch, guint32 domid)
{
  XenHw h = { .xch = xch, .domid = domid };
  xc_dominfo_t di;
  if (!info(&h, &di))
    return NULL;
  g_autoptr(GString) id = g_string_new(NULL);
  g_string_printf(id, "xen-%u-", domid);
  for (guint i = 0; i < sizeof di.handle; i++)
    g_string_append_printf(id, "%02x", di.handle[i]);
  return g_string_free(g_steal_pointer(&id), FALSE);
}

char *
gt_xen_hw_identity(void *be)
{
  XenHw *h = be;
  return gt_xen_hw_identity_of(h->xch, h->domid);
}

char *
gt_xen_spec_domain(const char *spec)
{
  return g_strndup(spec, strcspn(spec, ","));   /* options after ',' */
}

char *
gt_xen_identity(const char *spec)
{
  g_autofree char *domain = gt_xen_spec_domain(spec);
  guint32 domid;
  if (!gt_xen_hw_domid(domain, &domid, NULL))
    return NULL;
  xc_interface *xch = xc_interface_open(NULL, NULL, 0);
  if (!xch)
    return NULL;
  char *id = gt_xen_hw_identity_of(xch, domid);
  xc_interface_close(xch);
  return id;
}

void *
gt_xen_hw_open(const char *domain, const GtXenBackendOps **ops, GError **error)
{
  g_autofree XenHw *h = g_new0(XenHw, 1);
  h->lport = -1;
  if (!gt_xen_hw_domid(domain, &h->domid, error))
    return NULL;
  h->xch = xc_interface_open(NULL, NULL, 0);
  h->fm = xenforeignmemory_open(NULL, 0);
  h->xce = xenevtchn_open(NULL, 0);
  h->dm = xendevicemodel_open(NULL, 0);
  if (!h->xch || !h->fm || !h->xce || !h->dm) {
    xfail(error, GT_ERROR_CONNECT, "open the Xen control interfaces (dom0, root, privcmd?)");
    hw_close(g_steal_pointer(&h));
    return NULL;
  }
  xc_dominfo_t di;
  if (!info(h, &di)) {
    g_set_error(error, GT_ERROR, GT_ERROR_NOT_FOUND, "xen: no domain %u", h->domid);
    hw_close(g_steal_pointer(&h));
    return NULL;
  }
  if (!di.hvm) {
    g_set_error(error, GT_ERROR, GT_ERROR_UNSUPPORTED,
                "xen: domain %u is PV: only HVM and PVH domains have a monitor ring",
                h->domid);
    hw_close(g_steal_pointer(&h));
    return NULL;
  }
  if (di.dying || di.shutdown) {
    g_set_error(error, GT_ERROR, GT_ERROR_GUEST_GONE, "xen: domain %u is shutting down",
                h->domid);
    hw_close(g_steal_pointer(&h));
    return NULL;
  }
  h->nvcpu = di.max_vcpu_id + 1;
  *ops = &hw_ops;
  return g_steal_pointer(&h);
}
