/* guestrace [OPTIONS] GUEST: trace system calls and print them. */
#include "cli.h"
#include "summary.h"
#include "trace-options.h"

#include <errno.h>
#include <signal.h>
#include <glib-unix.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct {
  GtLoop *loop;
  const char *config_path;
  FILE *out;
  gboolean json;
  guint64 count, max_count;
  GtSummary *summary;
  int write_errno;      /* the first error writing the trace, 0 if none */
} TraceCtx;

/* The trace could not be written (a reader that went away, a full disk):
 * tracing ends as on SIGINT, once. */
static void
output_failed(TraceCtx *t)
{
  if (t->write_errno)
    return;
  t->write_errno = errno ? errno : EIO;
  gt_cli_error("cannot write the trace (%s): stopping", g_strerror(t->write_errno));
  gt_loop_quit(t->loop);
}

static void
on_record(const GtRecord *rec, gpointer data)
{
  TraceCtx *t = data;
  if ((t->max_count && t->count >= t->max_count) || t->write_errno)
    return;
  t->count++;
  if (t->summary) {
    gt_summary_add(t->summary, rec);
  } else {
    g_autofree char *line = t->json ? gt_record_format_json(rec) : gt_record_format_text(rec);
    errno = 0;
    if (fprintf(t->out, "%s\n", line) < 0 || fflush(t->out) != 0)
      output_failed(t);
  }
  if (t->max_count && t->count >= t->max_count)
    gt_loop_quit(t->loop);
}

/* Ends the session. Only a clean end (gt_loop_close: nothing of ours left
 * in the guest) releases the guardian; otherwise it stays on watch and,
 * once we are gone, reconnects and repairs from the journal as after a
 * SIGKILL, and the user is told what is left. */
static gboolean
close_loop(GtLoop *loop)
{
  g_autoptr(GError) left = NULL;
  if (!gt_loop_close(loop, &left)) {
    gt_cli_error("%s", left->message);
    return FALSE;
  }
  gt_guardian_release();
  return TRUE;
}

/* SIGINT, SIGTERM, SIGHUP, and SIGQUIT and SIGABRT sent by someone else,
 * end tracing, from the moment we start: one that comes while we attach
 * (its steps are bounded) ends the trace as soon as the attach is done,
 * and the detach is clean, where the default action would have killed us
 * with breakpoints half placed (seen: a bed's SIGINT one second after the
 * start; from a script's background job, which starts with SIGINT
 * ignored, it was lost). A second one while we attach is not waited
 * out: it takes its default action (the guardian repairs what the attach
 * had changed). A plain handler: gt_loop_quit, write and raise are
 * async-signal-safe. An abort() of our own still kills us after the
 * handler; the guardian repairs. */
static const int end_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGABRT };
static GtLoop *volatile quit_loop;
static volatile sig_atomic_t quit_pending;

static void
quit_handler(int sig)
{
  GtLoop *loop = quit_loop;
  if (loop) {
    gt_loop_quit(loop);
  } else if (quit_pending) {
    signal(sig, SIG_DFL);
    raise(sig);
  } else {
    quit_pending = 1;
    static const char said[] = "guestrace: stopping once attached (again to stop at once)\n";
    ssize_t r = write(STDERR_FILENO, said, sizeof said - 1);
    (void)r;
  }
}

static void
catch_end_signals(void)
{
  struct sigaction sa = { .sa_handler = quit_handler };
  sigemptyset(&sa.sa_mask);
  for (guint i = 0; i < G_N_ELEMENTS(end_signals); i++)
    sigaction(end_signals[i], &sa, NULL);
}

/* From now on a signal quits loop; one that came before already has. */
static void
quit_on_end_signals(GtLoop *loop)
{
  quit_loop = loop;
  if (quit_pending)
    gt_loop_quit(loop);
}

/* Once tracing has ended, the clean-up must not be cut short: a second
 * Ctrl-C, or one sent as the guest powered off by itself, is ignored until
 * we exit. The clean-up's requests are bounded by their timeouts; SIGKILL
 * still ends it, and then the guardian repairs. SIGQUIT and SIGABRT get
 * their default action back (an abort() of ours must still kill us). The
 * loop is forgotten only then: in between, a signal that found it gone
 * would be taken for a second one during an attach. */
