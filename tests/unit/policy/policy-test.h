/* Helpers for the policy tests: building a GtPolicyCall and parsing
 * configs that must load or must fail. */
#pragma once

#include <string.h>
#include <guestrace/types.h>
#include "policy/config.h"

typedef struct {
  GtPolicyCall c;
  const char *names[6];
  guint64 vals[6];
  const char *texts[6];
  gint32 apids[8];
  const char *anames[8];
} Call;

static inline void
call_init(Call *k, const char *fn, const char *comm, gint32 pid, gint32 ppid)
{
  memset(k, 0, sizeof *k);
  k->c.function = fn;
  k->c.comm = comm;
  k->c.pid = pid;
  k->c.ppid = ppid;
  k->c.uid = 1000;
  k->c.gid = 1000;
  k->c.arg_names = k->names;
  k->c.arg_values = k->vals;
  k->c.arg_texts = k->texts;
  k->c.ancestor_pids = k->apids;
  k->c.ancestor_names = k->anames;
}

static inline void
call_arg(Call *k, const char *name, guint64 v, const char *text)
{
  g_assert_cmpuint(k->c.nargs, <, 6);
  k->names[k->c.nargs] = name;
  k->vals[k->c.nargs] = v;
  k->texts[k->c.nargs] = text;
  k->c.nargs++;
}

static inline void
call_ancestor(Call *k, gint32 pid, const char *name)
{
  g_assert_cmpuint(k->c.n_ancestors, <, 8);
  k->apids[k->c.n_ancestors] = pid;
  k->anames[k->c.n_ancestors] = name;
  k->c.n_ancestors++;
}

/* Turns the call into its return. */
static inline void
call_return(Call *k, gint64 result)
{
  k->c.post = TRUE;
  k->c.has_result = TRUE;
  k->c.result = result;
}

static inline GtConfig *
parse_ok(const char *text)
{
  g_autoptr(GError) e = NULL;
  GtConfig *c = gt_config_parse(text, "guestrace.conf", &e);
  g_assert_no_error(e);
  g_assert_nonnull(c);
  return c;
}

/* The config must fail with a message containing want. */
static inline void
parse_fails(const char *text, const char *want)
{
  g_autoptr(GError) e = NULL;
  GtConfig *c = gt_config_parse(text, "guestrace.conf", &e);
  if (c)
    g_error("config loaded, expected '%s':\n%s", want, text);
  g_assert_error(e, GT_ERROR, GT_ERROR_INVALID_ARG);
  if (!strstr(e->message, want))
    g_error("message '%s' lacks '%s'", e->message, want);
}

/* Index of the first matching filter, -1 for none. */
static inline int
first_match(const GtConfig *c, const Call *k)
{
  GtVerdict v;
  if (!gt_config_match(c, &k->c, &v)) {
    g_assert_null(v.filter);
    return -1;
  }
  g_assert_true(v.filter == gt_config_filter(c, v.index));
  return (int)v.index;
}

static inline gboolean
has_note(const GtConfig *c, const char *want)
{
  for (const char *const *n = gt_config_notes(c); *n; n++)
    if (strstr(*n, want))
      return TRUE;
  return FALSE;
}
