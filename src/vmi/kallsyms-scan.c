/* Finding the kallsyms tables by their shape (see kallsyms-scan.h). */
#include "vmi/kallsyms-scan.h"

#include <string.h>
#include <guestrace/types.h>

#define PIECE (1u << 20)
#define PAGE 4096u
#define MAX_HITS 64u                    /* "0\0".."9\0" patterns checked at most */
#define MAX_TOKEN_TABLE (64u * 1024u)   /* as the decoder's bound */
#define MAX_SYMS 2000000u
#define ALIGN8(x) (((x) + 7u) & ~(guint64)7u)

static const char DIGITS[] = "0\0" "1\0" "2\0" "3\0" "4\0" "5\0" "6\0" "7\0" "8\0" "9";
#define DIGITS_LEN sizeof DIGITS   /* 20: the last NUL is the array's own */

/* Reads up to len bytes at va, page by page after a failed whole read;
 * returns how many were readable from va on. */
static gsize
read_some(GtKvaReadFn read, void *ctx, guint64 va, guint8 *buf, gsize len)
{
  if (read(ctx, va, buf, len, NULL))
    return len;
  gsize got = 0;
  while (got < len) {
    gsize n = MIN(len - got, PAGE - ((va + got) & (PAGE - 1)));
    if (!read(ctx, va + got, buf + got, n, NULL))
      break;
    got += n;
  }
  return got;
}

typedef struct {
  guint64 table, index;  /* token_table, token_index */
} TokenTables;

/* Is the pattern at p the digits of a real token table? Every token must
 * be a non-empty string ending where the next begins, the last ending
 * where token_index (8-aligned) begins. */
static gboolean
check_tokens(GtKvaReadFn read, void *ctx, guint64 p, TokenTables *out)
{
  g_autofree guint8 *buf = g_malloc(MAX_TOKEN_TABLE);
  gsize got = read_some(read, ctx, p, buf, MAX_TOKEN_TABLE);
  gsize end = DIGITS_LEN;
  for (guint tok = ':'; tok < 256; tok++) {
    const guint8 *nul = end < got ? memchr(buf + end, 0, got - end) : NULL;
    if (!nul || nul == buf + end)
      return FALSE;
    end = (gsize)(nul - buf) + 1;
  }
  guint64 index = ALIGN8(p + end);
  guint16 idx[256];
  if (!read(ctx, index, idx, sizeof idx, NULL) || GUINT16_FROM_LE(idx[0]) != 0)
    return FALSE;
  guint64 table = p - GUINT16_FROM_LE(idx['0']);
  if (table & 7 || index - table > MAX_TOKEN_TABLE)
    return FALSE;
  g_autofree guint8 *tt = g_malloc(index - table);
  if (!read(ctx, table, tt, index - table, NULL))
    return FALSE;
  guint64 tend = p + end - table;
  for (guint i = 0; i < 256; i++) {
    guint64 s = GUINT16_FROM_LE(idx[i]);
    guint64 next = i < 255 ? GUINT16_FROM_LE(idx[i + 1]) : tend;
    if (next <= s + 1 || next > tend || tt[next - 1] != 0 || memchr(tt + s, 0, next - 1 - s))
      return FALSE;
  }
  out->table = table;
  out->index = index;
  return TRUE;
}

/* Kernel memory [lo, hi) as far down from hi as it is readable. */
typedef struct {
  guint64 lo, hi;
  guint8 *buf;   /* hi - lo bytes, buf[0] at the lowest address read */
} Window;

static void
window_load(GtKvaReadFn read, void *ctx, guint64 floor, guint64 hi, Window *w)
{
  gsize size = hi - floor;
  w->buf = g_malloc(size);
  w->hi = hi;
  w->lo = hi;
  gsize step = PIECE;   /* page by page once a whole piece fails */
  while (w->lo > floor) {
    gsize n = MIN(step, w->lo - floor);
    if (!read(ctx, w->lo - n, w->buf + (w->lo - n - floor), n, NULL)) {
      if (step == PAGE)
        break;
      step = PAGE;
      continue;
    }
    w->lo -= n;
  }
  if (w->lo > floor)
    memmove(w->buf, w->buf + (w->lo - floor), hi - w->lo);
}

