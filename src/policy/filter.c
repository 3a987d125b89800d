/* One Filter line: parsing it (keys in any order, each validated) and
 * matching it against a call. See filter.h for the language. */
#include "policy/filter.h"

#include <string.h>
#include <guestrace/types.h>
#include "decode/decode.h"
#include "escape/escape.h"
#include "policy/config.h"

/* The kernel keeps 15 characters of a process name (TASK_COMM_LEN - 1). */
#define COMM_MAX 15

struct GtFilter {
  guint line;
  char *text;          /* "Filter " + the value as written */
  char **functions;    /* today's names; NULL = any */
  char *argname;       /* NULL = any argument */
  GtDecoding decoding;
  GRegex *argval;      /* NULL = anything */
  GtWhen when;
  gboolean has_pid, has_ppid, ppid_ancestor, has_uid, has_gid, name_ancestor;
  gint32 pid, ppid;
  guint32 uid, gid;
  char *name;          /* NULL = any process */
  gboolean apply;
  gint64 abort_retval; /* apply=1 */
  GRegex *retval_re;   /* apply=0; NULL = anything */
};

enum {
  K_FUNCTION, K_ARGNAME, K_ARGVAL, K_WHEN, K_PID, K_PPID, K_UID, K_GID,
  K_NAME, K_RETVAL, K_APPLY, K_COUNT
};
static const char *const key_names[K_COUNT] = {
  "function", "argname", "argval", "when", "pid", "ppid", "uid", "gid",
  "name", "retval", "apply",
};

static gboolean
fail(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static gboolean
fail(GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG, "Filter: %s", msg);
  return FALSE;
}

void
gt_filter_free(GtFilter *f)
{
  if (!f)
    return;
  g_free(f->text);
  g_strfreev(f->functions);
  g_free(f->argname);
  if (f->argval)
    g_regex_unref(f->argval);
  g_free(f->name);
  if (f->retval_re)
    g_regex_unref(f->retval_re);
  g_free(f);
}

/* TRUE if s begins with `identifier =` (the start of the next item). */
static gboolean
starts_item(const char *s)
{
  while (*s == ' ' || *s == '\t')
    s++;
  if (!g_ascii_isalpha(*s) && *s != '_')
    return FALSE;
  while (g_ascii_isalnum(*s) || *s == '_')
    s++;
  while (*s == ' ' || *s == '\t')
    s++;
  return *s == '=';
}

static int
key_index(const char *key)
{
  for (int k = 0; k < K_COUNT; k++)
    if (g_str_equal(key, key_names[k]))
      return k;
  return -1;
}

/* Splits "k=v,k=v" into values[K_COUNT]. Commas separate items, except that
 * a regex value (argval, retval) keeps a comma unless the text after it
 * starts a new `key=` item or the comma is escaped with a backslash. */
static gboolean
split_items(const char *value, char *values[K_COUNT], GError **error)
{
  g_auto(GStrv) pieces = g_strsplit(value, ",", -1);
  int prev = -1;
  for (guint i = 0; pieces[i]; i++) {
    const char *piece = pieces[i];
    if (prev == K_ARGVAL || prev == K_RETVAL) {
      const char *cur = values[prev];
      gboolean escaped = *cur && cur[strlen(cur) - 1] == '\\';
      if (escaped || !starts_item(piece)) {
        char *joined = g_strconcat(cur, ",", piece, NULL);
        g_free(values[prev]);
        values[prev] = joined;
        continue;
      }
    }
    g_autofree char *item = g_strstrip(g_strdup(piece));
    if (!*item)
      return fail(error, "empty item");
    char *eq = strchr(item, '=');
    if (!eq)
      return fail(error, "'%s' is not key=value", item);
    *eq = '\0';
    g_strstrip(item);
    int k = key_index(item);
    if (k < 0)
      return fail(error, "unknown key '%s'", item);
    if (values[k])
      return fail(error, "duplicate key '%s'", item);
    /* Leading blanks of the value go; trailing ones are cut at the end, as
     * a regex's value may continue after a comma. */
    const char *v = eq + 1;
    while (*v == ' ' || *v == '\t')
      v++;
    values[k] = g_strdup(v);
    prev = k;
  }
  for (int k = 0; k < K_COUNT; k++) {
    if (!values[k])
      continue;
    g_strchomp(values[k]);
    if (!*values[k])
      return fail(error, "%s: empty value", key_names[k]);
  }
  return TRUE;
}

