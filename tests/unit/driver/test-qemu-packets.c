/* Requests per stop over the gdb stub, for each kind of stop the engine
 * handles, driven through the driver exactly as the engine drives it:
 * wait, get_regs, the register writes of that kind of stop, resume. The
 * scripted stub fails on any request it does not expect, and each test
 * also asserts the count, so that a round trip cannot creep back in:
 *   entry breakpoint passed over its NOP (with or without a return
 *   redirect, which writes memory through the RAM file)   g, c ADDR
 *   return trap                                             g, c ADDR
 *   entry breakpoint without a NOP (single-step)            g, vCont;s, c
 *   abort (rax, rsp, rip)                                   g, P, P, c ADDR
 * and no acknowledgements at all where the stub offers no-ack mode. */
#include <string.h>

#include "driver/qemu/qemu-driver.h"
#include "driver/qemu/qemu-private.h"
#include "fake-stub.h"

#define RET G_GUINT64_CONSTANT(0xffffffff81234567)

static guint64
sent(GtDriver *d)
{
  return gt_rsp_conn_packets_sent(((QemuDriver *)d)->conn);
}

/* One stop as the engine handles it; returns the requests it cost from
 * the stop reply to the continue included. */
typedef enum { PASS_NOP, RETURN, STEP, ABORT } StopKind;

static guint64
one_stop(GtDriver *d, guint want_vcpu, StopKind kind)
{
  g_autoptr(GError) err = NULL;
  GtStop st;
  guint64 before = sent(d);
  g_assert_true(d->ops->wait(d, 2000, &st, &err));
  g_assert_no_error(err);
  g_assert_cmpint(st.kind, ==, GT_STOP_BREAKPOINT);
  g_assert_cmpuint(st.vcpu, ==, want_vcpu);
  GtRegs r;
  g_assert_true(d->ops->get_regs(d, st.vcpu, &r, &err));
  g_assert_true(d->ops->get_regs(d, st.vcpu, &r, &err));  /* cached */
  g_assert_cmphex(r.r[GT_REG_RIP], ==, st.rip);
  switch (kind) {
  case PASS_NOP:
    g_assert_true(d->ops->set_reg(d, st.vcpu, GT_REG_RIP, st.rip + 5, &err));
    break;
  case RETURN:
    g_assert_true(d->ops->set_reg(d, st.vcpu, GT_REG_RIP, RET, &err));
    break;
  case STEP:
    g_assert_true(d->ops->step(d, st.vcpu, &err));
    break;
  case ABORT:
    g_assert_true(d->ops->set_reg(d, st.vcpu, GT_REG_RAX, (guint64)-1, &err));
    g_assert_true(d->ops->set_reg(d, st.vcpu, GT_REG_RSP, r.r[GT_REG_RSP] + 8, &err));
    g_assert_true(d->ops->set_reg(d, st.vcpu, GT_REG_RIP, RET, &err));
    break;
  }
  g_assert_no_error(err);
  g_assert_true(d->ops->resume(d, &err));
  g_assert_no_error(err);
  return sent(d) - before;
}

static void
script_stop(FakeStub *s, const char *thread, guint64 rip)
{
  g_autofree char *stop = g_strdup_printf("T05thread:%s;", thread);
  g_autofree char *g = fake_stub_g_reply(rip);
  fake_stub_send(s, stop);
  fake_stub_expect(s, "g", g);
}

static void
run_kinds(gboolean no_ack)
{
  int fd;
  FakeStub *s = fake_stub_new(&fd);
  if (no_ack)
    fake_stub_script_connect_no_ack(s);
  else
    fake_stub_script_connect(s, TRUE);
  fake_stub_expect(s, "Z0,ffffffff81000010,1", "OK");
  fake_stub_expect(s, "Z0,ffffffff81000100,1", "OK");
  fake_stub_expect(s, "c", NULL);
  /* Entry on vCPU 1, passed over the NOP. */
  script_stop(s, "p01.02", FAKE_RIP);
  fake_stub_expect(s, "cffffffff81000015", NULL);
  /* Its return trap on vCPU 0. */
  script_stop(s, "p01.01", 0xffffffff81000100ULL);
  fake_stub_expect(s, "cffffffff81234567", NULL);
  /* Entry without a NOP on vCPU 1: the stub steps over the breakpoint,
   * which the first such step checks by reading RIP once. */
  script_stop(s, "p01.02", FAKE_RIP);
  g_autofree char *g_after = fake_stub_g_reply(FAKE_RIP + 3);
  fake_stub_expect(s, "vCont;s:p01.02", "T05thread:p01.02;");
  fake_stub_expect(s, "g", g_after);
  fake_stub_expect(s, "c", NULL);
  /* The same again: no check now. */
  script_stop(s, "p01.02", FAKE_RIP);
  fake_stub_expect(s, "vCont;s:p01.02", "T05thread:p01.02;");
  fake_stub_expect(s, "c", NULL);
  /* An abort on vCPU 0. */
  script_stop(s, "p01.01", FAKE_RIP);
  fake_stub_expect(s, "P0=ffffffffffffffff", "OK");
  fake_stub_expect(s, "P7=0f80000000000000", "OK");
  fake_stub_expect(s, "cffffffff81234567", NULL);
  /* close */
  fake_stub_script_pause(s, "p01.01", 0xffffffff81000200ULL);
  fake_stub_expect(s, "z0,ffffffff81000010,1", "OK");
  fake_stub_expect(s, "z0,ffffffff81000100,1", "OK");
  fake_stub_script_detach(s);
  fake_stub_start(s);

  GtDriver *d = fake_stub_open_driver(fd, NULL);
  g_assert_cmpint(gt_rsp_conn_no_ack(((QemuDriver *)d)->conn), ==, no_ack);
  g_autoptr(GError) err = NULL;
  g_assert_true(d->ops->insert_bp(d, FAKE_RIP, &err));
  g_assert_true(d->ops->insert_bp(d, 0xffffffff81000100ULL, &err));
  g_assert_true(d->ops->resume(d, &err));
  g_assert_cmpuint(one_stop(d, 1, PASS_NOP), ==, 2);
  g_assert_cmpuint(one_stop(d, 0, RETURN), ==, 2);
  g_assert_cmpuint(one_stop(d, 1, STEP), ==, 4);   /* once: the check */
  g_assert_cmpuint(one_stop(d, 1, STEP), ==, 3);
  g_assert_cmpuint(one_stop(d, 0, ABORT), ==, 4);
  gt_driver_close(d);
  fake_stub_assert_done(s);
}

