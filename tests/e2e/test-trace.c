/* End to end: guestrace traces a real guest (KASLR on, two vCPUs) while
 * workloads run, and what it saw is compared with the workloads' own logs
 * of every system call they made, and with strace run inside the guest. */
#include "e2e-util.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

/* The system calls the workloads make themselves. */
static const char *traced =
  "openat,read,write,close,getpid,getppid,getuid,getgid,gettid,unlink,clone,fork,"
  "setuid,setgid,execve,wait4,exit_group,exit,sched_setaffinity,clock_nanosleep";

/* guestrace reads guest RAM from QEMU's own memory: it holds
 * /proc/QEMU_PID/mem open. */
static void
assert_reads_qemu_process(GkGuest *g, E2eTool *t)
{
  const char *pid = g_subprocess_get_identifier(t->proc);
  g_assert_nonnull(pid);
  g_autofree char *fddir = g_strdup_printf("/proc/%s/fd", pid);
  g_autofree char *want = g_strdup_printf("/proc/%d/mem", (int)gk_guest_qemu_pid(g));
  g_autoptr(GDir) d = g_dir_open(fddir, 0, NULL);
  g_assert_nonnull(d);
  gboolean found = FALSE;
  for (const char *n; !found && (n = g_dir_read_name(d));) {
    g_autofree char *link = g_build_filename(fddir, n, NULL);
    g_autofree char *target = g_file_read_link(link, NULL);
    found = target && strcmp(target, want) == 0;
  }
  g_assert_true(found);
}

static GkGuest *
boot_for(E2eAttach mode)
{
  GkOptions o = { .qmp_only = mode == E2E_ATTACH_QMP };
  return e2e_boot_with(&o);
}

/* The trace's value of each argument in kernel order: what the kernel
 * wrote back ("out") when the tracer decoded it at the return, else the
 * value at the call. */
static GPtrArray *
trace_values(JsonObject *tr)
{
  GPtrArray *v = g_ptr_array_new();
  JsonObject *args = json_object_get_object_member(tr, "args");
  JsonObject *out = json_object_has_member(tr, "out") ? json_object_get_object_member(tr, "out")
                                                      : NULL;
  g_autoptr(GList) names = json_object_get_members(args);
  for (GList *l = names; l; l = l->next) {
    const char *n = l->data;
    g_ptr_array_add(v, out && json_object_has_member(out, n) ? json_object_get_member(out, n)
                                                             : json_object_get_member(args, n));
  }
  return v;
}

static gboolean
is_string(JsonNode *n)
{
  return n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING;
}

/* Key of one call for matching: thread, name and the arguments. Where one
 * side has a string and the other a number (an output buffer the tracer
 * could not decode, or a pointer the workload logs by content) the argument
 * is left out of the key on both sides. use_trace picks which side's
 * values are printed. */
static char *
call_key(JsonObject *wl, JsonObject *tr, gboolean use_trace)
{
  GString *k = g_string_new(NULL);
  g_string_append_printf(k, "%" G_GINT64_FORMAT " %s(", json_object_get_int_member(wl, "tid"),
                         json_object_get_string_member(wl, "syscall"));
  JsonArray *wargs = json_object_get_array_member(wl, "args");
  g_autoptr(GPtrArray) tvals = tr ? trace_values(tr) : g_ptr_array_new();
  for (guint i = 0; i < json_array_get_length(wargs); i++) {
    JsonNode *w = json_array_get_element(wargs, i);
    JsonNode *t = i < tvals->len ? tvals->pdata[i] : NULL;
    if (tr && is_string(w) != is_string(t)) {
      g_string_append(k, "_,");
      continue;
    }
    g_autofree char *txt = e2e_json_text(use_trace ? t : w);
    g_string_append_printf(k, "%s,", txt);
  }
  g_string_append_c(k, ')');
  return g_string_free(k, FALSE);
}

static gboolean
same_int(JsonObject *a, const char *ka, JsonObject *b, const char *kb)
{
  return json_object_get_int_member(a, ka) == json_object_get_int_member(b, kb);
}

/* Every logged call appears in the trace exactly once, with the right
 * process, thread, parent, user, name, arguments and result. */
