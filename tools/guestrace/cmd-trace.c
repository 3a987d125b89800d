/* guestrace [OPTIONS] GUEST: trace system calls and print them. */
#include "cli.h"
#include "summary.h"

#include <errno.h>
#include <signal.h>
#include <glib-unix.h>
#include <stdio.h>
#include <string.h>

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

static gboolean
on_signal(gpointer data)
{
  gt_loop_quit(data);
  return G_SOURCE_CONTINUE;
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

/* SIGQUIT and SIGABRT (sent by someone else) end tracing as SIGINT does.
 * GLib cannot watch them, so a plain handler does: gt_loop_quit is
 * async-signal-safe. An abort() of our own still kills us after the
 * handler; then the guardian repairs the guest. */
static GtLoop *volatile quit_loop;

static void
quit_handler(int sig)
{
  (void)sig;
  if (quit_loop)
    gt_loop_quit(quit_loop);
}

static void
catch_quit_signals(GtLoop *loop)
{
  quit_loop = loop;
  struct sigaction sa = { .sa_handler = quit_handler };
  sigemptyset(&sa.sa_mask);
  sigaction(SIGQUIT, &sa, NULL);
  sigaction(SIGABRT, &sa, NULL);
}

static void
release_quit_signals(void)
{
  signal(SIGQUIT, SIG_DFL);
  signal(SIGABRT, SIG_DFL);
  quit_loop = NULL;
}

/* Once tracing has ended, the clean-up must not be cut short: a second
 * Ctrl-C, or one sent as the guest powered off by itself, is ignored until
 * we exit (GLib put the default action back when its watches went). The
 * clean-up's requests are bounded by their timeouts; SIGKILL still ends
 * it, and then the guardian repairs. */
static void
ignore_end_signals(void)
{
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
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

static gint debug_level;
/* strace's defaults: -s 32 in text; JSON keeps more of each string. */
#define GT_CLI_TEXT_SIZE 32
#define GT_CLI_JSON_SIZE 4096

static gboolean
count_debug(const char *name, const char *value, gpointer data, GError **error)
{
  debug_level++;
  return TRUE;
}

/* -x once: hex for strings with non-ASCII bytes; -xx: every byte. */
static gint hex_level;

static gboolean
count_hex(const char *name, const char *value, gpointer data, GError **error)
{
  hex_level++;
  return TRUE;
}

static gboolean
parse_pid(const char *s, gt_pid_t *pid)
{
  char *end = NULL;
  errno = 0;
  gint64 v = g_ascii_strtoll(s, &end, 10);
  if (errno || !*s || *end || v <= 0 || v > G_MAXINT32)
    return FALSE;
  *pid = (gt_pid_t)v;
  return TRUE;
}

/* A size: a positive number of bytes with an optional K, M or G suffix
 * (powers of 1024). */
static gboolean
parse_size(const char *s, guint64 *bytes)
{
  char *end = NULL;
  errno = 0;
  guint64 v = g_ascii_strtoull(s, &end, 10);
  if (errno || end == s || !g_ascii_isdigit(*s) || v == 0)
    return FALSE;
  guint shift = 0;
  if (*end) {
    const char *units = "KMG";
    const char *u = strchr(units, g_ascii_toupper(*end));
    if (!u || end[1])
      return FALSE;
    shift = 10 * (guint)(u - units + 1);
  }
  if (v > (G_MAXUINT64 >> shift))
    return FALSE;
  *bytes = v << shift;
  return TRUE;
}

int
gt_cmd_trace(int argc, char **argv)
{
  g_auto(GtCliGuestOpts) gopts = { 0 };
  g_autofree char *output = NULL;
  g_autofree char *format = NULL;
  g_auto(GStrv) traces = NULL, pids = NULL, comms = NULL;
  gint duration = 0;
  gint64 count = 0;
  gboolean summary = FALSE, no_results = FALSE, no_guardian = FALSE;
  g_autofree char *config = NULL, *server = NULL, *url = NULL, *nats = NULL, *spool = NULL;
  g_autofree char *domain = NULL, *spool_max = NULL;
  gboolean events = FALSE, events_json = FALSE;
  gint debug = 0;
  gint string_size = GT_CLI_TEXT_SIZE, json_size = GT_CLI_JSON_SIZE;
  gboolean fd_paths = FALSE;
  GOptionEntry entries[] = {
    { "trace", 'e', 0, G_OPTION_ARG_STRING_ARRAY, &traces, "System calls or kernel functions to trace, comma-separated (default: all system calls)", "LIST" },
    { "pid", 'p', 0, G_OPTION_ARG_STRING_ARRAY, &pids, "Only this process and its threads (repeatable)", "PID" },
    { "comm", 0, 0, G_OPTION_ARG_STRING_ARRAY, &comms, "Only processes with this name (repeatable)", "NAME" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Write the trace to FILE", "FILE" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, "text (default) or json", "FORMAT" },
    { "duration", 0, 0, G_OPTION_ARG_INT, &duration, "Stop after SECONDS", "SECONDS" },
    { "count", 0, 0, G_OPTION_ARG_INT64, &count, "Stop after N calls", "N" },
    { "summary", 0, 0, G_OPTION_ARG_NONE, &summary, "Print a table of calls, errors and time per syscall at exit", NULL },
    { "no-results", 0, 0, G_OPTION_ARG_NONE, &no_results, "Do not trap returns (one stop per call; results shown as ?)", NULL },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config, "Config file: Functions, Filter and ProcessListNames lines (SIGUSR2 reloads it, SIGUSR1 flips the action switch)", "FILE" },
    { "events", 'a', 0, G_OPTION_ARG_NONE, &events, "Send events (match, abort, would-abort, pslist) to the event servers", NULL },
    { "server", 'w', 0, G_OPTION_ARG_STRING, &server, "Event server as host:port (HTTP POST to http://host:port/)", "HOST:PORT" },
    { "url", 'u', 0, G_OPTION_ARG_STRING, &url, "Event server POST URL", "URL" },
    { "nats", 0, 0, G_OPTION_ARG_STRING, &nats, "Also publish events to this NATS server (subject guestrace.DOMAIN.TYPE)", "URL" },
    { "spool", 0, 0, G_OPTION_ARG_FILENAME, &spool, "Where events wait while a server is down", "FILE" },
    { "spool-max", 0, 0, G_OPTION_ARG_STRING, &spool_max, "Bound on the spool file (default 1G); when full, events are dropped and counted", "SIZE" },
    { "domain", 0, 0, G_OPTION_ARG_STRING, &domain, "The name events carry (default: GUEST)", "NAME" },
    { "events-json", 0, 0, G_OPTION_ARG_NONE, &events_json, "Send events as JSON instead of the manual's text form", NULL },
    { "string-size", 's', 0, G_OPTION_ARG_INT, &string_size, "Bytes of a string shown in text before ... (default 32; paths are never cut)", "N" },
    { "json-string-size", 0, 0, G_OPTION_ARG_INT, &json_size, "Bytes of a string or buffer kept in JSON (default 4096, at most 1048576)", "N" },
    { "hex", 'x', G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, count_hex, "Strings with non-ASCII bytes in hex; twice (-xx): every byte in hex", NULL },
    { "fd-paths", 'y', 0, G_OPTION_ARG_NONE, &fd_paths, "Show what each descriptor is: 3</etc/passwd>, socket:[ino]", NULL },
    { "no-guardian", 0, 0, G_OPTION_ARG_NONE, &no_guardian, "Start no guardian process (nothing repairs the guest automatically if guestrace is killed)", NULL },
    { "debug", 'd', G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, count_debug, "More debug output on stderr (repeatable)", NULL },
    { NULL },
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new(
    "GUEST - trace the system calls of a virtual machine\n\n"
    "GUEST is qmp:PATH (a running QEMU's QMP socket), libvirt:NAME or libvirt+URI:NAME\n"
    "(a libvirt QEMU domain), qemu:HOST:PORT (QEMU gdb stub) or xen:DOMAIN.\n"
    "Without -m the kernel's symbols are read from guest memory.\n"
    "`guestrace ps GUEST` lists the guest's processes.");
  gt_cli_add_guest_options(ctx, &gopts);
  g_option_context_add_main_entries(ctx, entries, NULL);
  const char *guest = gt_cli_parse(ctx, &argc, &argv);
  if (!guest)
    return GT_EXIT_USAGE;
  g_autoptr(GError) error = NULL;
  debug = debug_level;
  if (debug > 0)
    g_setenv("G_MESSAGES_DEBUG", "guestrace", TRUE);
  if (events && !server && !url && !nats) {
    gt_cli_error("-a needs an event server: -w HOST:PORT, -u URL or --nats URL");
    return GT_EXIT_USAGE;
  }
  if ((server || url || nats) && !events) {
    gt_cli_error("an event server was given without -a (enable events with -a)");
    return GT_EXIT_USAGE;
  }
  guint64 spool_max_bytes = 0;
  if (spool_max && !parse_size(spool_max, &spool_max_bytes)) {
    gt_cli_error("bad --spool-max '%s': expected a size in bytes, e.g. 500M or 2G", spool_max);
    return GT_EXIT_USAGE;
  }
  gboolean json = FALSE;
  if (format && !(json = !strcmp(format, "json")) && strcmp(format, "text")) {
    gt_cli_error("unknown --format '%s': expected text or json", format);
    return GT_EXIT_USAGE;
  }
  if (string_size < 0 || json_size < 0 || json_size > 1048576) {
    gt_cli_error("-s and --json-string-size take a number of bytes (--json-string-size at "
                 "most 1048576)");
    return GT_EXIT_USAGE;
  }
  if (duration < 0 || count < 0) {
    gt_cli_error("--duration and --count take a positive number");
    return GT_EXIT_USAGE;
  }
  g_autoptr(GArray) pid_list = g_array_new(FALSE, FALSE, sizeof(gt_pid_t));
  for (char **p = pids; p && *p; p++) {
    gt_pid_t pid;
    if (!parse_pid(*p, &pid)) {
      gt_cli_error("bad --pid '%s': expected a positive process id", *p);
      return GT_EXIT_USAGE;
    }
    g_array_append_val(pid_list, pid);
  }
  FILE *out = stdout;
  if (output && !(out = fopen(output, "w"))) {
    gt_cli_error("cannot write %s: %s", output, g_strerror(errno));
    return GT_EXIT_USAGE;
  }

  /* Before attaching: from the first change we make, someone repairs the
   * guest if we die. */
  if (!no_guardian && gt_guardian_start(guest, gopts.mem ? gopts.mem : g_getenv("GUESTRACE_MEM")) < 0)
    gt_cli_error("cannot start the guardian (%s): if guestrace is killed, run "
                 "`guestrace recover %s`", g_strerror(errno), guest);
  GtLoop *loop = gt_cli_open(guest, &gopts);
  if (!loop) {
    gt_guardian_release();
    if (out != stdout)
      fclose(out);
    return GT_EXIT_USAGE;
  }
  int status = GT_EXIT_OK;
  gboolean ok = TRUE;
  if (config) {
    ok = gt_loop_set_config(loop, config, &error);
    for (const char *const *n = ok ? gt_loop_get_config_notes(loop) : NULL; n && *n; n++)
      gt_cli_error("%s", *n);
  }
  if (!ok) {
  } else if (!traces) {
    if (!config)
      ok = gt_loop_trace_all_syscalls(loop, &error);
  } else {
    for (char **t = traces; ok && *t; t++) {
      g_auto(GStrv) names = g_strsplit(*t, ",", -1);
      for (char **n = names; ok && *n; n++) {
        g_strstrip(*n);
        if (**n)
          ok = gt_loop_trace(loop, *n, &error);
      }
    }
  }
  if (ok && events) {
    GtEventOptions eo = {
      .domain = domain, .http_url = url, .host_port = server, .nats_url = nats,
      .spool_path = spool, .json = events_json, .spool_max_bytes = spool_max_bytes,
    };
    ok = gt_loop_enable_events(loop, &eo, &error);
  }
  TraceCtx tc = { .loop = loop, .config_path = config, .out = out, .json = json,
                  .max_count = (guint64)count };
  if (summary)
    tc.summary = gt_summary_new();
  if (ok) {
    gt_loop_set_record_cb(loop, on_record, &tc, NULL);
    gt_loop_set_want_results(loop, !no_results);
    gt_loop_set_string_size(loop, (guint)string_size, (gsize)json_size);
    gt_loop_set_string_style(loop, hex_level == 0   ? GT_ESCAPE_OCTAL
                                   : hex_level == 1 ? GT_ESCAPE_HEX_NONASCII
                                                    : GT_ESCAPE_HEX_ALL);
    gt_loop_set_show_fd_paths(loop, fd_paths);
    /* Text shows envp's count only: then its strings are not read. */
    gt_loop_set_envp_strings(loop, json);
    for (guint i = 0; i < pid_list->len; i++)
      gt_loop_add_pid_filter(loop, g_array_index(pid_list, gt_pid_t, i));
    for (char **c = comms; c && *c; c++)
      gt_loop_add_comm_filter(loop, *c);
    ok = gt_loop_start(loop, &error);
  }
  if (!ok) {
    gt_cli_error("%s", error->message);
    close_loop(loop);
    gt_summary_free(tc.summary);
    if (out != stdout)
      fclose(out);
    return GT_EXIT_USAGE;
  }
  fprintf(stderr, "guestrace: tracing %u functions in %s\n", gt_loop_get_probe_count(loop), guest);
  guint sigint = g_unix_signal_add(SIGINT, on_signal, loop);
  guint sigterm = g_unix_signal_add(SIGTERM, on_signal, loop);
  guint sighup = g_unix_signal_add(SIGHUP, on_signal, loop);
  catch_quit_signals(loop);
  guint sigusr1 = g_unix_signal_add(SIGUSR1, on_usr1, &tc);
  guint sigusr2 = g_unix_signal_add(SIGUSR2, on_usr2, &tc);
  guint timer = duration ? g_timeout_add_seconds((guint)duration, on_duration, loop) : 0;
  gt_loop_run(loop);
  g_source_remove(sigint);
  g_source_remove(sigterm);
  g_source_remove(sighup);
  release_quit_signals();
  ignore_end_signals();
  g_source_remove(sigusr1);
  g_source_remove(sigusr2);
  if (timer && g_main_context_find_source_by_id(NULL, timer))
    g_source_remove(timer);
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
  if (tc.write_errno && tc.write_errno != EPIPE)
    status = GT_EXIT_RUNTIME;
  if (tc.summary)
    gt_summary_print(tc.summary, out);
  fprintf(stderr, "guestrace: %" G_GUINT64_FORMAT " calls reported, %" G_GUINT64_FORMAT
          " stops\n", tc.count, gt_loop_get_stop_count(loop));
  guint64 median_us = 0, worst_us = 0;
  if (gt_loop_get_stop_times(loop, &median_us, &worst_us))
    fprintf(stderr, "guestrace: stop time median %" G_GUINT64_FORMAT " us, worst %"
            G_GUINT64_FORMAT " us\n", median_us, worst_us);
  if (!close_loop(loop))
    status = GT_EXIT_RUNTIME;
  gt_summary_free(tc.summary);
  if (out != stdout)
    fclose(out);
  return status;
}
