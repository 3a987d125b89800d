/* GDB remote serial protocol codec: packet framing ($data#cc), checksums,
 * binary escapes (0x7d) and run-length decoding, hex helpers. Pure functions
 * and a byte-at-a-time decoder; no I/O. */
#pragma once

#include <glib.h>

/* Largest decoded packet we accept from a stub. QEMU's own limit is 4 KiB;
 * anything much larger is a broken or hostile peer. */
#define GT_RSP_MAX_PACKET (256 * 1024)

guint8 gt_rsp_checksum(const void *data, gsize len);

/* Append "$<escaped payload>#cc" to out. '$', '#', '}' and '*' inside the
 * payload are escaped so binary payloads survive. */
void gt_rsp_frame(GByteArray *out, const void *payload, gsize len);

typedef enum {
  GT_RSP_EV_NONE = 0,     /* need more bytes */
  GT_RSP_EV_ACK,          /* '+' */
  GT_RSP_EV_NAK,          /* '-' */
  GT_RSP_EV_PACKET,       /* a packet with a good checksum: see dec->payload */
  GT_RSP_EV_BAD,          /* a packet with a bad checksum or bad encoding */
  GT_RSP_EV_TOO_BIG,      /* a packet longer than GT_RSP_MAX_PACKET */
  GT_RSP_EV_INTERRUPT,    /* 0x03 outside a packet */
} GtRspEvent;

typedef enum {
  GT_RSP_ST_IDLE, GT_RSP_ST_DATA, GT_RSP_ST_SUM1, GT_RSP_ST_SUM2,
} GtRspState;

typedef struct {
  GtRspState state;
  GByteArray *raw;        /* raw payload bytes between '$' and '#' */
  GByteArray *payload;    /* decoded payload of the last GT_RSP_EV_PACKET */
  guint8 sum_hi;
  gboolean overflow;
} GtRspDecoder;

void gt_rsp_decoder_init(GtRspDecoder *dec);
void gt_rsp_decoder_clear(GtRspDecoder *dec);
/* Feed one byte; returns the event it completes, if any. After
 * GT_RSP_EV_PACKET, dec->payload holds the decoded bytes (NUL-terminated
 * beyond len, so it may be read as a string) until the next feed. */
GtRspEvent gt_rsp_decoder_feed(GtRspDecoder *dec, guint8 byte);

/* Decode escapes and run-length encoding of a raw payload into out.
 * FALSE if malformed (dangling escape, '*' with nothing to repeat) or the
 * result would exceed max bytes. */
gboolean gt_rsp_unpack(const guint8 *raw, gsize len, GByteArray *out, gsize max);

/* Hex helpers. */
int gt_rsp_hexval(char c);
/* Parse exactly 2*len hex digits into bytes; FALSE on a non-hex digit. */
gboolean gt_rsp_hex_to_bytes(const char *hex, gsize len, guint8 *out);
void gt_rsp_bytes_to_hex(GString *out, const guint8 *data, gsize len);
/* Parse a hex number of at most 16 digits ending at a non-hex char; stores
 * the end in *end. FALSE if no digits or too many. */
gboolean gt_rsp_parse_hex_u64(const char *s, guint64 *value, const char **end);
