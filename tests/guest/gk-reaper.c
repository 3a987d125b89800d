/* guestkit: keeps a table of live guests so that exit() and the signals
 * that end a test (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGABRT of a failed
 * assertion, SIGTRAP of a GLib critical under G_DEBUG=fatal-criticals or a
 * G_BREAKPOINT, SIGPIPE of a write to a closed pipe) still kill their QEMU
 * (an adopted one too) and remove their files, and sweeps what dead test
 * processes left behind (/dev/shm/gk-<pid>-*, <tmp>/gk-<pid>-*): after a
 * SIGKILL no handler runs; the kernel kills a QEMU the kit started
 * (gk-spawn.c) and the next boot sweeps the files. The table is fixed-size
 * plain memory so the signal handler only reads it and only calls
 * async-signal-safe functions (kill, unlink, rmdir). */
#include "gk-private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define GK_MAX_LIVE 32

typedef struct {
  volatile sig_atomic_t used;
  pid_t pid;
  char mem[256];
  char dir[256];
} GkSlot;

static GkSlot slots[GK_MAX_LIVE];
static GMutex slots_lock;
static gboolean handlers_installed;
/* Every signal that ends a test and can be caught (see the top). */
static const int handled[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGABRT, SIGTRAP, SIGPIPE };
static struct sigaction old_sa[G_N_ELEMENTS(handled)];

/* Files the kit and QEMU create in a guest dir (handler-safe removal). */
static const char *const dir_files[] = {
  "console.log", "kallsyms.serial", "kallsyms.txt", "kallsyms.txt.tmp",
  "ctl.sock", "qmp.sock", "qemu.log", "qemu.pid", NULL,
};

static void slot_teardown(GkSlot *s)
{
  char path[512];
  if (s->pid > 0)
    kill(s->pid, SIGKILL);
  if (s->mem[0])
    unlink(s->mem);
  if (!s->dir[0])
    return;   /* an adopted guest's files are not ours */
  for (int i = 0; dir_files[i]; i++) {
    size_t dl = strlen(s->dir), fl = strlen(dir_files[i]);
    if (dl + fl + 2 > sizeof path)
      continue;
    memcpy(path, s->dir, dl);
    path[dl] = '/';
    memcpy(path + dl + 1, dir_files[i], fl + 1);
    unlink(path);
  }
  rmdir(s->dir);
}

static void on_signal(int sig)
{
  for (int i = 0; i < GK_MAX_LIVE; i++)
    if (slots[i].used)
      slot_teardown(&slots[i]);
  for (guint i = 0; i < G_N_ELEMENTS(handled); i++)
    sigaction(handled[i], &old_sa[i], NULL);
  raise(sig);
}

static void on_exit_hook(void)
{
  for (int i = 0; i < GK_MAX_LIVE; i++)
    if (slots[i].used) {
      slot_teardown(&slots[i]);
      if (slots[i].pid > 0)
        waitpid(slots[i].pid, NULL, 0);
      slots[i].used = 0;
    }
}

static void install_handlers(void)
{
  struct sigaction sa = { 0 };
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  /* Only where nobody else handles the signal. */
  for (guint i = 0; i < G_N_ELEMENTS(handled); i++) {
    sigaction(handled[i], NULL, &old_sa[i]);
    if (old_sa[i].sa_handler == SIG_DFL)
      sigaction(handled[i], &sa, NULL);
  }
  atexit(on_exit_hook);
}

int gk_reaper_add(pid_t pid, const char *mem_path, const char *dir)
{
  int slot = -1;
  g_mutex_lock(&slots_lock);
  if (!handlers_installed) {
    install_handlers();
    handlers_installed = TRUE;
  }
  for (int i = 0; i < GK_MAX_LIVE; i++)
    if (!slots[i].used) {
      slots[i].pid = pid;
      g_strlcpy(slots[i].mem, mem_path, sizeof slots[i].mem);
      g_strlcpy(slots[i].dir, dir, sizeof slots[i].dir);
      slots[i].used = 1;   /* last: the handler sees a complete slot */
      slot = i;
      break;
    }
  g_mutex_unlock(&slots_lock);
  if (slot < 0)
    g_warning("guestkit: more than %d live guests, not protected on signals", GK_MAX_LIVE);
  return slot;
}

void gk_reaper_remove(int slot)
{
  if (slot < 0 || slot >= GK_MAX_LIVE)
    return;
  g_mutex_lock(&slots_lock);
  slots[slot].used = 0;
  g_mutex_unlock(&slots_lock);
}

void gk_remove_dir(const char *dir)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  if (d) {
    const char *name;
    while ((name = g_dir_read_name(d))) {
      g_autofree char *p = g_build_filename(dir, name, NULL);
      unlink(p);
    }
  }
  rmdir(dir);
}

/* "gk-<pid>-..." -> pid, or 0. */
static pid_t owner_pid(const char *name)
{
  if (!g_str_has_prefix(name, "gk-"))
    return 0;
  char *end = NULL;
  guint64 v = g_ascii_strtoull(name + 3, &end, 10);
  if (end == name + 3 || *end != '-' || v == 0 || v > G_MAXINT32)
    return 0;
  return (pid_t)v;
}

static gboolean pid_dead(pid_t pid)
{
  return kill(pid, 0) < 0 && errno == ESRCH;
}

void gk_reaper_sweep_stale(void)
{
  const char *roots[] = { "/dev/shm", g_get_tmp_dir() };
  for (guint r = 0; r < G_N_ELEMENTS(roots); r++) {
    g_autoptr(GDir) d = g_dir_open(roots[r], 0, NULL);
    if (!d)
      continue;
    const char *name;
    while ((name = g_dir_read_name(d))) {
      pid_t pid = owner_pid(name);
      if (pid <= 0 || pid == getpid() || !pid_dead(pid))
        continue;
      g_autofree char *p = g_build_filename(roots[r], name, NULL);
      if (r == 0) {
        if (g_str_has_suffix(name, "-ram"))
          unlink(p);
      } else if (g_file_test(p, G_FILE_TEST_IS_DIR)) {
        gk_remove_dir(p);
      }
    }
  }
}