static void
test_with_acks(void)
{
  run_kinds(FALSE);
}

static void
test_no_ack(void)
{
  run_kinds(TRUE);
}

/* A stub that reports the breakpoint again instead of stepping over it
 * (KVM puts int3 in guest memory): z0, step, Z0 from then on. */
static void
test_step_reports_bp_again(void)
{
  int fd;
  FakeStub *s = fake_stub_new(&fd);
  fake_stub_script_connect(s, TRUE);
  fake_stub_expect(s, "Z0,ffffffff81000010,1", "OK");
  fake_stub_expect(s, "c", NULL);
  script_stop(s, "p01.01", FAKE_RIP);
  g_autofree char *g_same = fake_stub_g_reply(FAKE_RIP);
  fake_stub_expect(s, "vCont;s:p01.01", "T05thread:p01.01;");
  fake_stub_expect(s, "g", g_same);
  fake_stub_expect(s, "z0,ffffffff81000010,1", "OK");
  fake_stub_expect(s, "vCont;s:p01.01", "T05thread:p01.01;");
  fake_stub_expect(s, "Z0,ffffffff81000010,1", "OK");
  fake_stub_expect(s, "c", NULL);
  script_stop(s, "p01.01", FAKE_RIP);
  fake_stub_expect(s, "z0,ffffffff81000010,1", "OK");
  fake_stub_expect(s, "vCont;s:p01.01", "T05thread:p01.01;");
  fake_stub_expect(s, "Z0,ffffffff81000010,1", "OK");
  fake_stub_expect(s, "c", NULL);
  fake_stub_script_pause(s, "p01.01", 0xffffffff81000200ULL);
  fake_stub_expect(s, "z0,ffffffff81000010,1", "OK");
  fake_stub_script_detach(s);
  fake_stub_start(s);
  GtDriver *d = fake_stub_open_driver(fd, NULL);
  g_autoptr(GError) err = NULL;
  g_assert_true(d->ops->insert_bp(d, FAKE_RIP, &err));
  g_assert_true(d->ops->resume(d, &err));
  g_assert_cmpuint(one_stop(d, 0, STEP), ==, 7);
  g_assert_cmpuint(one_stop(d, 0, STEP), ==, 5);
  gt_driver_close(d);
  fake_stub_assert_done(s);
}

/* A RIP written for a vCPU other than the one that trapped cannot ride on
 * 'c ADDR': it is written with Hg and P. A RIP written before a detach is
 * written before the breakpoints go. */
static void
test_rip_elsewhere_and_detach(void)
{
  int fd;
  FakeStub *s = fake_stub_new(&fd);
  fake_stub_script_connect(s, TRUE);
  fake_stub_expect(s, "c", NULL);
  script_stop(s, "p01.02", FAKE_RIP);
  g_autofree char *g0 = fake_stub_g_reply(0xffffffff81000100ULL);
  fake_stub_expect(s, "Hgp01.01", "OK");
  fake_stub_expect(s, "g", g0);
  fake_stub_expect(s, "P10=67452381ffffffff", "OK");
  fake_stub_expect(s, "Hgp01.02", "OK");
  fake_stub_expect(s, "P10=15000081ffffffff", "OK");   /* flushed before detaching */
  fake_stub_script_detach(s);
  fake_stub_start(s);
  GtDriver *d = fake_stub_open_driver(fd, NULL);
  g_autoptr(GError) err = NULL;
  g_assert_true(d->ops->resume(d, &err));
  GtStop st;
  g_assert_true(d->ops->wait(d, 2000, &st, &err));
  g_assert_cmpuint(st.vcpu, ==, 1);
  GtRegs r;
  g_assert_true(d->ops->get_regs(d, 0, &r, &err));
  g_assert_true(d->ops->set_reg(d, 0, GT_REG_RIP, RET, &err));
  g_assert_true(d->ops->set_reg(d, 1, GT_REG_RIP, FAKE_RIP + 5, &err));
  g_assert_true(d->ops->get_regs(d, 1, &r, &err));
  g_assert_cmphex(r.r[GT_REG_RIP], ==, FAKE_RIP + 5);
  g_assert_no_error(err);
  gt_driver_close(d);
  fake_stub_assert_done(s);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/qemu-packets/per-stop", test_with_acks);
  g_test_add_func("/qemu-packets/per-stop-no-ack", test_no_ack);
  g_test_add_func("/qemu-packets/step-reports-bp-again", test_step_reports_bp_again);
  g_test_add_func("/qemu-packets/rip-elsewhere-and-detach", test_rip_elsewhere_and_detach);
  return g_test_run();
}