static void
compare(GPtrArray *wl, GPtrArray *tr)
{
  /* Trace records by thread and name, in order. */
  g_autoptr(GHashTable) used = g_hash_table_new(NULL, NULL);
  guint matched = 0;
  for (guint i = 0; i < wl->len; i++) {
    JsonObject *w = wl->pdata[i];
    const char *name = json_object_get_string_member(w, "syscall");
    gint64 tid = json_object_get_int_member(w, "tid");
    JsonObject *hit = NULL;
    guint candidates = 0;
    /* Among the unused records of the same call, prefer one from the same
     * program: a shell may make the same call just before it execs. */
    for (guint pass = 0; pass < 2 && !hit; pass++) {
      for (guint j = 0; j < tr->len; j++) {
        JsonObject *t = tr->pdata[j];
        if (json_object_get_int_member(t, "tid") != tid ||
            g_strcmp0(json_object_get_string_member(t, "syscall"), name) ||
            g_hash_table_contains(used, t))
          continue;
        if (pass == 0 && g_strcmp0(json_object_get_string_member(t, "comm"),
                                   json_object_get_string_member(w, "comm")))
          continue;
        g_autofree char *tk = call_key(w, t, TRUE);
        g_autofree char *wk = call_key(w, t, FALSE);
        if (g_strcmp0(tk, wk))
          continue;
        candidates++;
        if (!hit)
          hit = t;
      }
    }
    g_autofree char *wk = call_key(w, NULL, FALSE);
    if (!hit) {
      g_test_message("not in the trace: %s", wk);
      g_test_fail();
      continue;
    }
    g_hash_table_add(used, hit);
    matched++;
    /* The workload learns its ppid, uid and gid from its first calls:
     * until then it logs -1 for them. It logs setuid/setgid with the
     * identity they set; the tracer reports the caller as it was at the
     * call, so those two are not compared. */
    gboolean sets_id = !g_strcmp0(name, "setuid") || !g_strcmp0(name, "setgid");
    if (sets_id)
      json_object_set_int_member(w, "uid", -1), json_object_set_int_member(w, "gid", -1);
    if (!same_int(w, "pid", hit, "pid") ||
        (json_object_get_int_member(w, "uid") >= 0 && !same_int(w, "uid", hit, "uid")) ||
        (json_object_get_int_member(w, "gid") >= 0 && !same_int(w, "gid", hit, "gid")) ||
        (json_object_get_int_member(w, "ppid") >= 0 && !same_int(w, "ppid", hit, "ppid")) ||
        g_strcmp0(json_object_get_string_member(w, "comm"),
                  json_object_get_string_member(hit, "comm"))) {
      g_autoptr(JsonNode) wn = json_node_init_object(json_node_alloc(), w);
      g_autoptr(JsonNode) tn = json_node_init_object(json_node_alloc(), hit);
      g_autofree char *ws = json_to_string(wn, FALSE);
      g_autofree char *ts = json_to_string(tn, FALSE);
      g_test_message("process fields differ for %s:\n  workload %s\n  trace    %s", wk, ws, ts);
      g_test_fail();
    }
    JsonNode *wret = json_object_get_member(w, "ret");
    JsonNode *tret = json_object_get_member(hit, "ret");
    if (wret && !JSON_NODE_HOLDS_NULL(wret)) {
      g_autofree char *a = e2e_json_text(wret);
      g_autofree char *b = e2e_json_text(tret);
      if (g_strcmp0(a, b)) {
        g_test_message("result differs for %s: workload %s, trace %s", wk, a, b);
        g_test_fail();
      }
    } else if (!g_strcmp0(name, "exit_group") || !g_strcmp0(name, "exit")) {
      if (tret && !JSON_NODE_HOLDS_NULL(tret)) {
        g_test_message("%s has a result in the trace", wk);
        g_test_fail();
      }
    }
  }
  g_test_message("%u of %u logged calls matched", matched, wl->len);
  g_assert_cmpuint(matched, >, 0);
}

