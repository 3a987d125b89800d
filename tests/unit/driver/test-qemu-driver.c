/* Unit tests of the QEMU driver against a scripted fake gdb stub over a
 * socketpair: connect, registers, breakpoints, resume/stop, pause, bad
 * checksums, truncated packets, unexpected stop replies, a vanishing stub,
 * timeouts, memory through m/M packets and through the RAM file. */
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "driver/qemu/qemu-driver.h"
#include "driver/journal.h"
#include "fake-stub.h"

#define FOUR_G G_GUINT64_CONSTANT(0x100000000)
#define BP "ffffffff81000010"

static void
test_connect_regs(void)
{
  int fd;
  FakeStub *s = fake_stub_new(&fd);
  fake_stub_script_connect(s, TRUE);
  g_autofree char *g0 = fake_stub_g_reply(FAKE_RIP);
  g_autofree char *g1 = fake_stub_g_reply(0xffffffff81234567ULL);
  fake_stub_expect_nak_first(s, "Hgp01.01", "OK");     /* the client retransmits */
  fake_stub_expect_badsum_reply(s, "g", g0);          /* the client NAKs, we resend */
  fake_stub_expect(s, "P10=15000081ffffffff", "OK");
  fake_stub_expect(s, "Hgp01.02", "OK");
  fake_stub_expect(s, "g", g1);
  fake_stub_expect(s, "P11=02020000", "OK");          /* eflags is 32 bits */
  fake_stub_script_detach(s);
  fake_stub_start(s);

  GtDriver *d = fake_stub_open_driver(fd, NULL);
  g_assert_cmpstr(d->ops->name, ==, "qemu");
  g_assert_cmpuint(d->ops->vcpu_count(d), ==, 2);
  g_assert_cmpint(d->ops->event_fd(d), ==, fd);
  g_autoptr(GError) err = NULL;
  GtRegs r;
  g_assert_true(d->ops->get_regs(d, 0, &r, &err));
  g_assert_no_error(err);
  g_assert_cmphex(r.r[GT_REG_RAX], ==, 0x1000);
  g_assert_cmphex(r.r[GT_REG_RBX], ==, 0x2001);
  g_assert_cmphex(r.r[GT_REG_R15], ==, 0x1000f);
  g_assert_cmphex(r.r[GT_REG_RIP], ==, FAKE_RIP);
  g_assert_cmphex(r.r[GT_REG_RFLAGS], ==, 0x46);
  g_assert_cmphex(r.r[GT_REG_CS], ==, 0x10);
  g_assert_cmphex(r.r[GT_REG_CR3], ==, FAKE_CR3);
  g_assert_cmphex(r.r[GT_REG_EFER], ==, 0);  /* absent: reads as 0 */
  g_assert_true(d->ops->set_reg(d, 0, GT_REG_RIP, FAKE_RIP + 5, &err));
  /* Cached: no second 'g'. */
  g_assert_true(d->ops->get_regs(d, 0, &r, &err));
  g_assert_cmphex(r.r[GT_REG_RIP], ==, FAKE_RIP + 5);
  g_assert_cmphex(r.r[GT_REG_CR3], ==, FAKE_CR3);
  g_assert_true(d->ops->get_regs(d, 1, &r, &err));
  g_assert_cmphex(r.r[GT_REG_RIP], ==, 0xffffffff81234567ULL);
  /* A register the target lacks fails alone, without traffic. */
  g_assert_false(d->ops->set_reg(d, 1, GT_REG_EFER, 1, &err));
  g_assert_error(err, GT_ERROR, GT_ERROR_UNSUPPORTED);
  g_clear_error(&err);
  g_assert_false(d->ops->get_regs(d, 2, &r, &err));
  g_assert_error(err, GT_ERROR, GT_ERROR_INVALID_ARG);
  g_clear_error(&err);
  g_assert_true(d->ops->set_reg(d, 1, GT_REG_RFLAGS, 0x202, &err));
  g_assert_no_error(err);
  gt_driver_close(d);
  fake_stub_assert_done(s);
}

