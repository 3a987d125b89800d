/* The guest survives whatever happens to guestrace: SIGKILL while calls
 * blocked in the kernel have their returns redirected (repaired by the
 * guardian, by `guestrace recover`, or by the next attach), a reader that
 * goes away (`| head -1`), and a user-mode process jumping to a traced
 * kernel address. Each test checks what the guest's own workload saw. */
#include <signal.h>
#include <string.h>
#include <glib/gstdio.h>
#include "e2e-util.h"
#include "stub-proxy.h"

static char *journal_dir;

/* Runs a guestrace sub-command to its end; returns its status, its stderr
 * in *err. */
static int
run_guestrace(GkGuest *g, const char *sub, char **err)
{
  const char *argv[] = { e2e_guestrace_path(), sub, "--mem", gk_guest_mem_path(g),
                         gk_guest_spec(g), NULL };
  g_autofree char *sysmap = gk_image_sysmap_path();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDERR_PIPE |
                                                                 G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_subprocess_launcher_setenv(l, "GUESTRACE_SYSMAP", sysmap, TRUE);
  g_autoptr(GSubprocess) p = g_subprocess_launcher_spawnv(l, argv, &error);
  g_assert_no_error(error);
  g_assert_true(g_subprocess_communicate_utf8(p, NULL, NULL, NULL, err, &error));
  g_assert_no_error(error);
  g_test_message("guestrace %s: %s", sub, *err);
  if (!g_subprocess_get_if_exited(p))
    g_error("guestrace %s died of signal %d", sub, g_subprocess_get_term_sig(p));
  return g_subprocess_get_exit_status(p);
}

/* The guardian of the trace of g: the process whose command line is
 * `guestrace guardian FD GUEST ...`. */
static int
guardian_pid(GkGuest *g)
{
  for (int i = 0; i < 200; i++) {
    g_autoptr(GDir) d = g_dir_open("/proc", 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
      if (!g_ascii_isdigit(name[0]))
        continue;
      g_autofree char *path = g_build_filename("/proc", name, "cmdline", NULL);
      g_autofree char *cmd = NULL;
      gsize len = 0;
      if (!g_file_get_contents(path, &cmd, &len, NULL) || len < 20)
        continue;
      const char *arg1 = cmd + strlen(cmd) + 1;
      if (arg1 >= cmd + len || !g_str_equal(arg1, "guardian"))
        continue;
      const char *fd = arg1 + strlen(arg1) + 1;
      const char *spec = fd < cmd + len ? fd + strlen(fd) + 1 : NULL;
      if (spec && spec < cmd + len && g_str_equal(spec, gk_guest_spec(g)))
        return atoi(name);
    }
    g_usleep(50 * 1000);
  }
  g_error("no guardian process");
}

/* Waits until the journal of the trace has been left by its writer and
 * says how many return slots were in force: read from the file itself. */
static gboolean
journal_empty(void)
{
  g_autoptr(GDir) d = g_dir_open(journal_dir, 0, NULL);
  return !d || !g_dir_read_name(d);
}

/* The first number before `what` in text, -1 if none. */
static int
count_before(const char *text, const char *what)
{
  const char *s = strstr(text, what);
  if (!s)
    return -1;
  while (s > text && s[-1] == ' ')
    s--;
  while (s > text && g_ascii_isdigit(s[-1]))
    s--;
  return atoi(s);
}

/* Starts gtw-block under a trace of its two blocking calls and waits until
 * both are blocked with their returns redirected. */
static E2eTool *
block_under_trace(GkGuest *g)
{
  const char *extra[] = { "--format", "json", "-e", "read,clock_nanosleep", NULL };
  E2eTool *t = e2e_start_guestrace(g, extra);
  g_autoptr(GError) error = NULL;
  g_assert_true(gk_guest_run(g, "gtw-block 25000", &error));
  g_assert_true(gk_guest_wait_console(g, "GTW-BLOCK sleeping", 120, &error));
  g_assert_true(gk_guest_wait_console(g, "GTW-BLOCK reading", 120, &error));
  /* Both calls enter the kernel right after their marker. */
  g_usleep(4 * G_USEC_PER_SEC);
  return t;
}

/* The workload ran to its end by itself, its blocked calls returned their
 * real results, and the guest kernel never complained. */
