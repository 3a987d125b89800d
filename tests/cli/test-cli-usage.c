/* guestrace's command line: a bad option is one line on stderr naming it,
 * exit status 2, nothing traced and nothing on stdout; good options get as
 * far as attaching (which then fails: nobody listens on the port). */
#include <glib.h>
#include <string.h>
#include <sys/wait.h>

#define NOBODY "qemu:127.0.0.1:1"

typedef struct {
  int status;
  char *out, *err;
} Run;

static void
run(Run *r, const char *const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_ptr_array_add(argv, (gpointer)g_getenv("GT_GUESTRACE"));
  for (; *args; args++)
    g_ptr_array_add(argv, (gpointer)*args);
  g_ptr_array_add(argv, NULL);
  g_autoptr(GError) error = NULL;
  int wait = 0;
  g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                             &r->out, &r->err, &wait, &error));
  g_assert_no_error(error);
  r->status = WIFEXITED(wait) ? WEXITSTATUS(wait) : -1;
}

static void
run_clear(Run *r)
{
  g_free(r->out);
  g_free(r->err);
}

/* One line naming `names`, status 2, nothing on stdout. */
static void
refused(const char *names, const char *const *args)
{
  Run r;
  run(&r, args);
  g_test_message("%s -> %d: %s", args[0], r.status, r.err);
  g_assert_cmpint(r.status, ==, 2);
  g_assert_cmpstr(r.out, ==, "");
  g_assert_nonnull(strstr(r.err, names));
  g_assert_true(g_str_has_prefix(r.err, "guestrace: "));
  g_assert_cmpint(strchr(r.err, '\n') - r.err, ==, (int)strlen(r.err) - 1);
  run_clear(&r);
}

static void
test_refused(void)
{
  refused("--format 'xml'", (const char *const[]){ "--format", "xml", NOBODY, NULL });
  refused("-a needs an event server", (const char *const[]){ "-a", NOBODY, NULL });
  refused("without -a", (const char *const[]){ "-w", "localhost:1", NOBODY, NULL });
  refused("--pid '0'", (const char *const[]){ "-p", "0", NOBODY, NULL });
  refused("--pid 'x1'", (const char *const[]){ "--pid", "x1", NOBODY, NULL });
  refused("--spool-max '5Q'", (const char *const[]){ "--spool-max", "5Q", NOBODY, NULL });
  refused("--json-string-size", (const char *const[]){ "--json-string-size", "2000000",
                                                       NOBODY, NULL });
  refused("-s and", (const char *const[]){ "-s", "-1", NOBODY, NULL });
  refused("--duration", (const char *const[]){ "--duration", "-3", NOBODY, NULL });
  refused("exactly one GUEST", (const char *const[]){ "-e", "read", NULL });
  refused("--bogus", (const char *const[]){ "--bogus", NOBODY, NULL });
}

/* -xx, -dd (callbacks), a size with a suffix and the other options parse:
 * the run fails at the attach, not at an option. */
static void
test_accepted(void)
{
  Run r;
  run(&r, (const char *const[]){ "-xx", "-dd", "--no-guardian", "--spool-max", "2G",
                                  "-s", "64", "--format", "json", "-p", "1", "--comm", "sh",
                                  "-e", "read,write", NOBODY, NULL });
  g_assert_cmpint(r.status, !=, 0);
  g_assert_cmpstr(r.out, ==, "");
  g_assert_null(strstr(r.err, "--"));
  g_assert_nonnull(strstr(r.err, "127.0.0.1"));
  run_clear(&r);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/cli/refused", test_refused);
  g_test_add_func("/cli/accepted", test_accepted);
  return g_test_run();
}
