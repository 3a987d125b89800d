/* kallsyms decoder. Address encoding is chosen from content as drgn does:
 * _stext's address is computed under every encoding the tables could use
 * and the one that gives the real _stext wins. */
#include "vmi/kallsyms.h"
#include "vmi/symbols.h"

#include <string.h>
#include <guestrace/types.h>

#define MAX_SYMS 2000000u
#define MAX_NAME_BYTES 0x3fffu          /* largest encoded length (ULEB, 2 bytes) */
#define KSYM_NAME_MAX 512u              /* KSYM_NAME_LEN since 6.1 */
#define MAX_TOKEN_TABLE (64u * 1024u)
#define MAX_TOKEN_LEN 256u
#define MAX_NAMES_TABLE (64u * 1024u * 1024u)
#define NAMES_CHUNK (64u * 1024u)

typedef struct {
  GtKvaReadFn read;
  void *ctx;
  guint64 base;                  /* names table */
  guint64 pos;                   /* bytes consumed */
  guint8 *buf;
  guint64 buf_start, buf_len;    /* window [buf_start, buf_start+buf_len) of the table */
} NameReader;

static gboolean
fail(GError **error, const char *what)
{
  g_set_error_literal(error, GT_ERROR, GT_ERROR_NOT_FOUND, what);
  return FALSE;
}

/* One byte of the names table; refills the window by 64 KiB, or by what is
 * left of the page when the next 64 KiB is not all mapped (or by one byte
 * when even that is not). */
static gboolean
next_byte(NameReader *r, guint8 *out, GError **error)
{
  if (r->pos >= MAX_NAMES_TABLE)
    return fail(error, "kallsyms_names is larger than 64 MiB");
  if (r->pos < r->buf_start || r->pos >= r->buf_start + r->buf_len) {
    guint64 va = r->base + r->pos;
    gsize n = NAMES_CHUNK;
    if (!r->read(r->ctx, va, r->buf, n, NULL)) {
      n = 4096 - (va & 4095);
      if (!r->read(r->ctx, va, r->buf, n, NULL) && !r->read(r->ctx, va, r->buf, n = 1, error))
        return FALSE;
    }
    r->buf_start = r->pos;
    r->buf_len = n;
  }
  *out = r->buf[r->pos++ - r->buf_start];
  return TRUE;
}

typedef struct {
  char *table;
  guint16 start[256];
  guint8 len[256];
} Tokens;

static gboolean
load_tokens(const GtKallsymsTables *t, GtKvaReadFn read, void *ctx, Tokens *tok,
            GError **error)
{
  guint16 idx[256];
  if (!read(ctx, t->token_index, idx, sizeof idx, error))
    return FALSE;
  guint max = 0;
  for (guint i = 0; i < 256; i++)
    max = MAX(max, GUINT16_FROM_LE(idx[i]));
  gsize size = MIN((gsize)max + MAX_TOKEN_LEN, (gsize)MAX_TOKEN_TABLE);
  tok->table = g_malloc0(size + 1);
  /* The table may end near an unmapped page: read what is there. */
  gsize got = size;
  for (;;) {
    gboolean last = got == (gsize)max + 1;
    if (read(ctx, t->token_table, tok->table, got, last ? error : NULL))
      break;
    if (last)
      return FALSE;
    got--;  /* at most MAX_TOKEN_LEN tries, only at the end of a mapping */
  }
  for (guint i = 0; i < 256; i++) {
    guint s = GUINT16_FROM_LE(idx[i]);
    const char *nul = memchr(tok->table + s, '\0', got - s);
    if (!nul || nul == tok->table + s)
      return fail(error, "a kallsyms_token_table entry is not a string");
    tok->start[i] = (guint16)s;
    tok->len[i] = (guint8)MIN(nul - (tok->table + s), 255);
  }
  return TRUE;
}

/* Decodes one name into out (type letter first). */
static gboolean
decode_name(NameReader *r, const Tokens *tok, gboolean big, GString *out, GError **error)
{
  guint8 b0, b1;
  if (!next_byte(r, &b0, error))
    return FALSE;
  guint len = b0;
  if (big && (b0 & 0x80)) {
    if (!next_byte(r, &b1, error))
      return FALSE;
    len = (b0 & 0x7fu) | ((guint)b1 << 7);
  }
  if (len == 0 || len > MAX_NAME_BYTES)
    return fail(error, "kallsyms_names has a bad name length");
  g_string_truncate(out, 0);
  for (guint i = 0; i < len; i++) {
    guint8 b;
    if (!next_byte(r, &b, error))
      return FALSE;
    if (out->len + tok->len[b] > KSYM_NAME_MAX)
      return fail(error, "kallsyms name longer than 512 bytes");
    g_string_append_len(out, tok->table + tok->start[b], tok->len[b]);
  }
  if (out->len < 2 || !g_ascii_isalpha(out->str[0]))
    return fail(error, "kallsyms name without a type letter");
  for (gsize i = 1; i < out->len; i++)
    if ((guchar)out->str[i] <= 0x20 || (guchar)out->str[i] >= 0x7f)
      return fail(error, "kallsyms name with a non-printable byte");
  return TRUE;
}

static guint64
address_of(GtKallsymsEncoding enc, const GtKallsymsTables *t, const gint32 *offs,
           const guint64 *abs, guint64 base, guint32 i)
{
  switch (enc) {
  case GT_KALLSYMS_ABSOLUTE:
    return GUINT64_FROM_LE(abs[i]);
  case GT_KALLSYMS_BASE_RELATIVE:
    return base + (guint32)GINT32_FROM_LE(offs[i]);
  case GT_KALLSYMS_ABSOLUTE_PERCPU: {
    gint32 o = GINT32_FROM_LE(offs[i]);
    return o >= 0 ? (guint64)o : base - 1 - (guint64)(gint64)o;
  }
  case GT_KALLSYMS_PLACE_RELATIVE:
    return t->offsets + 4ull * i + (guint64)(gint64)GINT32_FROM_LE(offs[i]);
  }
  return 0;
}

