/* guestrace [OPTIONS] GUEST: the option table, and the checks that make a
 * bad option a one-line error before anything is attached. */
#include "trace-options.h"

#include <errno.h>
#include <string.h>

/* strace's defaults: -s 32 in text; JSON keeps more of each string. */
#define GT_CLI_TEXT_SIZE 32
#define GT_CLI_JSON_SIZE 4096
#define GT_CLI_JSON_SIZE_MAX 1048576

static gboolean
count_debug(const char *name, const char *value, gpointer data, GError **error)
{
  ((GtTraceOptions *)data)->debug++;
  return TRUE;
}

/* -x once: hex for strings with non-ASCII bytes; -xx: every byte. */
static gboolean
count_hex(const char *name, const char *value, gpointer data, GError **error)
{
  ((GtTraceOptions *)data)->hex++;
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

static GOptionGroup *
trace_group(GtTraceOptions *o)
{
  const GOptionEntry entries[] = {
    { "trace", 'e', 0, G_OPTION_ARG_STRING_ARRAY, &o->traces, "System calls or kernel functions to trace, comma-separated (default: all system calls)", "LIST" },
    { "pid", 'p', 0, G_OPTION_ARG_STRING_ARRAY, &o->pids, "Only this process and its threads (repeatable)", "PID" },
    { "comm", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->comms, "Only processes with this name (repeatable)", "NAME" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &o->output, "Write the trace to FILE", "FILE" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &o->format, "text (default) or json", "FORMAT" },
    { "duration", 0, 0, G_OPTION_ARG_INT, &o->duration, "Stop after SECONDS", "SECONDS" },
    { "count", 0, 0, G_OPTION_ARG_INT64, &o->count, "Stop after N calls", "N" },
    { "summary", 0, 0, G_OPTION_ARG_NONE, &o->summary, "Print a table of calls, errors and time per syscall at exit", NULL },
    { "no-results", 0, 0, G_OPTION_ARG_NONE, &o->no_results, "Do not trap returns (one stop per call; results shown as ?)", NULL },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &o->config, "Config file: Functions, Filter and ProcessListNames lines (SIGUSR2 reloads it, SIGUSR1 flips the action switch)", "FILE" },
    { "events", 'a', 0, G_OPTION_ARG_NONE, &o->events, "Send events (match, abort, would-abort, pslist) to the event servers", NULL },
    { "server", 'w', 0, G_OPTION_ARG_STRING, &o->server, "Event server as host:port (HTTP POST to http://host:port/)", "HOST:PORT" },
    { "url", 'u', 0, G_OPTION_ARG_STRING, &o->url, "Event server POST URL", "URL" },
    { "nats", 0, 0, G_OPTION_ARG_STRING, &o->nats, "Also publish events to this NATS server (subject guestrace.DOMAIN.TYPE)", "URL" },
    { "spool", 0, 0, G_OPTION_ARG_FILENAME, &o->spool, "Where events wait while a server is down", "FILE" },
    { "spool-max", 0, 0, G_OPTION_ARG_STRING, &o->spool_max, "Bound on the spool file (default 1G); when full, events are dropped and counted", "SIZE" },
    { "domain", 0, 0, G_OPTION_ARG_STRING, &o->domain, "The name events carry (default: GUEST)", "NAME" },
    { "events-json", 0, 0, G_OPTION_ARG_NONE, &o->events_json, "Send events as JSON instead of the manual's text form", NULL },
    { "string-size", 's', 0, G_OPTION_ARG_INT, &o->string_size, "Bytes of a string shown in text before ... (default 32; paths are never cut)", "N" },
    { "json-string-size", 0, 0, G_OPTION_ARG_INT, &o->json_size, "Bytes of a string or buffer kept in JSON (default 4096, at most 1048576)", "N" },
    { "hex", 'x', G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, count_hex, "Strings with non-ASCII bytes in hex; twice (-xx): every byte in hex", NULL },
    { "fd-paths", 'y', 0, G_OPTION_ARG_NONE, &o->fd_paths, "Show what each descriptor is: 3</etc/passwd>, socket:[ino]", NULL },
    { "no-guardian", 0, 0, G_OPTION_ARG_NONE, &o->no_guardian, "Start no guardian process (nothing repairs the guest automatically if guestrace is killed)", NULL },
    { "debug", 'd', G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, count_debug, "More debug output on stderr (repeatable)", NULL },
    { NULL },
  };
  /* The callbacks get o as their data: a main group without user data
   * would give them NULL. */
  GOptionGroup *g = g_option_group_new("trace", "Tracing options", "Tracing options", o, NULL);
  g_option_group_add_entries(g, entries);
  return g;
}

