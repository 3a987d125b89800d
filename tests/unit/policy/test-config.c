/* Config files: directives, comments, errors with file:line, all-or-nothing
 * loading, old names and their notes, needs_post. */
#include "policy-test.h"

#include <glib/gstdio.h>

static void
test_empty(void)
{
  g_autoptr(GtConfig) c = parse_ok("# nothing\n\n   \n\t# indented comment\n");
  g_assert_null(gt_config_functions(c));
  g_assert_null(gt_config_process_list_names(c));
  g_assert_nonnull(gt_config_notes(c));
  g_assert_null(gt_config_notes(c)[0]);
  g_assert_cmpuint(gt_config_n_filters(c), ==, 0);
  g_assert_true(gt_config_traces(c, "openat"));
  g_assert_false(gt_config_needs_post(c, "openat"));
  Call k;
  call_init(&k, "openat", "cat", 5, 1);
  g_assert_cmpint(first_match(c, &k), ==, -1);
  g_assert_false(gt_config_match(c, &k.c, NULL));
  g_autoptr(GtConfig) c2 = parse_ok("");
  g_assert_null(gt_config_functions(c2));
}

static void
test_functions(void)
{
  g_autoptr(GtConfig) c = parse_ok("Functions read, write,openat\n"
                                   "Functions\tdo_exit,read\r\n"
                                   "Functions  sys_close\n");
  const char *const *f = gt_config_functions(c);
  g_assert_nonnull(f);
  g_assert_cmpuint(g_strv_length((char **)f), ==, 5);
  g_assert_cmpstr(f[0], ==, "read");
  g_assert_cmpstr(f[1], ==, "write");
  g_assert_cmpstr(f[2], ==, "openat");
  g_assert_cmpstr(f[3], ==, "do_exit");
  g_assert_cmpstr(f[4], ==, "close");
  g_assert_true(gt_config_traces(c, "do_exit"));
  g_assert_false(gt_config_traces(c, "execve"));
  g_assert_true(has_note(c, "sys_close is close on this kernel"));

  g_autoptr(GtConfig) all = parse_ok("Functions read\nFunctions *\n");
  g_assert_null(gt_config_functions(all));
  g_autoptr(GtConfig) x64 = parse_ok("Functions __x64_sys_openat\n");
  g_assert_cmpstr(gt_config_functions(x64)[0], ==, "openat");
}

static void
test_old_names(void)
{
  g_autoptr(GtConfig) c = parse_ok("Functions sys_execve,sys_waitpid,sys_fork,sys_vfork\n"
                                   "Functions sys_clone,sys_open,do_exit\n");
  const char *want[] = { "execve", "wait4", "fork", "vfork", "clone", "clone3", "open",
                         "openat", "do_exit", NULL };
  g_assert_cmpstrv(gt_config_functions(c), want);
  g_assert_true(has_note(c, "sys_waitpid is wait4 on this kernel"));
  g_assert_true(has_note(c, "sys_open is open and openat on this kernel"));
  g_assert_true(has_note(c, "sys_clone is clone and clone3 on this kernel"));
  g_assert_true(has_note(c, "sys_execve is execve on this kernel"));
  /* Names x86-64 never had map without the prefix too; modern ones stay. */
  g_autoptr(GtConfig) c2 = parse_ok("Functions waitpid,clone,open\n");
  const char *want2[] = { "wait4", "clone", "open", NULL };
  g_assert_cmpstrv(gt_config_functions(c2), want2);
  g_assert_true(has_note(c2, "waitpid is wait4"));
  g_assert_false(has_note(c2, "clone3"));
  /* Each note once. */
  g_autoptr(GtConfig) c3 = parse_ok("Functions sys_open\nFunctions sys_open\n"
                                    "Filter function=sys_open\n");
  g_assert_cmpuint(g_strv_length((char **)gt_config_notes(c3)), ==, 1);

  g_autoptr(GtConfig) s = parse_ok("Functions sys_socketcall\n");
  const char *const *f = gt_config_functions(s);
  g_assert_true(g_strv_contains(f, "connect"));
  g_assert_true(g_strv_contains(f, "accept4"));
  g_assert_true(g_strv_contains(f, "sendto"));
  g_assert_true(g_strv_contains(f, "recvmmsg"));
  g_assert_false(g_strv_contains(f, "send"));
  g_assert_cmpuint(g_strv_length((char **)f), ==, 18);
  g_assert_true(has_note(s, "sys_socketcall is socket, bind, connect"));
}