typedef struct {
  gint32 *offs;
  guint64 *abs;
  guint64 base;
} Addrs;

static gboolean
load_addresses(const GtKallsymsTables *t, GtKvaReadFn read, void *ctx, guint32 n,
               Addrs *a, GError **error)
{
  if (t->addresses) {
    a->abs = g_new(guint64, n);
    return read(ctx, t->addresses, a->abs, (gsize)n * 8, error);
  }
  if (!t->offsets)
    return fail(error, "no kallsyms address table");
  a->offs = g_new(gint32, n);
  if (!read(ctx, t->offsets, a->offs, (gsize)n * 4, error))
    return FALSE;
  if (t->relative_base && !read(ctx, t->relative_base, &a->base, 8, error))
    return FALSE;
  a->base = GUINT64_FROM_LE(a->base);
  return TRUE;
}

/* The encoding under which symbol stext_idx lands at t->stext. */
static gboolean
pick_encoding(const GtKallsymsTables *t, const Addrs *a, guint32 stext_idx,
              GtKallsymsEncoding *enc, GError **error)
{
  static const GtKallsymsEncoding rel[] = { GT_KALLSYMS_ABSOLUTE_PERCPU,
                                            GT_KALLSYMS_BASE_RELATIVE,
                                            GT_KALLSYMS_PLACE_RELATIVE };
  if (a->abs) {
    *enc = GT_KALLSYMS_ABSOLUTE;
    if (address_of(*enc, t, NULL, a->abs, 0, stext_idx) == t->stext)
      return TRUE;
  } else {
    for (guint i = 0; i < G_N_ELEMENTS(rel); i++) {
      if ((rel[i] == GT_KALLSYMS_PLACE_RELATIVE) != (t->relative_base == 0))
        continue;
      *enc = rel[i];
      if (address_of(*enc, t, a->offs, NULL, a->base, stext_idx) == t->stext)
        return TRUE;
    }
  }
  g_set_error(error, GT_ERROR, GT_ERROR_NOT_FOUND,
              "no kallsyms address encoding puts _stext at 0x%" G_GINT64_MODIFIER "x",
              t->stext);
  return FALSE;
}

/* Walks the names table: one name per symbol into names (NUL-separated). */
static gboolean
walk_names(const GtKallsymsTables *t, GtKvaReadFn read, void *ctx, guint32 n,
           GString *names, guint32 *stext_idx, GError **error)
{
  Tokens tok = { 0 };
  g_autofree guint8 *buf = g_malloc(NAMES_CHUNK);
  NameReader r = { read, ctx, t->names, 0, buf, 0, 0 };
  g_autoptr(GString) one = g_string_sized_new(64);
  gboolean ok = load_tokens(t, read, ctx, &tok, error);
  *stext_idx = G_MAXUINT32;
  for (guint32 i = 0; ok && i < n; i++) {
    ok = decode_name(&r, &tok, t->big_lengths, one, error);
    if (ok && *stext_idx == G_MAXUINT32 && strcmp(one->str + 1, "_stext") == 0)
      *stext_idx = i;
    if (ok)
      g_string_append_len(names, one->str, (gssize)one->len + 1);
    /* The text made from them (address, type, name: 19 more bytes each)
     * must stay within what gt_symbols_parse accepts: stop before
     * building more. */
    if (ok && names->len + 19ull * (i + 1) > GT_SYMBOLS_MAX_SIZE)
      ok = fail(error, "kallsyms decodes to more than 128 MiB of symbol text");
  }
  g_free(tok.table);
  if (ok && *stext_idx == G_MAXUINT32)
    return fail(error, "kallsyms has no _stext");
  return ok;
}

char *
gt_kallsyms_decode(const GtKallsymsTables *t, GtKvaReadFn read, void *ctx,
                   gsize *len_out, GtKallsymsEncoding *enc_out, GError **error)
{
  if (!t->num_syms || !t->names || !t->token_table || !t->token_index) {
    fail(error, "the kallsyms tables are not all known");
    return NULL;
  }
  guint32 n;
  if (!read(ctx, t->num_syms, &n, 4, error))
    return NULL;
  n = GUINT32_FROM_LE(n);
  if (n == 0 || n > MAX_SYMS) {
    g_set_error(error, GT_ERROR, GT_ERROR_NOT_FOUND, "kallsyms_num_syms is %u", n);
    return NULL;
  }
  g_autoptr(GString) names = g_string_sized_new((gsize)n * 24);
  guint32 stext_idx;
  if (!walk_names(t, read, ctx, n, names, &stext_idx, error))
    return NULL;
  Addrs a = { 0 };
  GtKallsymsEncoding enc;
  gboolean ok = load_addresses(t, read, ctx, n, &a, error) &&
                pick_encoding(t, &a, stext_idx, &enc, error);
  g_autoptr(GString) text = NULL;
  if (ok) {
    text = g_string_sized_new((gsize)n * 48);
    const char *p = names->str;
    for (guint32 i = 0; i < n; i++) {
      gsize l = strlen(p);
      g_string_append_printf(text, "%016" G_GINT64_MODIFIER "x %c %s\n",
                             address_of(enc, t, a.offs, a.abs, a.base, i), p[0], p + 1);
      p += l + 1;
    }
  }
  g_free(a.offs);
  g_free(a.abs);
  if (!ok)
    return NULL;
  if (enc_out)
    *enc_out = enc;
  *len_out = text->len;
  return g_string_free(g_steal_pointer(&text), FALSE);
}