static void
assert_guest_unharmed(GkGuest *g)
{
  g_autoptr(GError) error = NULL;
  g_assert_true(gk_guest_wait_console(g, "GK-RUN-END", 180, &error));
  g_autoptr(GPtrArray) wl = gk_guest_workload_log(g, "GTWL ");
  g_autoptr(GPtrArray) calls = e2e_parse_json_lines_array(wl);
  gboolean read_ok = FALSE, sleep_ok = FALSE;
  for (guint i = 0; i < calls->len; i++) {
    JsonObject *o = calls->pdata[i];
    const char *name = json_object_get_string_member(o, "syscall");
    if (g_str_equal(name, "read") && json_object_get_int_member(o, "ret") == 4)
      read_ok = TRUE;
    if (g_str_equal(name, "clock_nanosleep") && json_object_get_int_member(o, "ret") == 0)
      sleep_ok = TRUE;
  }
  g_autofree char *console = gk_guest_console(g);
  g_assert_null(strstr(console, "Oops"));
  g_assert_null(strstr(console, "int3:"));
  g_assert_null(strstr(console, "Kernel panic"));
  g_assert_null(strstr(console, "BUG:"));
  g_assert_true(read_ok);
  g_assert_true(sleep_ok);
  g_assert_cmpint(gk_guest_run_rc(g), ==, 0);
}

/* SIGKILL: the guardian repairs the guest within seconds. */
static void
test_sigkill_guardian(void)
{
  g_autoptr(GkGuest) g = e2e_boot();
  g_autoptr(E2eTool) t = block_under_trace(g);
  int gpid = guardian_pid(g);
  g_assert_cmpint(gpid, >, 0);
  gint64 t0 = g_get_monotonic_time();
  g_subprocess_send_signal(t->proc, SIGKILL);
  /* The guardian says what it repaired on the tracer's stderr. */
  g_autofree char *err = NULL;
  for (int i = 0; i < 600; i++) {
    g_free(err);
    err = e2e_tool_stderr(t);
    if (strstr(err, "return addresses restored"))
      break;
    g_usleep(50 * 1000);
  }
  double secs = (g_get_monotonic_time() - t0) / 1e6;
  g_test_message("stderr after SIGKILL (repaired after %.2f s): %s", secs, err);
  /* Both redirected returns repaired: still on their stacks, or a vCPU
   * left on the trap. */
  int slots = count_before(err, "return addresses restored");
  int vcpus = count_before(err, "vCPUs sent back");
  g_assert_cmpint(slots, >=, 2);
  g_assert_cmpint(vcpus, >=, 0);
  g_assert_cmpint(count_before(err, "could not be repaired"), ==, 0);
  assert_guest_unharmed(g);
  g_assert_true(journal_empty());
}

/* Kills the guardian, then the tracer: nothing repairs the guest yet. */
static void
kill_both(GkGuest *g, E2eTool *t)
{
  int gpid = guardian_pid(g);
  g_assert_cmpint(kill(gpid, SIGKILL), ==, 0);
  g_usleep(200 * 1000);
  g_subprocess_send_signal(t->proc, SIGKILL);
  g_usleep(3 * G_USEC_PER_SEC);
  g_assert_false(journal_empty());
}

/* SIGKILL of the tracer and its guardian, then `guestrace recover`. */
static void
test_sigkill_recover(void)
{
  g_autoptr(GkGuest) g = e2e_boot();
  g_autoptr(E2eTool) t = block_under_trace(g);
  kill_both(g, t);
  g_autofree char *err = NULL;
  g_assert_cmpint(run_guestrace(g, "recover", &err), ==, 0);
  g_assert_cmpint(count_before(err, "return addresses restored") +
                  count_before(err, "vCPUs sent back"), >=, 2);
  g_assert_cmpint(count_before(err, "could not be repaired"), ==, 0);
  g_assert_true(journal_empty());
  /* Nothing left: a second recover has nothing to do. */
  g_autofree char *again = NULL;
  g_assert_cmpint(run_guestrace(g, "recover", &again), ==, 0);
  g_assert_nonnull(strstr(again, "nothing to repair"));
  assert_guest_unharmed(g);
}

/* SIGKILL, then `guestrace recover` at once, while the guardian repairs
 * (or before it does): whichever reaches the stub first repairs, the other
 * waits for the stub (QEMU serves one debugger at a time) and finds
 * nothing left; recover succeeds either way. */
