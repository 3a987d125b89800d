/* Selection: which calls are reported (by process id or process name). An
 * empty selection reports everything. */
#pragma once

#include <guestrace/types.h>
#include "os/linux/linux.h"

typedef struct GtSelect GtSelect;

GtSelect *gt_select_new(void);
void gt_select_free(GtSelect *s);
void gt_select_add_pid(GtSelect *s, gt_pid_t pid);
void gt_select_add_comm(GtSelect *s, const char *comm);
/* TRUE if the task is selected: any pid (its process) or any comm matches,
 * or no criterion was given. */
gboolean gt_select_match(const GtSelect *s, const GtTaskInfo *task);
