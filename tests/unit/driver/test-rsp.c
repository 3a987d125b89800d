/* Unit tests of the gdb remote-protocol codec, stop-reply parser and
 * connection (acks, NAKs, retransmission, queued stop replies). */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <guestrace/types.h>

#include "driver/qemu/rsp-codec.h"
#include "driver/qemu/rsp-conn.h"
#include "driver/qemu/rsp-stop.h"
#include "fake-stub.h"

static GtRspEvent
feed_all(GtRspDecoder *dec, const char *s, gsize len)
{
  GtRspEvent last = GT_RSP_EV_NONE;
  for (gsize i = 0; i < len; i++) {
    GtRspEvent e = gt_rsp_decoder_feed(dec, (guint8)s[i]);
    if (e != GT_RSP_EV_NONE)
      last = e;
  }
  return last;
}

static void
test_checksum(void)
{
  g_assert_cmpuint(gt_rsp_checksum("OK", 2), ==, 0x9a);
  g_assert_cmpuint(gt_rsp_checksum("", 0), ==, 0);
  g_assert_cmpuint(gt_rsp_checksum("\xff\x02", 2), ==, 0x01);  /* mod 256 */
}

static void
test_frame_escapes(void)
{
  g_autoptr(GByteArray) out = g_byte_array_new();
  gt_rsp_frame(out, "a$b#c}d*e", 9);
  g_autofree char *s = g_strndup((const char *)out->data, out->len);
  g_assert_true(g_str_has_prefix(s, "$a}\x04" "b}\x03" "c}]d}\x0a" "e#"));
  /* And the decoder gives the payload back. */
  GtRspDecoder dec;
  gt_rsp_decoder_init(&dec);
  g_assert_cmpint(feed_all(&dec, s, strlen(s)), ==, GT_RSP_EV_PACKET);
  g_assert_cmpmem(dec.payload->data, dec.payload->len, "a$b#c}d*e", 9);
  gt_rsp_decoder_clear(&dec);
}

static void
test_decoder(void)
{
  GtRspDecoder dec;
  gt_rsp_decoder_init(&dec);
  g_assert_cmpint(feed_all(&dec, "+", 1), ==, GT_RSP_EV_ACK);
  g_assert_cmpint(feed_all(&dec, "-", 1), ==, GT_RSP_EV_NAK);
  g_assert_cmpint(feed_all(&dec, "\x03", 1), ==, GT_RSP_EV_INTERRUPT);
  g_assert_cmpint(feed_all(&dec, "$OK#9a", 6), ==, GT_RSP_EV_PACKET);
  g_assert_cmpstr((const char *)dec.payload->data, ==, "OK");
  g_assert_cmpint(feed_all(&dec, "$OK#9A", 6), ==, GT_RSP_EV_PACKET);  /* upper-case sum */
  g_assert_cmpint(feed_all(&dec, "$OK#9b", 6), ==, GT_RSP_EV_BAD);
  g_assert_cmpint(feed_all(&dec, "$OK#zz", 6), ==, GT_RSP_EV_BAD);
  /* Truncated: a new packet starts before the old one ended. */
  g_assert_cmpint(feed_all(&dec, "$T05thr", 7), ==, GT_RSP_EV_NONE);
  g_assert_cmpint(feed_all(&dec, "$", 1), ==, GT_RSP_EV_BAD);
  g_assert_cmpint(feed_all(&dec, "OK#9a", 5), ==, GT_RSP_EV_PACKET);
  /* Noise between packets is ignored. */
  g_assert_cmpint(feed_all(&dec, "xyz", 3), ==, GT_RSP_EV_NONE);
  /* Run-length: "0* " is '0' + 3 more. */
  const char *rle = "$0* #";
  guint8 sum = gt_rsp_checksum("0* ", 3);
  g_autofree char *pkt = g_strdup_printf("%s%02x", rle, sum);
  g_assert_cmpint(feed_all(&dec, pkt, strlen(pkt)), ==, GT_RSP_EV_PACKET);
  g_assert_cmpstr((const char *)dec.payload->data, ==, "0000");
  gt_rsp_decoder_clear(&dec);
}

