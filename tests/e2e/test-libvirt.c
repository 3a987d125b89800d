/* End to end: libvirt:NAME against a real libvirtd. The test starts its own
 * daemon, in session mode (qemu:///session) under a private HOME and
 * XDG_RUNTIME_DIR, so it needs no systemd, touches no system state
 * (/etc/libvirt, /run/libvirt) and cannot meet another test's daemon:
 * as root, libvirtd is run as the user nobody (a root libvirtd is the
 * system daemon, with its fixed paths, cgroups and security drivers), and
 * the private directories are given to nobody. Its qemu.conf sets
 * stdio_handler = "file" so that no virtlogd is spawned behind our back.
 * The domain is TCG (type='qemu') and boots the test kit's kernel and
 * initramfs directly, with the kit's serial ports (console file, kallsyms
 * file, control socket), so the kit runs the workload and reads its log as
 * for the guests it starts itself. guestrace attaches with
 * libvirt+URI:NAME and nothing else (no -m, no --mem); what it saw is
 * compared with the workload's own log (after a guestrace killed with
 * SIGKILL was repaired by `guestrace recover`, stub removed); libvirtd is
 * restarted before
 * guestrace detaches, and afterwards the domain must be running with no gdb
 * stub left. Then the one-line errors: an unknown
 * domain, a domain that is not running, no daemon, a spec without a name. */
#include "e2e-util.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

typedef struct {
  char *dir;          /* everything of this test's daemon, removed at the end */
  char *uri;
  GPid pid;
  uid_t uid;
  gid_t gid;
  virConnectPtr conn;
} Daemon;

static void
give(const Daemon *d, const char *path)
{
  if (geteuid() == 0)
    g_assert_cmpint(chown(path, d->uid, d->gid), ==, 0);
}

/* In the daemon's child: drop to nobody when root, and die with the test. */
static void
daemon_setup(gpointer data)
{
  const Daemon *d = data;
  pid_t parent = getppid();
  if (geteuid() == 0 &&
      (setgroups(0, NULL) < 0 || setgid(d->gid) < 0 || setuid(d->uid) < 0))
    _exit(126);
  /* after setuid, which clears it */
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent)
    _exit(127);
}

static char *
daemon_log(const Daemon *d)
{
  g_autofree char *path = g_build_filename(d->dir, "libvirtd.log", NULL);
  char *text = NULL;
  return g_file_get_contents(path, &text, NULL, NULL) ? text : g_strdup("");
}

/* Creates path and its parents as the daemon's user's (0700). */
static void
mkdirs_given(const Daemon *d, const char *base, const char *rel)
{
  g_auto(GStrv) parts = g_strsplit(rel, "/", -1);
  g_autofree char *path = g_strdup(base);
  for (guint i = 0; parts[i]; i++) {
    char *next = g_build_filename(path, parts[i], NULL);
    g_free(path);
    path = next;
    if (mkdir(path, 0700) < 0)
      g_assert_cmpint(errno, ==, EEXIST);
    give(d, path);
  }
}

static void
write_given(const Daemon *d, const char *path, const char *text)
{
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  give(d, path);
}

/* Starts libvirtd on d's directories and connects to it. */
static void
daemon_spawn(Daemon *d)
{
  g_autofree char *home = g_build_filename(d->dir, "home", NULL);
  g_autofree char *run = g_build_filename(d->dir, "run", NULL);
  g_autofree char *e_home = g_strconcat("HOME=", home, NULL);
  g_autofree char *e_run = g_strconcat("XDG_RUNTIME_DIR=", run, NULL);
  g_autofree char *e_conf = g_strconcat("XDG_CONFIG_HOME=", home, "/.config", NULL);
  g_autofree char *e_cache = g_strconcat("XDG_CACHE_HOME=", home, "/.cache", NULL);
  g_autofree char *e_data = g_strconcat("XDG_DATA_HOME=", home, "/.local/share", NULL);
  const char *envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", e_home, e_run, e_conf,
                         e_cache, e_data, NULL };
  g_autofree char *log = g_build_filename(d->dir, "libvirtd.log", NULL);
  int logfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  g_assert_cmpint(logfd, >=, 0);
  const char *argv[] = { "libvirtd", NULL };
  g_autoptr(GError) error = NULL;
  g_assert_true(g_spawn_async_with_pipes_and_fds(d->dir, argv, envp,
      G_SPAWN_SEARCH_PATH_FROM_ENVP | G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDIN_FROM_DEV_NULL,
      daemon_setup, d, -1, logfd, logfd, NULL, NULL, 0, &d->pid, NULL, NULL, NULL, &error));
  g_assert_no_error(error);
  close(logfd);
  g_autofree char *sock = g_build_filename(run, "libvirt", "libvirt-sock", NULL);
  g_free(d->uri);
  d->uri = g_strdup_printf("qemu:///session?socket=%s", sock);
  for (int i = 0; i < 300 && !d->conn; i++) {
    if (g_file_test(sock, G_FILE_TEST_EXISTS))
      d->conn = virConnectOpen(d->uri);
    if (!d->conn)
      g_usleep(100 * 1000);
  }
  if (!d->conn) {
    g_autofree char *text = daemon_log(d);
    g_test_message("libvirtd: %s", text);
    g_error("libvirtd did not answer at %s within 30 s", d->uri);
  }
  g_test_message("libvirtd pid %d at %s", (int)d->pid, d->uri);
}

