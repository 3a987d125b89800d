/* Config files: lines, directives, all-or-nothing loading, first-match
 * evaluation of the filters, and the table of old function names. */
#include "policy/config.h"

#include <string.h>
#include <guestrace/types.h>

struct GtConfig {
  char **functions;  /* NULL = all */
  char **pslist;     /* NULL = all */
  char **notes;      /* never NULL */
  GPtrArray *filters;
};

/* Old names. The manual's kernels were 2.6-era i386: these calls are gone
 * or split on today's x86-64. `gone` marks names x86-64 never had, which
 * are mapped even without the sys_ prefix; others map only as sys_NAME
 * (a modern "clone" means just clone). Modern libc opens with openat, and
 * clone3 is today's clone, so those old names trace both. */
static const struct {
  const char *old;
  gboolean gone;
  const char *modern[3];
} renames[] = {
  { "sys_execve", FALSE, { "execve" } },
  { "sys_waitpid", TRUE, { "wait4" } },
  { "sys_fork", FALSE, { "fork" } },
  { "sys_vfork", FALSE, { "vfork" } },
  { "sys_clone", FALSE, { "clone", "clone3" } },
  { "sys_open", FALSE, { "open", "openat" } },
};

/* sys_socketcall's call numbers 1..20 (linux/net.h SYS_SOCKET...) and the
 * x86-64 calls that do the same: send and recv are sendto and recvfrom,
 * and accept is accept or accept4. */
static const struct {
  const char *call;
  const char *modern[3];
} socket_calls[] = {
  { "socket", { "socket" } }, { "bind", { "bind" } }, { "connect", { "connect" } },
  { "listen", { "listen" } }, { "accept", { "accept", "accept4" } },
  { "getsockname", { "getsockname" } }, { "getpeername", { "getpeername" } },
  { "socketpair", { "socketpair" } }, { "send", { "sendto" } }, { "recv", { "recvfrom" } },
  { "sendto", { "sendto" } }, { "recvfrom", { "recvfrom" } }, { "shutdown", { "shutdown" } },
  { "setsockopt", { "setsockopt" } }, { "getsockopt", { "getsockopt" } },
  { "sendmsg", { "sendmsg" } }, { "recvmsg", { "recvmsg" } }, { "accept4", { "accept4" } },
  { "recvmmsg", { "recvmmsg" } }, { "sendmmsg", { "sendmmsg" } },
};

void
gt_policy_note(GPtrArray *notes, char *note)
{
  for (guint i = 0; i < notes->len; i++)
    if (g_str_equal(notes->pdata[i], note)) {
      g_free(note);
      return;
    }
  g_ptr_array_add(notes, note);
}

gboolean
gt_policy_is_socketcall(const char *name)
{
  return g_str_equal(name, "sys_socketcall") || g_str_equal(name, "socketcall");
}

static void
add_unique(GPtrArray *names, const char *name)
{
  for (guint i = 0; i < names->len; i++)
    if (g_str_equal(names->pdata[i], name))
      return;
  g_ptr_array_add(names, g_strdup(name));
}

char **
gt_policy_socketcall_names(const GRegex *re, gboolean by_number)
{
  GPtrArray *out = g_ptr_array_new();
  for (guint i = 0; i < G_N_ELEMENTS(socket_calls); i++) {
    char num[8];
    g_snprintf(num, sizeof num, "%u", i + 1);
    if (re && !g_regex_match(re, by_number ? num : socket_calls[i].call, 0, NULL))
      continue;
    for (guint j = 0; j < G_N_ELEMENTS(socket_calls[i].modern) && socket_calls[i].modern[j]; j++)
      add_unique(out, socket_calls[i].modern[j]);
  }
  g_ptr_array_add(out, NULL);
  return (char **)g_ptr_array_free(out, FALSE);
}

static gboolean
valid_function_name(const char *s)
{
  gsize n = strlen(s);
  if (!n || n > 128 || !(g_ascii_isalpha(s[0]) || s[0] == '_'))
    return FALSE;
  for (const char *p = s; *p; p++)
    if (!g_ascii_isalnum(*p) && *p != '_' && *p != '.')
      return FALSE;
  return TRUE;
}

static char **
strv_of(const char *const *names)
{
  GPtrArray *out = g_ptr_array_new();
  for (guint i = 0; i < 3 && names[i]; i++)
    g_ptr_array_add(out, g_strdup(names[i]));
  g_ptr_array_add(out, NULL);
  return (char **)g_ptr_array_free(out, FALSE);
}

