/* End to end: the config-driven tracer of the seed manual on a real guest.
 * The manual's examples on today's syscall names, abort filters seen by
 * the guest program, SIGUSR1 (would-abort) and SIGUSR2 (reload; a broken
 * config changes nothing), and events delivered to a real HTTP server
 * (restarted mid-run, nothing lost) and to nats-server. */
#include "e2e-util.h"
#include "server-util.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  char *dir;
  char *out;           /* what the HTTP server received */
  guint16 port;
  GSubprocess *http;
  guint16 nats_port, nats_mon;
  GSubprocess *nats;
} Servers;

static void
http_start(Servers *s)
{
  g_autofree char *script = g_build_filename(GT_EVENTS_SRCDIR, "http-event-server.py", NULL);
  g_autofree char *port = g_strdup_printf("%u", s->port);
  g_autofree char *port_file = g_build_filename(s->dir, "port", NULL);
  unlink(port_file);
  const char *argv[] = { "python3", script, "--port", port, "--out", s->out,
                         "--port-file", port_file, NULL };
  s->http = ev_spawn(argv);
  g_free(ev_wait_file(port_file, 10000));
}

static void
servers_start(Servers *s, GkGuest *g)
{
  s->dir = g_strdup(gk_guest_dir(g));
  s->out = g_build_filename(s->dir, "events.txt", NULL);
  s->port = ev_free_port();
  http_start(s);
  s->nats_port = ev_free_port();
  s->nats_mon = ev_free_port();
  g_autofree char *np = g_strdup_printf("%u", s->nats_port);
  g_autofree char *mp = g_strdup_printf("%u", s->nats_mon);
  const char *argv[] = { "nats-server", "-a", "127.0.0.1", "-p", np, "-m", mp, NULL };
  s->nats = ev_spawn(argv);
  g_usleep(500 * 1000);
}

static void
servers_stop(Servers *s)
{
  ev_kill(s->http);
  ev_kill(s->nats);
  g_free(s->dir);
  g_free(s->out);
}

/* Messages nats-server received, from its monitoring endpoint. */
static gint64
nats_in_msgs(Servers *s)
{
  g_autofree char *url = g_strdup_printf("http://127.0.0.1:%u/varz", s->nats_mon);
  const char *argv[] = { "python3", "-c",
    "import json,sys,urllib.request;print(json.load(urllib.request.urlopen(sys.argv[1]))['in_msgs'])",
    url, NULL };
  g_autofree char *out = NULL;
  int status = 0;
  g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                             NULL, &status, NULL));
  return out ? g_ascii_strtoll(out, NULL, 10) : -1;
}

static char *
events_text(Servers *s)
{
  char *t = NULL;
  g_file_get_contents(s->out, &t, NULL, NULL);
  return t ? t : g_strdup("");
}

static guint
count(const char *hay, const char *needle)
{
  guint n = 0;
  for (const char *p = hay; (p = strstr(p, needle)); p++)
    n++;
  return n;
}

static E2eTool *
start_tracer(GkGuest *g, Servers *s, const char *config)
{
  g_autofree char *sysmap = gk_image_sysmap_path();
  g_autofree char *w = g_strdup_printf("127.0.0.1:%u", s->port);
  g_autofree char *nats = g_strdup_printf("nats://127.0.0.1:%u", s->nats_port);
  g_autofree char *spool = g_build_filename(s->dir, "spool", NULL);
  const char *argv[] = { e2e_guestrace_path(), "--mem", gk_guest_mem_path(g), "-m", sysmap,
                         "-c", config, "-a", "-w", w, "--nats", nats, "--spool", spool,
                         "--domain", "e2e", gk_guest_spec(g), NULL };
  return e2e_tool_start(g, argv, "guestrace: tracing");
}

static JsonObject *
find_log(GPtrArray *wl, const char *syscall, const char *comm)
{
  for (guint i = 0; i < wl->len; i++) {
    JsonObject *o = wl->pdata[i];
    if (json_object_has_member(o, "syscall") &&
        !g_strcmp0(json_object_get_string_member(o, "syscall"), syscall) &&
        (!comm || !g_strcmp0(json_object_get_string_member(o, "comm"), comm)) &&
        (!json_object_has_member(o, "ret") || !json_node_is_null(json_object_get_member(o, "ret"))))
      return o;
  }
  return NULL;
}