static void
test_pslist(void)
{
  g_autoptr(GtConfig) c = parse_ok("ProcessListNames init, sshd\nProcessListNames bash,init\n");
  const char *want[] = { "init", "sshd", "bash", NULL };
  g_assert_cmpstrv(gt_config_process_list_names(c), want);
  g_autoptr(GtConfig) all = parse_ok("ProcessListNames *\n");
  g_assert_null(gt_config_process_list_names(all));
}

static void
test_errors(void)
{
  parse_fails("Functions read\n\n# c\nFilter function=read,argvall=x\n",
              "guestrace.conf:4: Filter: unknown key 'argvall'");
  parse_fails("functions read\n", "guestrace.conf:1: unknown directive 'functions'");
  parse_fails("FILTER function=read\n", "keywords are case-sensitive: Filter");
  parse_fails("Bogus x\n", "guestrace.conf:1: unknown directive 'Bogus'");
  parse_fails("Functions\n", "guestrace.conf:1: Functions: missing value");
  parse_fails("Functions   \n", "Functions: missing value");
  parse_fails("Filter\n", "guestrace.conf:1: Filter: missing value");
  parse_fails("Filter   \n", "Filter: missing");
  parse_fails("ProcessListNames\n", "ProcessListNames: missing value");
  parse_fails("Functions read,,write\n", "guestrace.conf:1: Functions: empty name");
  parse_fails("Functions read,\n", "Functions: empty name");
  parse_fails("ProcessListNames a,,b\n", "ProcessListNames: empty name");
  parse_fails("Functions re$ad\n", "Functions: bad function name 're$ad'");
  parse_fails("Functions sys_\n", "bad function name 'sys_'");
  parse_fails("\n\n\nFilter function=read,pid=abc\n", "guestrace.conf:4: Filter: pid: bad number 'abc'");
  parse_fails("Filter function=read,pid=-3\n", "pid: bad number '-3'");
  parse_fails("Filter function=read,pid=99999999999\n", "pid: bad number");
  parse_fails("Filter function=read,ppid=^x\n", "ppid: bad number 'x'");
  parse_fails("Filter function=read,uid=-1\n", "uid: bad number '-1'");
  parse_fails("Filter function=read,gid=1.5\n", "gid: bad number '1.5'");
  parse_fails("Filter function=read,when=after\n", "when: 'after' is not pre, post or both");
  parse_fails("Filter function=read,when=PRE\n", "when: 'PRE'");
  parse_fails("Filter function=read,argval=[a-\n", "argval: bad regex '[a-'");
  parse_fails("Filter function=read,when=post,retval=(\n", "retval: bad regex '('");
  parse_fails("Filter function=read,apply=2\n", "apply: '2' is not 0 or 1");
  parse_fails("Filter function=read,apply=1\n", "apply=1 needs an integer retval");
  parse_fails("Filter function=read,apply=1,retval=^[1-9]\n",
              "apply=1 needs an integer retval, not '^[1-9]'");
  parse_fails("Filter function=read,apply=1,retval=-EBOGUS\n", "unknown errno name 'EBOGUS'");
  parse_fails("Filter function=read,apply=1,retval=-1,when=post\n", "when must be pre");
  parse_fails("Filter function=read,pid=1,pid=2\n", "Filter: duplicate key 'pid'");
  parse_fails("Filter function=read,,pid=1\n", "Filter: empty item");
  parse_fails("Filter function=read,\n", "Filter: empty item");
  parse_fails("Filter function=read,foo\n", "'foo' is not key=value");
  parse_fails("Filter function=\n", "function: empty value");
  parse_fails("Filter function=rea d\n", "function: bad function name 'rea d'");
  parse_fails("Filter argname=fd,argval=3\n", "argname=fd needs a specific function");
  parse_fails("Filter function=*,argname=fd\n", "argname=fd needs a specific function");
  parse_fails("Filter function=do_exit,argname=code:sig\n",
              "argname: unknown decoding 'sig' (known: signal,");
  parse_fails("Filter function=do_exit,argname=code:\n", "unknown decoding ''");
  parse_fails("Filter function=do_exit,argname=:signal\n", "empty argument name");
  parse_fails("Filter function=do_exit,argname=*:signal\n", "needs a specific argument");
  parse_fails("Filter function=do_exit,argname=co-de\n", "bad argument name 'co-de'");
  parse_fails("Filter function=read,retval=^[1-9]\n", "needs when=post or when=both");
  parse_fails("Filter function=read,argname=retval:errno\n", "needs when=post or when=both");
  parse_fails("Filter function=read,name=^\n", "name: empty process name");
  parse_fails("Filter function=sys_socketcall,argname=call:call,argval=nosuchcall\n",
              "argval 'nosuchcall' matches no socket call");
  parse_fails("Filter function=sys_socketcall,argname=args,argval=x\n",
              "sys_socketcall has no argument 'args'");
  parse_fails("Filter function=sys_socketcall,argname=call:signal\n", "no decoding 'signal'");
  parse_fails("Filter function=sys_socketcall,argval=x\n", "argval needs argname=call:call");
}

