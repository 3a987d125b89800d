/* Kernel symbol tables from System.map or /proc/kallsyms text.
 *
 * Parsed by hand: the format is one "ADDR TYPE NAME [MODULE]" per line and
 * no Debian library reads it. The text is copied once and cut in place (names
 * point into the copy), so a 90k-line System.map costs no per-symbol
 * allocation. Indexes: a hash name -> symbol (the first core-kernel
 * occurrence wins over module symbols, then file order), an address-sorted
 * array of text symbols for name_at. */
#include "vmi/symbols.h"

#include <errno.h>
#include <stdio.h>

#include <stdlib.h>
#include <string.h>
#include <guestrace/types.h>

/* Addresses at or above this are kernel-image (or module) addresses that
 * KASLR moves; below it are per-CPU offsets and absolute values. */
#define KERNEL_IMAGE_BASE 0xffffffff80000000ULL

typedef struct {
  guint64 addr;        /* as in the file */
  const char *name;    /* into GtSymbols.text */
  const char *module;  /* into GtSymbols.text, NULL for the core kernel */
  char type;
} Symbol;

struct GtSymbols {
  char *text;          /* the file, cut into NUL-terminated names */
  GArray *syms;        /* Symbol, file order */
  GHashTable *by_name; /* name -> GUINT_TO_POINTER(index + 1) */
  guint *text_index;   /* indexes of text symbols, sorted by address */
  guint n_text;
  gint64 slide;
};

static inline guint64
slid(const GtSymbols *s, guint64 addr)
{
  return addr >= KERNEL_IMAGE_BASE ? addr + (guint64)s->slide : addr;
}

static inline gboolean
is_text_type(char t)
{
  return t == 'T' || t == 't';
}

static inline gboolean
is_blank(char c)
{
  return c == ' ' || c == '\t';
}

/* A name byte: printable, no blank. (Symbol names are ASCII identifiers
 * plus '.', '$' and the like.) */
static inline gboolean
is_name_char(char c)
{
  return (guchar)c > 0x20 && (guchar)c != 0x7f;
}

/* Parses the line p[0..end) in place. Returns FALSE if it is malformed;
 * *blank is set for an empty or all-blank line. */
static gboolean
parse_line(char *p, char *end, Symbol *out, gboolean *blank, const char **why)
{
  *blank = FALSE;
  while (p < end && is_blank(*p))
    p++;
  if (p == end) {
    *blank = TRUE;
    return TRUE;
  }

  guint64 addr = 0;
  guint digits = 0;
  for (; p < end && g_ascii_xdigit_value(*p) >= 0; p++, digits++) {
    if (digits == 16) {
      *why = "address longer than 16 hex digits";
      return FALSE;
    }
    addr = addr << 4 | (guint64)g_ascii_xdigit_value(*p);
  }
  if (digits == 0) {
    *why = "expected a hexadecimal address";
    return FALSE;
  }
  if (p == end || !is_blank(*p)) {
    *why = "expected a blank after the address";
    return FALSE;
  }
  while (p < end && is_blank(*p))
    p++;

  if (p == end || !g_ascii_isalpha(*p)) {
    *why = "expected a symbol type letter";
    return FALSE;
  }
  char type = *p++;
  if (p == end || !is_blank(*p)) {
    *why = "expected a blank after the symbol type";
    return FALSE;
  }
  while (p < end && is_blank(*p))
    p++;

  char *name = p;
  while (p < end && is_name_char(*p))
    p++;
  if (p == name) {
    *why = "expected a symbol name";
    return FALSE;
  }
  char *name_end = p;

  char *module = NULL;
  while (p < end && is_blank(*p))
    p++;
  if (p < end && *p == '[') {
    module = ++p;
    while (p < end && *p != ']' && is_name_char(*p))
      p++;
    if (p == end || *p != ']' || p == module) {
      *why = "malformed [module] field";
      return FALSE;
    }
    *p++ = '\0';
    while (p < end && is_blank(*p))
      p++;
  }
  if (p != end) {
    *why = "unexpected text after the symbol name";
    return FALSE;
  }

  *name_end = '\0';
  out->addr = addr;
  out->type = type;
  out->name = name;
  out->module = module;
  return TRUE;
}

static int
cmp_text(const void *a, const void *b, void *user_data)
{
  const Symbol *syms = user_data;
  const Symbol *x = &syms[*(const guint *)a], *y = &syms[*(const guint *)b];
  if (x->addr != y->addr)
    return x->addr < y->addr ? -1 : 1;
  /* same address: file order, so the result is deterministic */
  return *(const guint *)a < *(const guint *)b ? -1 : 1;
}