static gboolean
parse_signed(const char *key, const char *s, gint64 min, gint64 max, gint64 *out,
             GError **error)
{
  g_autoptr(GError) e = NULL;
  if (!g_ascii_string_to_signed(s, 10, min, max, out, &e))
    return fail(error, "%s: bad number '%s' (%s)", key, s, e->message);
  return TRUE;
}

static gboolean
parse_unsigned(const char *key, const char *s, guint64 max, guint64 *out, GError **error)
{
  g_autoptr(GError) e = NULL;
  if (!g_ascii_string_to_unsigned(s, 10, 0, max, out, &e))
    return fail(error, "%s: bad number '%s' (%s)", key, s, e->message);
  return TRUE;
}

/* An abort value: an integer, or -ENAME for an errno name. */
static gboolean
parse_abort_retval(const char *s, gint64 *out, GError **error)
{
  if (s[0] == '-' && s[1] == 'E') {
    for (int e = 1; e < 4096; e++) {
      const char *n = gt_errno_name(e);
      if (n && g_str_equal(n, s + 1)) {
        *out = -e;
        return TRUE;
      }
    }
    return fail(error, "retval: unknown errno name '%s'", s + 1);
  }
  g_autoptr(GError) e = NULL;
  if (!g_ascii_string_to_signed(s, 10, G_MININT64, G_MAXINT64, out, &e))
    return fail(error, "apply=1 needs an integer retval, not '%s'", s);
  return TRUE;
}

static GRegex *
compile(const char *key, const char *src, GError **error)
{
  g_autoptr(GError) e = NULL;
  /* Bytewise: guest strings need not be valid UTF-8. */
  GRegex *re = g_regex_new(src, G_REGEX_RAW | G_REGEX_OPTIMIZE, 0, &e);
  if (!re)
    fail(error, "%s: bad regex '%s': %s", key, src, e->message);
  return re;
}

static char *
cut_name(const char *name, GPtrArray *notes)
{
  if (strlen(name) <= COMM_MAX)
    return g_strdup(name);
  char *cut = g_strndup(name, COMM_MAX);
  gt_policy_note(notes, g_strdup_printf("process name '%s' is compared as '%s': the kernel "
                                        "keeps 15 characters", name, cut));
  return cut;
}

/* function=sys_socketcall: x86-64 has one call per socket operation, so an
 * argname=call[:call] filter becomes a filter on the matching calls. */
static gboolean
translate_socketcall(GtFilter *f, const char *argval_src, GPtrArray *notes, GError **error)
{
  if (f->argname && !g_str_equal(f->argname, "call"))
    return fail(error, "sys_socketcall has no argument '%s' on this kernel: "
                "use argname=call:call", f->argname);
  if (f->argname && f->decoding != GT_DECODING_NONE && f->decoding != GT_DECODING_CALL)
    return fail(error, "sys_socketcall: argument call has no decoding '%s' on this kernel",
                gt_decoding_name(f->decoding));
  gboolean by_number = f->argname && f->decoding == GT_DECODING_NONE;
  if (!f->argname && f->argval)
    return fail(error, "sys_socketcall: argval needs argname=call:call on this kernel");
  g_auto(GStrv) names = gt_policy_socketcall_names(f->argval, by_number);
  if (!names[0])
    return fail(error, "argval '%s' matches no socket call", argval_src);
  g_autofree char *list = g_strjoinv(", ", names);
  gt_policy_note(notes, g_strdup_printf("sys_socketcall%s%s is %s on this kernel",
                                        argval_src ? " call=" : "",
                                        argval_src ? argval_src : "", list));
  g_strfreev(f->functions);
  f->functions = g_steal_pointer(&names);
  if (f->argval) {
    g_regex_unref(f->argval);
    f->argval = NULL;
  }
  if (f->argname) {
    /* Kept so events still show call:call=connect. */
    f->decoding = GT_DECODING_CALL;
  }
  return TRUE;
}

static gboolean
parse_argname(GtFilter *f, const char *v, GError **error)
{
  if (g_str_equal(v, "*"))
    return TRUE;
  const char *colon = strchr(v, ':');
  g_autofree char *name = colon ? g_strndup(v, colon - v) : g_strdup(v);
  if (g_str_equal(name, "*"))
    return fail(error, "argname: a decoding needs a specific argument, not '*'");
  if (!*name)
    return fail(error, "argname: empty argument name in '%s'", v);
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum(*p) && *p != '_')
      return fail(error, "argname: bad argument name '%s'", name);
  if (colon && !gt_decoding_lookup(colon + 1, &f->decoding))
    return fail(error, "argname: unknown decoding '%s' (known: %s)", colon + 1,
                gt_decoding_known_names());
  f->argname = g_steal_pointer(&name);
  return TRUE;
}