static void
test_sigkill_recover_at_once(void)
{
  g_autoptr(GkGuest) g = e2e_boot();
  g_autoptr(E2eTool) t = block_under_trace(g);
  g_assert_cmpint(guardian_pid(g), >, 0);
  g_subprocess_send_signal(t->proc, SIGKILL);
  g_autofree char *err = NULL;
  g_assert_cmpint(run_guestrace(g, "recover", &err), ==, 0);
  g_autofree char *tracer_err = NULL;
  for (int i = 0; i < 300 && !journal_empty(); i++)
    g_usleep(100 * 1000);
  tracer_err = e2e_tool_stderr(t);
  g_test_message("the guardian said: %s", tracer_err);
  int by_recover = MAX(count_before(err, "return addresses restored"), 0) +
                   MAX(count_before(err, "vCPUs sent back"), 0);
  int by_guardian = MAX(count_before(tracer_err, "return addresses restored"), 0) +
                    MAX(count_before(tracer_err, "vCPUs sent back"), 0);
  g_assert_cmpint(by_recover + by_guardian, >=, 2);
  g_assert_null(strstr(err, "could not be repaired, "));
  g_assert_true(journal_empty());
  assert_guest_unharmed(g);
}

/* SIGKILL of the tracer and its guardian, then any attach (here `ps`)
 * repairs first. */
static void
test_sigkill_attach_repairs(void)
{
  g_autoptr(GkGuest) g = e2e_boot();
  g_autoptr(E2eTool) t = block_under_trace(g);
  kill_both(g, t);
  g_autofree char *err = NULL;
  g_assert_cmpint(run_guestrace(g, "ps", &err), ==, 0);
  g_assert_nonnull(strstr(err, "repaired what a dead session left"));
  g_assert_cmpint(count_before(err, "return addresses restored") +
                  count_before(err, "vCPUs sent back"), >=, 2);
  assert_guest_unharmed(g);
  g_assert_true(journal_empty());
}

/* SIGINT while guestrace attaches (its guardian runs, so its handlers
 * do): it ends as soon as the attach is done, exits 0 with nothing of
 * its own left in the guest, and the guest runs on. The default action
 * used to kill it there, breakpoints half placed. */
static void
test_sigint_while_attaching(void)
{
  g_autoptr(GkGuest) g = e2e_boot();
  g_autofree char *sysmap = gk_image_sysmap_path();
  const char *argv[] = { e2e_guestrace_path(), "--mem", gk_guest_mem_path(g), "-m", sysmap,
                         "-e", "getpid,write,openat,close", gk_guest_spec(g), NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) p = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                         G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error(error);
  g_assert_cmpint(guardian_pid(g), >, 0);
  g_subprocess_send_signal(p, SIGINT);
  g_autofree char *err = NULL;
  g_assert_true(g_subprocess_communicate_utf8(p, NULL, NULL, NULL, &err, &error));
  g_assert_no_error(error);
  g_test_message("stderr: %s", err);
  g_assert_true(g_subprocess_get_if_exited(p));
  g_assert_cmpint(g_subprocess_get_exit_status(p), ==, 0);
  for (int i = 0; i < 100 && !journal_empty(); i++)
    g_usleep(100 * 1000);
  g_assert_true(journal_empty());
  g_autofree char *word = e2e_random_word();
  g_autofree char *run = g_strdup_printf("gtw-files %s", word);
  g_assert_true(gk_guest_run(g, run, &error));
  g_assert_true(gk_guest_wait_console(g, "GK-RUN-END rc=0", 180, &error));
  g_autofree char *console = gk_guest_console(g);
  g_assert_null(strstr(console, "Oops"));
  g_assert_null(strstr(console, "int3:"));
}

/* guestrace ... | head -1: the reader goes away, guestrace ends cleanly
 * (EPIPE is a write error, not a fatal signal) and the guest runs on. */
