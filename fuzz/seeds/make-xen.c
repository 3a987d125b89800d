/* Writes seeds for the xen-ring target (layout in fuzz-xen-ring.c): the
 * requests the unit tests' fake Xen sends, then waits, resumes, register
 * changes and a corrupt producer index. Build and run from fuzz/:
 *   cc -I../src -I../tests/unit/xen seeds/make-xen.c $(pkg-config --cflags glib-2.0) \
 *      -o /tmp/make-xen && /tmp/make-xen */
#define __XEN_TOOLS__ 1
#include <stdio.h>
#include <string.h>
#include <xenctrl.h>
#include <xen/vm_event.h>

#define FAKE_CR3 0x1000ULL
#define FAKE_TEXT_VA 0xffffffff81000000ULL
#define FAKE_FUNC (FAKE_TEXT_VA + 0x100)
#define FAKE_PLAIN (FAKE_TEXT_VA + 0x300)

static void
req(FILE *f, unsigned reason, unsigned vcpu, unsigned long long rip, unsigned cr)
{
  vm_event_request_t r;
  memset(&r, 0, sizeof r);
  r.version = VM_EVENT_INTERFACE_VERSION;
  r.flags = VM_EVENT_FLAG_VCPU_PAUSED;
  r.reason = reason;
  r.vcpu_id = vcpu;
  r.data.regs.x86.rip = rip;
  r.data.regs.x86.rax = 39;
  r.data.regs.x86.rsp = 0xffffc90000003f00ULL;
  r.data.regs.x86.cr3 = FAKE_CR3;
  if (reason == VM_EVENT_REASON_WRITE_CTRLREG) {
    r.u.write_ctrlreg.index = cr;
    r.u.write_ctrlreg.new_value = 39;
    r.u.write_ctrlreg.old_value = FAKE_CR3;
  } else if (reason == VM_EVENT_REASON_SOFTWARE_BREAKPOINT) {
    r.u.software_breakpoint.insn_length = 1;
  }
  fputc(0, f);
  fwrite(&r, sizeof r, 1, f);
}

static void op(FILE *f, int o) { fputc(o, f); }

int
main(void)
{
  FILE *f = fopen("corpus/xen-ring/int3", "wb");
  fputc(0, f);                                  /* int3 trap */
  op(f, 5); fputc(1, f);                        /* breakpoint at FAKE_FUNC */
  op(f, 3);                                     /* resume */
  req(f, VM_EVENT_REASON_SOFTWARE_BREAKPOINT, 1, FAKE_PLAIN, 0);   /* the guest's own */
  req(f, VM_EVENT_REASON_CPUID, 1, FAKE_PLAIN, 0);
  req(f, VM_EVENT_REASON_SOFTWARE_BREAKPOINT, 0, FAKE_FUNC, 0);    /* ours */
  op(f, 2); op(f, 2); op(f, 6); op(f, 3);
  req(f, VM_EVENT_REASON_SOFTWARE_BREAKPOINT, 0, FAKE_FUNC, 0);
  op(f, 2); op(f, 4); op(f, 2);
  fclose(f);

  f = fopen("corpus/xen-ring/cr3", "wb");
  fputc(1, f);                                  /* CR3 trap */
  op(f, 5); fputc(1, f);
  op(f, 3);
  req(f, VM_EVENT_REASON_WRITE_CTRLREG, 0, FAKE_FUNC, VM_EVENT_X86_CR3);
  req(f, VM_EVENT_REASON_WRITE_CTRLREG, 1, FAKE_PLAIN, VM_EVENT_X86_CR3);
  op(f, 2); op(f, 6); op(f, 3);
  op(f, 1); fputc(0xff, f); fputc(0xff, f); fputc(0, f); fputc(0, f);   /* corrupt index */
  op(f, 2);
  fclose(f);
  return 0;
}
