/* Unit tests of the target-description parser: comments, includes,
 * regnum, offsets, limits. */
#include <string.h>

#include "driver/qemu/target-xml.h"

static char *
fetch(const char *annex, gpointer user, GError **error)
{
  GHashTable *files = user;
  const char *text = g_hash_table_lookup(files, annex);
  if (!text) {
    g_set_error(error, GT_ERROR, GT_ERROR_NOT_FOUND, "no annex %s", annex);
    return NULL;
  }
  return g_strdup(text);
}

static GHashTable *
files_new(void)
{
  return g_hash_table_new(g_str_hash, g_str_equal);
}

static void
test_strip_comments(void)
{
  g_autofree char *a = gt_xml_strip_comments("a<!-- x -->b<!--y-->c");
  g_assert_cmpstr(a, ==, "abc");
  g_autofree char *b = gt_xml_strip_comments("a<!-- never closed");
  g_assert_cmpstr(b, ==, "a");
  g_autofree char *c = gt_xml_strip_comments("<!--reg name=\"x\"/-->d");
  g_assert_cmpstr(c, ==, "d");
}

static void
test_parse_includes(void)
{
  g_autoptr(GHashTable) f = files_new();
  g_hash_table_insert(f, "target.xml",
    "<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
    "<target><architecture>i386:x86-64</architecture>"
    "<xi:include href=\"a.xml\"/><xi:include href=\"b.xml\"/></target>");
  g_hash_table_insert(f, "a.xml",
    "<feature name=\"core\"><!-- General <reg name=\"bogus\" bitsize=\"8\"/> -->"
    "<flags id=\"f\" size=\"4\"><field name=\"CF\" start=\"0\" end=\"0\"/></flags>"
    "<reg name=\"rax\" bitsize=\"64\" regnum=\"0\"/><reg name=\"rbx\" bitsize=\"64\"/>"
    "<reg name=\"eflags\" bitsize=\"32\" type=\"f\"/>"
    "<!--reg name=\"cs_base\" bitsize=\"64\"/-->"
    "<reg name=\"rip\" bitsize=\"64\"/></feature>");
  /* Explicit regnums out of document order. */
  g_hash_table_insert(f, "b.xml",
    "<feature name=\"sys\"><reg name=\"cr3\" bitsize=\"64\" regnum=\"10\"/>"
    "<reg name=\"xmm0\" bitsize=\"128\" regnum=\"5\"/><reg name=\"cr4\" bitsize=\"64\"/>"
    "</feature>");
  g_autoptr(GError) err = NULL;
  g_autoptr(GtTargetLayout) l = gt_target_layout_parse("target.xml", fetch, f, &err);
  g_assert_no_error(err);
  g_assert_cmpuint(l->regs->len, ==, 7);
  const GtRegDesc *rax = gt_target_layout_reg(l, GT_REG_RAX);
  const GtRegDesc *fl = gt_target_layout_reg(l, GT_REG_RFLAGS);
  const GtRegDesc *rip = gt_target_layout_reg(l, GT_REG_RIP);
  const GtRegDesc *cr3 = gt_target_layout_reg(l, GT_REG_CR3);
  const GtRegDesc *cr4 = gt_target_layout_reg(l, GT_REG_CR4);
  g_assert_cmpuint(rax->offset, ==, 0);
  g_assert_cmpuint(fl->offset, ==, 16);
  g_assert_cmpuint(fl->bitsize, ==, 32);
  g_assert_cmpuint(rip->regnum, ==, 3);
  g_assert_cmpuint(rip->offset, ==, 20);
  /* xmm0 (regnum 5, 16 bytes) and cr4 (6: the previous + 1) come
   * before cr3 (10), whatever the document order. */
  g_assert_cmpuint(cr4->regnum, ==, 6);
  g_assert_cmpuint(cr4->offset, ==, 28 + 16);
  g_assert_cmpuint(cr3->regnum, ==, 10);
  g_assert_cmpuint(cr3->offset, ==, 52);
  g_assert_cmpuint(l->g_size, ==, 60);
  g_assert_null(gt_target_layout_reg(l, GT_REG_EFER));
  g_assert_null(gt_target_layout_reg(l, GT_REG_R15));
}

static void
test_errors(void)
{
  g_autoptr(GHashTable) f = files_new();
  g_hash_table_insert(f, "loop.xml", "<target><xi:include href=\"loop.xml\"/></target>");
  g_hash_table_insert(f, "missing.xml", "<target><xi:include href=\"nope.xml\"/></target>");
  g_hash_table_insert(f, "dup.xml",
    "<target><reg name=\"a\" bitsize=\"64\" regnum=\"1\"/>"
    "<reg name=\"b\" bitsize=\"64\" regnum=\"1\"/></target>");
  g_hash_table_insert(f, "badsize.xml", "<target><reg name=\"a\" bitsize=\"7\"/></target>");
  g_hash_table_insert(f, "nosize.xml", "<target><reg name=\"a\"/></target>");
  g_hash_table_insert(f, "broken.xml", "<target><reg name=\"a\" bitsize=\"64\"");
  g_hash_table_insert(f, "empty.xml", "<target></target>");
  g_hash_table_insert(f, "huge.xml", "<target><reg name=\"a\" bitsize=\"64\" regnum=\"99999\"/></target>");
  const char *bad[] = { "loop.xml", "missing.xml", "dup.xml", "badsize.xml", "nosize.xml",
                        "broken.xml", "empty.xml", "huge.xml", "absent.xml" };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) err = NULL;
    g_autoptr(GtTargetLayout) l = gt_target_layout_parse(bad[i], fetch, f, &err);
    g_assert_null(l);
    g_assert_nonnull(err);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/target-xml/strip-comments", test_strip_comments);
  g_test_add_func("/target-xml/includes", test_parse_includes);
  g_test_add_func("/target-xml/errors", test_errors);
  return g_test_run();
}
