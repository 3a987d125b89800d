/* guestkit: boots the test guest image under QEMU (TCG) for e2e tests, the
 * demo and benchmarks, and talks to its init (console, control port,
 * kallsyms dump). Errors are G_IO_ERROR (TIMED_OUT, FAILED...): the kit is
 * test infrastructure, not part of libguestrace. */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

typedef struct GkGuest GkGuest;

typedef struct {
  gboolean nokaslr;
  const char *extra_cmdline;
  guint smp;      /* 0 -> 2 */
  guint mem_mb;   /* 0 -> 512 */
  /* After GK-RUN-END the guest waits for gk_guest_release() before it
   * powers off (lets a tracer detach from a live guest). */
  gboolean hold;
  /* gk_guest_boot returns at GK-READY, before the kallsyms dump is
   * complete (by default it also waits for the dump: ~2.5 s more, and a
   * tracer attached later neither stops the VM mid-dump nor sees the
   * dump's reads and writes). */
  gboolean no_wait_kallsyms;
  /* QEMU as people start it: no -gdb, no shared RAM file, only
   * -qmp unix:DIR/qmp.sock. The spec is then "qmp:DIR/qmp.sock" and
   * gk_guest_mem_path() is NULL. */
  gboolean qmp_only;
} GkOptions;

/* The image (built by meson into build/tests/guest). Env GT_GUEST_KERNEL
 * chooses the kernel: deb12 (the default: Debian 12's cloud kernel, 6.1) or
 * deb13 (Debian 13's, 6.12); env GT_GUEST_IMAGE_DIR, else the build dir, is
 * the root of the images: deb12's is the root itself, another's the
 * subdirectory named after it. Both are read once, at the first call. */
const char *gk_image_kernel(void);         /* "deb12", "deb13" */
const char *gk_image_dir(void);            /* the chosen kernel's image */
char *gk_image_sysmap_path(void);          /* link-time System.map of the image kernel */
char *gk_image_kernel_version(void);       /* "6.1.0-56-cloud-amd64 6.1.192-2" */

/* Boots and returns when the guest printed GK-READY (timeout 90 s) and,
 * unless opts->no_wait_kallsyms, its kallsyms dump is complete. */
GkGuest *gk_guest_boot(const GkOptions *opts, GError **error);
/* The kernel command line the kit boots its image with. */
char *gk_kernel_cmdline(const GkOptions *opts);
/* A guest of the kit's image whose QEMU another program started (libvirt),
 * with its serial ports where the kit puts them: ttyS0 to DIR/console.log,
 * ttyS1 to DIR/kallsyms.serial, ttyS2 on the unix socket DIR/ctl.sock.
 * Returns at GK-READY. gk_guest_free leaves QEMU and dir alone (QEMU is
 * killed only if the test process dies first). spec: what
 * gk_guest_spec returns. */
GkGuest *gk_guest_adopt(const char *dir, pid_t qemu_pid, const char *spec, gboolean hold,
                        GError **error);
const char *gk_guest_spec(GkGuest *g);     /* "qemu:127.0.0.1:PORT" (gdb stub), or qmp:PATH */
const char *gk_guest_qmp_path(GkGuest *g); /* DIR/qmp.sock */
guint gk_guest_gdb_port(GkGuest *g);
const char *gk_guest_mem_path(GkGuest *g); /* /dev/shm/gk-<pid>-<n>-ram */
const char *gk_guest_dir(GkGuest *g);      /* console.log, kallsyms.txt, qmp.sock, qemu.log ... */
pid_t gk_guest_qemu_pid(GkGuest *g);
double gk_guest_boot_seconds(GkGuest *g);  /* QEMU start to GK-READY */

/* Waits (up to 120 s) until the guest's /proc/kallsyms dump is complete
 * and returns the path of its text (kallsyms.txt in the guest dir). */
char *gk_guest_kallsyms_path(GkGuest *g, GError **error);
double gk_guest_kallsyms_seconds(GkGuest *g); /* QEMU start to dump complete */

/* Sends the one command line (sh syntax, no newline) the guest runs. */
gboolean gk_guest_run(GkGuest *g, const char *cmdline, GError **error);
/* With GkOptions.hold: lets the guest power off after GK-RUN-END. */
gboolean gk_guest_release(GkGuest *g, GError **error);

/* TRUE once needle appears anywhere in the console output. */
gboolean gk_guest_wait_console(GkGuest *g, const char *needle, int timeout_s, GError **error);
char *gk_guest_console(GkGuest *g);        /* whole console text so far */
/* Lines "TAG rest" of the console, as "rest" (TAG: "GTWL" or "GTPS",
 * with or without the trailing space). Array of char*, owns them. */
GPtrArray *gk_guest_workload_log(GkGuest *g, const char *prefix);
/* The N of "GK-RUN-END rc=N", or -1 if not seen yet. */
int gk_guest_run_rc(GkGuest *g);

/* TRUE if QEMU exited by itself within timeout_s. */
gboolean gk_guest_wait_poweroff(GkGuest *g, int timeout_s);
/* Kills QEMU if still running (SIGTERM, then SIGKILL), removes the guest
 * dir and the RAM file. */
void gk_guest_free(GkGuest *g);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GkGuest, gk_guest_free)

/* The lines of a text (len -1: up to its NUL), in one linear pass: use it,
 * not g_strsplit, on anything large (see gk-lines.c). Each line comes
 * without its '\n', NUL-terminated in the walker's own buffer, valid until
 * the next call; a last line without '\n' counts, an empty text has none.
 * The text must outlive the walker.
 *   g_auto(GkLines) it = gk_lines(out, -1);
 *   for (const char *l; (l = gk_lines_next(&it, NULL));) ... */
typedef struct {
  const char *p, *end;
  GString *line;
} GkLines;

GkLines gk_lines(const char *text, gssize len);
/* The next line (its length in *len unless len is NULL), NULL at the end. */
const char *gk_lines_next(GkLines *it, gsize *len);
void gk_lines_clear(GkLines *it);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(GkLines, gk_lines_clear)

G_END_DECLS
