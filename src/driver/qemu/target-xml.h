/* The register layout of a gdb target, from its target description XML
 * (qXfer:features:read), with xi:include annexes followed. */
#pragma once

#include <glib.h>
#include <guestrace/types.h>

typedef struct {
  char *name;
  guint regnum;
  guint bitsize;
  gsize offset;           /* byte offset in the 'g' packet */
} GtRegDesc;

typedef struct {
  GArray *regs;           /* GtRegDesc, sorted by regnum */
  gsize g_size;           /* bytes of all registers in regnum order */
  int map[GT_REG_COUNT];  /* index into regs, -1 when the target lacks it */
} GtTargetLayout;

/* Returns the text of one annex (e.g. "target.xml"), or NULL and error. */
typedef char *(*GtXmlFetchFunc)(const char *annex, gpointer user, GError **error);

GtTargetLayout *gt_target_layout_parse(const char *annex, GtXmlFetchFunc fetch,
                                       gpointer user, GError **error);
void gt_target_layout_free(GtTargetLayout *l);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GtTargetLayout, gt_target_layout_free)

/* The register for a GT_REG_*, or NULL if the target has none. */
const GtRegDesc *gt_target_layout_reg(const GtTargetLayout *l, gt_reg_name_t r);

/* A copy of text with every <!-- ... --> removed (an unterminated comment
 * removes the rest). */
char *gt_xml_strip_comments(const char *text);

/* The gdb register name for a GT_REG_* on x86-64. */
const char *gt_target_reg_xml_name(gt_reg_name_t r);