static void
build_indexes(GtSymbols *s)
{
  const Symbol *syms = (const Symbol *)s->syms->data;
  s->by_name = g_hash_table_new(g_str_hash, g_str_equal);
  s->text_index = g_new(guint, MAX(s->syms->len, 1));
  s->n_text = 0;

  for (guint i = 0; i < s->syms->len; i++) {
    const Symbol *sym = &syms[i];
    gpointer old = g_hash_table_lookup(s->by_name, sym->name);
    /* First occurrence wins, except that a core-kernel symbol replaces a
     * module symbol of the same name. */
    if (old == NULL || (sym->module == NULL && syms[GPOINTER_TO_UINT(old) - 1].module != NULL))
      g_hash_table_insert(s->by_name, (gpointer)sym->name, GUINT_TO_POINTER(i + 1));
    if (is_text_type(sym->type))
      s->text_index[s->n_text++] = i;
  }
  g_qsort_with_data(s->text_index, (gint)s->n_text, sizeof(guint), cmp_text,
                    (gpointer)syms);
}

/* Takes ownership of text, which holds len bytes plus a NUL. */
static GtSymbols *
parse_owned(char *text, gsize len, const char *origin, GError **error)
{
  g_autoptr(GtSymbols) s = g_new0(GtSymbols, 1);
  s->text = text;
  /* ~40 bytes per System.map line */
  s->syms = g_array_sized_new(FALSE, FALSE, sizeof(Symbol), (guint)MIN(len / 32 + 16, G_MAXUINT / 2));

  gboolean nonzero = FALSE;
  char *p = text, *end = text + len;
  guint64 lineno = 0;
  while (p < end) {
    char *nl = memchr(p, '\n', end - p);
    char *line_end = nl ? nl : end;
    char *content_end = line_end;
    lineno++;
    if (content_end > p && content_end[-1] == '\r')
      content_end--;

    Symbol sym;
    gboolean blank;
    const char *why = NULL;
    if (!parse_line(p, content_end, &sym, &blank, &why)) {
      g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG,
                  "%s:%" G_GUINT64_FORMAT ": malformed symbol line (%s)",
                  origin, lineno, why);
      return NULL;
    }
    if (!blank) {
      if (s->syms->len >= G_MAXUINT - 1) {
        g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG, "%s: too many symbols", origin);
        return NULL;
      }
      nonzero = nonzero || sym.addr != 0;
      g_array_append_val(s->syms, sym);
    }
    p = line_end + 1;
  }

  if (s->syms->len == 0) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG,
                "%s: no symbols found (expected lines like "
                "\"ffffffff81000000 T _text\")", origin);
    return NULL;
  }
  if (!nonzero) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG,
                "%s: every symbol address is zero; this looks like /proc/kallsyms "
                "read without privilege (kptr_restrict hides addresses). Read it as "
                "root, or use the kernel's System.map", origin);
    return NULL;
  }
  build_indexes(s);
  return g_steal_pointer(&s);
}

static gboolean
check_size(gsize len, const char *origin, GError **error)
{
  if (len <= GT_SYMBOLS_MAX_SIZE)
    return TRUE;
  g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG,
              "%s: more than %u MiB of symbols; not a System.map or kallsyms dump", origin,
              GT_SYMBOLS_MAX_SIZE >> 20);
  return FALSE;
}

GtSymbols *
gt_symbols_parse(const char *text, gsize len, const char *origin, GError **error)
{
  g_return_val_if_fail(text != NULL || len == 0, NULL);
  if (!check_size(len, origin ? origin : "(symbols)", error))
    return NULL;
  char *copy = g_malloc(len + 1);
  if (len > 0)
    memcpy(copy, text, len);
  copy[len] = '\0';
  return parse_owned(copy, len, origin ? origin : "(symbols)", error);
}

/* Reads at most GT_SYMBOLS_MAX_SIZE + 1 bytes of path, so an oversized
 * file is known as such without reading all of it. */