static void
test_manual_examples(void)
{
  g_autoptr(GkGuest) g = e2e_boot();
  Servers s = { 0 };
  servers_start(&s, g);
  g_autofree char *config = g_build_filename(gk_guest_dir(g), "guestrace.conf", NULL);
  g_assert_true(g_file_set_contents(config,
    "# The seed manual's examples, as written there\n"
    "Functions sys_execve,sys_waitpid,do_exit,sys_socketcall\n"
    "Filter  function=sys_execve,name=php-cgi,apply=1,retval=-1\n"
    "Filter  function=sys_waitpid,name=php-cgi,when=post,retval=^[1-9]\n"
    "Filter function=do_exit,name=gtw-segv,argname=code:signal,argval=SEGV\n"
    "Filter  function=sys_execve,argname=regs:filename,argval=/bin/nc,name=^apache\n"
    "Filter  function=sys_socketcall,argname=call:call,argval=connect\n"
    "Filter  function=sys_socketcall,argname=call:call,argval=accept,when=post\n"
    "ProcessListNames php-cgi,init\n", -1, NULL));
  g_autoptr(E2eTool) t = start_tracer(g, &s, config);
  g_autofree char *err0 = e2e_tool_stderr(t);
  g_test_message("guestrace: %s", err0);
  /* Old names are mapped, and it says so. */
  g_assert_nonnull(strstr(err0, "wait4"));

  g_autoptr(GError) error = NULL;
  g_assert_true(gk_guest_run(g,
    "cp /bin/gtw-forkexec /tmp/php-cgi; /tmp/php-cgi px; gtw-segv; "
    "printf '#!/bin/sh\\nsh -c \"/bin/nc -h\"\\n' > /tmp/apache; chmod +x /tmp/apache; "
    "/tmp/apache; gtw-net 7777; true", &error));
  g_assert_true(gk_guest_wait_console(g, "GK-RUN-END", 240, &error));
  g_assert_true(gk_guest_wait_poweroff(g, 60));
  g_assert_cmpint(e2e_tool_finish(t, FALSE, 60), ==, 0);
  g_autofree char *trace = e2e_tool_stdout(t);
  g_autofree char *err = e2e_tool_stderr(t);
  g_autofree char *ev = events_text(&s);
  g_test_message("events:\n%s", ev);

  /* php-cgi may not exec: its child's execve returned -1, never ran. */
  g_autoptr(GPtrArray) lines = gk_guest_workload_log(g, "GTWL ");
  g_autoptr(GPtrArray) wl = e2e_parse_json_lines_array(lines);
  JsonObject *exec = find_log(wl, "execve", "php-cgi");
  g_assert_nonnull(exec);
  g_assert_cmpint(json_object_get_int_member(exec, "ret"), ==, -1);
  g_assert_null(find_log(wl, "getpid", "gtw-hello"));
  g_assert_nonnull(strstr(trace, "(aborted by guestrace)"));
  g_assert_cmpuint(count(ev, "type=abort sys_execve("), ==, 1);
  /* waitpid post filter: wait4 returned the child's pid. */
  g_assert_cmpuint(count(ev, "type=match sys_wait4("), >=, 1);
  /* do_exit of a process killed by SIGSEGV. */
  g_assert_cmpuint(count(ev, "type=match do_exit("), ==, 1);
  /* nc exec'd by a descendant of apache. */
  g_assert_nonnull(strstr(ev, "\"/bin/nc\""));
  /* connect, and accept after it returned. */
  g_assert_cmpuint(count(ev, "type=match sys_connect("), ==, 1);
  g_assert_cmpuint(count(ev, "type=match sys_accept("), ==, 1);
  /* Process lists on fork/exec/wait, restricted to ProcessListNames. */
  g_assert_cmpuint(count(ev, "type=pslist"), >=, 3);
  g_assert_nonnull(strstr(ev, "name=php-cgi"));
  g_assert_null(strstr(ev, "name=kthreadd"));
  /* The same events reached nats-server. */
  guint http_events = count(ev, "domain=e2e");
  g_assert_cmpint(nats_in_msgs(&s), ==, http_events);
  servers_stop(&s);
}

static void
wait_phase(GkGuest *g, const char *marker)
{
  g_autoptr(GError) error = NULL;
  g_assert_true(gk_guest_wait_console(g, marker, 180, &error));
}

