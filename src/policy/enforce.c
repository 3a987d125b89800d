/* Enforcement: filters, actions and events for each traced call. */
#include "policy/enforce.h"
#include "policy/filter.h"

#include <string.h>

struct GtEnforcer {
  GtConfig *config;
  GtEventSink *sink;
  char *domain;
  gboolean actions;
};

/* Calls after which the seed tracer reported the process list. */
static const char *const pslist_calls[] = {
  "execve", "execveat", "fork", "vfork", "clone", "clone3", "wait4", "waitid", NULL,
};

GtEnforcer *
gt_enforcer_new(void)
{
  GtEnforcer *e = g_new0(GtEnforcer, 1);
  e->actions = TRUE;
  return e;
}

void
gt_enforcer_free(GtEnforcer *e)
{
  if (!e)
    return;
  gt_config_free(e->config);
  g_free(e->domain);
  g_free(e);
}

void
gt_enforcer_set_config(GtEnforcer *e, GtConfig *config)
{
  gt_config_free(e->config);
  e->config = config;
}

GtConfig *
gt_enforcer_swap_config(GtEnforcer *e, GtConfig *config)
{
  GtConfig *old = e->config;
  e->config = config;
  return old;
}

const GtConfig *gt_enforcer_config(GtEnforcer *e) { return e->config; }

void
gt_enforcer_set_sink(GtEnforcer *e, GtEventSink *sink, const char *domain)
{
  e->sink = sink;
  g_free(e->domain);
  e->domain = g_strdup(domain);
}

void gt_enforcer_set_actions(GtEnforcer *e, gboolean on) { e->actions = on; }
gboolean gt_enforcer_get_actions(GtEnforcer *e) { return e->actions; }
gboolean gt_enforcer_active(GtEnforcer *e) { return e->config || e->sink; }

gboolean
gt_enforcer_needs_return(GtEnforcer *e, const char *function)
{
  return e->config && gt_config_needs_post(e->config, function);
}

gboolean
gt_enforcer_needs_ancestors(GtEnforcer *e, const char *function)
{
  for (guint i = 0; e->config && i < gt_config_n_filters(e->config); i++) {
    const GtFilter *f = gt_config_filter(e->config, i);
    if (gt_filter_needs_ancestors(f) && gt_filter_names_function(f, function))
      return TRUE;
  }
  return FALSE;
}

/* The filter's view of a call, borrowing from the record and ancestors. */
typedef struct {
  GtPolicyCall call;
  const char *names[GT_MAX_ARGS];
  guint64 values[GT_MAX_ARGS];
  const char *texts[GT_MAX_ARGS];
  GArray *pids;
  GPtrArray *anames;
} CallView;

static void
view_init(CallView *v, const GtRecord *rec, GArray *ancestors, gboolean post)
{
  memset(v, 0, sizeof *v);
  v->call.function = rec->name;
  v->call.kernel_function = rec->kernel_name;
  v->call.post = post;
  v->call.pid = rec->pid;
  v->call.ppid = rec->ppid;
  v->call.uid = rec->uid;
  v->call.gid = rec->gid;
  v->call.comm = rec->comm;
  v->pids = g_array_new(FALSE, FALSE, sizeof(gint32));
  v->anames = g_ptr_array_new();
  for (guint i = 0; ancestors && i < ancestors->len; i++) {
    const GtTaskInfo *t = &g_array_index(ancestors, GtTaskInfo, i);
    g_array_append_val(v->pids, t->pid);
    g_ptr_array_add(v->anames, (gpointer)t->comm);
  }
  v->call.ancestor_pids = (const gint32 *)v->pids->data;
  v->call.ancestor_names = (const char *const *)v->anames->pdata;
  v->call.n_ancestors = v->pids->len;
  v->call.nargs = rec->nargs;
  for (guint i = 0; i < rec->nargs; i++) {
    const GtRecordArg *a = &rec->args[i];
    v->names[i] = a->name;
    v->values[i] = a->value;
    /* Filters see strings unquoted; out-parameters as written back. */
    v->texts[i] = a->out_str ? a->out_str : a->str ? a->str : a->out ? a->out : a->text;
  }
  v->call.arg_names = v->names;
  v->call.arg_values = v->values;
  v->call.arg_texts = v->texts;
  v->call.has_result = rec->has_result;
  v->call.result = rec->result;
}

