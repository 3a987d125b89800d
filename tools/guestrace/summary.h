/* --summary: per-syscall counts, errors and time, printed at exit like
 * strace -c. */
#pragma once

#include <guestrace/guestrace.h>
#include <stdio.h>

typedef struct GtSummary GtSummary;

GtSummary *gt_summary_new(void);
void gt_summary_add(GtSummary *s, const GtRecord *rec);
void gt_summary_print(GtSummary *s, FILE *out);
void gt_summary_free(GtSummary *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GtSummary, gt_summary_free)