static void
test_breakpoints_and_stops(void)
{
  int fd;
  FakeStub *s = fake_stub_new(&fd);
  fake_stub_script_connect(s, TRUE);
  g_autofree char *g0 = fake_stub_g_reply(FAKE_RIP);
  fake_stub_expect(s, "Z0," BP ",1", "OK");
  /* 1: stop on vCPU 1 after console output and a truncated packet. */
  fake_stub_expect(s, "c", NULL);
  fake_stub_send(s, "O48690a");
  fake_stub_raw(s, "$T05thr");
  fake_stub_send(s, "T05thread:p01.02;");
  /* The trap made p01.02 the general and continue thread: no Hg, and the
   * new RIP goes with the continue. */
  fake_stub_expect(s, "g", g0);
  /* 2: the stop reply carries rip itself; it comes before the ack of 'c'. */
  fake_stub_expect_noack(s, "cffffffff81000015");
  fake_stub_send(s, "T05thread:p01.01;10:10000081ffffffff;");
  fake_stub_raw(s, "+");
  /* 3: nothing happens, then we pause. */
  fake_stub_expect(s, "c", NULL);
  fake_stub_script_pause(s, "p01.01", 0xffffffff81000100ULL);
  fake_stub_expect(s, "z0," BP ",1", "OK");
  fake_stub_expect(s, "Z0," BP ",1", "OK");
  /* close(): every breakpoint removed, then detach. */
  fake_stub_expect(s, "z0," BP ",1", "OK");
  fake_stub_script_detach(s);
  fake_stub_start(s);

  GtDriver *d = fake_stub_open_driver(fd, NULL);
  g_autoptr(GError) err = NULL;
  GtStop st;
  g_assert_true(d->ops->insert_bp(d, FAKE_RIP, &err));
  g_assert_true(d->ops->insert_bp(d, FAKE_RIP, &err));  /* no-op */
  g_assert_true(d->ops->resume(d, &err));
  g_assert_true(d->ops->resume(d, &err));  /* already running: no-op */
  GtRegs r;
  g_assert_false(d->ops->get_regs(d, 0, &r, &err));  /* not while running */
  g_clear_error(&err);
  g_assert_true(d->ops->wait(d, 2000, &st, &err));
  g_assert_no_error(err);
  g_assert_cmpint(st.kind, ==, GT_STOP_BREAKPOINT);
  g_assert_cmpuint(st.vcpu, ==, 1);
  g_assert_cmphex(st.rip, ==, FAKE_RIP);
  g_assert_true(d->ops->set_reg(d, 1, GT_REG_RIP, FAKE_RIP + 5, &err));

  g_assert_true(d->ops->resume(d, &err));
  g_assert_true(d->ops->wait(d, 2000, &st, &err));
  g_assert_cmpint(st.kind, ==, GT_STOP_BREAKPOINT);
  g_assert_cmpuint(st.vcpu, ==, 0);
  g_assert_cmphex(st.rip, ==, FAKE_RIP);

  g_assert_true(d->ops->resume(d, &err));
  gint64 t0 = g_get_monotonic_time();
  g_assert_true(d->ops->wait(d, 50, &st, &err));
  g_assert_cmpint(st.kind, ==, GT_STOP_NONE);
  g_assert_cmpint(g_get_monotonic_time() - t0, <, G_USEC_PER_SEC);
  g_assert_true(d->ops->pause(d, &err));
  g_assert_no_error(err);
  g_assert_true(d->ops->pause(d, &err));  /* stopped already: no-op */
  g_assert_true(d->ops->wait(d, 0, &st, &err));
  g_assert_cmpint(st.kind, ==, GT_STOP_PAUSED);
  g_assert_cmpuint(st.vcpu, ==, 0);
  g_assert_cmphex(st.rip, ==, 0xffffffff81000100ULL);
  g_assert_true(d->ops->wait(d, 0, &st, &err));
  g_assert_cmpint(st.kind, ==, GT_STOP_NONE);
  g_assert_true(d->ops->remove_bp(d, FAKE_RIP, &err));
  g_assert_true(d->ops->remove_bp(d, FAKE_RIP, &err));  /* not inserted: no-op */
  g_assert_true(d->ops->insert_bp(d, FAKE_RIP, &err));
  g_assert_no_error(err);
  gt_driver_close(d);
  fake_stub_assert_done(s);
}