/* Stops libvirtd by its pid (SIGKILL after 10 s). */
static void
daemon_kill(Daemon *d)
{
  if (d->conn)
    virConnectClose(d->conn);
  d->conn = NULL;
  kill(d->pid, SIGTERM);
  int st = 0;
  for (int i = 0; i < 100 && waitpid(d->pid, &st, WNOHANG) == 0; i++)
    g_usleep(100 * 1000);
  if (waitpid(d->pid, &st, WNOHANG) == 0) {
    kill(d->pid, SIGKILL);
    waitpid(d->pid, &st, 0);
  }
}

static Daemon *
daemon_start(void)
{
  Daemon *d = g_new0(Daemon, 1);
  d->uid = geteuid();
  d->gid = getegid();
  if (geteuid() == 0) {
    struct passwd *pw = getpwnam("nobody");
    g_assert_nonnull(pw);
    d->uid = pw->pw_uid;
    d->gid = pw->pw_gid;
  }
  d->dir = g_dir_make_tmp("gt-libvirt-XXXXXX", NULL);
  g_assert_nonnull(d->dir);
  g_assert_cmpint(chmod(d->dir, 0755), ==, 0);   /* nobody goes through it */
  mkdirs_given(d, d->dir, "home/.config/libvirt");
  mkdirs_given(d, d->dir, "run");
  mkdirs_given(d, d->dir, "guest");
  g_autofree char *qemu_conf = g_build_filename(d->dir, "home/.config/libvirt/qemu.conf", NULL);
  write_given(d, qemu_conf, "stdio_handler = \"file\"\n");
  daemon_spawn(d);
  return d;
}

/* Stops the daemon we started (by its pid) and removes its files. */
static void
daemon_stop(Daemon *d)
{
  daemon_kill(d);
  const char *rm[] = { "rm", "-rf", d->dir, NULL };
  g_assert_true(g_spawn_sync(NULL, (char **)rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                             NULL, NULL, NULL));
  g_free(d->dir);
  g_free(d->uri);
  g_free(d);
}

/* The kit's kernel and initramfs copied into the daemon's directory: its
 * user (nobody) may not be able to reach the build tree (a checkout under
 * a 0700 home). */
static char *
image_copy(Daemon *d)
{
  char *dir = g_build_filename(d->dir, "image", NULL);
  if (g_file_test(dir, G_FILE_TEST_IS_DIR))
    return dir;
  mkdirs_given(d, d->dir, "image");
  static const char *const files[] = { "vmlinuz", "initramfs.cpio.gz" };
  for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
    g_autofree char *from = g_build_filename(gk_image_dir(), files[i], NULL);
    g_autofree char *to = g_build_filename(dir, files[i], NULL);
    g_autofree char *data = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(from, &data, &len, NULL));
    g_assert_true(g_file_set_contents(to, data, (gssize)len, NULL));
    give(d, to);
  }
  return dir;
}

/* A TCG domain booting the kit's image with the kit's serial ports in
 * guest_dir, defined (and started when start). */
static virDomainPtr
domain_define(Daemon *d, const char *name, const char *guest_dir, gboolean start)
{
  GkOptions o = { .hold = TRUE };
  g_autofree char *cmdline = gk_kernel_cmdline(&o);
  g_autofree char *image = image_copy(d);
  g_autofree char *xml = g_strdup_printf(
    "<domain type='qemu'><name>%s</name><memory unit='MiB'>512</memory><vcpu>2</vcpu>"
    "<os><type arch='x86_64' machine='pc'>hvm</type><kernel>%s/vmlinuz</kernel>"
    "<initrd>%s/initramfs.cpio.gz</initrd><cmdline>%s</cmdline></os>"
    "<features><acpi/><apic/></features>"
    "<on_poweroff>destroy</on_poweroff><on_reboot>destroy</on_reboot>"
    "<devices>"
    "<serial type='file'><source path='%s/console.log'/><target port='0'/></serial>"
    "<serial type='file'><source path='%s/kallsyms.serial'/><target port='1'/></serial>"
    "<serial type='unix'><source mode='bind' path='%s/ctl.sock'/><target port='2'/></serial>"
    "<memballoon model='none'/></devices></domain>",
    name, image, image, cmdline, guest_dir, guest_dir, guest_dir);
  virDomainPtr dom = virDomainDefineXML(d->conn, xml);
  if (!dom || (start && virDomainCreate(dom) < 0)) {
    g_autofree char *text = daemon_log(d);
    g_test_message("libvirtd: %s", text);
    g_error("cannot start the domain: %s", virGetLastErrorMessage());
  }
  return dom;
}