static void
test_all_or_nothing(void)
{
  /* One bad line anywhere: no config at all, the first error reported. */
  parse_fails("Functions read\nFilter function=read,pid=1\nFilter function=read,when=x\n"
              "Filter function=read,pid=y\n", "guestrace.conf:3:");
}

static void
test_load(void)
{
  g_autoptr(GError) e = NULL;
  g_autofree char *dir = g_dir_make_tmp("gt-policy-XXXXXX", &e);
  g_assert_no_error(e);
  g_autofree char *path = g_build_filename(dir, "guestrace.conf", NULL);
  const char *good = "Functions sys_execve\nFilter function=sys_execve,name=php-cgi,apply=1,"
                     "retval=-1\n";
  g_assert_true(g_file_set_contents(path, good, -1, &e));
  g_autoptr(GtConfig) c = gt_config_load(path, &e);
  g_assert_no_error(e);
  g_assert_cmpuint(gt_config_n_filters(c), ==, 1);

  g_assert_true(g_file_set_contents(path, "Functions read\n\nFilter function=read,argvall=1\n",
                                    -1, &e));
  g_autoptr(GtConfig) bad = gt_config_load(path, &e);
  g_assert_null(bad);
  g_assert_error(e, GT_ERROR, GT_ERROR_INVALID_ARG);
  g_autofree char *want = g_strdup_printf("%s:3: Filter: unknown key 'argvall'", path);
  g_assert_cmpstr(e->message, ==, want);
  g_clear_error(&e);

  g_assert_true(g_file_set_contents(path, "Functions read\nFilter\0x", 24, &e));
  g_assert_null(gt_config_load(path, &e));
  g_assert_error(e, GT_ERROR, GT_ERROR_INVALID_ARG);
  g_assert_nonnull(strstr(e->message, ":2: NUL byte"));
  g_clear_error(&e);

  g_remove(path);
  g_assert_null(gt_config_load(path, &e));
  g_assert_error(e, GT_ERROR, GT_ERROR_NOT_FOUND);
  g_clear_error(&e);
  g_rmdir(dir);
}