static gboolean
parse_process_keys(GtFilter *f, char *const v[K_COUNT], GPtrArray *notes, GError **error)
{
  gint64 n;
  guint64 u;
  if (v[K_PID]) {
    if (!parse_signed("pid", v[K_PID], 0, G_MAXINT32, &n, error))
      return FALSE;
    f->has_pid = TRUE;
    f->pid = (gint32)n;
  }
  if (v[K_PPID]) {
    const char *s = v[K_PPID];
    f->ppid_ancestor = s[0] == '^';
    if (!parse_signed("ppid", s + f->ppid_ancestor, 0, G_MAXINT32, &n, error))
      return FALSE;
    f->has_ppid = TRUE;
    f->ppid = (gint32)n;
  }
  if (v[K_UID]) {
    if (!parse_unsigned("uid", v[K_UID], G_MAXUINT32, &u, error))
      return FALSE;
    f->has_uid = TRUE;
    f->uid = (guint32)u;
  }
  if (v[K_GID]) {
    if (!parse_unsigned("gid", v[K_GID], G_MAXUINT32, &u, error))
      return FALSE;
    f->has_gid = TRUE;
    f->gid = (guint32)u;
  }
  if (v[K_NAME]) {
    const char *s = v[K_NAME];
    f->name_ancestor = s[0] == '^';
    if (!s[f->name_ancestor])
      return fail(error, "name: empty process name");
    f->name = cut_name(s + f->name_ancestor, notes);
  }
  return TRUE;
}

static gboolean
parse_retval(GtFilter *f, const char *s, GError **error)
{
  if (f->apply) {
    if (!s)
      return fail(error, "apply=1 needs an integer retval");
    return parse_abort_retval(s, &f->abort_retval, error);
  }
  if (!s || g_str_equal(s, "*"))
    return TRUE;
  if (f->when == GT_WHEN_PRE)
    return fail(error, "retval '%s' matches results: it needs when=post or when=both", s);
  return (f->retval_re = compile("retval", s, error)) != NULL;
}

static gboolean
parse_filter(GtFilter *f, char *const v[K_COUNT], GPtrArray *notes, GError **error)
{
  if (v[K_APPLY]) {
    if (!g_str_equal(v[K_APPLY], "0") && !g_str_equal(v[K_APPLY], "1"))
      return fail(error, "apply: '%s' is not 0 or 1", v[K_APPLY]);
    f->apply = v[K_APPLY][0] == '1';
  }
  f->when = GT_WHEN_PRE;
  if (v[K_WHEN]) {
    const char *w = v[K_WHEN];
    if (g_str_equal(w, "pre"))
      f->when = GT_WHEN_PRE;
    else if (g_str_equal(w, "post"))
      f->when = GT_WHEN_POST;
    else if (g_str_equal(w, "both"))
      f->when = GT_WHEN_BOTH;
    else
      return fail(error, "when: '%s' is not pre, post or both", w);
  }
  if (f->apply && f->when != GT_WHEN_PRE)
    return fail(error, "apply=1 aborts a call before it runs: when must be pre");

  gboolean any_function = !v[K_FUNCTION] || g_str_equal(v[K_FUNCTION], "*");
  gboolean socketcall = !any_function && gt_policy_is_socketcall(v[K_FUNCTION]);
  if (!any_function && !socketcall) {
    f->functions = gt_policy_modern_names(v[K_FUNCTION], notes, error);
    if (!f->functions) {
      g_prefix_error(error, "Filter: function: ");
      return FALSE;
    }
  }

  if (v[K_ARGNAME] && !parse_argname(f, v[K_ARGNAME], error))
    return FALSE;
  if (f->argname && g_str_equal(f->argname, "regs") && f->decoding == GT_DECODING_FILENAME) {
    /* Old execve took the caller's pt_regs; today it takes the file name. */
    g_free(f->argname);
    f->argname = g_strdup("filename");
    f->decoding = GT_DECODING_NONE;
    gt_policy_note(notes, g_strdup("argname regs:filename is filename on this kernel"));
  }
  gboolean pseudo_retval = f->argname && g_str_equal(f->argname, "retval");
  if (f->argname && !pseudo_retval && any_function)
    return fail(error, "argname=%s needs a specific function", v[K_ARGNAME]);
  if (pseudo_retval && f->when == GT_WHEN_PRE)
    return fail(error, "argname=%s is the result: it needs when=post or when=both",
                v[K_ARGNAME]);
  if (v[K_ARGVAL] && !g_str_equal(v[K_ARGVAL], "*") &&
      !(f->argval = compile("argval", v[K_ARGVAL], error)))
    return FALSE;
  if (socketcall && !translate_socketcall(f, f->argval ? v[K_ARGVAL] : NULL, notes, error))
    return FALSE;

  if (!parse_process_keys(f, v, notes, error))
    return FALSE;
  return parse_retval(f, v[K_RETVAL], error);
}

