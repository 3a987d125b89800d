/* kallsyms decoder and VMCOREINFO parser against real tables: the first
 * 2048 symbols of the test-kit kernel's kallsyms, extracted once from a
 * running guest's RAM (tests/unit/vmi/data/kallsyms-*.bin.gz: records of
 * u64 va, u32 len, bytes; va 0 is the VMCOREINFO text), and the lines the
 * guest's own /proc/kallsyms printed for them (*.expected.gz). Then the
 * same tables corrupted: every decode must end, bounded, without a crash. */
#include <gio/gio.h>
#include <string.h>
#include <guestrace/types.h>

#include "vmi/kallsyms.h"
#include "vmi/kallsyms-scan.h"
#include "vmi/vmcoreinfo.h"
#include "fake-phys.h"

typedef struct {
  guint64 va;
  GBytes *data;
} Rec;

typedef struct {
  GArray *recs;      /* Rec */
  char *vmcoreinfo;
} Image;

static GBytes *
gunzip(const char *name)
{
  g_autofree char *path = g_build_filename(GT_TEST_SRCDIR, "tests/unit/vmi/data", name, NULL);
  g_autoptr(GFile) f = g_file_new_for_path(path);
  g_autoptr(GError) err = NULL;
  g_autoptr(GInputStream) raw = G_INPUT_STREAM(g_file_read(f, NULL, &err));
  g_assert_no_error(err);
  g_autoptr(GZlibDecompressor) z = g_zlib_decompressor_new(G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  g_autoptr(GInputStream) in = g_converter_input_stream_new(raw, G_CONVERTER(z));
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable();
  g_output_stream_splice(out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &err);
  g_assert_no_error(err);
  return g_memory_output_stream_steal_as_bytes(G_MEMORY_OUTPUT_STREAM(out));
}

static void
image_free(Image *im)
{
  for (guint i = 0; i < im->recs->len; i++)
    g_bytes_unref(g_array_index(im->recs, Rec, i).data);
  g_array_unref(im->recs);
  g_free(im->vmcoreinfo);
  g_free(im);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Image, image_free)

static Image *
image_load(const char *name)
{
  g_autoptr(GBytes) b = gunzip(name);
  gsize len;
  const guint8 *p = g_bytes_get_data(b, &len), *end = p + len;
  Image *im = g_new0(Image, 1);
  im->recs = g_array_new(FALSE, FALSE, sizeof(Rec));
  while (p < end) {
    g_assert_cmpint(end - p, >=, 12);
    guint64 va;
    guint32 n;
    memcpy(&va, p, 8);
    memcpy(&n, p + 8, 4);
    p += 12;
    g_assert_cmpint(end - p, >=, n);
    if (va == 0)
      im->vmcoreinfo = g_strndup((const char *)p, n);
    else {
      Rec r = { va, g_bytes_new(p, n) };
      g_array_append_val(im->recs, r);
    }
    p += n;
  }
  g_assert_nonnull(im->vmcoreinfo);
  return im;
}

/* Kernel virtual memory: only the recorded bytes are readable. */
static gboolean
image_read(void *ctx, guint64 va, void *buf, gsize len, GError **error)
{
  Image *im = ctx;
  for (guint i = 0; i < im->recs->len; i++) {
    Rec *r = &g_array_index(im->recs, Rec, i);
    gsize n;
    const guint8 *d = g_bytes_get_data(r->data, &n);
    if (va >= r->va && va - r->va <= n && len <= n - (va - r->va)) {
      memcpy(buf, d + (va - r->va), len);
      return TRUE;
    }
  }
  g_set_error(error, GT_ERROR, GT_ERROR_MEMORY, "unmapped 0x%" G_GINT64_MODIFIER "x", va);
  return FALSE;
}

static void
tables_of(const GtVmcoreinfo *vi, GtKallsymsTables *t)
{
  memset(t, 0, sizeof *t);
  g_assert_true(gt_vmcoreinfo_symbol(vi, "_stext", &t->stext));
  g_assert_true(gt_vmcoreinfo_symbol(vi, "kallsyms_num_syms", &t->num_syms));
  g_assert_true(gt_vmcoreinfo_symbol(vi, "kallsyms_names", &t->names));
  g_assert_true(gt_vmcoreinfo_symbol(vi, "kallsyms_token_table", &t->token_table));
  g_assert_true(gt_vmcoreinfo_symbol(vi, "kallsyms_token_index", &t->token_index));
  g_assert_true(gt_vmcoreinfo_symbol(vi, "kallsyms_offsets", &t->offsets));
  g_assert_true(gt_vmcoreinfo_symbol(vi, "kallsyms_relative_base", &t->relative_base));
  t->big_lengths = TRUE;
}

static void
test_real(gconstpointer data)
{
  const char *kernel = data;
  g_autofree char *bin = g_strdup_printf("kallsyms-%s.bin.gz", kernel);
  g_autofree char *exp = g_strdup_printf("kallsyms-%s.expected.gz", kernel);
  g_autoptr(Image) im = image_load(bin);
  g_autoptr(GBytes) want = gunzip(exp);
  g_autoptr(GError) err = NULL;
  g_autoptr(GtVmcoreinfo) vi = gt_vmcoreinfo_parse(im->vmcoreinfo, strlen(im->vmcoreinfo), &err);
  g_assert_no_error(err);
  g_assert_true(g_str_has_prefix(gt_vmcoreinfo_osrelease(vi), kernel));
  guint64 slide, stext;
  g_assert_true(gt_vmcoreinfo_kerneloffset(vi, &slide));
  g_assert_true(gt_vmcoreinfo_symbol(vi, "_stext", &stext));
  g_assert_cmphex(stext, ==, 0xffffffff81000000ULL + slide);
  GtKallsymsTables t;
  tables_of(vi, &t);
  gsize len = 0;
  GtKallsymsEncoding enc = 0;
  g_autofree char *text = gt_kallsyms_decode(&t, image_read, im, &len, &enc, &err);
  g_assert_no_error(err);
  /* x86-64 up to 6.14 has ABSOLUTE_PERCPU. */
  g_assert_cmpint(enc, ==, GT_KALLSYMS_ABSOLUTE_PERCPU);
  gsize wlen;
  const char *w = g_bytes_get_data(want, &wlen);
  g_assert_cmpuint(len, ==, wlen);
  g_assert_cmpmem(text, len, w, wlen);
}

/* A wrong _stext matches no encoding: refused. */
static void
test_wrong_stext(void)
{
  g_autoptr(Image) im = image_load("kallsyms-6.1.bin.gz");
  g_autoptr(GtVmcoreinfo) vi = gt_vmcoreinfo_parse(im->vmcoreinfo, strlen(im->vmcoreinfo), NULL);
  GtKallsymsTables t;
  tables_of(vi, &t);
  t.stext += 0x200000;
  gsize len;
  g_autoptr(GError) err = NULL;
  g_autofree char *text = gt_kallsyms_decode(&t, image_read, im, &len, NULL, &err);
  g_assert_null(text);
  g_assert_error(err, GT_ERROR, GT_ERROR_NOT_FOUND);
}

static GBytes *
rec_at(Image *im, guint64 va)
{
  for (guint i = 0; i < im->recs->len; i++)
    if (g_array_index(im->recs, Rec, i).va == va)
      return g_array_index(im->recs, Rec, i).data;
  g_assert_not_reached();
}

static void
poke(Image *im, guint64 va, gsize off, guint8 v)
{
  GBytes *b = rec_at(im, va);
  gsize n;
  guint8 *d = (guint8 *)g_bytes_get_data(b, &n);
  if (n)
    d[off % n] = v;
}

/* Random corruption of every table: decode must return (text or error),
 * reading only recorded bytes (ASan checks the rest). */
static void
test_corrupt(void)
{
  GRand *rng = g_rand_new_with_seed(12);
  for (guint round = 0; round < 300; round++) {
    g_autoptr(Image) im = image_load("kallsyms-6.1.bin.gz");
    g_autoptr(GtVmcoreinfo) vi = gt_vmcoreinfo_parse(im->vmcoreinfo, strlen(im->vmcoreinfo), NULL);
    GtKallsymsTables t;
    tables_of(vi, &t);
    guint64 which[] = { t.num_syms, t.names, t.token_table, t.token_index, t.offsets,
                        t.relative_base };
    guint flips = 1 + g_rand_int_range(rng, 0, 8);
    for (guint i = 0; i < flips; i++)
      poke(im, which[g_rand_int_range(rng, 0, G_N_ELEMENTS(which))],
           g_rand_int(rng), (guint8)g_rand_int(rng));
    gsize len = 0;
    g_autoptr(GError) err = NULL;
    g_autofree char *text = gt_kallsyms_decode(&t, image_read, im, &len, NULL, &err);
    g_assert_true((text != NULL) != (err != NULL));
    if (text)
      g_assert_cmpuint(strlen(text), ==, len);
  }
  g_rand_free(rng);
}

/* Huge counts and indexes are refused before anything is allocated. */
static void
test_bounds(void)
{
  g_autoptr(Image) im = image_load("kallsyms-6.1.bin.gz");
  g_autoptr(GtVmcoreinfo) vi = gt_vmcoreinfo_parse(im->vmcoreinfo, strlen(im->vmcoreinfo), NULL);
  GtKallsymsTables t;
  tables_of(vi, &t);
  for (guint i = 0; i < 4; i++)
    poke(im, t.num_syms, i, 0xff);
  gsize len;
  g_autoptr(GError) err = NULL;
  g_assert_null(gt_kallsyms_decode(&t, image_read, im, &len, NULL, &err));
  g_assert_error(err, GT_ERROR, GT_ERROR_NOT_FOUND);
  g_clear_error(&err);
  /* num_syms larger than the names table: the walk runs off the record. */
  poke(im, t.num_syms, 0, 0x00);
  poke(im, t.num_syms, 1, 0x10);
  poke(im, t.num_syms, 2, 0x00);
  poke(im, t.num_syms, 3, 0x00);
  g_assert_null(gt_kallsyms_decode(&t, image_read, im, &len, NULL, &err));
  g_assert_nonnull(err);
}

/* A synthetic table whose 300,000 names of 510 bytes each (two tokens of
 * 255) would decode to 150 MiB: refused at the symbol-text limit, not
 * built. */
typedef struct {
  guint8 *names;
  gsize n_names;
  char tokens[512];
  guint16 index[256];
  guint32 count;
} BigTables;

#define BIG_NUM 0xffffffff82000000ULL
#define BIG_NAMES 0xffffffff83000000ULL
#define BIG_TOKENS 0xffffffff84000000ULL
#define BIG_INDEX 0xffffffff85000000ULL

static gboolean
big_read(void *ctx, guint64 va, void *buf, gsize len, GError **error)
{
  BigTables *b = ctx;
  const guint8 *src = NULL;
  gsize size = 0;
  guint64 base = 0;
  if (va >= BIG_NAMES && va < BIG_NAMES + b->n_names)
    src = b->names, size = b->n_names, base = BIG_NAMES;
  else if (va >= BIG_TOKENS && va < BIG_TOKENS + sizeof b->tokens)
    src = (const guint8 *)b->tokens, size = sizeof b->tokens, base = BIG_TOKENS;
  else if (va == BIG_INDEX)
    src = (const guint8 *)b->index, size = sizeof b->index, base = BIG_INDEX;
  else if (va == BIG_NUM)
    src = (const guint8 *)&b->count, size = 4, base = BIG_NUM;
  if (!src || len > size - (va - base)) {
    g_set_error(error, GT_ERROR, GT_ERROR_MEMORY, "unmapped");
    return FALSE;
  }
  memcpy(buf, src + (va - base), len);
  return TRUE;
}

static void
test_text_limit(void)
{
  g_autofree BigTables *b = g_new0(BigTables, 1);
  memset(b->tokens, 'a', sizeof b->tokens);
  b->tokens[0] = 'T';
  b->tokens[255] = '\0';           /* token 1: "Taaa..." (255 bytes) */
  b->tokens[511] = '\0';           /* token 2: 255 x 'a' */
  for (guint i = 0; i < 256; i++)
    b->index[i] = GUINT16_TO_LE(i == 1 ? 0 : 256);
  b->count = GUINT32_TO_LE(300000);
  b->n_names = 3 * 300000;
  b->names = g_malloc(b->n_names);
  for (gsize i = 0; i < b->n_names; i += 3) {
    b->names[i] = 2;
    b->names[i + 1] = 1;
    b->names[i + 2] = 2;
  }
  GtKallsymsTables t = { .num_syms = BIG_NUM, .names = BIG_NAMES, .token_table = BIG_TOKENS,
                         .token_index = BIG_INDEX, .offsets = BIG_NUM, .stext = 1 };
  gsize len;
  g_autoptr(GError) err = NULL;
  g_assert_null(gt_kallsyms_decode(&t, big_read, b, &len, NULL, &err));
  g_assert_error(err, GT_ERROR, GT_ERROR_NOT_FOUND);
  g_assert_nonnull(strstr(err->message, "128 MiB"));
  g_free(b->names);
}

static gboolean
accept_any(const GtVmcoreinfo *vi, gpointer user)
{
  return TRUE;
}

/* The note form and the plain form are both found, page-aligned only. */
static void
test_scan(void)
{
  g_autoptr(Image) im = image_load("kallsyms-6.1.bin.gz");
  g_autoptr(FakePhys) fp = fake_phys_new(4 << 20);
  gsize n = strlen(im->vmcoreinfo);
  /* misaligned copy: ignored */
  fake_phys_put(fp, 0x10010, im->vmcoreinfo, n);
  /* ELF note at 0x200000 */
  guint32 hdr[3] = { 11, (guint32)n, 0 };
  fake_phys_put(fp, 0x200000, hdr, sizeof hdr);
  fake_phys_put(fp, 0x20000c, "VMCOREINFO\0\0", 12);
  fake_phys_put(fp, 0x200018, im->vmcoreinfo, n);
  /* plain text at 0x300000 */
  fake_phys_put(fp, 0x300000, im->vmcoreinfo, n);
  GtVmcoreinfoScanStats st;
  g_autoptr(GtVmcoreinfo) vi = gt_vmcoreinfo_scan(fake_phys_read, fp, 1ULL << 30, 0,
                                                  accept_any, NULL, &st);
  g_assert_nonnull(vi);
  g_assert_cmphex(gt_vmcoreinfo_pa(vi), ==, 0x200000);
  g_assert_cmpuint(st.candidates, ==, 1);
}

static gboolean
reject(const GtVmcoreinfo *vi, gpointer user)
{
  (*(guint *)user)++;
  return FALSE;
}

static void
test_scan_none(void)
{
  g_autoptr(FakePhys) fp = fake_phys_new(2 << 20);
  fake_phys_put(fp, 0x1000, "OSRELEASE=\n", 11);  /* empty release: not a candidate */
  fake_phys_put(fp, 0x2000, "OSRELEASE=6.1.0\n", 16);
  guint seen = 0;
  GtVmcoreinfoScanStats st;
  g_assert_null(gt_vmcoreinfo_scan(fake_phys_read, fp, 1ULL << 30, 0, reject, &seen, &st));
  g_assert_cmpuint(seen, ==, 1);
  g_assert_cmpuint(st.candidates, ==, 2);
  g_assert_cmpuint(st.pages_scanned, ==, 512);
}

/* 5.10 names no kallsyms in VMCOREINFO: the tables are found by their
 * shape in the kernel image. Data: the guest's real tables cut to their
 * first 2048 symbols and laid out as 5.10 lays them, in a 1 MiB piece of
 * .rodata with two real "0\\0".."9\\0" false hits before them
 * (data/make-kallsyms-5.10.py). The image is searched from _stext: only
 * that piece is readable. */
#define SCAN_510_TABLES 0xffffffff8d4e4330ULL   /* where the generator put them */

static char *
scan_510(Image *im, GtKallsymsTables *found, gsize *len, GError **error)
{
  g_autoptr(GtVmcoreinfo) vi = gt_vmcoreinfo_parse(im->vmcoreinfo, strlen(im->vmcoreinfo),
                                                   NULL);
  guint64 stext, t;
  g_assert_true(gt_vmcoreinfo_symbol(vi, "_stext", &stext));
  g_assert_false(gt_vmcoreinfo_symbol(vi, "kallsyms_names", &t));
  return gt_kallsyms_scan(image_read, im, stext, 64ULL << 20, stext, found, len, error);
}

static void
test_scan_510(void)
{
  g_autoptr(Image) im = image_load("kallsyms-5.10.bin.gz");
  g_autoptr(GBytes) want = gunzip("kallsyms-5.10.expected.gz");
  g_assert_true(g_str_has_prefix(im->vmcoreinfo, "OSRELEASE=5.10."));
  GtKallsymsTables t;
  gsize len = 0;
  g_autoptr(GError) err = NULL;
  g_autofree char *text = scan_510(im, &t, &len, &err);
  g_assert_no_error(err);
  /* 5.x order: offsets, relative_base, num_syms, names, markers, tokens */
  g_assert_cmphex(t.offsets, ==, SCAN_510_TABLES);
  g_assert_cmphex(t.relative_base, ==, SCAN_510_TABLES + 2048 * 4);
  g_assert_cmphex(t.num_syms, ==, t.relative_base + 8);
  g_assert_cmphex(t.names, ==, t.num_syms + 8);
  g_assert_cmphex(t.addresses, ==, 0);
  g_assert_cmphex(t.token_index & 7, ==, 0);
  g_assert_cmphex(t.token_table, <, t.token_index);
  gsize wlen;
  const char *w = g_bytes_get_data(want, &wlen);
  g_assert_cmpuint(len, ==, wlen);
  g_assert_cmpmem(text, len, w, wlen);
}

/* The bytes of the tables in the 5.10 piece. */
static guint8 *
tables_510(Image *im, gsize *off, gsize *size)
{
  GBytes *b = g_array_index(im->recs, Rec, 0).data;
  gsize n;
  guint8 *d = (guint8 *)g_bytes_get_data(b, &n);
  *off = SCAN_510_TABLES - g_array_index(im->recs, Rec, 0).va;
  *size = 40000;   /* offsets to token_index, with a margin */
  g_assert_cmpuint(*off + *size, <=, n);
  return d;
}

/* A break in each table is refused by name, not decoded into garbage. */
static void
test_scan_510_broken(void)
{
  static const struct {
    gsize at;            /* from SCAN_510_TABLES */
    const char *what;    /* in the message */
  } cases[] = {
    { 2048 * 4 + 8, "no kallsyms tables" },       /* num_syms: nothing fits */
    { 2048 * 4 + 16, "no kallsyms tables" },      /* the first name's length: the walk misses the markers */
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(Image) im = image_load("kallsyms-5.10.bin.gz");
    gsize off, size;
    guint8 *d = tables_510(im, &off, &size);
    d[off + cases[i].at] ^= 0x41;
    GtKallsymsTables t;
    gsize len;
    g_autoptr(GError) err = NULL;
    g_autofree char *text = scan_510(im, &t, &len, &err);
    g_assert_null(text);
    g_assert_error(err, GT_ERROR, GT_ERROR_NOT_FOUND);
    g_assert_nonnull(strstr(err->message, cases[i].what));
    g_test_message("%s", err->message);
  }
  /* A wrong relative_base: the tables are found, no encoding puts _stext right. */
  g_autoptr(Image) im = image_load("kallsyms-5.10.bin.gz");
  gsize off, size;
  guint8 *d = tables_510(im, &off, &size);
  d[off + 2048 * 4 + 2] ^= 0x10;
  gsize len;
  g_autoptr(GError) err = NULL;
  g_autofree char *text = scan_510(im, NULL, &len, &err);
  g_assert_null(text);
  g_assert_nonnull(strstr(err->message, "_stext"));
}

/* Random corruption anywhere in the tables: the scan ends, bounded, with
 * text or an error; reads stay in the record (ASan). */
static void
test_scan_510_corrupt(void)
{
  GRand *rng = g_rand_new_with_seed(510);
  for (guint round = 0; round < 60; round++) {
    g_autoptr(Image) im = image_load("kallsyms-5.10.bin.gz");
    gsize off, size;
    guint8 *d = tables_510(im, &off, &size);
    guint flips = 1 + g_rand_int_range(rng, 0, 8);
    for (guint i = 0; i < flips; i++)
      d[off + g_rand_int_range(rng, 0, (gint32)size)] = (guint8)g_rand_int(rng);
    gsize len = 0;
    g_autoptr(GError) err = NULL;
    g_autofree char *text = scan_510(im, NULL, &len, &err);
    g_assert_true((text != NULL) != (err != NULL));
    if (text)
      g_assert_cmpuint(strlen(text), ==, len);
  }
  g_rand_free(rng);
}

/* Nothing readable, or a page of digit patterns only: a message, no tables. */
static void
test_scan_nothing(void)
{
  g_autoptr(Image) im = image_load("kallsyms-5.10.bin.gz");
  gsize len;
  g_autoptr(GError) err = NULL;
  g_assert_null(gt_kallsyms_scan(image_read, im, 0xffffffff80000000ULL, 16ULL << 20,
                                 0xffffffff80000000ULL, NULL, &len, &err));
  g_assert_error(err, GT_ERROR, GT_ERROR_NOT_FOUND);
  g_assert_nonnull(strstr(err->message, "0 digit pattern"));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_data_func("/kallsyms/real/6.1", "6.1", test_real);
  g_autofree char *p612 = g_build_filename(GT_TEST_SRCDIR, "tests/unit/vmi/data",
                                           "kallsyms-6.12.bin.gz", NULL);
  if (g_file_test(p612, G_FILE_TEST_EXISTS))
    g_test_add_data_func("/kallsyms/real/6.12", "6.12", test_real);
  g_test_add_func("/kallsyms/wrong-stext", test_wrong_stext);
  g_test_add_func("/kallsyms/corrupt", test_corrupt);
  g_test_add_func("/kallsyms/bounds", test_bounds);
  g_test_add_func("/kallsyms/text-limit", test_text_limit);
  g_test_add_func("/kallsyms/scan/5.10", test_scan_510);
  g_test_add_func("/kallsyms/scan/5.10-broken", test_scan_510_broken);
  g_test_add_func("/kallsyms/scan/5.10-corrupt", test_scan_510_corrupt);
  g_test_add_func("/kallsyms/scan/nothing", test_scan_nothing);
  g_test_add_func("/vmcoreinfo/scan", test_scan);
  g_test_add_func("/vmcoreinfo/scan-none", test_scan_none);
  return g_test_run();
}
