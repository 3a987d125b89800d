/* Parity with strace: each parity workload runs under the guest image's
 * strace while guestrace traces it from outside in text form: gtw-parity
 * (the common system calls: files and descriptors, memory, processes,
 * signals, sockets, time, ids, polling, basic IPC) and gtw-parity-proc
 * (children reaped by wait4/waitid, clone3, rusage, futex timeouts,
 * scheduling, sleeps, terminal ioctls on /dev/console). Every strace
 * line of the workload's process must be guestrace's line for the same call, character for character,
 * with only the "[pid N comm] " prefix and strace's column padding before
 * " = " normalised. No line may differ. */
#include "e2e-util.h"

#include <string.h>

/* "name(args) = r" with strace's padding before " = " removed. */
static char *
normalise(const char *line)
{
  static GRegex *pad;
  if (!pad)
    pad = g_regex_new("\\)\\s+= ", 0, 0, NULL);
  return g_regex_replace_literal(pad, line, -1, 0, ") = ", 0, NULL);
}

static char *
call_name(const char *line)
{
  const char *p = strchr(line, '(');
  return p ? g_strndup(line, (gsize)(p - line)) : g_strdup(line);
}

/* A parity workload: its name (also its comm), its arguments (a shell
 * snippet run in /tmp after `setup`), and the fewest strace lines a
 * working run has. */
typedef struct {
  const char *name;
  const char *setup;
  const char *args;
  guint min_lines;
} Workload;

static const Workload workloads[] = {
  { "gtw-parity", "mkdir /tmp/pd", "/tmp/pd", 200 },
  { "gtw-parity-proc", "true", "", 50 },
};

/* guestrace's lines of the process with most lines (the workload; its
 * forked children make a call or two), prefix removed. */
static GPtrArray *
guestrace_lines(const char *out, const char *comm)
{
  g_autoptr(GHashTable) count = g_hash_table_new(g_str_hash, g_str_equal);
  g_autofree char *pattern = g_strdup_printf("^\\[pid (\\d+)(/\\d+)? %s\\] (.*)$", comm);
  g_autoptr(GRegex) re = g_regex_new(pattern, 0, 0, NULL);
  const char *best = NULL;
  guint best_n = 0;
  g_auto(GkLines) all = gk_lines(out, -1);
  for (const char *l; (l = gk_lines_next(&all, NULL));) {
    g_autoptr(GMatchInfo) m = NULL;
    if (!g_regex_match(re, l, 0, &m))
      continue;
    g_autofree char *pid = g_match_info_fetch(m, 1);
    const char *key = g_intern_string(pid);
    guint n = GPOINTER_TO_UINT(g_hash_table_lookup(count, key)) + 1;
    g_hash_table_insert(count, (gpointer)key, GUINT_TO_POINTER(n));
    if (n > best_n)
      best = key, best_n = n;
  }
  GPtrArray *v = g_ptr_array_new_with_free_func(g_free);
  g_auto(GkLines) again = gk_lines(out, -1);
  for (const char *l; best && (l = gk_lines_next(&again, NULL));) {
    g_autoptr(GMatchInfo) m = NULL;
    if (!g_regex_match(re, l, 0, &m))
      continue;
    g_autofree char *pid = g_match_info_fetch(m, 1);
    if (g_strcmp0(pid, best))
      continue;
    g_autofree char *rest = g_match_info_fetch(m, 3);
    g_ptr_array_add(v, normalise(rest));
  }
  return v;
}

/* strace's call lines (no "---" signal or "+++" exit lines); the execve
 * that starts the workload is strace's child's call, made before the
 * process had the workload's name, so guestrace's name filter cannot see
 * it: left out. */
static GPtrArray *
strace_lines(GPtrArray *raw)
{
  GPtrArray *v = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < raw->len; i++) {
    const char *l = raw->pdata[i];
    if (g_str_has_prefix(l, "---") || g_str_has_prefix(l, "+++") ||
        g_str_has_prefix(l, "execve("))
      continue;
    g_ptr_array_add(v, normalise(l));
  }
  return v;
}

/* Pairs the two sequences by call name (longest common subsequence) and
 * counts identical lines. */
static void
compare(GPtrArray *st, GPtrArray *gt, guint *identical)
{
  guint n = st->len, m = gt->len;
  g_autofree guint *lcs = g_new0(guint, (n + 1) * (m + 1));
#define L(i, j) lcs[(i) * (m + 1) + (j)]
  g_autoptr(GPtrArray) sn = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GPtrArray) gn = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add(sn, call_name(st->pdata[i]));
  for (guint j = 0; j < m; j++)
    g_ptr_array_add(gn, call_name(gt->pdata[j]));
  for (guint i = n; i-- > 0;)
    for (guint j = m; j-- > 0;)
      L(i, j) = !g_strcmp0(sn->pdata[i], gn->pdata[j]) ? L(i + 1, j + 1) + 1
                                                       : MAX(L(i + 1, j), L(i, j + 1));
  guint i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && !g_strcmp0(sn->pdata[i], gn->pdata[j])) {
      if (!g_strcmp0(st->pdata[i], gt->pdata[j])) {
        (*identical)++;
      } else {
        g_test_message("differs:\n  strace    %s\n  guestrace %s", (char *)st->pdata[i],
                       (char *)gt->pdata[j]);
        g_test_fail();
      }
      i++, j++;
    } else if (j >= m || (i < n && L(i + 1, j) >= L(i, j + 1))) {
      g_test_message("only in strace: %s", (char *)st->pdata[i]);
      g_test_fail();
      i++;
    } else {
      g_test_message("only in guestrace: %s", (char *)gt->pdata[j]);
      g_test_fail();
      j++;
    }
  }