GtFilter *
gt_filter_parse(const char *value, guint line, GPtrArray *notes, GError **error)
{
  g_autoptr(GtFilter) f = g_new0(GtFilter, 1);
  g_autofree char *trimmed = g_strstrip(g_strdup(value));
  f->line = line;
  f->text = g_strconcat("Filter ", trimmed, NULL);
  if (!*trimmed) {
    fail(error, "missing key=value list");
    return NULL;
  }
  char *values[K_COUNT] = { 0 };
  gboolean ok = split_items(trimmed, values, error) && parse_filter(f, values, notes, error);
  for (int k = 0; k < K_COUNT; k++)
    g_free(values[k]);
  return ok ? g_steal_pointer(&f) : NULL;
}

/* Matching. */

/* Matches at most the first len bytes of s. A failing match (PCRE's match
 * limit on a pathological subject) is no match; that limit bounds the time
 * a guest string can cost. */
static gboolean
regex_match_len(const GRegex *re, const char *s, gsize len)
{
  return g_regex_match_full(re, s, (gssize)len, 0, 0, NULL, NULL);
}

static gboolean
regex_match(const GRegex *re, const char *s)
{
  if (!re)
    return TRUE;
  return s && regex_match_len(re, s, strnlen(s, GT_POLICY_SUBJECT_MAX));
}

static gboolean
same_name(const char *want, const char *comm)
{
  /* want is at most COMM_MAX characters; compare as the kernel keeps it. */
  return comm && strncmp(want, comm, COMM_MAX) == 0 &&
         strnlen(comm, COMM_MAX) == strlen(want);
}

static const char *
arg_text(const GtPolicyCall *c, guint i)
{
  return c->arg_texts ? c->arg_texts[i] : NULL;
}

static guint64
arg_value(const GtPolicyCall *c, guint i)
{
  return c->arg_values ? c->arg_values[i] : 0;
}

/* The string the filter's argval applies to, or NULL if the filter's
 * argument is not there. */
static char *
filter_subject(const GtFilter *f, const GtPolicyCall *c)
{
  if (g_str_equal(f->argname, "retval")) {
    if (!c->has_result)
      return NULL;
    g_autofree char *dec = g_strdup_printf("%" G_GINT64_FORMAT, c->result);
    return gt_decoding_apply(f->decoding, c->function, "retval", (guint64)c->result, dec);
  }
  for (guint i = 0; i < c->nargs && c->arg_names; i++)
    if (c->arg_names[i] && g_str_equal(c->arg_names[i], f->argname))
      return gt_decoding_apply(f->decoding, c->function, f->argname, arg_value(c, i),
                               arg_text(c, i));
  if (f->decoding == GT_DECODING_CALL)
    return gt_decoding_apply(f->decoding, c->function, f->argname, 0, NULL);
  return NULL;
}

static gboolean
match_args(const GtFilter *f, const GtPolicyCall *c)
{
  if (!f->argname) {
    if (!f->argval)
      return TRUE;
    for (guint i = 0; i < c->nargs; i++) {
      g_autofree char *s = gt_decoding_apply(GT_DECODING_NONE, c->function, NULL,
                                             arg_value(c, i), arg_text(c, i));
      if (regex_match(f->argval, s))
        return TRUE;
    }
    return FALSE;
  }
  g_autofree char *s = filter_subject(f, c);
  return s && regex_match(f->argval, s);
}

