/* Fuzz target: the kallsyms decoder, the search for the kallsyms tables in
 * the kernel image (kernels before 6.0) and the VMCOREINFO parser, all fed
 * from guest memory. Input: a header (flags, the tables' offsets into the
 * image, the expected _stext), then the image of kernel memory at
 * 0xffffffff81000000; reads outside it fail, as unmapped memory does.
 * Seeds: seeds/make-kallsyms.py. */
#include "fuzz-common.h"

#include <string.h>
#include <guestrace/types.h>
#include "vmi/kallsyms.h"
#include "vmi/kallsyms-scan.h"
#include "vmi/vmcoreinfo.h"

#define BASE 0xffffffff81000000ULL

typedef struct {
  const guint8 *p;
  gsize len;
} Image;

static gboolean
image_read(void *ctx, guint64 va, void *buf, gsize len, GError **error)
{
  Image *im = ctx;
  if (va < BASE || va - BASE > im->len || len > im->len - (va - BASE)) {
    g_set_error_literal(error, GT_ERROR, GT_ERROR_MEMORY, "unmapped");
    return FALSE;
  }
  memcpy(buf, im->p + (va - BASE), len);
  return TRUE;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  g_autoptr(GtVmcoreinfo) vi = gt_vmcoreinfo_parse((const char *)data, size, NULL);
  if (vi) {
    guint64 a;
    gint64 n;
    gt_vmcoreinfo_symbol(vi, "_stext", &a);
    gt_vmcoreinfo_number(vi, "phys_base", &n);
    gt_vmcoreinfo_kerneloffset(vi, &a);
  }
  GtFuzzIn in = gt_fuzz_in(data, size);
  guint8 flags = gt_fuzz_u8(&in);
  GtKallsymsTables t = { 0 };
  guint64 *fields[] = { &t.num_syms, &t.names, &t.token_table, &t.token_index, &t.offsets,
                        &t.relative_base, &t.addresses };
  for (guint i = 0; i < G_N_ELEMENTS(fields); i++) {
    guint16 off = gt_fuzz_u16(&in);
    /* bit i of flags: table absent */
    *fields[i] = (flags >> i) & 1 ? 0 : BASE + off;
  }
  t.stext = BASE + gt_fuzz_u16(&in);
  t.big_lengths = (flags & 0x80) != 0;
  Image im = { in.p, in.left };
  gsize len = 0;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = gt_kallsyms_decode(&t, image_read, &im, &len, NULL, &error);
  g_assert((text == NULL) == (error != NULL));
  if (text)
    g_assert(strlen(text) == len);
  gsize slen = 0;
  GtKallsymsTables found;
  g_autoptr(GError) serr = NULL;
  g_autofree char *stext = gt_kallsyms_scan(image_read, &im, BASE, im.len, t.stext, &found,
                                            &slen, &serr);
  g_assert((stext == NULL) == (serr != NULL));
  if (stext)
    g_assert(strlen(stext) == slen && found.token_table >= BASE);
  return 0;
}
