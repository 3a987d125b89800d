/* Fuzz target: the gdb remote-protocol codec and stop-reply parser, fed the
 * bytes a hostile or broken stub could send. Every decoded packet goes
 * through the classifiers and parsers the driver uses on replies; and any
 * payload must survive framing and decoding unchanged. */
#include "fuzz-common.h"

#include <string.h>

#include "driver/qemu/rsp-codec.h"
#include "driver/qemu/rsp-conn.h"
#include "driver/qemu/rsp-stop.h"

static void
parse_reply(const guint8 *p, gsize len)
{
  const char *s = (const char *)p;   /* the decoder keeps a NUL after it */
  gt_rsp_is_console(s, len);
  gt_rsp_is_error(s, len);
  if (gt_rsp_is_stop_reply(s, len)) {
    GtRspStop stop;
    if (gt_rsp_parse_stop(s, len, &stop)) {
      g_assert(stop.nregs <= GT_RSP_STOP_MAX_REGS);
      for (guint i = 0; i < stop.nregs; i++)
        g_assert(stop.regs[i].len <= sizeof stop.regs[i].bytes);
    }
  }
  GtRspThreadId id;
  gt_rsp_parse_thread_id(s, len, &id);
  guint64 v;
  const char *end = NULL;
  if (gt_rsp_parse_hex_u64(s, &v, &end))
    g_assert(end > s && end <= s + len);
  /* A register or memory reply: hex digits, two per byte. */
  g_autofree guint8 *bytes = g_malloc(len / 2 + 1);
  gt_rsp_hex_to_bytes(s, len / 2, bytes);
}

static void
decode_stream(const uint8_t *data, size_t size)
{
  GtRspDecoder dec;
  gt_rsp_decoder_init(&dec);
  for (size_t i = 0; i < size; i++)
    if (gt_rsp_decoder_feed(&dec, data[i]) == GT_RSP_EV_PACKET) {
      g_assert(dec.payload->len <= GT_RSP_MAX_PACKET);
      parse_reply(dec.payload->data, dec.payload->len);
    }
  gt_rsp_decoder_clear(&dec);
}

/* frame(x) decodes to exactly one packet equal to x. */
static void
round_trip(const uint8_t *data, size_t size)
{
  if (size > GT_RSP_MAX_PACKET)
    return;
  g_autoptr(GByteArray) framed = g_byte_array_new();
  gt_rsp_frame(framed, data, size);
  GtRspDecoder dec;
  gt_rsp_decoder_init(&dec);
  guint packets = 0;
  for (guint i = 0; i < framed->len; i++) {
    GtRspEvent ev = gt_rsp_decoder_feed(&dec, framed->data[i]);
    g_assert(ev == GT_RSP_EV_NONE || ev == GT_RSP_EV_PACKET);
    if (ev == GT_RSP_EV_PACKET) {
      packets++;
      g_assert(dec.payload->len == size);
      g_assert(size == 0 || memcmp(dec.payload->data, data, size) == 0);
    }
  }
  g_assert(packets == 1);
  gt_rsp_decoder_clear(&dec);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  decode_stream(data, size);
  g_autoptr(GByteArray) out = g_byte_array_new();
  gt_rsp_unpack(data, size, out, 4096);
  g_assert(out->len <= 4096);
  round_trip(data, size);
  return 0;
}