static void
view_clear(CallView *v)
{
  g_array_free(v->pids, TRUE);
  g_ptr_array_free(v->anames, TRUE);
}

static void
post_event(GtEnforcer *e, GtReportType type, const GtRecord *rec, const GtFilter *f,
           const CallView *v)
{
  if (!e->sink)
    return;
  g_autoptr(GtReportEvent) ev = gt_report_event_new_from_record(type, rec);
  gt_report_event_set_domain(ev, e->domain);
  if (f) {
    /* The decodings the filter matched on, as the manual shows them. */
    g_autofree char *rendered = gt_filter_render_call(f, &v->call);
    gt_report_event_add_arg(ev, "filter", gt_filter_describe(f));
    g_debug("event %s: %s", gt_report_type_name(type), rendered);
  }
  gt_event_sink_post(e->sink, ev);
}

static gboolean
name_listed(const char *const *names, const char *comm)
{
  if (!names)
    return TRUE;
  for (const char *const *n = names; *n; n++)
    if (!strncmp(*n, comm, 15))
      return TRUE;
  return FALSE;
}

static void
post_pslist(GtEnforcer *e, const GtRecord *rec, GtProcListFn pslist, gpointer data)
{
  if (!e->sink || !pslist || !g_strv_contains(pslist_calls, rec->name))
    return;
  g_autoptr(GError) err = NULL;
  g_autoptr(GArray) procs = pslist(data, &err);
  if (!procs) {
    g_warning("no process list for a pslist event: %s", err ? err->message : "?");
    return;
  }
  g_autoptr(GtReportEvent) ev = gt_report_event_new(GT_REPORT_PSLIST, rec->name);
  gt_report_event_set_domain(ev, e->domain);
  gt_report_event_set_process(ev, rec->pid, rec->tid, rec->ppid, rec->comm);
  const char *const *names = e->config ? gt_config_process_list_names(e->config) : NULL;
  for (guint i = 0; i < procs->len; i++) {
    const GtTaskInfo *t = &g_array_index(procs, GtTaskInfo, i);
    if (name_listed(names, t->comm))
      gt_report_event_add_process(ev, t->pid, t->ppid, t->comm);
  }
  gt_event_sink_post(e->sink, ev);
}

gboolean
gt_enforcer_at_call(GtEnforcer *e, const GtRecord *rec, GArray *ancestors,
                    GtProcListFn pslist, gpointer pslist_data, gint64 *retval)
{
  gboolean abort = FALSE;
  if (e->config) {
    CallView v;
    view_init(&v, rec, ancestors, FALSE);
    GtVerdict verdict;
    if (gt_config_match(e->config, &v.call, &verdict)) {
      if (verdict.abort && e->actions) {
        abort = TRUE;
        *retval = verdict.retval;
        post_event(e, GT_REPORT_ABORT, rec, verdict.filter, &v);
      } else {
        post_event(e, verdict.abort ? GT_REPORT_WOULD_ABORT : GT_REPORT_MATCH, rec,
                   verdict.filter, &v);
      }
    }
    view_clear(&v);
  }
  if (!abort)
    post_pslist(e, rec, pslist, pslist_data);
  return abort;
}

void
gt_enforcer_at_return(GtEnforcer *e, const GtRecord *rec, GArray *ancestors)
{
  if (!e->config)
    return;
  CallView v;
  view_init(&v, rec, ancestors, TRUE);
  GtVerdict verdict;
  if (gt_config_match(e->config, &v.call, &verdict) && !verdict.abort)
    post_event(e, GT_REPORT_MATCH, rec, verdict.filter, &v);
  view_clear(&v);
}