static void
test_workloads(gconstpointer data)
{
  g_autoptr(GkGuest) g = boot_for(GPOINTER_TO_INT(data));
  g_autofree char *word = e2e_random_word();
  const char *extra[] = { "--format", "json", "-e", traced, NULL };
  g_autoptr(E2eTool) t = e2e_start_guestrace_mode(g, GPOINTER_TO_INT(data), extra);
  if (GPOINTER_TO_INT(data) == E2E_ATTACH_QMP || GPOINTER_TO_INT(data) == E2E_ATTACH_LOCAL)
    assert_reads_qemu_process(g, t);
  g_autofree char *cmd = g_strdup_printf("gtw-files %s; gtw-thread %s; gtw-forkexec %s",
                                         word, word, word);
  g_autoptr(GError) error = NULL;
  g_assert_true(gk_guest_run(g, cmd, &error));
  g_assert_true(gk_guest_wait_console(g, "GK-RUN-END", 240, &error));
  g_assert_true(gk_guest_wait_poweroff(g, 60));
  int status = e2e_tool_finish(t, FALSE, 30);
  g_autofree char *err = e2e_tool_stderr(t);
  g_test_message("guestrace stderr: %s", err);
  g_assert_cmpint(status, ==, 0);
  g_assert_nonnull(strstr(err, "the guest powered off"));

  g_autofree char *out = e2e_tool_stdout(t);
  g_autoptr(GPtrArray) tr = e2e_parse_json_lines(out, NULL);
  g_autoptr(GPtrArray) wl = gk_guest_workload_log(g, "GTWL ");
  g_autoptr(GPtrArray) wlo = g_ptr_array_new_with_free_func((GDestroyNotify)json_object_unref);
  for (guint i = 0; i < wl->len; i++) {
    g_autoptr(JsonParser) p = json_parser_new();
    g_assert_true(json_parser_load_from_data(p, wl->pdata[i], -1, NULL));
    JsonObject *o = json_node_get_object(json_parser_get_root(p));
    if (json_object_has_member(o, "syscall") && json_object_has_member(o, "args"))
      g_ptr_array_add(wlo, json_object_ref(o));
  }
  g_test_message("%u workload calls, %u trace records", wlo->len, tr->len);
  g_assert_cmpuint(wlo->len, >, 20);
  compare(wlo, tr);

  /* Two stops at most per call with results. */
  guint64 calls = 0, stops = 0;
  const char *line = strstr(err, "calls reported, ");
  g_assert_nonnull(line);
  while (line > err && line[-1] != '\n')
    line--;
  g_assert_cmpint(sscanf(line, "guestrace: %" G_GUINT64_FORMAT " calls reported, %"
                         G_GUINT64_FORMAT " stops", &calls, &stops), ==, 2);
  g_assert_cmpuint(calls, ==, tr->len);
  g_assert_cmpuint(stops, <=, 2 * calls);
}

/* -p shows one process only; SIGINT in the middle of a call leaves the
 * guest running correctly (the redirected return is put back). */
static void
test_pid_filter_and_interrupt(void)
{
  g_autoptr(GkGuest) g = e2e_boot();
  g_autofree char *word = e2e_random_word();
  const char *extra[] = { "--format", "json", "-p", "1", "-e", traced, NULL };
  g_autoptr(E2eTool) t = e2e_start_guestrace(g, extra);
  g_autofree char *cmd = g_strdup_printf("sleep 4; gtw-files %s", word);
  g_autoptr(GError) error = NULL;
  g_assert_true(gk_guest_run(g, cmd, &error));
  g_assert_true(gk_guest_wait_console(g, "GK-RUN-BEGIN", 60, &error));
  g_usleep(1500 * 1000);   /* sleep(1) is now blocked in clock_nanosleep */
  int status = e2e_tool_finish(t, TRUE, 30);
  g_assert_cmpint(status, ==, 0);
  g_assert_true(gk_guest_wait_console(g, "GK-RUN-END rc=0", 120, &error));
  g_assert_true(gk_guest_wait_poweroff(g, 60));
  g_autofree char *out = e2e_tool_stdout(t);
  g_autoptr(GPtrArray) tr = e2e_parse_json_lines(out, NULL);
  g_assert_cmpuint(tr->len, >, 0);
  for (guint i = 0; i < tr->len; i++)
    g_assert_cmpint(json_object_get_int_member(tr->pdata[i], "pid"), ==, 1);
  /* The workload after the interruption ran untraced and completely. */
  g_autoptr(GPtrArray) wl = gk_guest_workload_log(g, "GTWL ");
  g_assert_cmpuint(wl->len, >, 10);
}

/* A second witness: strace inside the guest sees the same sequence of
 * (syscall, result) for the traced process. */
