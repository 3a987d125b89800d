/* Config files for `guestrace -c FILE`: the language of the old
 * config-driven tracer's manual, on today's x86-64 Linux.
 *
 *   # comment (whole lines only: regexes may contain '#')
 *   Functions NAME,NAME,...       several lines accumulate; none = all
 *   ProcessListNames NAME,...     several lines accumulate; none = all
 *   Filter key=value,...          see filter.h; the first match wins
 *
 * Keywords are case-sensitive and separated from their value by blanks.
 * Loading is all-or-nothing: a GtConfig exists only for a wholly valid
 * file, so a reload (SIGUSR2) either replaces everything or nothing. Errors
 * are GT_ERROR_INVALID_ARG, "FILE:LINE: PROBLEM", e.g.
 * "guestrace.conf:7: Filter: unknown key 'argvall'".
 *
 * Old (2.6-era) function names are mapped to today's; every mapping made is
 * reported once in gt_config_notes(). A GtConfig is immutable, so threads
 * may match against it concurrently. */
#pragma once

#include <glib.h>
#include "policy/filter.h"

typedef struct GtConfig GtConfig;

/* Largest config file read. */
#define GT_CONFIG_MAX_SIZE (1024 * 1024)

/* Reads and parses a file; the path names the file in error messages. */
GtConfig *gt_config_load(const char *path, GError **error);
/* Parses text; origin names it in error messages. */
GtConfig *gt_config_parse(const char *text, const char *origin, GError **error);
void gt_config_free(GtConfig *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GtConfig, gt_config_free)

/* Functions to trace, today's names, NULL-terminated, no duplicates; NULL
 * means all known functions (no Functions line, or `Functions *`). */
const char *const *gt_config_functions(const GtConfig *c);
/* TRUE if function is traced (listed, or all are). */
gboolean gt_config_traces(const GtConfig *c, const char *function);
/* ProcessListNames, NULL-terminated; NULL = all processes. */
const char *const *gt_config_process_list_names(const GtConfig *c);
/* Human-readable notes, NULL-terminated (never NULL): renames made
 * ("sys_waitpid is wait4 on this kernel") and harmless oddities (a filter
 * naming a function no Functions line traces). Say them once at start. */
const char *const *gt_config_notes(const GtConfig *c);

guint gt_config_n_filters(const GtConfig *c);
const GtFilter *gt_config_filter(const GtConfig *c, guint index);

typedef struct {
  const GtFilter *filter; /* the first filter that matched */
  guint index;            /* its position among the filters, from 0 */
  gboolean abort;         /* apply=1: abort the call ... */
  gint64 retval;          /* ... returning this */
} GtVerdict;

/* First matching filter wins (iptables-like). FALSE if none matches (out
 * is then cleared). out may be NULL. */
gboolean gt_config_match(const GtConfig *c, const GtPolicyCall *call, GtVerdict *out);

/* TRUE if a when=post or when=both filter names function (or any
 * function): its returns must be trapped. */
gboolean gt_config_needs_post(const GtConfig *c, const char *function);

/* Old names (shared with filter.c). */

/* Today's x86-64 names for a function name from the manual's era,
 * NULL-terminated (one or more names). Appends a note to notes when the name
 * changed. Error for a name that is not a plausible function name. */
char **gt_policy_modern_names(const char *name, GPtrArray *notes, GError **error);
/* TRUE for sys_socketcall (and socketcall): x86-64 has no such call. */
gboolean gt_policy_is_socketcall(const char *name);
/* The x86-64 socket calls whose socketcall name (by_number FALSE: "connect")
 * or number (TRUE: "3") the regex matches, NULL-terminated; all of them for
 * re NULL. Empty (not NULL) if none matches. */
char **gt_policy_socketcall_names(const GRegex *re, gboolean by_number);
/* Adds a note (taking it) unless an equal one is there already. */
void gt_policy_note(GPtrArray *notes, char *note);