#undef L
}

/* Runs workload w under strace with `options` while guestrace traces it
 * with the same options, and compares the lines. */
static void
run_parity(const Workload *w, const char *options)
{
  g_autoptr(GkGuest) g = e2e_boot();
  g_autofree char *sysmap = gk_image_sysmap_path();
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  const char *base[] = { e2e_guestrace_path(), "--mem", gk_guest_mem_path(g), "-m", sysmap,
                         "--comm", w->name };
  for (guint i = 0; i < G_N_ELEMENTS(base); i++)
    g_ptr_array_add(argv, (char *)base[i]);
  g_auto(GStrv) opts = g_strsplit(options, " ", -1);
  for (char **o = opts; *o; o++)
    if (**o)
      g_ptr_array_add(argv, *o);
  g_ptr_array_add(argv, (char *)gk_guest_spec(g));
  g_ptr_array_add(argv, NULL);
  g_autoptr(E2eTool) t = e2e_tool_start(g, (const char *const *)argv->pdata, "guestrace: tracing");
  g_autoptr(GError) error = NULL;
  g_autofree char *cmd = g_strdup_printf("%s && cd /tmp && strace %s -o /tmp/st %s %s; "
                                         "sed 's/^/GTST /' /tmp/st", w->setup, options, w->name,
                                         w->args);
  g_assert_true(gk_guest_run(g, cmd, &error));
  g_assert_true(gk_guest_wait_console(g, "GK-RUN-END", 300, &error));
  g_assert_true(gk_guest_wait_poweroff(g, 60));
  g_assert_cmpint(e2e_tool_finish(t, FALSE, 30), ==, 0);

  g_autoptr(GPtrArray) raw = gk_guest_workload_log(g, "GTST ");
  g_autoptr(GPtrArray) st = strace_lines(raw);
  g_autofree char *out = e2e_tool_stdout(t);
  g_autoptr(GPtrArray) gt = guestrace_lines(out, w->name);
  guint identical = 0;
  compare(st, gt, &identical);
  g_test_message("parity %s (%s): %u of %u strace lines identical", w->name,
                 *options ? options : "default options", identical, st->len);
  if (g_test_failed()) {
    g_autofree char *err = e2e_tool_stderr(t);
    g_test_message("guestrace stderr:\n%s", err ? err : "");
  }
  g_assert_cmpuint(st->len, >=, w->min_lines);
}

/* strace's default options. */
static void
test_parity(gconstpointer w)
{
  run_parity(w, "");
}

/* -y (descriptors annotated from the guest's file table), -x (strings
 * with non-ASCII bytes in hex) and -s 64. */
static void
test_parity_y_x_s(gconstpointer w)
{
  run_parity(w, "-y -x -s 64");
}

/* -e takes the names user space knows: fstat and uname are the kernel's
 * newfstat and newuname, traced and reported as fstat and uname. */
static void
test_user_names(void)
{
  g_autoptr(GkGuest) g = e2e_boot();
  g_autofree char *sysmap = gk_image_sysmap_path();
  const char *argv[] = { e2e_guestrace_path(), "--mem", gk_guest_mem_path(g), "-m", sysmap,
                         "--comm", "gtw-parity", "-e", "fstat,uname", "--format", "json",
                         gk_guest_spec(g), NULL };
  g_autoptr(E2eTool) t = e2e_tool_start(g, argv, "guestrace: tracing");
  g_autoptr(GError) error = NULL;
  g_assert_true(gk_guest_run(g, "mkdir /tmp/pd && gtw-parity /tmp/pd", &error));
  g_assert_true(gk_guest_wait_console(g, "GK-RUN-END", 300, &error));
  g_assert_true(gk_guest_wait_poweroff(g, 60));
  g_assert_cmpint(e2e_tool_finish(t, FALSE, 30), ==, 0);
  g_autofree char *out = e2e_tool_stdout(t);
  g_autoptr(GPtrArray) tr = e2e_parse_json_lines(out, NULL);
  guint fstat = 0, uname = 0;
  for (guint i = 0; i < tr->len; i++) {
    JsonObject *o = tr->pdata[i];
    const char *name = json_object_get_string_member(o, "syscall");
    const char *kernel = json_object_get_string_member(o, "kernel_function");
    if (!g_strcmp0(name, "fstat") && !g_strcmp0(kernel, "newfstat"))
      fstat++;
    else if (!g_strcmp0(name, "uname") && !g_strcmp0(kernel, "newuname"))
      uname++;
    else
      g_test_fail_printf("unexpected record %s (%s)", name, kernel);
  }
  g_assert_cmpuint(fstat, ==, 1);
  g_assert_cmpuint(uname, ==, 1);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS(workloads); i++) {
    g_autofree char *plain = g_strdup_printf("/parity/%s/strace", workloads[i].name);
    g_autofree char *yxs = g_strdup_printf("/parity/%s/strace-y-x-s", workloads[i].name);
    g_test_add_data_func(plain, &workloads[i], test_parity);
    g_test_add_data_func(yxs, &workloads[i], test_parity_y_x_s);
  }
  g_test_add_func("/parity/user-names", test_user_names);
  return g_test_run();
}