static char *
read_bounded(const char *path, gsize *len, GError **error)
{
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    int e = errno;
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG, "cannot read symbols: %s: %s", path,
                g_strerror(e));
    return NULL;
  }
  g_autoptr(GByteArray) buf = g_byte_array_new();
  guint8 chunk[65536];
  size_t n;
  while (buf->len <= GT_SYMBOLS_MAX_SIZE && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
    g_byte_array_append(buf, chunk, (guint)n);
  gboolean failed = ferror(f);
  int e = errno;
  fclose(f);
  if (failed) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG, "cannot read symbols: %s: %s", path,
                g_strerror(e));
    return NULL;
  }
  *len = buf->len;
  guint8 nul = 0;
  g_byte_array_append(buf, &nul, 1);
  return (char *)g_byte_array_free(g_steal_pointer(&buf), FALSE);
}

GtSymbols *
gt_symbols_load(const char *path, GError **error)
{
  gsize len = 0;
  char *contents = read_bounded(path, &len, error);
  if (contents == NULL)
    return NULL;
  if (!check_size(len, path, error)) {
    g_free(contents);
    return NULL;
  }
  return parse_owned(contents, len, path, error);
}

void
gt_symbols_free(GtSymbols *syms)
{
  if (syms == NULL)
    return;
  if (syms->by_name)
    g_hash_table_unref(syms->by_name);
  if (syms->syms)
    g_array_unref(syms->syms);
  g_free(syms->text_index);
  g_free(syms->text);
  g_free(syms);
}

guint
gt_symbols_count(const GtSymbols *syms)
{
  return syms->syms->len;
}

static const Symbol *
find(const GtSymbols *syms, const char *name)
{
  gpointer v = g_hash_table_lookup(syms->by_name, name);
  return v ? &g_array_index(syms->syms, Symbol, GPOINTER_TO_UINT(v) - 1) : NULL;
}

gboolean
gt_symbols_lookup(const GtSymbols *syms, const char *name, guint64 *addr)
{
  const Symbol *s = find(syms, name);
  if (s == NULL)
    return FALSE;
  if (addr)
    *addr = slid(syms, s->addr);
  return TRUE;
}

gboolean
gt_symbols_lookup_raw(const GtSymbols *syms, const char *name, guint64 *addr)
{
  const Symbol *s = find(syms, name);
  if (s == NULL)
    return FALSE;
  if (addr)
    *addr = s->addr;
  return TRUE;
}

char
gt_symbols_type(const GtSymbols *syms, const char *name)
{
  const Symbol *s = find(syms, name);
  return s ? s->type : 0;
}

const char *
gt_symbols_module(const GtSymbols *syms, const char *name)
{
  const Symbol *s = find(syms, name);
  return s ? s->module : NULL;
}

const char *
gt_symbols_name_at(const GtSymbols *syms, guint64 addr, guint64 *offset)
{
  const Symbol *all = (const Symbol *)syms->syms->data;
  /* Text symbols all lie in the kernel image or modules, so the slide moves
   * them together and keeps them sorted. Find the last one <= addr. */
  guint lo = 0, hi = syms->n_text;
  while (lo < hi) {
    guint mid = lo + (hi - lo) / 2;
    if (slid(syms, all[syms->text_index[mid]].addr) <= addr)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo == 0)
    return NULL;
  const Symbol *s = &all[syms->text_index[lo - 1]];
  if (offset)
    *offset = addr - slid(syms, s->addr);
  return s->name;
}

typedef struct {
  guint64 addr;
  guint index;
} Match;

static int
cmp_match(const void *a, const void *b)
{
  const Match *x = a, *y = b;
  if (x->addr != y->addr)
    return x->addr < y->addr ? -1 : 1;
  return x->index < y->index ? -1 : (x->index > y->index);
}

void
gt_symbols_foreach_prefix(const GtSymbols *syms, const char *prefix,
                          void (*fn)(const char *name, guint64 addr, char type,
                                     gpointer user_data),
                          gpointer user_data)
{
  const Symbol *all = (const Symbol *)syms->syms->data;
  gsize plen = strlen(prefix);
  g_autoptr(GArray) matches = g_array_new(FALSE, FALSE, sizeof(Match));
  for (guint i = 0; i < syms->syms->len; i++) {
    if (strncmp(all[i].name, prefix, plen) == 0) {
      Match m = { slid(syms, all[i].addr), i };
      g_array_append_val(matches, m);
    }
  }
  g_array_sort(matches, cmp_match);
  for (guint i = 0; i < matches->len; i++) {
    const Match *m = &g_array_index(matches, Match, i);
    fn(all[m->index].name, m->addr, all[m->index].type, user_data);
  }
}

void
gt_symbols_set_slide(GtSymbols *syms, gint64 slide)
{
  syms->slide = slide;
}

gint64
gt_symbols_get_slide(const GtSymbols *syms)
{
  return syms->slide;
}