/* The events options go together: -a needs a server, a server needs -a. */
static gboolean
check_events(const GtTraceOptions *o)
{
  gboolean any_server = o->server || o->url || o->nats;
  if (o->events && !any_server)
    gt_cli_error("-a needs an event server: -w HOST:PORT, -u URL or --nats URL");
  else if (any_server && !o->events)
    gt_cli_error("an event server was given without -a (enable events with -a)");
  else
    return TRUE;
  return FALSE;
}

static gboolean
check_numbers(GtTraceOptions *o)
{
  if (o->spool_max && !parse_size(o->spool_max, &o->spool_max_bytes)) {
    gt_cli_error("bad --spool-max '%s': expected a size in bytes, e.g. 500M or 2G",
                 o->spool_max);
    return FALSE;
  }
  if (o->string_size < 0 || o->json_size < 0 || o->json_size > GT_CLI_JSON_SIZE_MAX) {
    gt_cli_error("-s and --json-string-size take a number of bytes (--json-string-size at "
                 "most %d)", GT_CLI_JSON_SIZE_MAX);
    return FALSE;
  }
  if (o->duration < 0 || o->count < 0) {
    gt_cli_error("--duration and --count take a positive number");
    return FALSE;
  }
  for (char **p = o->pids; p && *p; p++) {
    gt_pid_t pid;
    if (!parse_pid(*p, &pid)) {
      gt_cli_error("bad --pid '%s': expected a positive process id", *p);
      return FALSE;
    }
    g_array_append_val(o->pid_list, pid);
  }
  return TRUE;
}

static gboolean
check_format(GtTraceOptions *o)
{
  if (!o->format || !strcmp(o->format, "text"))
    return TRUE;
  if ((o->json = !strcmp(o->format, "json")))
    return TRUE;
  gt_cli_error("unknown --format '%s': expected text or json", o->format);
  return FALSE;
}

const char *
gt_trace_options_parse(GtTraceOptions *o, int *argc, char ***argv)
{
  o->string_size = GT_CLI_TEXT_SIZE;
  o->json_size = GT_CLI_JSON_SIZE;
  o->pid_list = g_array_new(FALSE, FALSE, sizeof(gt_pid_t));
  g_autoptr(GOptionContext) ctx = g_option_context_new(
    "GUEST - trace the system calls of a virtual machine\n\n"
    "GUEST is qmp:PATH (a running QEMU's QMP socket), libvirt:NAME or libvirt+URI:NAME\n"
    "(a libvirt QEMU domain), qemu:HOST:PORT (QEMU gdb stub) or xen:DOMAIN.\n"
    "Without -m the kernel's symbols are read from guest memory.\n"
    "`guestrace ps GUEST` lists the guest's processes.");
  g_option_context_set_main_group(ctx, trace_group(o));
  gt_cli_add_guest_options(ctx, &o->guest);   /* into the same main group */
  const char *guest = gt_cli_parse(ctx, argc, argv);
  if (!guest || !check_events(o) || !check_numbers(o) || !check_format(o))
    return NULL;
  return guest;
}

void
gt_trace_options_clear(GtTraceOptions *o)
{
  gt_cli_guest_opts_clear(&o->guest);
  g_free(o->output);
  g_free(o->format);
  g_free(o->config);
  g_strfreev(o->traces);
  g_strfreev(o->pids);
  g_strfreev(o->comms);
  g_free(o->server);
  g_free(o->url);
  g_free(o->nats);
  g_free(o->spool);
  g_free(o->spool_max);
  g_free(o->domain);
  if (o->pid_list)
    g_array_unref(o->pid_list);
}