char **
gt_policy_modern_names(const char *name, GPtrArray *notes, GError **error)
{
  if (!valid_function_name(name)) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG, "bad function name '%s'", name);
    return NULL;
  }
  g_autofree char *with_prefix = g_str_has_prefix(name, "sys_") ? g_strdup(name)
                                                                : g_strconcat("sys_", name, NULL);
  for (guint i = 0; i < G_N_ELEMENTS(renames); i++) {
    if (!g_str_equal(renames[i].old, name) &&
        !(renames[i].gone && g_str_equal(renames[i].old, with_prefix)))
      continue;
    g_autofree char *list = g_strjoinv(" and ", (char **)renames[i].modern);
    gt_policy_note(notes, g_strdup_printf("%s is %s on this kernel", name, list));
    return strv_of(renames[i].modern);
  }
  if (gt_policy_is_socketcall(name)) {
    g_auto(GStrv) all = gt_policy_socketcall_names(NULL, FALSE);
    g_autofree char *list = g_strjoinv(", ", all);
    gt_policy_note(notes, g_strdup_printf("%s is %s on this kernel", name, list));
    return g_steal_pointer(&all);
  }
  /* Today's kernels name the entry __x64_sys_NAME; guestrace names calls
   * without any prefix. */
  const char *bare = name;
  if (g_str_has_prefix(bare, "__x64_sys_"))
    bare += strlen("__x64_sys_");
  else if (g_str_has_prefix(bare, "sys_"))
    bare += strlen("sys_");
  if (!*bare) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG, "bad function name '%s'", name);
    return NULL;
  }
  if (bare != name)
    gt_policy_note(notes, g_strdup_printf("%s is %s on this kernel", name, bare));
  const char *one[] = { bare, NULL, NULL };
  return strv_of(one);
}

/* Parsing. */

typedef struct {
  const char *origin;
  GPtrArray *functions; /* NULL until a Functions line */
  gboolean all_functions;
  GPtrArray *pslist;
  gboolean all_processes;
  GPtrArray *notes;
  GPtrArray *filters;
} Parser;

static gboolean
bad(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static gboolean
bad(GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error_literal(error, GT_ERROR, GT_ERROR_INVALID_ARG, msg);
  return FALSE;
}

/* Splits a comma list; every item must be non-empty. */
static char **
split_list(const char *keyword, const char *value, GError **error)
{
  char **items = g_strsplit(value, ",", -1);
  for (guint i = 0; items[i]; i++)
    if (!*g_strstrip(items[i])) {
      g_strfreev(items);
      bad(error, "%s: empty name in the list", keyword);
      return NULL;
    }
  return items;
}

static gboolean
directive_functions(Parser *p, const char *value, GError **error)
{
  g_auto(GStrv) items = split_list("Functions", value, error);
  if (!items)
    return FALSE;
  if (!p->functions)
    p->functions = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; items[i]; i++) {
    if (g_str_equal(items[i], "*")) {
      p->all_functions = TRUE;
      continue;
    }
    g_auto(GStrv) names = gt_policy_modern_names(items[i], p->notes, error);
    if (!names) {
      g_prefix_error(error, "Functions: ");
      return FALSE;
    }
    for (guint j = 0; names[j]; j++)
      add_unique(p->functions, names[j]);
  }
  return TRUE;
}

static gboolean
directive_pslist(Parser *p, const char *value, GError **error)
{
  g_auto(GStrv) items = split_list("ProcessListNames", value, error);
  if (!items)
    return FALSE;
  if (!p->pslist)
    p->pslist = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; items[i]; i++) {
    if (g_str_equal(items[i], "*"))
      p->all_processes = TRUE;
    else
      add_unique(p->pslist, items[i]);
  }
  return TRUE;
}

static const char *const keywords[] = { "Functions", "Filter", "ProcessListNames" };

static gboolean
parse_line(Parser *p, char *line, guint lineno, GError **error)
{
  g_strstrip(line);
  if (!*line || line[0] == '#')
    return TRUE;
  char *value = line;
  while (*value && *value != ' ' && *value != '\t')
    value++;
  gboolean has_blank = *value != '\0';
  if (has_blank)
    *value++ = '\0';
  const char *kw = line;
  if (g_str_equal(kw, "Functions") || g_str_equal(kw, "Filter") ||
      g_str_equal(kw, "ProcessListNames")) {
    if (!has_blank)
      return bad(error, "%s: missing value", kw);
  }
  if (g_str_equal(kw, "Functions"))
    return directive_functions(p, value, error);
  if (g_str_equal(kw, "ProcessListNames"))
    return directive_pslist(p, value, error);
  if (g_str_equal(kw, "Filter")) {
    GtFilter *f = gt_filter_parse(value, lineno, p->notes, error);
    if (f)
      g_ptr_array_add(p->filters, f);
    return f != NULL;
  }
  for (guint i = 0; i < G_N_ELEMENTS(keywords); i++)
    if (!g_ascii_strcasecmp(kw, keywords[i]))
      return bad(error, "unknown directive '%s' (keywords are case-sensitive: %s)", kw,
                 keywords[i]);
  return bad(error, "unknown directive '%s'", kw);
}

static char **
take_strv(GPtrArray *a)
{
  g_ptr_array_set_free_func(a, NULL);
  g_ptr_array_add(a, NULL);
  return (char **)g_ptr_array_free(a, FALSE);
}

/* Notes for filters naming functions that no Functions line traces: the
 * manual checks filters only against traced calls, so such a filter is
 * dead. */