static void
test_close_while_running(void)
{
  int fd;
  FakeStub *s = fake_stub_new(&fd);
  fake_stub_script_connect(s, TRUE);
  fake_stub_expect(s, "Z0," BP ",1", "OK");
  fake_stub_expect(s, "c", NULL);
  fake_stub_script_pause(s, "p01.02", 0xffffffff81000100ULL);
  fake_stub_expect(s, "z0," BP ",1", "OK");
  fake_stub_expect(s, "Qqemu.PhyMemMode:0", "OK");
  fake_stub_expect(s, "D;1", "E01");      /* refused: fall back to plain D */
  fake_stub_expect(s, "D", "OK");
  fake_stub_start(s);
  GtDriver *d = fake_stub_open_driver(fd, NULL);
  g_autoptr(GError) err = NULL;
  g_assert_true(d->ops->insert_bp(d, FAKE_RIP, &err));
  g_assert_true(d->ops->resume(d, &err));
  gt_driver_close(d);
  fake_stub_assert_done(s);
}

static void
test_stub_vanishes(void)
{
  int fd;
  FakeStub *s = fake_stub_new(&fd);
  fake_stub_script_connect(s, TRUE);
  fake_stub_expect(s, "Hgp01.01", "OK");
  fake_stub_expect(s, "g", NULL);
  fake_stub_hangup(s);
  fake_stub_start(s);
  GtDriverOptions opts = { .timeout_ms = 3000 };
  GtDriver *d = fake_stub_open_driver(fd, &opts);
  g_autoptr(GError) err = NULL;
  GtRegs r;
  gint64 t0 = g_get_monotonic_time();
  g_assert_false(d->ops->get_regs(d, 0, &r, &err));
  g_assert_error(err, GT_ERROR, GT_ERROR_GUEST_GONE);
  g_assert_cmpint(g_get_monotonic_time() - t0, <, 2 * G_USEC_PER_SEC);
  g_clear_error(&err);
  GtStop st;
  g_assert_true(d->ops->wait(d, 100, &st, &err));
  g_assert_cmpint(st.kind, ==, GT_STOP_LOST);
  g_assert_false(d->ops->resume(d, &err));
  g_assert_error(err, GT_ERROR, GT_ERROR_GUEST_GONE);
  g_clear_error(&err);
  guint8 b;
  g_assert_false(d->ops->read_phys(d, 0, &b, 1, &err));
  g_assert_error(err, GT_ERROR, GT_ERROR_GUEST_GONE);
  gt_driver_close(d);  /* safe, and sends nothing */
  fake_stub_assert_done(s);
}

static void
test_guest_exits_while_running(void)
{
  int fd;
  FakeStub *s = fake_stub_new(&fd);
  fake_stub_script_connect(s, TRUE);
  fake_stub_expect(s, "c", NULL);
  fake_stub_send(s, "W00");
  fake_stub_start(s);
  GtDriver *d = fake_stub_open_driver(fd, NULL);
  g_autoptr(GError) err = NULL;
  GtStop st;
  g_assert_true(d->ops->resume(d, &err));
  g_assert_true(d->ops->wait(d, 2000, &st, &err));
  g_assert_no_error(err);
  g_assert_cmpint(st.kind, ==, GT_STOP_GONE);
  g_assert_true(d->ops->wait(d, 0, &st, &err));
  g_assert_cmpint(st.kind, ==, GT_STOP_GONE);
  gt_driver_close(d);
  fake_stub_assert_done(s);
}

