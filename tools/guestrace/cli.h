/* The guestrace command: shared declarations of its sub-commands. */
#pragma once

#include <guestrace/guestrace.h>

/* Exit statuses. */
#define GT_EXIT_OK 0
#define GT_EXIT_RUNTIME 1
#define GT_EXIT_USAGE 2

int gt_cmd_ps(int argc, char **argv);
int gt_cmd_trace(int argc, char **argv);
int gt_cmd_recover(int argc, char **argv);
int gt_cmd_guardian(int argc, char **argv);

/* Repairs guest from its journal and prints what was done (cmd-recover.c). */
gboolean gt_cli_recover(const char *guest, const char *mem, int timeout_ms, GError **error);
/* Starts the guardian of the trace of guest (guardian.c); -1 if it cannot. */
int gt_guardian_start(const char *guest, const char *mem);
/* Tells the guardian the tracer ends cleanly: it exits without acting. */
void gt_guardian_release(void);

/* Prints "guestrace: MESSAGE" on stderr. */
void gt_cli_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
/* The options every sub-command has: where the guest's RAM and symbols
 * are. */
typedef struct {
  char *mem, *sysmap, *profile;
} GtCliGuestOpts;

/* Adds --mem, -m/--sysmap and --profile to ctx's main group. */
void gt_cli_add_guest_options(GOptionContext *ctx, GtCliGuestOpts *o);
void gt_cli_guest_opts_clear(GtCliGuestOpts *o);
/* Parses the command line; returns its one GUEST argument, or NULL after
 * printing the problem. */
const char *gt_cli_parse(GOptionContext *ctx, int *argc, char ***argv);
/* Attaches to GUEST with o (and the GUESTRACE_* environment for what o
 * leaves out); prints the problem and returns NULL on failure. */
GtLoop *gt_cli_open(const char *guest, const GtCliGuestOpts *o);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(GtCliGuestOpts, gt_cli_guest_opts_clear)
