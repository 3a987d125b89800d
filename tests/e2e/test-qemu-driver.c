/* End-to-end test of the QEMU driver against a real guest from the test
 * guest kit: registers, RAM-file reads equal gdb-stub reads, a breakpoint
 * on a kernel function stops with the right RIP, resuming at RIP+5 past the
 * ftrace NOP works without single-step, pause, and close() leaves the guest
 * running without our breakpoints. */
#include <stdio.h>
#include <string.h>

#include "driver/driver.h"
#include "driver/qemu/qemu-ram.h"
#include "guestkit.h"
#include "vmi/symbols.h"
#include "vmi/pagetable.h"

#define KERNEL_HALF G_GUINT64_CONSTANT(0xffff800000000000)
static const guint8 ftrace_nop[5] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };

static GkGuest *guest;

static gboolean
drv_read(void *ctx, guint64 pa, void *buf, gsize len, GError **error)
{
  GtDriver *d = ctx;
  return d->ops->read_phys(d, pa, buf, len, error);
}

/* The run-time address of a symbol from the guest's /proc/kallsyms (loaded
 * once with the symbols layer). */
static GtSymbols *kallsyms;

static guint64
kallsyms_lookup(const char *name)
{
  if (!kallsyms) {
    g_autoptr(GError) err = NULL;
    g_autofree char *path = gk_guest_kallsyms_path(guest, &err);
    g_assert_no_error(err);
    kallsyms = gt_symbols_load(path, &err);
    g_assert_no_error(err);
  }
  guint64 addr = 0;
  return gt_symbols_lookup(kallsyms, name, &addr) ? addr : 0;
}

static GtDriver *
open_driver(gboolean with_mem)
{
  g_autoptr(GError) err = NULL;
  GtDriverOptions opts = { .mem_path = with_mem ? gk_guest_mem_path(guest) : NULL,
                           .stub_memory = !with_mem };
  GtDriver *d = gt_driver_open(gk_guest_spec(guest), &opts, &err);
  g_assert_no_error(err);
  g_assert_nonnull(d);
  return d;
}

/* A CR3 under which va translates: some vCPU stopped in the kernel (with
 * PTI, a user-mode CR3 maps almost none of the kernel). */
static gboolean
translate_any(GtDriver *d, guint64 va, guint64 *pa)
{
  for (guint v = 0; v < d->ops->vcpu_count(d); v++) {
    GtRegs r;
    GtTranslation t;
    g_assert_true(d->ops->get_regs(d, v, &r, NULL));
    if (gt_pt_translate(drv_read, d, r.r[GT_REG_CR3], (r.r[GT_REG_CR4] >> 12) & 1, va, &t,
                        NULL)) {
      *pa = t.pa;
      return TRUE;
    }
  }
  return FALSE;
}

static void
test_registers(void)
{
  GtDriver *d = open_driver(TRUE);
  guint n = d->ops->vcpu_count(d);
  g_assert_cmpuint(n, >=, 1);
  for (guint v = 0; v < n; v++) {
    GtRegs r;
    g_autoptr(GError) err = NULL;
    g_assert_true(d->ops->get_regs(d, v, &r, &err));
    g_assert_no_error(err);
    g_assert_cmphex(r.r[GT_REG_CR3], !=, 0);
    g_assert_cmphex(r.r[GT_REG_CR0] & 0x80000001, ==, 0x80000001);  /* PG, PE */
    g_assert_cmphex(r.r[GT_REG_EFER] & 0x500, ==, 0x500);            /* LME, LMA */
    if ((r.r[GT_REG_CS] & 3) == 0) {
      /* In the kernel: RIP in the kernel half, GS base at the per-CPU area. */
      g_assert_cmphex(r.r[GT_REG_RIP], >=, KERNEL_HALF);
      g_assert_cmphex(r.r[GT_REG_GS_BASE], >=, KERNEL_HALF);
    } else {
      g_assert_cmphex(r.r[GT_REG_KERNEL_GS_BASE], >=, KERNEL_HALF);
    }
  }
  gt_driver_close(d);
}

static void
test_ram_file_equals_stub(void)
{
  GtDriver *d = open_driver(FALSE);  /* memory through m packets */
  g_autoptr(GError) err = NULL;
  g_autoptr(GtQemuRam) ram = gt_qemu_ram_open(gk_guest_mem_path(guest), 0, &err);
  g_assert_no_error(err);
  guint64 va = kallsyms_lookup("x64_sys_call");
  if (!va)
    va = kallsyms_lookup("do_syscall_64");
  g_assert_cmphex(va, !=, 0);
  guint64 pa;
  g_assert_true(translate_any(d, va & ~G_GUINT64_CONSTANT(0xfff), &pa));
  guint8 a[8192], b[8192];
  g_assert_true(d->ops->read_phys(d, pa, a, sizeof a, &err));
  g_assert_no_error(err);
  g_assert_true(gt_qemu_ram_read(ram, pa, b, sizeof b, &err));
  g_assert_cmpmem(a, sizeof a, b, sizeof b);
  /* Low memory too (the real-mode IVT area is plain RAM). */
  g_assert_true(d->ops->read_phys(d, 0x1000, a, 4096, &err));
  g_assert_true(gt_qemu_ram_read(ram, 0x1000, b, 4096, &err));
  g_assert_cmpmem(a, 4096, b, 4096);
  /* Outside RAM: an error, never invented bytes. */
  g_assert_false(gt_qemu_ram_read(ram, gt_qemu_ram_size(ram) + 0x200000000ULL, b, 1, &err));
  g_assert_error(err, GT_ERROR, GT_ERROR_MEMORY);
  gt_driver_close(d);
}