static void
test_timeout(void)
{
  int fd;
  FakeStub *s = fake_stub_new(&fd);
  fake_stub_script_connect(s, TRUE);
  fake_stub_expect(s, "Hgp01.01", NULL);  /* acked, never answered */
  fake_stub_script_detach(s);
  fake_stub_start(s);
  GtDriverOptions opts = { .timeout_ms = 200 };
  GtDriver *d = fake_stub_open_driver(fd, &opts);
  g_autoptr(GError) err = NULL;
  GtRegs r;
  gint64 t0 = g_get_monotonic_time();
  g_assert_false(d->ops->get_regs(d, 0, &r, &err));
  g_assert_error(err, GT_ERROR, GT_ERROR_TIMEOUT);
  g_assert_cmpint(g_get_monotonic_time() - t0, <, 2 * G_USEC_PER_SEC);
  gt_driver_close(d);
  fake_stub_assert_done(s);
}

static void
test_memory_packets(void)
{
  int fd;
  FakeStub *s = fake_stub_new(&fd);
  /* PacketSize 0x100: reads in chunks of (256 - 8) / 2 = 124 bytes. */
  fake_stub_script_connect_full(s, TRUE, "100");
  GString *h1 = g_string_new(NULL), *h2 = g_string_new(NULL);
  for (guint i = 0; i < 124; i++)
    g_string_append_printf(h1, "%02x", i);
  for (guint i = 124; i < 200; i++)
    g_string_append_printf(h2, "%02x", i);
  fake_stub_expect(s, "m1000,7c", h1->str);
  fake_stub_expect(s, "m107c,4c", h2->str);
  fake_stub_expect(s, "m2000,4", "E14");
  fake_stub_expect(s, "m3000,8", "01020304");   /* a short answer: ask for the rest */
  fake_stub_expect(s, "m3004,4", "05060708");
  fake_stub_expect(s, "M1000,4:01020304", "OK");
  fake_stub_expect(s, "M2000,1:ff", "E14");
  fake_stub_script_detach(s);
  fake_stub_start(s);
  g_string_free(h1, TRUE);
  g_string_free(h2, TRUE);
  GtDriver *d = fake_stub_open_driver(fd, NULL);
  g_autoptr(GError) err = NULL;
  guint8 buf[200];
  g_assert_true(d->ops->read_phys(d, 0x1000, buf, sizeof buf, &err));
  g_assert_no_error(err);
  for (guint i = 0; i < sizeof buf; i++)
    g_assert_cmpuint(buf[i], ==, i);
  g_assert_false(d->ops->read_phys(d, 0x2000, buf, 4, &err));
  g_assert_error(err, GT_ERROR, GT_ERROR_MEMORY);
  g_clear_error(&err);
  g_assert_true(d->ops->read_phys(d, 0x3000, buf, 8, &err));
  g_assert_cmpuint(buf[7], ==, 8);
  g_assert_false(d->ops->read_phys(d, G_MAXUINT64 - 1, buf, 4, &err));  /* wraps */
  g_assert_error(err, GT_ERROR, GT_ERROR_MEMORY);
  g_clear_error(&err);
  const guint8 w[4] = { 1, 2, 3, 4 };
  g_assert_true(d->ops->write_phys(d, 0x1000, w, 4, &err));
  g_assert_false(d->ops->write_phys(d, 0x2000, "\xff", 1, &err));
  g_assert_error(err, GT_ERROR, GT_ERROR_MEMORY);
  gt_driver_close(d);
  fake_stub_assert_done(s);
}

static void
test_no_phys_mode(void)
{
  int fd;
  FakeStub *s = fake_stub_new(&fd);
  fake_stub_script_connect(s, FALSE);
  fake_stub_expect(s, "Qqemu.PhyMemMode:1", "");
  fake_stub_expect(s, "D;1", "OK");
  fake_stub_start(s);
  GtDriver *d = fake_stub_open_driver(fd, NULL);
  g_autoptr(GError) err = NULL;
  guint8 b;
  g_assert_false(d->ops->read_phys(d, 0x1000, &b, 1, &err));
  g_assert_error(err, GT_ERROR, GT_ERROR_UNSUPPORTED);
  gt_driver_close(d);
  fake_stub_assert_done(s);
}

