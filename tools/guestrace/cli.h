/* The guestrace command: shared declarations of its sub-commands. */
#pragma once

#include <guestrace/guestrace.h>

/* Exit statuses. */
#define GT_EXIT_OK 0
#define GT_EXIT_RUNTIME 1
#define GT_EXIT_USAGE 2

int gt_cmd_ps(int argc, char **argv);
int gt_cmd_trace(int argc, char **argv);

/* Prints "guestrace: MESSAGE" on stderr. */
void gt_cli_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
/* Fills loop options from the common options; NULL strings stay NULL. */
void gt_cli_fill_options(GtLoopOptions *o, const char *mem, const char *sysmap,
                         const char *profile);