static void
note_dead_filters(Parser *p)
{
  if (!p->functions || p->all_functions)
    return;
  for (guint i = 0; i < p->filters->len; i++) {
    const GtFilter *f = p->filters->pdata[i];
    const char *const *fn = gt_filter_functions(f);
    for (guint j = 0; fn && fn[j]; j++) {
      gboolean traced = FALSE;
      for (guint k = 0; k < p->functions->len && !traced; k++)
        traced = g_str_equal(p->functions->pdata[k], fn[j]);
      if (!traced)
        gt_policy_note(p->notes, g_strdup_printf("%s:%u: the filter names %s, which no "
                                                 "Functions line traces", p->origin,
                                                 gt_filter_line(f), fn[j]));
    }
  }
}

GtConfig *
gt_config_parse(const char *text, const char *origin, GError **error)
{
  g_return_val_if_fail(text != NULL, NULL);
  if (!origin)
    origin = "config";
  Parser p = {
    .origin = origin,
    .notes = g_ptr_array_new_with_free_func(g_free),
    .filters = g_ptr_array_new_with_free_func((GDestroyNotify)gt_filter_free),
  };
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  gboolean ok = TRUE;
  for (guint i = 0; lines[i] && ok; i++) {
    ok = parse_line(&p, lines[i], i + 1, error);
    if (!ok)
      g_prefix_error(error, "%s:%u: ", origin, i + 1);
  }
  if (!ok) {
    g_ptr_array_unref(p.notes);
    g_ptr_array_unref(p.filters);
    if (p.functions)
      g_ptr_array_unref(p.functions);
    if (p.pslist)
      g_ptr_array_unref(p.pslist);
    return NULL;
  }
  note_dead_filters(&p);
  GtConfig *c = g_new0(GtConfig, 1);
  c->filters = p.filters;
  c->notes = take_strv(p.notes);
  if (p.functions && !p.all_functions)
    c->functions = take_strv(p.functions);
  else if (p.functions)
    g_ptr_array_unref(p.functions);
  if (p.pslist && !p.all_processes)
    c->pslist = take_strv(p.pslist);
  else if (p.pslist)
    g_ptr_array_unref(p.pslist);
  return c;
}

GtConfig *
gt_config_load(const char *path, GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  g_autoptr(GError) e = NULL;
  if (!g_file_get_contents(path, &text, &len, &e)) {
    g_set_error(error, GT_ERROR,
                g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOENT) ? GT_ERROR_NOT_FOUND
                                                                     : GT_ERROR_FAILED,
                "%s", e->message);
    return NULL;
  }
  if (len > GT_CONFIG_MAX_SIZE) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG, "%s: larger than %u bytes", path,
                GT_CONFIG_MAX_SIZE);
    return NULL;
  }
  const char *nul = memchr(text, '\0', len);
  if (nul) {
    guint line = 1;
    for (const char *q = text; q < nul; q++)
      line += *q == '\n';
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG, "%s:%u: NUL byte: not a text file",
                path, line);
    return NULL;
  }
  return gt_config_parse(text, path, error);
}

void
gt_config_free(GtConfig *c)
{
  if (!c)
    return;
  g_strfreev(c->functions);
  g_strfreev(c->pslist);
  g_strfreev(c->notes);
  g_ptr_array_unref(c->filters);
  g_free(c);
}

const char *const *gt_config_functions(const GtConfig *c)
{
  return (const char *const *)c->functions;
}

gboolean
gt_config_traces(const GtConfig *c, const char *function)
{
  return !c->functions ||
         (function && g_strv_contains((const char *const *)c->functions, function));
}

const char *const *gt_config_process_list_names(const GtConfig *c)
{
  return (const char *const *)c->pslist;
}

const char *const *gt_config_notes(const GtConfig *c) { return (const char *const *)c->notes; }

guint gt_config_n_filters(const GtConfig *c) { return c->filters->len; }

const GtFilter *
gt_config_filter(const GtConfig *c, guint index)
{
  return index < c->filters->len ? c->filters->pdata[index] : NULL;
}

gboolean
gt_config_match(const GtConfig *c, const GtPolicyCall *call, GtVerdict *out)
{
  for (guint i = 0; i < c->filters->len; i++) {
    const GtFilter *f = c->filters->pdata[i];
    if (!gt_filter_match(f, call))
      continue;
    if (out)
      *out = (GtVerdict){
        .filter = f, .index = i, .abort = gt_filter_is_abort(f),
        .retval = gt_filter_is_abort(f) ? gt_filter_abort_retval(f) : 0,
      };
    return TRUE;
  }
  if (out)
    *out = (GtVerdict){ 0 };
  return FALSE;
}

gboolean
gt_config_needs_post(const GtConfig *c, const char *function)
{
  for (guint i = 0; i < c->filters->len; i++) {
    const GtFilter *f = c->filters->pdata[i];
    if ((gt_filter_when(f) & GT_WHEN_POST) && gt_filter_names_function(f, function))
      return TRUE;
  }
  return FALSE;
}