/* QEMU's pid from the daemon's own pid file (independent of how guestrace
 * finds it). */
static pid_t
domain_pid(Daemon *d, const char *name)
{
  g_autofree char *path = g_strdup_printf("%s/run/libvirt/qemu/run/%s.pid", d->dir, name);
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  return (pid_t)g_ascii_strtoll(text, NULL, 10);
}

static void
domain_end(virDomainPtr dom)
{
  g_assert_cmpint(virDomainDestroy(dom), ==, 0);
  g_assert_cmpint(virDomainUndefine(dom), ==, 0);
  virDomainFree(dom);
}

static char *
hmp(virDomainPtr dom, const char *cmd)
{
  char *out = NULL;
  g_assert_cmpint(virDomainQemuMonitorCommand(dom, cmd, &out,
                                              VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP), ==, 0);
  char *copy = g_strdup(out);
  free(out);
  return copy;
}

/* The domain runs, and no gdb stub is left open. */
static void
assert_untouched(virDomainPtr dom)
{
  g_assert_cmpint(virDomainIsActive(dom), ==, 1);
  g_autofree char *chardevs = hmp(dom, "info chardev");
  g_test_message("info chardev: %s", chardevs);
  g_assert_null(strstr(chardevs, "\ngdb:"));
  g_assert_false(g_str_has_prefix(chardevs, "gdb:"));
  g_assert_null(strstr(chardevs, "gdb.sock"));   /* guestrace's private stub */
  g_autofree char *status = hmp(dom, "info status");
  g_assert_nonnull(strstr(status, "running"));
}

/* guestrace killed (SIGKILL, no guardian) with its breakpoints and its
 * private stub in the domain: `guestrace recover` repairs the guest and
 * removes the stub too. */
static void
kill_and_recover(virDomainPtr dom, GkGuest *g)
{
  const char *argv[] = { e2e_guestrace_path(), "--no-guardian", "-e", "openat",
                         gk_guest_spec(g), NULL };
  g_autoptr(E2eTool) t = e2e_tool_start(g, argv, "guestrace: tracing");
  g_autofree char *chardevs = hmp(dom, "info chardev");
  g_assert_nonnull(strstr(chardevs, "gdb.sock"));   /* the stub it started */
  g_subprocess_send_signal(t->proc, SIGKILL);
  g_assert_true(g_subprocess_wait(t->proc, NULL, NULL));
  g_assert_true(g_subprocess_get_if_signaled(t->proc));
  const char *recover[] = { e2e_guestrace_path(), "recover", gk_guest_spec(g), NULL };
  g_autofree char *err = NULL;
  g_assert_cmpint(e2e_run(recover, NULL, &err), ==, 0);
  g_assert_nonnull(strstr(err, "repaired"));
  assert_untouched(dom);
}

/* Returns the domain on the restarted daemon's connection. */
static virDomainPtr
trace_domain(Daemon *d, virDomainPtr dom, const char *name, GkGuest *g)
{
  g_autofree char *word = NULL;
  g_autoptr(E2eTool) t = e2e_trace_gtw_files(g, &word);
  /* libvirtd restarted under guestrace (a package upgrade does that): the
   * detach reconnects to remove its stub. */
  daemon_kill(d);
  daemon_spawn(d);
  g_assert_cmpint(e2e_tool_finish(t, TRUE, 30), ==, 0);
  g_autofree char *out = e2e_tool_stdout(t);
  g_autofree char *terr = e2e_tool_stderr(t);
  g_test_message("guestrace stderr: %s", terr);
  g_assert_null(strstr(terr, "cannot stop the gdb stub"));
  /* RAM was read from the QEMU process (found by its UUID), not the stub */
  g_assert_null(strstr(terr, "through the gdb stub"));
  e2e_assert_gtw_files_seen(g, out, word);
  virDomainFree(dom);
  dom = virDomainLookupByName(d->conn, name);
  g_assert_nonnull(dom);
  assert_untouched(dom);
  return dom;
}