static void
test_ram_file(void)
{
  g_autoptr(GError) err = NULL;
  char *path = NULL;
  int tfd = g_file_open_tmp("gt-ram-XXXXXX", &path, &err);
  g_assert_no_error(err);
  guint8 data[0x4000];
  for (guint i = 0; i < sizeof data; i++)
    data[i] = (guint8)(i >> 8);
  g_assert_cmpint(write(tfd, data, sizeof data), ==, sizeof data);
  close(tfd);

  int fd;
  FakeStub *s = fake_stub_new(&fd);
  fake_stub_script_connect(s, FALSE);  /* no PhyMemMode with a RAM file */
  fake_stub_expect(s, "D;1", "OK");
  fake_stub_start(s);
  GtDriverOptions opts = { .mem_path = path, .lowmem = 0x1000 };
  GtDriver *d = fake_stub_open_driver(fd, &opts);
  guint8 b[2];
  g_assert_true(d->ops->read_phys(d, 0xfff, b, 1, &err));
  g_assert_cmpuint(b[0], ==, 0x0f);
  g_assert_false(d->ops->read_phys(d, 0x1000, b, 1, &err));  /* the hole */
  g_assert_error(err, GT_ERROR, GT_ERROR_MEMORY);
  g_clear_error(&err);
  g_assert_true(d->ops->read_phys(d, FOUR_G + 0x100, b, 2, &err));
  g_assert_cmpuint(b[0], ==, 0x11);
  g_assert_true(d->ops->write_phys(d, FOUR_G + 0x2fff, "\x7e", 1, &err));
  g_assert_false(d->ops->read_phys(d, FOUR_G + 0x2fff, b, 2, &err));
  g_assert_error(err, GT_ERROR, GT_ERROR_MEMORY);
  g_clear_error(&err);
  /* Memory works while the guest runs too. */
  gt_driver_close(d);
  fake_stub_assert_done(s);
  g_autofree char *contents = NULL;
  g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
  g_assert_cmpuint((guint8)contents[0x3fff], ==, 0x7e);
  g_unlink(path);
  g_free(path);
}

static void
test_open_failures(void)
{
  /* A stub without target descriptions: refused, detached. */
  int fd;
  FakeStub *s = fake_stub_new(&fd);
  fake_stub_expect(s, "qSupported:multiprocess+;swbreak+;xmlRegisters=i386", "PacketSize=1000");
  fake_stub_expect(s, "D", "OK");
  fake_stub_start(s);
  g_autoptr(GError) err = NULL;
  g_assert_null(gt_qemu_driver_open_fd(fd, NULL, &err));
  g_assert_error(err, GT_ERROR, GT_ERROR_UNSUPPORTED);
  g_clear_error(&err);
  fake_stub_assert_done(s);

  /* Broken XML. */
  s = fake_stub_new(&fd);
  fake_stub_expect(s, "qSupported:multiprocess+;swbreak+;xmlRegisters=i386",
                   "PacketSize=1000;qXfer:features:read+");
  fake_stub_expect(s, "?", "S05");
  fake_stub_expect(s, "qXfer:features:read:target.xml:0,ff8", "l<target><reg name=");
  fake_stub_expect(s, "D", "OK");
  fake_stub_start(s);
  g_assert_null(gt_qemu_driver_open_fd(fd, NULL, &err));
  g_assert_error(err, GT_ERROR, GT_ERROR_PROTOCOL);
  g_clear_error(&err);
  fake_stub_assert_done(s);

  /* A stub that hangs up at once. */
  s = fake_stub_new(&fd);
  fake_stub_hangup(s);
  fake_stub_start(s);
  g_assert_null(gt_qemu_driver_open_fd(fd, NULL, &err));
  g_assert_error(err, GT_ERROR, GT_ERROR_GUEST_GONE);
  fake_stub_assert_done(s);
}

/* A driver whose journal is the file named identity in a fresh directory,
 * with one breakpoint inserted. */