static void
test_head(void)
{
  g_autoptr(GkGuest) g = e2e_boot();
  g_autofree char *sysmap = gk_image_sysmap_path();
  g_autofree char *cmd = g_strdup_printf(
    "{ %s --mem %s -m %s -e getpid,write,openat,close %s; echo \"gt-status $?\" >&2; } "
    "| head -1", e2e_guestrace_path(), gk_guest_mem_path(g), sysmap, gk_guest_spec(g));
  const char *argv[] = { "sh", "-c", cmd, NULL };
  g_autoptr(E2eTool) t = e2e_tool_start(g, argv, "guestrace: tracing");
  g_autofree char *word = e2e_random_word();
  g_autofree char *run = g_strdup_printf("gtw-files %s", word);
  g_autoptr(GError) error = NULL;
  g_assert_true(gk_guest_run(g, run, &error));
  g_assert_true(gk_guest_wait_console(g, "GK-RUN-END rc=0", 180, &error));
  g_assert_cmpint(e2e_tool_finish(t, FALSE, 60), ==, 0);
  g_autofree char *err = e2e_tool_stderr(t);
  g_test_message("stderr: %s", err);
  g_assert_nonnull(strstr(err, "cannot write the trace (Broken pipe)"));
  g_assert_nonnull(strstr(err, "gt-status 0"));
  g_autofree char *out = e2e_tool_stdout(t);
  g_assert_cmpuint(strlen(out), >, 0);
  g_assert_true(journal_empty());
}

/* A user process jumping to a traced function's address (the breakpoint
 * matches before the CPU faults, under TCG) is not a call: no record from
 * it, tracing goes on for everyone. */
static void
test_user_jump(void)
{
  g_autoptr(GkGuest) g = e2e_boot();
  guint64 f = e2e_kallsyms_address(g, "__x64_sys_getpid");
  const char *extra[] = { "--format", "json", "-e", "getpid", NULL };
  g_autoptr(E2eTool) t = e2e_start_guestrace(g, extra);
  /* The breakpoint is on the ftrace NOP: at the entry, or after endbr64. */
  g_autofree char *cmd = g_strdup_printf("gtw-ujump %" G_GINT64_MODIFIER "x %"
                                         G_GINT64_MODIFIER "x", f, f + 4);
  g_autoptr(GError) error = NULL;
  g_assert_true(gk_guest_run(g, cmd, &error));
  g_assert_true(gk_guest_wait_console(g, "GK-RUN-END", 180, &error));
  g_usleep(500 * 1000);
  g_assert_cmpint(e2e_tool_finish(t, TRUE, 30), ==, 0);
  g_assert_cmpint(gk_guest_run_rc(g), ==, 0);   /* each child died of SIGSEGV */
  g_autofree char *err = e2e_tool_stderr(t);
  g_test_message("stderr: %s", err);
  g_assert_null(strstr(err, "dropped"));
  g_assert_null(strstr(err, "not trapped"));
  g_assert_null(strstr(err, "WARNING"));
  /* Every getpid the workload (parent and children) logged was traced,
   * and nothing more from those processes. */
  g_autoptr(GPtrArray) wl = gk_guest_workload_log(g, "GTWL ");
  g_autoptr(GPtrArray) calls = e2e_parse_json_lines_array(wl);
  g_autoptr(GHashTable) want = g_hash_table_new(g_direct_hash, g_direct_equal);
  for (guint i = 0; i < calls->len; i++) {
    JsonObject *o = calls->pdata[i];
    if (!g_str_equal(json_object_get_string_member(o, "syscall"), "getpid"))
      continue;
    gpointer pid = GINT_TO_POINTER((int)json_object_get_int_member(o, "pid"));
    g_hash_table_insert(want, pid,
                        GINT_TO_POINTER(GPOINTER_TO_INT(g_hash_table_lookup(want, pid)) + 1));
  }
  g_assert_cmpuint(g_hash_table_size(want), ==, 3);   /* parent + 2 children */
  g_autofree char *out = e2e_tool_stdout(t);
  g_autoptr(GPtrArray) tr = e2e_parse_json_lines(out, NULL);
  g_autoptr(GHashTable) got = g_hash_table_new(g_direct_hash, g_direct_equal);
  g_test_message("trace: %s", out);
  for (guint i = 0; i < tr->len; i++) {
    gpointer pid = GINT_TO_POINTER((int)json_object_get_int_member(tr->pdata[i], "pid"));
    /* The shell that forked the workload called getpid under its pid
     * before the exec. */
    if (g_hash_table_contains(want, pid) &&
        g_str_equal(json_object_get_string_member(tr->pdata[i], "comm"), "gtw-ujump"))
      g_hash_table_insert(got, pid,
                          GINT_TO_POINTER(GPOINTER_TO_INT(g_hash_table_lookup(got, pid)) + 1));
  }
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, want);
  while (g_hash_table_iter_next(&it, &k, &v))
    g_assert_cmpint(GPOINTER_TO_INT(g_hash_table_lookup(got, k)), ==, GPOINTER_TO_INT(v));
}