static void
test_needs_post(void)
{
  g_autoptr(GtConfig) c = parse_ok("Filter function=sys_waitpid,when=post,retval=^[1-9]\n"
                                   "Filter function=read,when=both\n"
                                   "Filter function=write\n"
                                   "Filter function=sys_open,when=post\n");
  g_assert_true(gt_config_needs_post(c, "wait4"));
  g_assert_true(gt_config_needs_post(c, "read"));
  g_assert_false(gt_config_needs_post(c, "write"));
  g_assert_true(gt_config_needs_post(c, "open"));
  g_assert_true(gt_config_needs_post(c, "openat"));
  g_assert_false(gt_config_needs_post(c, "execve"));
  g_autoptr(GtConfig) any = parse_ok("Filter function=*,when=post\n");
  g_assert_true(gt_config_needs_post(any, "execve"));
}

static void
test_notes(void)
{
  g_autoptr(GtConfig) c = parse_ok(
    "Functions sys_execve\n"
    "Filter function=sys_execve,argname=regs:filename,argval=/usr/bin/nc,name=^apache\n"
    "Filter function=openat,name=a-very-long-process-name\n");
  g_assert_true(has_note(c, "sys_execve is execve on this kernel"));
  g_assert_true(has_note(c, "regs:filename is filename on this kernel"));
  g_assert_true(has_note(c, "guestrace.conf:3: the filter names openat, which no Functions"));
  g_assert_true(has_note(c, "'a-very-long-process-name' is compared as 'a-very-long-pro'"));
  for (const char *const *n = gt_config_notes(c); *n; n++)
    g_test_message("note: %s", *n);
}

/* The manual's examples as one file, loaded as written. */
static void
test_manual_file(void)
{
  g_autoptr(GError) e = NULL;
  g_autoptr(GtConfig) c = gt_config_load(GT_TEST_SRCDIR "/tests/unit/policy/manual.conf", &e);
  g_assert_no_error(e);
  g_assert_cmpuint(gt_config_n_filters(c), ==, 6);
  const char *const *f = gt_config_functions(c);
  g_assert_true(g_strv_contains(f, "wait4"));
  g_assert_true(g_strv_contains(f, "clone3"));
  g_assert_true(g_strv_contains(f, "accept4"));
  g_assert_true(g_strv_contains(f, "do_exit"));
  g_assert_cmpuint(g_strv_length((char **)gt_config_process_list_names(c)), ==, 3);
  /* Every filter's functions are traced: no dead-filter notes. */
  for (const char *const *n = gt_config_notes(c); *n; n++) {
    g_test_message("note: %s", *n);
    g_assert_null(strstr(*n, "no Functions line"));
  }
  g_assert_true(gt_config_needs_post(c, "wait4"));
  g_assert_true(gt_config_needs_post(c, "accept"));
  g_assert_false(gt_config_needs_post(c, "execve"));
  g_assert_false(gt_config_needs_post(c, "connect"));
  Call k;
  call_init(&k, "execve", "php-cgi", 10, 1);
  GtVerdict v;
  g_assert_true(gt_config_match(c, &k.c, &v));
  g_assert_true(v.abort);
  g_assert_cmpint(v.retval, ==, -1);
  g_assert_cmpstr(gt_filter_describe(v.filter), ==,
                  "Filter function=sys_execve,name=php-cgi,apply=1,retval=-1");
  g_assert_cmpuint(gt_filter_line(v.filter), ==, 6);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/policy/config/empty", test_empty);
  g_test_add_func("/policy/config/functions", test_functions);
  g_test_add_func("/policy/config/old-names", test_old_names);
  g_test_add_func("/policy/config/process-list-names", test_pslist);
  g_test_add_func("/policy/config/errors", test_errors);
  g_test_add_func("/policy/config/all-or-nothing", test_all_or_nothing);
  g_test_add_func("/policy/config/load", test_load);
  g_test_add_func("/policy/config/needs-post", test_needs_post);
  g_test_add_func("/policy/config/notes", test_notes);
  g_test_add_func("/policy/config/manual-file", test_manual_file);
  return g_test_run();
}
