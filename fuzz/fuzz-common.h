/* Shared by every libFuzzer target in fuzz/: the entry points libFuzzer
 * calls, and a reader that cuts one fuzz input into typed values, so a
 * target can build structured input (registers, addresses, several files)
 * from one byte string. Reading past the end yields zeros, never fails. */
#pragma once

#include <stdint.h>
#include <stddef.h>
#include <glib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

typedef struct {
  const guint8 *p;
  gsize left;
} GtFuzzIn;

static inline GtFuzzIn
gt_fuzz_in(const uint8_t *data, size_t size)
{
  return (GtFuzzIn){ data, size };
}

/* Up to n bytes (fewer at the end of the input); *len gets how many. */
static inline const guint8 *
gt_fuzz_take(GtFuzzIn *in, gsize n, gsize *len)
{
  const guint8 *p = in->p;
  *len = MIN(n, in->left);
  in->p += *len;
  in->left -= *len;
  return p;
}

static inline guint64
gt_fuzz_uint(GtFuzzIn *in, gsize bytes)
{
  guint64 v = 0;
  gsize len;
  const guint8 *p = gt_fuzz_take(in, bytes, &len);
  for (gsize i = 0; i < len; i++)
    v |= (guint64)p[i] << (8 * i);
  return v;
}

static inline guint8 gt_fuzz_u8(GtFuzzIn *in) { return (guint8)gt_fuzz_uint(in, 1); }
static inline guint16 gt_fuzz_u16(GtFuzzIn *in) { return (guint16)gt_fuzz_uint(in, 2); }
static inline guint32 gt_fuzz_u32(GtFuzzIn *in) { return (guint32)gt_fuzz_uint(in, 4); }
static inline guint64 gt_fuzz_u64(GtFuzzIn *in) { return gt_fuzz_uint(in, 8); }

/* The input's parts separated by the 4-byte marker "\n--\n" (a seed file is
 * then readable and editable as text), as a NULL-terminated array of
 * copies, each with a NUL after its bytes (it may hold NULs of its own);
 * *lens (if not NULL) gets each part's length.
 * At most max parts: the last one keeps the rest. */
char **gt_fuzz_split(const uint8_t *data, size_t size, guint max, GArray **lens);