/* A stub that keeps refusing to read registers (E01) from the moment the
 * user asks guestrace to stop (stub-proxy.h, between guestrace and QEMU's
 * stub): guestrace cannot tell whether a vCPU stands on the return trap,
 * so it cannot put the redirected return addresses back (the journal
 * entry of a vCPU's slot is what sends it on). It must not detach then
 * (QEMU's detach removes the breakpoint on the trap, and the blocked
 * calls would return into its int3): it leaves the guest held, says what
 * is left in one line, exits 1, and the guardian (whose connection works)
 * repairs the guest. */
static void
test_stub_refuses(void)
{
  g_autoptr(GkGuest) g = e2e_boot();
  g_autoptr(StubProxy) proxy = stub_proxy_new("127.0.0.1", (guint16)gk_guest_gdb_port(g));
  g_autofree char *spec = g_strdup_printf("qemu:127.0.0.1:%u", stub_proxy_port(proxy));
  g_autofree char *sysmap = gk_image_sysmap_path();
  const char *argv[] = { e2e_guestrace_path(), "--mem", gk_guest_mem_path(g), "-m", sysmap,
                         "--format", "json", "-e", "read,clock_nanosleep", spec, NULL };
  g_autoptr(E2eTool) t = e2e_tool_start(g, argv, "guestrace: tracing");
  g_autoptr(GError) error = NULL;
  g_assert_true(gk_guest_run(g, "gtw-block 25000", &error));
  g_assert_true(gk_guest_wait_console(g, "GTW-BLOCK sleeping", 120, &error));
  g_assert_true(gk_guest_wait_console(g, "GTW-BLOCK reading", 120, &error));
  g_usleep(4 * G_USEC_PER_SEC);
  stub_proxy_refuse(proxy, "gp");
  int status = e2e_tool_finish(t, TRUE, 120);
  g_autofree char *err = NULL;
  for (int i = 0; i < 600; i++) {
    g_free(err);
    err = e2e_tool_stderr(t);
    if (strstr(err, "return addresses restored"))
      break;
    g_usleep(50 * 1000);
  }
  g_test_message("stderr (%u register reads refused): %s", stub_proxy_refused(proxy), err);
  g_assert_cmpuint(stub_proxy_refused(proxy), >, 0);
  g_assert_cmpint(status, ==, 1);
  /* One line says what is left and who repairs it. */
  const char *left = strstr(err, "guestrace: could not undo all our changes to ");
  g_assert_nonnull(left);
  g_autofree char *line = g_strndup(left, strcspn(left, "\n"));
  g_assert_cmpint(count_before(line, "return addresses still redirected"), >=, 2);
  g_assert_nonnull(strstr(line, "until the guardian or `guestrace recover"));
  /* The guardian repaired both through its own connection. */
  g_assert_cmpint(count_before(err, "return addresses restored") +
                  count_before(err, "vCPUs sent back"), >=, 2);
  g_assert_cmpint(count_before(err, "could not be repaired"), ==, 0);
  assert_guest_unharmed(g);
  g_assert_true(journal_empty());
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  journal_dir = g_dir_make_tmp("gt-e2e-journal-XXXXXX", NULL);
  g_setenv("GUESTRACE_JOURNAL_DIR", journal_dir, TRUE);
  g_test_add_func("/survive/user-jump", test_user_jump);
  g_test_add_func("/survive/head", test_head);
  g_test_add_func("/survive/sigint-while-attaching", test_sigint_while_attaching);
  g_test_add_func("/survive/sigkill-guardian", test_sigkill_guardian);
  g_test_add_func("/survive/sigkill-recover", test_sigkill_recover);
  g_test_add_func("/survive/sigkill-recover-at-once", test_sigkill_recover_at_once);
  g_test_add_func("/survive/sigkill-attach-repairs", test_sigkill_attach_repairs);
  g_test_add_func("/survive/stub-refuses-registers", test_stub_refuses);
  int rc = g_test_run();
  g_rmdir(journal_dir);
  g_free(journal_dir);
  return rc;
}