static GtDriver *
journalled_driver(int fd, const char *identity)
{
  GtDriver *d = fake_stub_open_driver(fd, NULL);
  d->identity = g_strdup(identity);
  g_autofree char *report = NULL;
  g_autoptr(GError) err = NULL;
  g_assert_true(gt_driver_attach_journal(d, "test", GT_JOURNAL_REPAIR, &report, &err));
  g_assert_null(report);
  g_assert_true(d->ops->insert_bp(d, FAKE_RIP, &err));
  guint64 orig = 0xffffffff81000abcULL, trap = FAKE_RIP + 1;
  g_assert_true(gt_journal_note_write(d->journal, GT_JOURNAL_SLOT, 0x1000,
                                      0xffffc90000001ff8ULL, &orig, &trap, 8, &err));
  return d;
}

/* The end of a session (gt_driver_end). With a return slot still
 * redirected (the journal says so) it does not detach: no z0, no D (QEMU
 * would remove the trap's breakpoint and let the guest run into it), the
 * connection just closes (QEMU then keeps the VM stopped with its
 * breakpoints), the journal stays and the end says what is left. With the
 * slot put back it detaches, and a 'D' counts every breakpoint gone even
 * when its own z0 was refused (QEMU's 'D' removes them all): the end is
 * clean and the journal removed. */
static void
test_end_held_or_detached(void)
{
  g_autofree char *dir = g_dir_make_tmp("gt-qemu-end-XXXXXX", NULL);
  g_setenv("GUESTRACE_JOURNAL_DIR", dir, TRUE);
  int fd;
  FakeStub *s = fake_stub_new(&fd);
  fake_stub_script_connect(s, TRUE);
  fake_stub_expect(s, "Z0," BP ",1", "OK");
  fake_stub_expect(s, "Qqemu.PhyMemMode:0", "OK");   /* the stub's mode, not ours to keep */
  fake_stub_start(s);
  GtDriver *d = journalled_driver(fd, "held");
  g_autofree char *path = g_strdup(gt_journal_path(d->journal));
  g_autoptr(GError) err = NULL;
  g_assert_false(gt_driver_end(d, &err));
  g_assert_nonnull(strstr(err->message, "1 return addresses still redirected to the trap, 0 "
                          "code bytes still patched, 1 breakpoints still set"));
  fake_stub_assert_done(s);
  g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
  g_unlink(path);
  g_clear_error(&err);

  s = fake_stub_new(&fd);
  fake_stub_script_connect(s, TRUE);
  fake_stub_expect(s, "Z0," BP ",1", "OK");
  fake_stub_expect(s, "z0," BP ",1", "E01");
  fake_stub_script_detach(s);
  fake_stub_start(s);
  d = journalled_driver(fd, "detached");
  g_free(path);
  path = g_strdup(gt_journal_path(d->journal));
  g_assert_true(gt_journal_note_undone(d->journal, 0x1000, &err));
  g_test_expect_message(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "*cannot remove breakpoint*E01*");
  g_assert_true(gt_driver_end(d, &err));
  g_test_assert_expected_messages();
  g_assert_no_error(err);
  fake_stub_assert_done(s);
  g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
  g_rmdir(dir);
  g_unsetenv("GUESTRACE_JOURNAL_DIR");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/qemu-driver/connect-regs", test_connect_regs);
  g_test_add_func("/qemu-driver/breakpoints-stops", test_breakpoints_and_stops);
  g_test_add_func("/qemu-driver/close-while-running", test_close_while_running);
  g_test_add_func("/qemu-driver/stub-vanishes", test_stub_vanishes);
  g_test_add_func("/qemu-driver/guest-exits", test_guest_exits_while_running);
  g_test_add_func("/qemu-driver/timeout", test_timeout);
  g_test_add_func("/qemu-driver/memory-packets", test_memory_packets);
  g_test_add_func("/qemu-driver/no-phys-mode", test_no_phys_mode);
  g_test_add_func("/qemu-driver/ram-file", test_ram_file);
  g_test_add_func("/qemu-driver/open-failures", test_open_failures);
  g_test_add_func("/qemu-driver/end-held-or-detached", test_end_held_or_detached);
  return g_test_run();
}
