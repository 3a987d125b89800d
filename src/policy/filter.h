/* Filters: one `Filter key=value,...` line of a config (the old tracer's
 * manual, "Filter"), parsed and validated, and matched against one call.
 *
 * Keys (any order, each at most once; a config error otherwise):
 *   function=NAME|*          NAME is today's name; old names are mapped
 *                            (see gt_policy_modern_names in config.h)
 *   argname=NAME|*|NAME:DEC  DEC is a decoding (decodings.h); a specific
 *                            NAME needs a specific function, except the
 *                            pseudo-argument `retval` (the result; needs
 *                            when=post or both; `retval:errno` gives
 *                            "ENOENT"). `call:call` is the function's
 *                            own name even where no argument is named
 *                            call (old sys_socketcall filters). A call
 *                            without the named argument does not match.
 *   argval=REGEX|*           matched against the argument's text, or its
 *                            decoding; with argname=* (or no argname) any
 *                            argument may match
 *   when=pre|post|both       default pre
 *   pid=N  uid=N  gid=N
 *   ppid=N|^N                N: the parent's pid; ^N: the parent or any
 *                            ancestor has pid N
 *   name=X|^X                X: the process's name; ^X: the process's or
 *                            any ancestor's name (names are cut to 15
 *                            characters, as the kernel keeps them)
 *   retval=V                 apply=1: the integer (or -ENAME) the aborted
 *                            call returns; apply=0: a REGEX|* matched
 *                            against the result in decimal (needs
 *                            when=post or both)
 *   apply=0|1                1: abort filter (acts at the call: when=pre)
 *
 * Regexes: the manual said POSIX extended regexes; guestrace uses GLib's
 * GRegex, which is PCRE (a superset for all practical purposes). They match
 * anywhere in the string (anchor with ^ and $), bytewise (G_REGEX_RAW, as
 * guest strings need not be UTF-8; classes like \w then see bytes >= 0x80
 * as Latin-1), on at most GT_POLICY_SUBJECT_MAX bytes. PCRE's backtracking
 * limit ends a pathological match (measured: < 70 ms on 4096 bytes) and
 * counts as no match.
 * Items are split at commas; in an argval or retval regex a comma stays
 * part of the regex unless the text after it starts a new `key=` item (or
 * write `\,`), so `argval=^7{2,3}$` keeps its comma. Blanks around keys
 * and values are dropped. */
#pragma once

#include <glib.h>
#include "policy/decodings.h"

/* Longest string a regex is matched against (guest strings are hostile). */
#define GT_POLICY_SUBJECT_MAX 4096
/* Longest argument value shown in a rendered call. */
#define GT_POLICY_RENDER_MAX 256

typedef struct GtFilter GtFilter;

typedef enum { GT_WHEN_PRE = 1, GT_WHEN_POST = 2, GT_WHEN_BOTH = 3 } GtWhen;

/* What a filter sees of one call. All pointers are borrowed; any array may
 * be NULL when its count is 0, and any string may be NULL. */
typedef struct {
  const char *function;        /* "openat", "do_exit" (no prefix): the name user space knows */
  const char *kernel_function; /* the kernel's name when it differs ("newfstat" for fstat) */
  gboolean post;               /* FALSE at the call, TRUE at the return */
  gint32 pid, ppid;
  guint32 uid, gid;
  const char *comm;
  /* ancestors, parent first: pids and names (bounded by the caller) */
  const gint32 *ancestor_pids;
  const char *const *ancestor_names;
  guint n_ancestors;
  guint nargs;
  const char *const *arg_names;
  const guint64 *arg_values;
  const char *const *arg_texts; /* decoded string form of each arg (strings unquoted) */
  gboolean has_result;
  gint64 result;
} GtPolicyCall;

/* Parses the value of a Filter line (everything after "Filter"). line is
 * the line number (kept for descriptions); notes receives human-readable
 * notes about old names mapped (char *, owned by the array). Errors are
 * GT_ERROR_INVALID_ARG with messages like "Filter: unknown key 'argvall'"
 * (the caller adds file and line). */
GtFilter *gt_filter_parse(const char *value, guint line, GPtrArray *notes, GError **error);
void gt_filter_free(GtFilter *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GtFilter, gt_filter_free)

/* TRUE if the filter matches the call. */
gboolean gt_filter_match(const GtFilter *f, const GtPolicyCall *call);

/* One-line description for logs and events: "Filter " + the line's text as
 * written (old names and all). */
const char *gt_filter_describe(const GtFilter *f);
/* The line number the filter came from. */
guint gt_filter_line(const GtFilter *f);
/* The functions it names (today's names), NULL-terminated; NULL = any. */
const char *const *gt_filter_functions(const GtFilter *f);
/* TRUE if it names function (or names any function). A call matches a
 * filter naming either its user-space or its kernel function name. */
gboolean gt_filter_names_function(const GtFilter *f, const char *function);
GtWhen gt_filter_when(const GtFilter *f);
/* apply=1: the call is aborted and returns gt_filter_abort_retval(). */
gboolean gt_filter_is_abort(const GtFilter *f);
/* Whether matching needs the caller's ancestors (ppid=^N, name=^X). */
gboolean gt_filter_needs_ancestors(const GtFilter *f);
gint64 gt_filter_abort_retval(const GtFilter *f);

/* Renders a call for an event, as the manual's
 * `do_exit(code=0x8b,code:signal=SIGSEGV)`: function(name=text,...), then
 * the decoding the filter used (if any) as name:decoding=value, then
 * " = result" when the call has one (" = -2 ENOENT" for errors). Argument
 * texts are cut at GT_POLICY_RENDER_MAX and control bytes escaped. f may be
 * NULL (no decodings). */
char *gt_filter_render_call(const GtFilter *f, const GtPolicyCall *call);
