/* strace-like text rendering of a record:
 *   [pid 1234 cat] openat(AT_FDCWD, "/etc/passwd", O_RDONLY) = 3
 *   [pid 1234 cat] openat(AT_FDCWD, "/nope", O_RDONLY) = -1 ENOENT (No such file or directory)
 */
#include "trace/record-private.h"
#include "decode/decode.h"
#include "escape/escape.h"

#include <string.h>

static void
append_result(GString *s, const GtRecord *r)
{
  if (!r->has_result) {
    g_string_append(s, " = ?");
    return;
  }
  gint64 v = r->result;
  if (v < 0 && v >= -4095) {
    int e = (int)-v;
    const char *name = gt_errno_name(e);
    const char *text = gt_errno_text(e);
    /* Kernel-internal restart codes never reach user space as -1. */
    if (e >= 512 && name)
      g_string_append_printf(s, " = ? %s (%s)", name, text ? text : "");
    else if (name)
      g_string_append_printf(s, " = -1 %s (%s)", name, text ? text : "");
    else
      g_string_append_printf(s, " = -1 (errno %d)", e);
  } else if (r->ret_text) {
    g_string_append_printf(s, " = %s", r->ret_text);
  } else if (r->nr < 0 && (v > 0xffff || v < -4095)) {
    /* A kernel function's result: large values are addresses. */
    g_string_append_printf(s, " = %#" G_GINT64_MODIFIER "x", (guint64)v);
  } else {
    g_string_append_printf(s, " = %" G_GINT64_FORMAT, v);
  }
  if (r->aborted)
    g_string_append(s, " (aborted by guestrace)");
}

GT_API char *
gt_record_format_text(const GtRecord *r)
{
  GString *s = g_string_new(NULL);
  if (r->tid != r->pid)
    g_string_append_printf(s, "[pid %d/%d ", r->pid, r->tid);
  else
    g_string_append_printf(s, "[pid %d ", r->pid);
  /* The process names itself and the guest's kernel names its calls:
   * both escaped, so no guest byte reaches a terminal raw. */
  gt_escape_append_text(s, r->comm, strlen(r->comm), GT_ESCAPE_OCTAL, NULL);
  g_string_append(s, "] ");
  gt_escape_append_text(s, r->name, strlen(r->name), GT_ESCAPE_OCTAL, NULL);
  g_string_append_c(s, '(');
  gboolean first = TRUE;
  for (guint i = 0; i < r->nargs; i++) {
    if (r->args[i].hidden_in_text)
      continue;
    const char *t = r->args[i].out ? r->args[i].out : r->args[i].text;
    g_string_append(s, first ? "" : ", ");
    /* Decoders write escaped text; escaping what is not printable again
     * changes nothing then, and keeps one line per call if one did not. */
    gt_escape_append_text(s, t, strlen(t), GT_ESCAPE_OCTAL, "");
    first = FALSE;
  }
  g_string_append_c(s, ')');
  append_result(s, r);
  if (r->budget_spent) {
    /* What the stop's read budget left out (README: Bounded work). */
    g_string_append(s, " <read budget spent:");
    for (guint i = 0; i < G_N_ELEMENTS(gt_budget_spent_names); i++)
      if (r->budget_spent & (1u << i))
        g_string_append_printf(s, " %s", gt_budget_spent_names[i]);
    g_string_append_c(s, '>');
  }
  return g_string_free(s, FALSE);
}