static void
test_unpack(void)
{
  g_autoptr(GByteArray) out = g_byte_array_new();
  g_assert_true(gt_rsp_unpack((const guint8 *)"ab*\"c", 5, out, 100));
  g_assert_cmpmem(out->data, out->len, "abbbbbbc", 8);  /* '"' = 34: 5 more */
  g_assert_true(gt_rsp_unpack((const guint8 *)"}]*!", 4, out, 100));
  g_assert_cmpmem(out->data, out->len, "}}}}}", 5);     /* escaped byte repeated */
  g_assert_false(gt_rsp_unpack((const guint8 *)"*!", 2, out, 100));  /* nothing to repeat */
  g_assert_false(gt_rsp_unpack((const guint8 *)"a*", 2, out, 100));  /* no count */
  g_assert_false(gt_rsp_unpack((const guint8 *)"a}", 2, out, 100));  /* dangling escape */
  g_assert_false(gt_rsp_unpack((const guint8 *)"a*~", 3, out, 50));  /* over the cap */
}

static void
test_too_big(void)
{
  GtRspDecoder dec;
  gt_rsp_decoder_init(&dec);
  g_assert_cmpint(feed_all(&dec, "$", 1), ==, GT_RSP_EV_NONE);
  for (gsize i = 0; i < GT_RSP_MAX_PACKET + 10; i++)
    g_assert_cmpint(gt_rsp_decoder_feed(&dec, 'a'), ==, GT_RSP_EV_NONE);
  g_assert_cmpuint(dec.raw->len, <=, GT_RSP_MAX_PACKET);
  g_assert_cmpint(feed_all(&dec, "#00", 3), ==, GT_RSP_EV_TOO_BIG);
  gt_rsp_decoder_clear(&dec);
}

static void
test_hex(void)
{
  guint8 b[3];
  g_assert_true(gt_rsp_hex_to_bytes("00fFa1", 3, b));
  g_assert_cmpuint(b[1], ==, 0xff);
  g_assert_false(gt_rsp_hex_to_bytes("0g", 1, b));
  g_autoptr(GString) s = g_string_new(NULL);
  gt_rsp_bytes_to_hex(s, b, 3);
  g_assert_cmpstr(s->str, ==, "00ffa1");
  guint64 v;
  const char *end;
  g_assert_true(gt_rsp_parse_hex_u64("ffffffff81000000,", &v, &end));
  g_assert_cmphex(v, ==, 0xffffffff81000000ULL);
  g_assert_cmpint(*end, ==, ',');
  g_assert_false(gt_rsp_parse_hex_u64("11112222333344445", &v, NULL));
  g_assert_false(gt_rsp_parse_hex_u64(",", &v, NULL));
}

static void
test_thread_ids(void)
{
  GtRspThreadId a, b;
  g_assert_true(gt_rsp_parse_thread_id("p01.02", 6, &a));
  g_assert_cmpint(a.pid, ==, 1);
  g_assert_cmpint(a.tid, ==, 2);
  g_assert_true(gt_rsp_parse_thread_id("2", 1, &b));
  g_assert_cmpint(b.pid, ==, -1);
  g_assert_true(gt_rsp_thread_id_equal(&a, &b));
  g_assert_true(gt_rsp_parse_thread_id("p1.-1", 5, &b));
  g_assert_cmpint(b.tid, ==, -1);
  g_assert_false(gt_rsp_parse_thread_id("pz.1", 4, &b));
  g_assert_false(gt_rsp_parse_thread_id("", 0, &b));
  g_assert_false(gt_rsp_parse_thread_id("p1.", 3, &b));
}

static void
test_stop_parse(void)
{
  GtRspStop st;
  const char *t = "T05thread:p01.02;swbreak:;10:1000008100000000;06:0100000000000000;";
  g_assert_true(gt_rsp_parse_stop(t, strlen(t), &st));
  g_assert_cmpint(st.kind, ==, 'T');
  g_assert_cmpuint(st.signal, ==, 5);
  g_assert_true(st.has_thread);
  g_assert_cmpint(st.thread.tid, ==, 2);
  g_assert_cmpuint(st.nregs, ==, 2);
  g_assert_cmpuint(st.regs[0].regnum, ==, 0x10);
  g_assert_cmpuint(st.regs[0].bytes[3], ==, 0x81);
  g_assert_true(gt_rsp_parse_stop("S05", 3, &st));
  g_assert_false(st.has_thread);
  g_assert_true(gt_rsp_parse_stop("W00", 3, &st));
  g_assert_cmpint(st.kind, ==, 'W');
  g_assert_true(gt_rsp_parse_stop("X09;process:1", 13, &st));
  g_assert_false(gt_rsp_parse_stop("OK", 2, &st));
  g_assert_false(gt_rsp_parse_stop("T", 1, &st));
  g_assert_false(gt_rsp_parse_stop("T05thread:zz;", 13, &st));
  g_assert_true(gt_rsp_is_stop_reply("T05thread:01;", 13));
  g_assert_false(gt_rsp_is_stop_reply("OK", 2));
  g_assert_false(gt_rsp_is_stop_reply("E14", 3));
  g_assert_true(gt_rsp_is_console("O48690a", 7));
  g_assert_false(gt_rsp_is_console("OK", 2));
}