static void
test_abort_toggle_reload(void)
{
  g_autoptr(GkGuest) g = e2e_boot();
  Servers s = { 0 };
  servers_start(&s, g);
  g_autofree char *config = g_build_filename(gk_guest_dir(g), "guestrace.conf", NULL);
  g_assert_true(g_file_set_contents(config,
    "Functions openat\n"
    "Filter function=openat,argname=filename,argval=secret,apply=1,retval=-13\n", -1, NULL));
  g_autoptr(E2eTool) t = start_tracer(g, &s, config);
  g_autoptr(GError) error = NULL;
  /* Each phase opens a secret file and an open one; the host acts between
   * phases while the guest sleeps. */
  g_assert_true(gk_guest_run(g,
    "gtw-files secret1; gtw-files open1; echo PHASE1; sleep 4; "
    "gtw-files secret2; gtw-files open2; echo PHASE2; sleep 4; "
    "gtw-files secret3; gtw-files open3; echo PHASE3; sleep 4; "
    "gtw-files secret4; gtw-files open4; echo PHASE4", &error));

  wait_phase(g, "PHASE1");
  g_subprocess_send_signal(t->proc, SIGUSR1);          /* actions off */
  /* The event server restarts while events flow: nothing may be lost. */
  ev_kill(s.http);
  g_usleep(300 * 1000);
  wait_phase(g, "PHASE2");
  http_start(&s);
  g_subprocess_send_signal(t->proc, SIGUSR1);          /* actions on again */
  g_assert_true(g_file_set_contents(config,
    "Functions openat\n"
    "Filter function=openat,argname=filename,argval=open[34],apply=1,retval=-1\n", -1, NULL));
  g_subprocess_send_signal(t->proc, SIGUSR2);          /* now open3, open4 are refused */
  wait_phase(g, "PHASE3");
  g_assert_true(g_file_set_contents(config, "Filter function=openat,bogus=1\n", -1, NULL));
  g_subprocess_send_signal(t->proc, SIGUSR2);          /* broken: nothing changes */
  wait_phase(g, "GK-RUN-END");
  g_assert_true(gk_guest_wait_poweroff(g, 60));
  g_assert_cmpint(e2e_tool_finish(t, FALSE, 60), ==, 0);
  g_autofree char *err = e2e_tool_stderr(t);
  g_test_message("guestrace stderr:\n%s", err);
  g_assert_nonnull(strstr(err, "actions disabled"));
  g_assert_nonnull(strstr(err, "reloaded"));
  g_assert_nonnull(strstr(err, "reload rejected"));
  g_assert_nonnull(strstr(err, "guestrace.conf:1"));

  /* What the guest programs saw. */
  g_autoptr(GPtrArray) lines = gk_guest_workload_log(g, "GTWL ");
  g_autoptr(GPtrArray) wl = e2e_parse_json_lines_array(lines);
  struct { const char *file; gint64 ret; } want[] = {
    { "/tmp/secret1-a", -13 }, { "/tmp/open1-a", 3 },
    { "/tmp/secret2-a", 3 }, { "/tmp/open2-a", 3 },       /* actions off */
    { "/tmp/secret3-a", 3 }, { "/tmp/open3-a", -1 },      /* reloaded */
    { "/tmp/secret4-a", 3 }, { "/tmp/open4-a", -1 },      /* broken reload ignored */
  };
  for (guint k = 0; k < G_N_ELEMENTS(want); k++) {
    gboolean seen = FALSE;
    for (guint i = 0; i < wl->len && !seen; i++) {
      JsonObject *o = wl->pdata[i];
      if (g_strcmp0(json_object_get_string_member(o, "syscall"), "openat"))
        continue;
      JsonArray *a = json_object_get_array_member(o, "args");
      if (g_strcmp0(json_array_get_string_element(a, 1), want[k].file))
        continue;
      seen = TRUE;
      g_test_message("%s -> %" G_GINT64_FORMAT, want[k].file, json_object_get_int_member(o, "ret"));
      g_assert_cmpint(json_object_get_int_member(o, "ret"), ==, want[k].ret);
    }
    g_assert_true(seen);
  }
  /* Events: gtw-files opens its file twice and a missing one once, so
   * three aborts for secret1, three would-aborts for secret2, three aborts
   * each for open3 and open4 (the reloaded config). All delivered across
   * the server restart, in order. */
  g_autofree char *ev = events_text(&s);
  g_test_message("events:\n%s", ev);
  g_assert_cmpuint(count(ev, "type=abort"), ==, count(ev, "secret1") + count(ev, "open3") +
                                                  count(ev, "open4"));
  g_assert_cmpuint(count(ev, "secret1"), ==, 3);
  g_assert_cmpuint(count(ev, "type=would-abort"), ==, 3);
  g_assert_cmpuint(count(ev, "open3"), ==, 3);
  g_assert_cmpuint(count(ev, "open4"), ==, 3);
  g_assert_true(strstr(ev, "secret1") < strstr(ev, "secret2"));
  g_assert_true(strstr(ev, "secret2") < strstr(ev, "open3"));
  servers_stop(&s);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/policy/manual-examples", test_manual_examples);
  g_test_add_func("/policy/abort-toggle-reload", test_abort_toggle_reload);
  return g_test_run();
}