static const guint8 *
at(const Window *w, guint64 va)
{
  return w->buf + (va - w->lo);
}

typedef struct {
  guint64 num_syms;   /* names = num_syms + 8 */
  guint32 n;
} Names;

/* The markers of a candidate: m[0] 0, increasing, below the names size. */
static gboolean
markers_plausible(const Window *w, guint64 mk, guint nm, guint size, guint64 names_len)
{
  guint64 prev = 0;
  for (guint i = 0; i < nm; i++) {
    guint64 v;
    if (size == 4) {
      guint32 v32;
      memcpy(&v32, at(w, mk + 4ull * i), 4);
      v = GUINT32_FROM_LE(v32);
    } else {
      memcpy(&v, at(w, mk + 8ull * i), 8);
      v = GUINT64_FROM_LE(v);
    }
    if ((i == 0) != (v == 0) || (i > 0 && v <= prev) || v >= names_len)
      return FALSE;
    prev = v;
  }
  return TRUE;
}

static guint64
marker(const Window *w, guint64 mk, guint size, guint i)
{
  guint64 v = 0;
  memcpy(&v, at(w, mk + (guint64)size * i), size);
  return GUINT64_FROM_LE(v);
}

/* Walks n names from names (lengths only: one byte, two when bit 7 is set
 * (6.1+; a 5.x length never has it, names being under 128 bytes)). They
 * must pass every marker and end where markers begin. */
static gboolean
names_walk(const Window *w, guint64 names, guint32 n, guint64 mk, guint size)
{
  guint64 len = mk - names, pos = 0;
  for (guint32 i = 0; i < n; i++) {
    if (i % 256 == 0 && marker(w, mk, size, i / 256) != pos)
      return FALSE;
    if (pos >= len)
      return FALSE;
    guint l = *at(w, names + pos++);
    if (l & 0x80) {
      if (pos >= len)
        return FALSE;
      l = (l & 0x7fu) | ((guint)*at(w, names + pos++) << 7);
    }
    if (l == 0)
      return FALSE;
    pos += l;
  }
  return pos <= len && ALIGN8(names + pos) == mk;
}

/* num_syms and names below the token table (markers, and 6.1's
 * seqs_of_names, between them); the nearest that verifies. */
static gboolean
find_names(const Window *w, guint64 token_table, Names *out)
{
  for (guint64 a = (token_table - 16) & ~(guint64)7; a >= w->lo; a -= 8) {
    guint32 v[2];
    memcpy(v, at(w, a), 8);
    guint32 n = GUINT32_FROM_LE(v[0]);
    if (v[1] != 0 || n == 0 || n > MAX_SYMS)
      continue;
    guint nm = (n + 255) / 256;
    for (guint seqs = 0; seqs <= 3; seqs += 3)
      for (guint size = 4; size <= 8; size += 4) {
        guint64 below = ALIGN8((guint64)nm * size) + ALIGN8((guint64)seqs * n);
        if (below > token_table - a - 8)
          continue;
        guint64 mk = token_table - below;
        if (markers_plausible(w, mk, nm, size, mk - (a + 8)) &&
            names_walk(w, a + 8, n, mk, size)) {
          out->num_syms = a;
          out->n = n;
          return TRUE;
        }
      }
    if (a - w->lo < 8)
      break;
  }
  return FALSE;
}