static gboolean
match_process(const GtFilter *f, const GtPolicyCall *c)
{
  if (f->has_pid && c->pid != f->pid)
    return FALSE;
  if (f->has_uid && c->uid != f->uid)
    return FALSE;
  if (f->has_gid && c->gid != f->gid)
    return FALSE;
  if (f->has_ppid && c->ppid != f->ppid) {
    gboolean found = FALSE;
    for (guint i = 0; f->ppid_ancestor && c->ancestor_pids && i < c->n_ancestors && !found; i++)
      found = c->ancestor_pids[i] == f->ppid;
    if (!found)
      return FALSE;
  }
  if (f->name && !same_name(f->name, c->comm)) {
    gboolean found = FALSE;
    for (guint i = 0; f->name_ancestor && c->ancestor_names && i < c->n_ancestors && !found;
         i++)
      found = same_name(f->name, c->ancestor_names[i]);
    if (!found)
      return FALSE;
  }
  return TRUE;
}

gboolean
gt_filter_names_function(const GtFilter *f, const char *function)
{
  if (!f->functions)
    return TRUE;
  return function && g_strv_contains((const char *const *)f->functions, function);
}

gboolean
gt_filter_match(const GtFilter *f, const GtPolicyCall *c)
{
  if (!(f->when & (c->post ? GT_WHEN_POST : GT_WHEN_PRE)))
    return FALSE;
  if (!gt_filter_names_function(f, c->function) &&
      !(c->kernel_function && gt_filter_names_function(f, c->kernel_function)))
    return FALSE;
  if (!match_process(f, c))
    return FALSE;
  if (f->retval_re) {
    if (!c->has_result)
      return FALSE;
    char buf[32];
    int n = g_snprintf(buf, sizeof buf, "%" G_GINT64_FORMAT, c->result);
    if (!regex_match_len(f->retval_re, buf, (gsize)n))
      return FALSE;
  }
  return match_args(f, c);
}

const char *gt_filter_describe(const GtFilter *f) { return f->text; }
guint gt_filter_line(const GtFilter *f) { return f->line; }
const char *const *gt_filter_functions(const GtFilter *f)
{
  return (const char *const *)f->functions;
}
GtWhen gt_filter_when(const GtFilter *f) { return f->when; }
gboolean gt_filter_is_abort(const GtFilter *f) { return f->apply; }
gboolean gt_filter_needs_ancestors(const GtFilter *f)
{
  return (f->has_ppid && f->ppid_ancestor) || (f->name && f->name_ancestor);
}
gint64 gt_filter_abort_retval(const GtFilter *f) { return f->abort_retval; }

/* Rendering. */

/* Appends guest text cut at GT_POLICY_RENDER_MAX, through the one escaper
 * (non-printable bytes as \xNN) so a guest string cannot break an event
 * line. */
static void
append_clean(GString *out, const char *s)
{
  gsize n = strnlen(s, GT_POLICY_RENDER_MAX + 1);
  gt_escape_append_text(out, s, MIN(n, GT_POLICY_RENDER_MAX), GT_ESCAPE_HEX_CHARS, "");
  if (n > GT_POLICY_RENDER_MAX)
    g_string_append(out, "...");
}

char *
gt_filter_render_call(const GtFilter *f, const GtPolicyCall *c)
{
  GString *out = g_string_new(NULL);
  append_clean(out, c->function ? c->function : "?");
  g_string_append_c(out, '(');
  for (guint i = 0; i < c->nargs; i++) {
    if (i)
      g_string_append_c(out, ',');
    g_autofree char *name = c->arg_names && c->arg_names[i] ? g_strdup(c->arg_names[i])
                                                          : g_strdup_printf("arg%u", i);
    g_autofree char *val = gt_decoding_apply(GT_DECODING_NONE, c->function, name,
                                             arg_value(c, i), arg_text(c, i));
    append_clean(out, name);
    g_string_append_c(out, '=');
    append_clean(out, val);
  }
  if (f && f->argname && f->decoding != GT_DECODING_NONE) {
    g_autofree char *val = filter_subject(f, c);
    if (val) {
      if (c->nargs)
        g_string_append_c(out, ',');
      g_string_append_printf(out, "%s:%s=", f->argname, gt_decoding_name(f->decoding));
      append_clean(out, val);
    }
  }
  g_string_append_c(out, ')');
  if (c->has_result) {
    g_string_append_printf(out, " = %" G_GINT64_FORMAT, c->result);
    const char *e = c->result < 0 && c->result >= -4095 ? gt_errno_name((int)-c->result)
                                                        : NULL;
    if (e)
      g_string_append_printf(out, " %s", e);
  }
  return g_string_free(out, FALSE);
}
