/* Fuzz target: the Xen driver's side of the vm_event ring, against the
 * fake hypervisor of tests/unit/xen: requests with any content (version,
 * reason, vCPU, flags, registers) and a producer index Xen might corrupt,
 * taken by the real ring code and handled by the real driver. Input: byte 0
 * picks the trap (bit 0: CR3 write trap, else int3), then operations, each
 * an opcode byte:
 *   0: put one request (the next sizeof(vm_event_request_t) bytes, raw)
 *   1: set the shared producer index (next 4 bytes)
 *   2: wait for a stop; 3: resume; 4: pause; 5: insert a breakpoint;
 *   6: read registers of the stopped vCPU and set its RIP
 * Whatever happens the driver must close cleanly (the fake checks that the
 * domain is unpaused and every mapping unmapped). Seeds: seeds/make-xen.py. */
#include "fuzz-common.h"

#include <string.h>

#include "driver/xen/xen-policy.h"
#include "../tests/unit/xen/fake-xen.h"

static void
put_raw(FakeXen *f, const guint8 *bytes, gsize len)
{
  vm_event_request_t req;
  memset(&req, 0, sizeof req);
  memcpy(&req, bytes, MIN(len, sizeof req));
  memcpy(RING_GET_REQUEST(&f->front, f->front.req_prod_pvt), &req, sizeof req);
  f->front.req_prod_pvt++;
  RING_PUSH_REQUESTS(&f->front);
  f->notified = TRUE;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  GtFuzzIn in = gt_fuzz_in(data, size);
  GtXenTrap trap = gt_fuzz_u8(&in) & 1 ? GT_XEN_TRAP_CR3 : GT_XEN_TRAP_INT3;
  FakeXen *f = fake_xen_new();
  GtDriver *d = gt_xen_driver_new(&fake_xen_ops, f, trap, NULL);
  if (!d) {
    fake_xen_free(f);
    return 0;
  }
  guint stopped = G_MAXUINT;
  for (guint ops = 0; in.left && ops < 64; ops++) {
    GtStop stop;
    GtRegs regs;
    gsize len;
    switch (gt_fuzz_u8(&in) % 7) {
    case 0: {   /* the ring exists once monitoring is on (a breakpoint) */
      const guint8 *raw = gt_fuzz_take(&in, sizeof(vm_event_request_t), &len);
      if (f->monitor_on)
        put_raw(f, raw, len);
      break;
    }
    case 1: {
      guint32 prod = gt_fuzz_u32(&in);
      if (f->monitor_on)
        f->front.sring->req_prod = prod;
      break;
    }
    case 2:
      if (d->ops->wait(d, 0, &stop, NULL) && stop.kind == GT_STOP_BREAKPOINT)
        stopped = stop.vcpu;
      break;
    case 3:
      d->ops->resume(d, NULL);
      stopped = G_MAXUINT;
      break;
    case 4:
      d->ops->pause(d, NULL);
      break;
    case 5:
      d->ops->insert_bp(d, gt_fuzz_u8(&in) & 1 ? FAKE_FUNC : FAKE_PLAIN, NULL);
      break;
    case 6:
      if (stopped != G_MAXUINT && d->ops->get_regs(d, stopped, &regs, NULL))
        d->ops->set_reg(d, stopped, GT_REG_RIP, regs.r[GT_REG_RIP] + 5, NULL);
      break;
    }
  }
  gt_driver_close(d);
  g_assert(f->closed && !f->monitor_on && f->paused == 0 && f->maps == f->unmaps);
  fake_xen_free(f);
  return 0;
}