/* The places the address tables can be, in the order tried. */
static guint
placements(const Names *nm, const TokenTables *tk, guint64 stext, GtKallsymsTables out[3])
{
  GtKallsymsTables t = { .num_syms = nm->num_syms, .names = nm->num_syms + 8,
                         .token_table = tk->table, .token_index = tk->index,
                         .stext = stext, .big_lengths = TRUE };
  guint64 offs_size = ALIGN8(4ull * nm->n);
  guint k = 0;
  if (nm->num_syms > 8 + offs_size) {   /* up to 6.1: offsets, relative_base, num_syms */
    out[k] = t;
    out[k].relative_base = nm->num_syms - 8;
    out[k++].offsets = nm->num_syms - 8 - offs_size;
  }
  out[k] = t;                           /* 6.4+: after token_index */
  out[k].offsets = tk->index + 512;
  out[k++].relative_base = tk->index + 512 + offs_size;
  if (nm->num_syms > 8ull * nm->n) {    /* absolute addresses */
    out[k] = t;
    out[k++].addresses = nm->num_syms - 8ull * nm->n;
  }
  return k;
}

/* Names and addresses for one token table; the decoded text or NULL with
 * why in *why. */
static char *
decode_at(GtKvaReadFn read, void *ctx, guint64 image, const TokenTables *tk, guint64 stext,
          GtKallsymsTables *found, gsize *len_out, GString *why)
{
  guint64 floor = tk->table - MIN(tk->table - image, GT_KALLSYMS_SCAN_MAX_TABLES);
  Window w;
  window_load(read, ctx, floor, tk->table, &w);
  Names nm;
  gboolean have = find_names(&w, tk->table, &nm);
  g_free(w.buf);
  if (!have) {
    g_string_append_printf(why, "; token table at 0x%" G_GINT64_MODIFIER "x but no "
                           "num_syms, names and markers below it", tk->table);
    return NULL;
  }
  GtKallsymsTables cand[3];
  guint k = placements(&nm, tk, stext, cand);
  for (guint i = 0; i < k; i++) {
    g_autoptr(GError) err = NULL;
    char *text = gt_kallsyms_decode(&cand[i], read, ctx, len_out, NULL, &err);
    if (text) {
      if (found)
        *found = cand[i];
      return text;
    }
    g_string_append_printf(why, "; tables at 0x%" G_GINT64_MODIFIER "x (%u symbols): %s",
                           nm.num_syms, nm.n, err->message);
  }
  return NULL;
}

char *
gt_kallsyms_scan(GtKvaReadFn read, void *ctx, guint64 image, guint64 image_len,
                 guint64 stext, GtKallsymsTables *found, gsize *len_out, GError **error)
{
  image_len = MIN(image_len, GT_KALLSYMS_SCAN_MAX_IMAGE);
  g_autofree guint8 *buf = g_malloc(PIECE + DIGITS_LEN);
  g_autoptr(GString) why = g_string_new(NULL);
  guint hits = 0;
  gsize carry = 0;   /* bytes kept from the previous piece (a pattern across the seam) */
  for (guint64 off = 0; off < image_len && hits < MAX_HITS; off += PIECE) {
    gsize want = MIN(PIECE, image_len - off);
    gsize n = read_some(read, ctx, image + off, buf + carry, want);
    if (n == 0) {
      carry = 0;
      continue;
    }
    guint64 base = image + off - carry;
    gsize have = carry + n;
    for (const guint8 *p = buf; hits < MAX_HITS &&
         (p = memmem(p, have - (gsize)(p - buf), DIGITS, DIGITS_LEN)) != NULL; p++) {
      hits++;
      TokenTables tk;
      if (!check_tokens(read, ctx, base + (guint64)(p - buf), &tk))
        continue;
      char *text = decode_at(read, ctx, image, &tk, stext, found, len_out, why);
      if (text)
        return text;
    }
    carry = n < want ? 0 : MIN(have, DIGITS_LEN - 1);   /* no seam across a hole */
    memmove(buf, buf + have - carry, carry);
  }
  g_set_error(error, GT_ERROR, GT_ERROR_NOT_FOUND,
              "no kallsyms tables in the kernel image at 0x%" G_GINT64_MODIFIER "x "
              "(%" G_GUINT64_FORMAT " KiB searched, %u digit pattern(s) checked%s)%s",
              image, image_len >> 10, hits, hits >= MAX_HITS ? ", the most allowed" : "",
              why->str);
  return NULL;
}
