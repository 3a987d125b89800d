/* guestkit internals shared by its source files. */
#pragma once

#include "guestkit.h"

struct GkGuest {
  pid_t qemu_pid;
  gboolean exited;          /* QEMU reaped */
  int exit_status;
  char *dir;                /* per-guest dir */
  char *mem_path;           /* /dev/shm RAM file */
  char *spec;
  char *qmp_path;           /* DIR/qmp.sock */
  gboolean qmp_only;
  gboolean adopted;         /* QEMU started by someone else (gk_guest_adopt) */
  gboolean boot_oops_retried; /* booted again once after a kernel oops at boot */
  guint port;
  int slot;                 /* reaper slot, -1 if none */
  int ctl_fd;               /* control socket, -1 until gk_guest_run */
  gboolean hold;
  gint64 t_start;           /* monotonic µs, QEMU spawn */
  gint64 t_start_wall;      /* real-time µs, QEMU spawn */
  double boot_s, kallsyms_s;
  /* console.log tail */
  int console_fd;
  GString *console;
  /* kallsyms.txt written */
  gboolean kallsyms_done;
};

/* gk-spawn.c: starts argv in dir (stdin /dev/null, stdout and stderr to
 * out_fd), not reaped by GLib, killed by the kernel when the process ends
 * by any means (PR_SET_PDEATHSIG, from a kit thread that lives as long as
 * the process). */
gboolean gk_spawn(const char *const *argv, const char *dir, int out_fd, GPid *pid,
                  GError **error);

/* gk-reaper.c: live guests torn down on exit and fatal signals; stale sweep */
int gk_reaper_add(pid_t pid, const char *mem_path, const char *dir);
void gk_reaper_remove(int slot);
void gk_reaper_sweep_stale(void);
void gk_remove_dir(const char *dir);

/* gk-console.c */
void gk_console_refresh(GkGuest *g);
/* Reaps QEMU if it exited; TRUE if it is (now) gone. */
gboolean gk_guest_check_exited(GkGuest *g);

/* polling period of every wait loop */
#define GK_POLL_US 20000