static void
test_trace(void)
{
  Daemon *d = daemon_start();
  g_autofree char *name = g_strdup_printf("gt-e2e-%d", (int)getpid());
  g_autofree char *guest_dir = g_build_filename(d->dir, "guest", NULL);
  virDomainPtr dom = domain_define(d, name, guest_dir, TRUE);
  g_autofree char *spec = g_strdup_printf("libvirt+%s:%s", d->uri, name);
  g_autoptr(GError) error = NULL;
  g_autoptr(GkGuest) g = gk_guest_adopt(guest_dir, domain_pid(d, name), spec, TRUE, &error);
  g_assert_no_error(error);
  g_autofree char *ks = gk_guest_kallsyms_path(g, &error);   /* the dump is done */
  g_assert_no_error(error);

  kill_and_recover(dom, g);
  dom = trace_domain(d, dom, name, g);

  /* A second attach works the same way (nothing was left behind). */
  const char *ps[] = { e2e_guestrace_path(), "ps", spec, NULL };
  g_autofree char *err = NULL, *listing = NULL;
  g_assert_cmpint(e2e_run(ps, &listing, &err), ==, 0);
  g_assert_nonnull(strstr(listing, "kthreadd"));   /* the guest kernel's pid 2 */
  assert_untouched(dom);
  g_clear_pointer(&err, g_free);

  /* libvirt:NAME: libvirt's default URI (here from LIBVIRT_DEFAULT_URI). */
  g_autofree char *plain = g_strdup_printf("libvirt:%s", name);
  const char *ps2[] = { e2e_guestrace_path(), "ps", plain, NULL };
  g_auto(GStrv) env = g_environ_setenv(g_get_environ(), "LIBVIRT_DEFAULT_URI", d->uri, TRUE);
  int st = 0;
  g_autofree char *listing2 = NULL;
  g_autoptr(GError) spawn_error = NULL;
  g_assert_true(g_spawn_sync(NULL, (char **)ps2, env, G_SPAWN_DEFAULT, NULL, NULL, &listing2,
                             &err, &st, &spawn_error));
  g_test_message("guestrace ps %s: %s", plain, err);
  g_assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  g_assert_nonnull(strstr(listing2, "kthreadd"));
  assert_untouched(dom);
  g_clear_pointer(&err, g_free);

  /* A domain the daemon does not know. */
  g_autofree char *unknown = g_strdup_printf("libvirt+%s:%s-none", d->uri, name);
  const char *a1[] = { e2e_guestrace_path(), "ps", unknown, NULL };
  int status = e2e_run(a1, NULL, &err);
  e2e_assert_one_line_error(status, err, "no domain");
  g_clear_pointer(&err, g_free);

  /* A domain that is defined but not running. */
  g_autofree char *off_name = g_strconcat(name, "-off", NULL);
  virDomainPtr off = domain_define(d, off_name, guest_dir, FALSE);
  g_autofree char *off_spec = g_strdup_printf("libvirt+%s:%s", d->uri, off_name);
  const char *a2[] = { e2e_guestrace_path(), "ps", off_spec, NULL };
  status = e2e_run(a2, NULL, &err);
  e2e_assert_one_line_error(status, err, "is not running");
  g_clear_pointer(&err, g_free);
  g_assert_cmpint(virDomainUndefine(off), ==, 0);
  virDomainFree(off);
  assert_untouched(dom);

  g_clear_pointer(&g, gk_guest_free);
  domain_end(dom);
  daemon_stop(d);
}

/* No daemon behind the URI, and a spec without a domain name. */
static void
test_errors(void)
{
  g_autofree char *dir = g_dir_make_tmp("gt-libvirt-XXXXXX", NULL);
  g_autofree char *spec = g_strdup_printf("libvirt+qemu:///session?socket=%s/none:dom", dir);
  const char *a1[] = { e2e_guestrace_path(), "ps", spec, NULL };
  g_autofree char *err = NULL;
  int status = e2e_run(a1, NULL, &err);
  e2e_assert_one_line_error(status, err, "cannot connect to libvirt");
  g_clear_pointer(&err, g_free);
  const char *a2[] = { e2e_guestrace_path(), "ps", "libvirt+qemu:///system", NULL };
  status = e2e_run(a2, NULL, &err);
  e2e_assert_one_line_error(status, err, "bad guest");
  g_rmdir(dir);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  /* libvirt's client writes to a daemon that may have gone (the restart):
   * its documentation asks clients to ignore SIGPIPE, as guestrace does. */
  signal(SIGPIPE, SIG_IGN);
  g_test_add_func("/libvirt/errors", test_errors);
  g_test_add_func("/libvirt/trace", test_trace);
  return g_test_run();
}