static void
test_strace_witness(void)
{
  g_autoptr(GkGuest) g = e2e_boot();
  g_autofree char *word = e2e_random_word();
  const char *extra[] = { "--format", "json", "--comm", "gtw-files", "-e", traced, NULL };
  g_autoptr(E2eTool) t = e2e_start_guestrace(g, extra);
  g_autofree char *cmd = g_strdup_printf(
    "strace -o /tmp/st -e trace=%s gtw-files %s; sed 's/^/GTST /' /tmp/st", traced, word);
  g_autoptr(GError) error = NULL;
  g_assert_true(gk_guest_run(g, cmd, &error));
  g_assert_true(gk_guest_wait_console(g, "GK-RUN-END", 240, &error));
  g_assert_true(gk_guest_wait_poweroff(g, 60));
  g_assert_cmpint(e2e_tool_finish(t, FALSE, 30), ==, 0);

  /* strace: "name(args) = 3" or "= -1 ENOENT (...)" or "= ?". */
  g_autoptr(GPtrArray) st = gk_guest_workload_log(g, "GTST ");
  g_autoptr(GRegex) re = g_regex_new("^([a-z0-9_]+)\\(.*\\)\\s+= (-?[0-9]+|\\?|0x[0-9a-f]+)",
                                     0, 0, NULL);
  g_autoptr(GPtrArray) want = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < st->len; i++) {
    g_autoptr(GMatchInfo) m = NULL;
    if (!g_regex_match(re, st->pdata[i], 0, &m))
      continue;
    g_autofree char *name = g_match_info_fetch(m, 1);
    g_autofree char *ret = g_match_info_fetch(m, 2);
    if (!g_strcmp0(name, "execve"))
      continue;   /* strace's own exec of the workload precedes our view of it */
    gint64 v = ret[0] == '?' ? G_MININT64 : g_ascii_strtoll(ret, NULL, 0);
    g_ptr_array_add(want, g_strdup_printf("%s=%s", name,
                                          v == G_MININT64 ? "?" : v < 0 ? "err" : ret));
  }
  g_autofree char *out = e2e_tool_stdout(t);
  g_autoptr(GPtrArray) tr = e2e_parse_json_lines(out, NULL);
  g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < tr->len; i++) {
    JsonObject *o = tr->pdata[i];
    const char *name = json_object_get_string_member(o, "syscall");
    if (!g_strcmp0(name, "execve"))
      continue;
    JsonNode *r = json_object_get_member(o, "ret");
    if (JSON_NODE_HOLDS_NULL(r)) {
      g_ptr_array_add(got, g_strdup_printf("%s=?", name));
    } else {
      gint64 v = json_node_get_int(r);
      g_ptr_array_add(got, v < 0 ? g_strdup_printf("%s=err", name)
                                 : g_strdup_printf("%s=%" G_GINT64_FORMAT, name, v));
    }
  }
  g_test_message("strace saw %u calls, guestrace %u", want->len, got->len);
  g_assert_cmpuint(want->len, >, 10);
  g_assert_cmpuint(got->len, ==, want->len);
  for (guint i = 0; i < want->len; i++)
    g_assert_cmpstr(got->pdata[i], ==, want->pdata[i]);
}

/* Wrong names and unreachable guests: a one-line error, status 2, and the
 * guest untouched. */
static void
test_errors(void)
{
  g_autoptr(GkGuest) g = e2e_boot();
  g_autofree char *sysmap = gk_image_sysmap_path();
  const char *argv[] = { e2e_guestrace_path(), "--mem", gk_guest_mem_path(g), "-m", sysmap,
                         "-e", "openat,no_such_call", gk_guest_spec(g), NULL };
  g_autofree char *out = NULL, *err = NULL;
  int status = 0;
  g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                             &err, &status, NULL));
  g_assert_true(WIFEXITED(status));
  g_assert_cmpint(WEXITSTATUS(status), ==, 2);
  g_assert_nonnull(strstr(err, "no_such_call"));
  guint err_lines = 0;
  g_auto(GkLines) it = gk_lines(err, -1);
  while (gk_lines_next(&it, NULL))
    err_lines++;
  g_assert_cmpuint(err_lines, <=, 1);
  const char *argv2[] = { e2e_guestrace_path(), "-m", sysmap, "qemu:127.0.0.1:1", NULL };
  g_autofree char *out2 = NULL, *err2 = NULL;
  g_assert_true(g_spawn_sync(NULL, (char **)argv2, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out2,
                             &err2, &status, NULL));
  g_assert_cmpint(WEXITSTATUS(status), ==, 2);
  g_assert_true(g_str_has_prefix(err2, "guestrace: "));
  /* The guest still runs its workload normally. */
  g_autoptr(GError) error = NULL;
  g_assert_true(gk_guest_run(g, "gtw-files x", &error));
  g_assert_true(gk_guest_wait_console(g, "GK-RUN-END rc=0", 120, &error));
}

/* A function without an ftrace NOP (do_syscall_64 is noinstr) is traced by
 * stepping over its breakpoint; the guest runs on correctly. */