/* Connection over a socketpair with the fake stub. */
static void
test_conn_nak_and_queue(void)
{
  int fd;
  FakeStub *s = fake_stub_new(&fd);
  fake_stub_expect_nak_first(s, "Z0,1000,1", "OK");            /* we retransmit */
  fake_stub_expect_badsum_reply(s, "z0,1000,1", "OK");         /* we NAK, it resends */
  fake_stub_expect(s, "qC", NULL);
  fake_stub_send(s, "T05thread:p01.02;");                      /* unexpected stop reply */
  fake_stub_send(s, "O48690a");                                /* console output */
  fake_stub_send(s, "QCp01.02");
  fake_stub_start(s);
  g_autoptr(GtRspConn) c = gt_rsp_conn_new(fd, 2000);
  g_autoptr(GError) err = NULL;
  GString *r = NULL;
  g_assert_true(gt_rsp_conn_request(c, "Z0,1000,1", &r, &err));
  g_assert_no_error(err);
  g_assert_cmpstr(r->str, ==, "OK");
  g_string_free(r, TRUE);
  g_assert_true(gt_rsp_conn_request(c, "z0,1000,1", &r, &err));
  g_assert_cmpstr(r->str, ==, "OK");
  g_string_free(r, TRUE);
  g_assert_true(gt_rsp_conn_request(c, "qC", &r, &err));
  g_assert_cmpstr(r->str, ==, "QCp01.02");
  g_string_free(r, TRUE);
  GString *q = gt_rsp_conn_pop_stop(c);
  g_assert_nonnull(q);
  g_assert_cmpstr(q->str, ==, "T05thread:p01.02;");
  g_string_free(q, TRUE);
  g_assert_null(gt_rsp_conn_pop_stop(c));
  g_clear_pointer(&c, gt_rsp_conn_free);
  g_autofree char *fail = fake_stub_finish(s);
  g_assert_null(fail);
}

static void
test_conn_retransmit_limit(void)
{
  int sv[2];
  g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), ==, 0);
  /* A peer that NAKs everything: bounded retries, then an error. */
  g_assert_cmpint(write(sv[0], "------------", 12), ==, 12);
  g_autoptr(GtRspConn) c = gt_rsp_conn_new(sv[1], 500);
  g_autoptr(GError) err = NULL;
  g_assert_false(gt_rsp_conn_send(c, "g", 1, &err));
  g_assert_error(err, GT_ERROR, GT_ERROR_PROTOCOL);
  close(sv[0]);
}

static void
test_conn_timeout_and_eof(void)
{
  int sv[2];
  g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), ==, 0);
  g_autoptr(GtRspConn) c = gt_rsp_conn_new(sv[1], 100);
  g_autoptr(GError) err = NULL;
  GString *r = NULL;
  gint64 t0 = g_get_monotonic_time();
  g_assert_false(gt_rsp_conn_request(c, "g", &r, &err));
  g_assert_error(err, GT_ERROR, GT_ERROR_TIMEOUT);
  g_assert_cmpint(g_get_monotonic_time() - t0, <, 2 * G_USEC_PER_SEC);
  g_clear_error(&err);
  g_assert_cmpint(write(sv[0], "+$O", 3), ==, 3);  /* ack, then a cut packet */
  close(sv[0]);
  g_assert_false(gt_rsp_conn_request(c, "g", &r, &err));
  g_assert_error(err, GT_ERROR, GT_ERROR_GUEST_GONE);
  g_assert_true(gt_rsp_conn_is_gone(c));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/rsp/checksum", test_checksum);
  g_test_add_func("/rsp/frame-escapes", test_frame_escapes);
  g_test_add_func("/rsp/decoder", test_decoder);
  g_test_add_func("/rsp/unpack", test_unpack);
  g_test_add_func("/rsp/too-big", test_too_big);
  g_test_add_func("/rsp/hex", test_hex);
  g_test_add_func("/rsp/thread-ids", test_thread_ids);
  g_test_add_func("/rsp/stop-parse", test_stop_parse);
  g_test_add_func("/rsp/conn-nak-and-queue", test_conn_nak_and_queue);
  g_test_add_func("/rsp/conn-retransmit-limit", test_conn_retransmit_limit);
  g_test_add_func("/rsp/conn-timeout-eof", test_conn_timeout_and_eof);
  return g_test_run();
}
