/* A fake Xen back end for the driver's unit tests: guest RAM in a buffer
 * with a 4-level page-table mapping of one kernel text page, vCPU register
 * files, and the hypervisor's end (the front ring) of a real vm_event ring
 * page, so tests put requests exactly as Xen does and read the responses
 * the driver's ring code produced. */
#pragma once

#include "driver/xen/xen-backend.h"
#include "driver/xen/xen-ring.h"

#define FAKE_FRAMES 32
#define FAKE_VCPUS 2           /* vCPUs of a new fake */
#define FAKE_MAX_VCPUS 4       /* a test may raise nvcpus up to this */
#define FAKE_CR3 0x1000ULL
#define FAKE_TEXT_VA 0xffffffff81000000ULL
#define FAKE_TEXT_PA 0xa000ULL       /* frame 10 */
#define FAKE_FUNC (FAKE_TEXT_VA + 0x100)    /* starts with the ftrace NOP */
#define FAKE_PAD (FAKE_TEXT_VA + 0x200)     /* 5 int3 padding bytes */
#define FAKE_PLAIN (FAKE_TEXT_VA + 0x300)   /* ordinary code */

typedef struct {
  guint8 *ram;                /* FAKE_FRAMES * 4096 */
  guint nvcpus;               /* FAKE_VCPUS unless a test sets it (before the driver) */
  GtRegs regs[FAKE_MAX_VCPUS];
  void *ring_page;
  vm_event_front_ring_t front;
  gboolean monitor_on;
  GtXenTrap trap;
  gboolean alive;
  int paused;                 /* pause depth */
  guint pauses, unpauses, notifies, injects, running_polls, maps, unmaps;
  guint running_left;         /* vcpu_running answers TRUE this many times */
  gboolean closed;
  gboolean notified;           /* event channel pending, as Xen leaves it */
  /* Xen applies an answer (SET_REGISTERS, a deferred CR write) only when
   * the vCPU next enters the guest, and frees what is not applied when the
   * ring is torn down. answered: vCPUs answered and not yet run (run =
   * unpause_settled); lost: answers the ring's teardown dropped. */
  gboolean events_on;
  guint answered;             /* bit per vCPU */
  RING_IDX rsp_seen;          /* responses up to here were taken by a notify */
  guint settles, lost;
  /* vm_event_pause_count as a bit per vCPU: set by a request, cleared by
   * the first response taken for it; Xen ignores a response for a vCPU it
   * does not hold (vm_event_resume()). applied: that response. */
  guint vm_paused;
  vm_event_response_t applied[FAKE_MAX_VCPUS];
  guint ignored;
  gboolean adopted;           /* monitor_adopt: a guardian took the ring over */
  guint stuck;                /* bit per vCPU that never runs (a dead ring holds it) */
} FakeXen;

FakeXen *fake_xen_new(void);
extern const GtXenBackendOps fake_xen_ops;
/* Put a request on the ring as Xen would (vCPU paused flag set). */
void fake_xen_push(FakeXen *f, guint32 reason, guint vcpu, guint64 rip, guint32 cr_index);
/* The same with every register of the request given (rip from regs). */
void fake_xen_push_regs(FakeXen *f, guint32 reason, guint vcpu, const GtRegs *regs,
                        guint32 cr_index);
/* Maps one more 4 KiB page: va within FAKE_TEXT_VA's 2 MiB, frame < FAKE_FRAMES. */
void fake_xen_map(FakeXen *f, guint64 va, guint frame);
/* Take the next response; FALSE if none. */
gboolean fake_xen_pop(FakeXen *f, vm_event_response_t *rsp);
void fake_xen_free(FakeXen *f);
/* A copy of f's guest, ring and vCPUs as the hypervisor has them (counters
 * reset): the state a killed tracer leaves for the guardian. */
FakeXen *fake_xen_clone(const FakeXen *f);