static void
release_end_signals(void)
{
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGQUIT, SIG_DFL);
  signal(SIGABRT, SIG_DFL);
  quit_loop = NULL;
}

/* SIGUSR1: flip the global action switch (the seed's "would-abort"). */
static gboolean
on_usr1(gpointer data)
{
  TraceCtx *t = data;
  gboolean on = !gt_loop_get_actions_enabled(t->loop);
  gt_loop_set_actions_enabled(t->loop, on);
  gt_cli_error("actions %s", on ? "enabled: abort filters abort"
                                : "disabled: abort filters report would-abort");
  return G_SOURCE_CONTINUE;
}

/* SIGUSR2: reload the config; a broken one changes nothing. */
static gboolean
on_usr2(gpointer data)
{
  TraceCtx *t = data;
  if (!t->config_path) {
    gt_cli_error("SIGUSR2: no config file to reload (no -c)");
    return G_SOURCE_CONTINUE;
  }
  g_autoptr(GError) error = NULL;
  if (gt_loop_set_config(t->loop, t->config_path, &error))
    gt_cli_error("reloaded %s: %u functions traced", t->config_path,
                 gt_loop_get_probe_count(t->loop));
  else
    gt_cli_error("reload rejected, the previous config stays in force: %s", error->message);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_duration(gpointer data)
{
  gt_loop_quit(data);
  return G_SOURCE_REMOVE;
}

/* The probes asked for: a config's Functions, the -e lists, or every
 * system call when neither is given. */
static gboolean
add_probes(GtLoop *loop, const GtTraceOptions *o, GError **error)
{
  if (o->config) {
    if (!gt_loop_set_config(loop, o->config, error))
      return FALSE;
    for (const char *const *n = gt_loop_get_config_notes(loop); n && *n; n++)
      gt_cli_error("%s", *n);
  }
  if (!o->traces)
    return o->config || gt_loop_trace_all_syscalls(loop, error);
  for (char **t = o->traces; *t; t++) {
    g_auto(GStrv) names = g_strsplit(*t, ",", -1);
    for (char **n = names; *n; n++) {
      g_strstrip(*n);
      if (**n && !gt_loop_trace(loop, *n, error))
        return FALSE;
    }
  }
  return TRUE;
}

static gboolean
enable_events(GtLoop *loop, const GtTraceOptions *o, GError **error)
{
  GtEventOptions eo = {
    .domain = o->domain, .http_url = o->url, .host_port = o->server, .nats_url = o->nats,
    .spool_path = o->spool, .json = o->events_json, .spool_max_bytes = o->spool_max_bytes,
  };
  return gt_loop_enable_events(loop, &eo, error);
}

/* How records are made and filtered, set before the loop starts (the
 * setters refuse once it has). */
static void
set_output(GtLoop *loop, const GtTraceOptions *o, TraceCtx *tc)
{
  gt_loop_set_record_cb(loop, on_record, tc, NULL);
  gt_loop_set_want_results(loop, !o->no_results);
  gt_loop_set_string_size(loop, (guint)o->string_size, (gsize)o->json_size);
  gt_loop_set_string_style(loop, o->hex == 0   ? GT_ESCAPE_OCTAL
                                 : o->hex == 1 ? GT_ESCAPE_HEX_NONASCII
                                               : GT_ESCAPE_HEX_ALL);
  gt_loop_set_show_fd_paths(loop, o->fd_paths);
  /* Text shows envp's count only: then its strings are not read. */
  gt_loop_set_envp_strings(loop, o->json);
  for (guint i = 0; i < o->pid_list->len; i++)
    gt_loop_add_pid_filter(loop, g_array_index(o->pid_list, gt_pid_t, i));
  for (char **c = o->comms; c && *c; c++)
    gt_loop_add_comm_filter(loop, *c);
}

static gboolean
start_tracing(GtLoop *loop, const GtTraceOptions *o, TraceCtx *tc, GError **error)
{
  if (!add_probes(loop, o, error) || (o->events && !enable_events(loop, o, error)))
    return FALSE;
  set_output(loop, o, tc);
  return gt_loop_start(loop, error);
}

/* Runs the loop until a signal, --duration, --count, an output error or
 * the guest ends it. */
static void
run_traced(GtLoop *loop, TraceCtx *tc, gint duration)
{
  guint sigusr1 = g_unix_signal_add(SIGUSR1, on_usr1, tc);
  guint sigusr2 = g_unix_signal_add(SIGUSR2, on_usr2, tc);
  guint timer = duration ? g_timeout_add_seconds((guint)duration, on_duration, loop) : 0;
  gt_loop_run(loop);
  g_source_remove(sigusr1);
  g_source_remove(sigusr2);
  if (timer && g_main_context_find_source_by_id(NULL, timer))
    g_source_remove(timer);
}

/* Why tracing ended, the summary and the counts; the exit status. */
static int
report_end(GtLoop *loop, TraceCtx *tc)
{
  int status = GT_EXIT_OK;
  switch (gt_loop_get_exit_reason(loop)) {
  case GT_EXIT_GUEST_GONE:
    gt_cli_error("the guest powered off");
    break;
  case GT_EXIT_ERROR:
    gt_cli_error("%s", gt_loop_get_error(loop)->message);
    status = GT_EXIT_RUNTIME;
    break;
  default:
    break;
  }
  if (tc->write_errno && tc->write_errno != EPIPE)
    status = GT_EXIT_RUNTIME;
  if (tc->summary)
    gt_summary_print(tc->summary, tc->out);
  fprintf(stderr, "guestrace: %" G_GUINT64_FORMAT " calls reported, %" G_GUINT64_FORMAT
          " stops\n", tc->count, gt_loop_get_stop_count(loop));
  guint64 median_us = 0, worst_us = 0;
  if (gt_loop_get_stop_times(loop, &median_us, &worst_us))
    fprintf(stderr, "guestrace: stop time median %" G_GUINT64_FORMAT " us, worst %"
            G_GUINT64_FORMAT " us\n", median_us, worst_us);
  return status;
}

static void
close_output(FILE *out)
{
  if (out != stdout)
    fclose(out);
}

int
gt_cmd_trace(int argc, char **argv)
{
  g_auto(GtTraceOptions) o = { 0 };
  const char *guest = gt_trace_options_parse(&o, &argc, &argv);
  if (!guest)
    return GT_EXIT_USAGE;
  if (o.debug > 0)
    g_setenv("G_MESSAGES_DEBUG", "guestrace", TRUE);
  FILE *out = stdout;
  if (o.output && !(out = fopen(o.output, "w"))) {
    gt_cli_error("cannot write %s: %s", o.output, g_strerror(errno));
    return GT_EXIT_USAGE;
  }
  catch_end_signals();   /* before the guardian: once it runs, so do they */
  /* Before attaching: from the first change we make, someone repairs the
   * guest if we die. */
  const char *mem = o.guest.mem ? o.guest.mem : g_getenv("GUESTRACE_MEM");
  if (!o.no_guardian && gt_guardian_start(guest, mem) < 0)
    gt_cli_error("cannot start the guardian (%s): if guestrace is killed, run "
                 "`guestrace recover %s`", g_strerror(errno), guest);
  GtLoop *loop = gt_cli_open(guest, &o.guest);
  if (!loop) {
    gt_guardian_release();
    close_output(out);
    return GT_EXIT_USAGE;
  }
  quit_on_end_signals(loop);
  TraceCtx tc = { .loop = loop, .config_path = o.config, .out = out, .json = o.json,
                  .max_count = (guint64)o.count,
                  .summary = o.summary ? gt_summary_new() : NULL };
  g_autoptr(GError) error = NULL;
  int status = GT_EXIT_USAGE;
  if (!start_tracing(loop, &o, &tc, &error)) {
    gt_cli_error("%s", error->message);
  } else {
    fprintf(stderr, "guestrace: tracing %u functions in %s\n", gt_loop_get_probe_count(loop),
            guest);
    run_traced(loop, &tc, o.duration);
    status = report_end(loop, &tc);
  }
  release_end_signals();   /* before the loop goes: the handler uses it */
  if (!close_loop(loop))
    status = GT_EXIT_RUNTIME;
  gt_summary_free(tc.summary);
  close_output(out);
  return status;
}
