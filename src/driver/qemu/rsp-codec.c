/* GDB remote serial protocol codec: framing, checksums, escapes and
 * run-length decoding. Written by hand because no Debian library offers a
 * gdb remote-protocol client; it follows the GDB manual's "Remote Protocol"
 * chapter. */
#include "driver/qemu/rsp-codec.h"

#include <string.h>

guint8
gt_rsp_checksum(const void *data, gsize len)
{
  const guint8 *p = data;
  guint8 sum = 0;
  for (gsize i = 0; i < len; i++)
    sum += p[i];
  return sum;
}

static gboolean
needs_escape(guint8 c)
{
  return c == '$' || c == '#' || c == '}' || c == '*';
}

void
gt_rsp_frame(GByteArray *out, const void *payload, gsize len)
{
  static const char hexd[] = "0123456789abcdef";
  const guint8 *p = payload;
  guint8 sum = 0;
  guint8 dollar = '$';
  g_byte_array_append(out, &dollar, 1);
  for (gsize i = 0; i < len; i++) {
    if (needs_escape(p[i])) {
      guint8 esc[2] = { '}', (guint8)(p[i] ^ 0x20) };
      g_byte_array_append(out, esc, 2);
      sum += esc[0] + esc[1];
    } else {
      g_byte_array_append(out, &p[i], 1);
      sum += p[i];
    }
  }
  guint8 tail[3] = { '#', (guint8)hexd[sum >> 4], (guint8)hexd[sum & 15] };
  g_byte_array_append(out, tail, 3);
}

int
gt_rsp_hexval(char c)
{
  return g_ascii_xdigit_value(c);
}

gboolean
gt_rsp_hex_to_bytes(const char *hex, gsize len, guint8 *out)
{
  for (gsize i = 0; i < len; i++) {
    int hi = gt_rsp_hexval(hex[2 * i]);
    int lo = hi < 0 ? -1 : gt_rsp_hexval(hex[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return FALSE;
    out[i] = (guint8)(hi << 4 | lo);
  }
  return TRUE;
}

void
gt_rsp_bytes_to_hex(GString *out, const guint8 *data, gsize len)
{
  static const char hexd[] = "0123456789abcdef";
  for (gsize i = 0; i < len; i++) {
    g_string_append_c(out, hexd[data[i] >> 4]);
    g_string_append_c(out, hexd[data[i] & 15]);
  }
}

gboolean
gt_rsp_parse_hex_u64(const char *s, guint64 *value, const char **end)
{
  guint64 v = 0;
  int n = 0;
  int d;
  while ((d = gt_rsp_hexval(s[n])) >= 0) {
    if (n == 16)
      return FALSE;
    v = v << 4 | (guint64)d;
    n++;
  }
  if (n == 0)
    return FALSE;
  *value = v;
  if (end)
    *end = s + n;
  return TRUE;
}

gboolean
gt_rsp_unpack(const guint8 *raw, gsize len, GByteArray *out, gsize max)
{
  g_byte_array_set_size(out, 0);
  for (gsize i = 0; i < len; i++) {
    guint8 c = raw[i];
    if (c == '}') {
      if (++i >= len)
        return FALSE;
      c = raw[i] ^ 0x20;
    } else if (c == '*') {
      /* Run-length: the previous byte repeated (count char - 29) more
       * times. */
      if (out->len == 0 || ++i >= len || raw[i] < 29 || raw[i] > 126)
        return FALSE;
      guint n = raw[i] - 29;
      guint8 prev = out->data[out->len - 1];
      if (out->len + n > max)
        return FALSE;
      for (guint k = 0; k < n; k++)
        g_byte_array_append(out, &prev, 1);
      continue;
    }
    if (out->len + 1 > max)
      return FALSE;
    g_byte_array_append(out, &c, 1);
  }
  return TRUE;
}

void
gt_rsp_decoder_init(GtRspDecoder *dec)
{
  memset(dec, 0, sizeof *dec);
  dec->raw = g_byte_array_new();
  dec->payload = g_byte_array_new();
}

void
gt_rsp_decoder_clear(GtRspDecoder *dec)
{
  g_clear_pointer(&dec->raw, g_byte_array_unref);
  g_clear_pointer(&dec->payload, g_byte_array_unref);
}

static GtRspEvent
finish_packet(GtRspDecoder *dec, guint8 sum)
{
  if (dec->overflow)
    return GT_RSP_EV_TOO_BIG;
  if (gt_rsp_checksum(dec->raw->data, dec->raw->len) != sum)
    return GT_RSP_EV_BAD;
  if (!gt_rsp_unpack(dec->raw->data, dec->raw->len, dec->payload,
                     GT_RSP_MAX_PACKET))
    return GT_RSP_EV_BAD;
  /* Keep a NUL after the data so callers can treat it as a string. */
  guint8 nul = 0;
  g_byte_array_append(dec->payload, &nul, 1);
  g_byte_array_set_size(dec->payload, dec->payload->len - 1);
  return GT_RSP_EV_PACKET;
}

GtRspEvent
gt_rsp_decoder_feed(GtRspDecoder *dec, guint8 byte)
{
  switch (dec->state) {
  case GT_RSP_ST_IDLE:
    if (byte == '$') {
      dec->state = GT_RSP_ST_DATA;
      dec->overflow = FALSE;
      g_byte_array_set_size(dec->raw, 0);
      return GT_RSP_EV_NONE;
    }
    if (byte == '+')
      return GT_RSP_EV_ACK;
    if (byte == '-')
      return GT_RSP_EV_NAK;
    if (byte == 0x03)
      return GT_RSP_EV_INTERRUPT;
    return GT_RSP_EV_NONE;  /* noise between packets is ignored */
  case GT_RSP_ST_DATA:
    if (byte == '#') {
      dec->state = GT_RSP_ST_SUM1;
      return GT_RSP_EV_NONE;
    }
    if (byte == '$') {
      /* A new packet starts inside one: the old one was truncated. */
      g_byte_array_set_size(dec->raw, 0);
      dec->overflow = FALSE;
      return GT_RSP_EV_BAD;
    }
    if (dec->raw->len >= GT_RSP_MAX_PACKET)
      dec->overflow = TRUE;
    else
      g_byte_array_append(dec->raw, &byte, 1);
    return GT_RSP_EV_NONE;
  case GT_RSP_ST_SUM1: {
    int v = gt_rsp_hexval((char)byte);
    if (v < 0) {
      dec->state = byte == '$' ? GT_RSP_ST_DATA : GT_RSP_ST_IDLE;
      g_byte_array_set_size(dec->raw, 0);
      return GT_RSP_EV_BAD;
    }
    dec->sum_hi = (guint8)v;
    dec->state = GT_RSP_ST_SUM2;
    return GT_RSP_EV_NONE;
  }
  case GT_RSP_ST_SUM2: {
    int v = gt_rsp_hexval((char)byte);
    if (v < 0) {
      dec->state = byte == '$' ? GT_RSP_ST_DATA : GT_RSP_ST_IDLE;
      g_byte_array_set_size(dec->raw, 0);
      return GT_RSP_EV_BAD;
    }
    dec->state = GT_RSP_ST_IDLE;
    return finish_packet(dec, (guint8)(dec->sum_hi << 4 | v));
  }
  }
  return GT_RSP_EV_NONE;
}