static guint64
read_jiffies(GtDriver *d)
{
  guint64 va = kallsyms_lookup("jiffies_64"), pa, j = 0;
  if (!va)
    va = kallsyms_lookup("jiffies");
  g_assert_cmphex(va, !=, 0);
  g_assert_true(translate_any(d, va, &pa));
  g_assert_true(d->ops->read_phys(d, pa, &j, sizeof j, NULL));
  return j;
}

static void
test_breakpoint_resume_close(void)
{
  guint64 fn = kallsyms_lookup("x64_sys_call");
  if (!fn) {
    g_test_skip("the guest kernel has no x64_sys_call");
    return;
  }
  GtDriver *d = open_driver(TRUE);
  g_autoptr(GError) err = NULL;
  guint64 pa;
  guint8 entry[5];
  g_assert_true(translate_any(d, fn, &pa));
  g_assert_true(d->ops->read_phys(d, pa, entry, sizeof entry, &err));
  gboolean has_nop = memcmp(entry, ftrace_nop, 5) == 0;
  g_assert_true(d->ops->insert_bp(d, fn, &err));
  g_assert_true(d->ops->insert_bp(d, fn, &err));  /* twice: no-op */
  guint hits = 0;
  gint64 t0 = g_get_monotonic_time();
  for (guint i = 0; i < 20; i++) {
    GtStop st;
    g_assert_true(d->ops->resume(d, &err));
    g_assert_true(d->ops->wait(d, 20000, &st, &err));
    g_assert_no_error(err);
    g_assert_cmpint(st.kind, ==, GT_STOP_BREAKPOINT);
    g_assert_cmphex(st.rip, ==, fn);
    g_assert_cmpuint(st.vcpu, <, d->ops->vcpu_count(d));
    GtRegs r;
    g_assert_true(d->ops->get_regs(d, st.vcpu, &r, &err));
    g_assert_cmphex(r.r[GT_REG_RIP], ==, fn);
    g_assert_cmphex(r.r[GT_REG_CS] & 3, ==, 0);
    hits++;
    if (!has_nop)
      break;  /* cannot step past it without single-step */
    /* Emulate the 5-byte NOP: continue right after it. */
    g_assert_true(d->ops->set_reg(d, st.vcpu, GT_REG_RIP, fn + 5, &err));
    g_assert_true(d->ops->get_regs(d, st.vcpu, &r, &err));
    g_assert_cmphex(r.r[GT_REG_RIP], ==, fn + 5);
  }
  g_test_message("%u breakpoint stops in %.1f ms", hits,
                 (g_get_monotonic_time() - t0) / 1000.0);
  /* Pause a running guest. */
  GtStop st;
  g_assert_true(d->ops->remove_bp(d, fn, &err));
  g_assert_true(d->ops->resume(d, &err));
  g_usleep(100000);
  g_assert_true(d->ops->pause(d, &err));
  g_assert_no_error(err);
  g_assert_true(d->ops->wait(d, 0, &st, &err));
  g_assert_cmpint(st.kind, ==, GT_STOP_PAUSED);
  guint64 j0 = read_jiffies(d);
  /* Close while running with a breakpoint inserted. */
  g_assert_true(d->ops->insert_bp(d, fn, &err));
  g_assert_true(d->ops->resume(d, &err));
  gt_driver_close(d);
  g_usleep(500000);
  /* The guest ran on (jiffies moved) and no breakpoint was left behind. */
  d = open_driver(TRUE);
  guint64 j1 = read_jiffies(d);
  g_assert_cmpuint(j1, >, j0);
  g_assert_true(d->ops->resume(d, &err));
  g_assert_true(d->ops->wait(d, 1000, &st, &err));
  g_assert_cmpint(st.kind, ==, GT_STOP_NONE);
  gt_driver_close(d);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_autoptr(GError) err = NULL;
  GkOptions opts = { 0 };
  guest = gk_guest_boot(&opts, &err);
  g_assert_no_error(err);
  /* Keep the guest making system calls, so breakpoints on the dispatcher
   * are hit (one command per boot; teardown ends it). */
  g_assert_true(gk_guest_run(guest, "while :; do sleep 0.1; done", &err));
  g_test_add_func("/e2e/qemu-driver/registers", test_registers);
  g_test_add_func("/e2e/qemu-driver/ram-file-equals-stub", test_ram_file_equals_stub);
  g_test_add_func("/e2e/qemu-driver/breakpoint-resume-close", test_breakpoint_resume_close);
  int rc = g_test_run();
  gt_symbols_free(kallsyms);
  gk_guest_free(guest);
  return rc;
}