static void
test_step_over(void)
{
  g_autoptr(GkGuest) g = e2e_boot();
  const char *extra[] = { "--format", "json", "--count", "30", "-e", "do_syscall_64", NULL };
  g_autoptr(E2eTool) t = e2e_start_guestrace(g, extra);
  g_autoptr(GError) error = NULL;
  g_assert_true(gk_guest_run(g, "gtw-files stepover", &error));
  int status = e2e_tool_finish(t, FALSE, 120);
  g_autofree char *err = e2e_tool_stderr(t);
  g_test_message("guestrace stderr: %s", err);
  g_assert_cmpint(status, ==, 0);
  g_autofree char *out = e2e_tool_stdout(t);
  g_autoptr(GPtrArray) tr = e2e_parse_json_lines(out, NULL);
  g_assert_cmpuint(tr->len, ==, 30);
  JsonObject *args = json_object_get_object_member(tr->pdata[0], "args");
  g_autofree char *ver = gk_image_kernel_version();
  guint major = 0, minor = 0;
  g_assert_cmpint(sscanf(ver, "%u.%u", &major, &minor), ==, 2);
  if (major < 6) {
    /* 5.10's BTF has no FUNC for the noinstr do_syscall_64 (checked on
     * Debian 11's): its arguments are unnamed and its result unknown, so
     * guestrace shows arg0.. and RAX. */
    g_assert_true(json_object_has_member(args, "arg1"));
    g_assert_false(json_object_has_member(args, "regs"));
  } else {
    g_assert_true(json_object_has_member(args, "regs"));   /* named from BTF */
  }
  /* do_syscall_64 returns void before Linux 6.5 and bool since (the SYSRET
   * checks moved to C): no result, or 0/1. */
  for (guint i = 0; i < tr->len && major >= 6; i++) {
    JsonNode *ret = json_object_get_member(tr->pdata[i], "ret");
    if (major < 6 || (major == 6 && minor < 5)) {
      g_assert_true(json_node_is_null(ret));
    } else {
      g_assert_false(json_node_is_null(ret));
      gint64 v = json_node_get_int(ret);
      g_assert_true(v == 0 || v == 1);
    }
  }
  g_assert_true(gk_guest_wait_console(g, "GK-RUN-END rc=0", 120, &error));
  g_autoptr(GPtrArray) wl = gk_guest_workload_log(g, "GTWL ");
  g_assert_cmpuint(wl->len, >, 10);
}

/* The seed's example program prints the open and read calls. */
static void
test_example(void)
{
  g_autoptr(GkGuest) g = e2e_boot();
  g_autofree char *word = e2e_random_word();
  g_autofree char *sysmap = gk_image_sysmap_path();
  g_setenv("GUESTRACE_MEM", gk_guest_mem_path(g), TRUE);
  g_setenv("GUESTRACE_SYSMAP", sysmap, TRUE);
  const char *argv[] = { e2e_example_path(), gk_guest_spec(g), NULL };
  g_autoptr(E2eTool) t = e2e_tool_start(g, argv, "open-read: tracing");
  g_autofree char *cmd = g_strdup_printf("gtw-files %s", word);
  g_autoptr(GError) error = NULL;
  g_assert_true(gk_guest_run(g, cmd, &error));
  g_assert_true(gk_guest_wait_console(g, "GK-RUN-END", 180, &error));
  g_usleep(500 * 1000);
  int status = e2e_tool_finish(t, TRUE, 30);
  g_autofree char *err = e2e_tool_stderr(t);
  g_test_message("open-read stderr: %s", err);
  g_assert_cmpint(status, ==, 0);
  g_autofree char *out = e2e_tool_stdout(t);
  g_autofree char *open_line = g_strdup_printf("called openat(\"/tmp/%s-a\"", word);
  g_autofree char *missing = g_strdup_printf("openat returned -2 for /tmp/%s-missing", word);
  g_assert_nonnull(strstr(out, open_line));
  g_assert_nonnull(strstr(out, missing));
  g_assert_nonnull(strstr(out, "read returned 21"));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_data_func("/trace/workloads", GINT_TO_POINTER(E2E_ATTACH_MAP), test_workloads);
  g_test_add_data_func("/trace/workloads-no-map", GINT_TO_POINTER(E2E_ATTACH_MEMORY),
                       test_workloads);
  g_test_add_data_func("/trace/workloads-qmp", GINT_TO_POINTER(E2E_ATTACH_QMP), test_workloads);
  g_test_add_data_func("/trace/workloads-local", GINT_TO_POINTER(E2E_ATTACH_LOCAL), test_workloads);
  g_test_add_func("/trace/pid-filter-and-interrupt", test_pid_filter_and_interrupt);
  g_test_add_func("/trace/strace-witness", test_strace_witness);
  g_test_add_func("/trace/errors", test_errors);
  g_test_add_func("/trace/example", test_example);
  g_test_add_func("/trace/step-over", test_step_over);
  return g_test_run();
}
