/* The seed's example, on libguestrace: prints the open and read system
 * calls of a Linux guest, with their results.
 *
 *   GUESTRACE_MEM=/dev/shm/ram GUESTRACE_SYSMAP=System.map \
 *       ./open-read qemu:127.0.0.1:1234
 *
 * Stops on SIGINT or SIGTERM, leaving the guest as it was. */
#include <guestrace/guestrace.h>

#include <glib-unix.h>
#include <stdio.h>

static GtLoop *loop;
/* Paths of opens still in progress: freed at their return, or at exit for
 * calls that had not returned when the loop ended. */
static GPtrArray *in_progress;

/* The pathname is read at the call, while the caller's memory holds it; the
 * return callback receives it and frees it. */
static void *
open_cb(GtGuestState *state, gt_pid_t pid, gt_tid_t tid, void *user_data)
{
  /* openat(dfd, filename, flags, mode) and open(filename, flags, mode). */
  gboolean at = g_str_equal(gt_guest_get_syscall_name(state), "openat");
  gt_addr_t addr = gt_guest_get_arg(state, at ? 1 : 0);
  char *path = gt_guest_get_string(state, addr, 0);
  if (path)
    g_ptr_array_add(in_progress, path);
  int flags = (int)gt_guest_get_arg(state, at ? 2 : 1);
  printf("%d called %s(\"%s\", %#o)\n", pid, gt_guest_get_syscall_name(state),
         path ? path : "?", flags);
  return path;
}

static void *
read_cb(GtGuestState *state, gt_pid_t pid, gt_tid_t tid, void *user_data)
{
  printf("%d called read(%d, %#" G_GINT64_MODIFIER "x, %" G_GUINT64_FORMAT ")\n", pid,
         (int)gt_guest_get_arg(state, 0), (guint64)gt_guest_get_arg(state, 1),
         (guint64)gt_guest_get_arg(state, 2));
  return NULL;
}

static void
sysret_cb(GtGuestState *state, gt_pid_t pid, gt_tid_t tid, void *user_data)
{
  printf("%d %s returned %" G_GINT64_FORMAT "%s%s\n", pid, gt_guest_get_syscall_name(state),
         gt_guest_get_return_value(state), user_data ? " for " : "",
         user_data ? (char *)user_data : "");
  fflush(stdout);
  if (user_data)
    g_ptr_array_remove_fast(in_progress, user_data);
}

static gboolean
on_signal(gpointer data)
{
  gt_loop_quit(loop);
  return G_SOURCE_CONTINUE;
}

int
main(int argc, char **argv)
{
  if (argc != 2) {
    fprintf(stderr, "usage: %s GUEST\n", argv[0]);
    return 2;
  }
  loop = gt_loop_new(argv[1]);
  if (!loop)
    return 1;
  g_autoptr(GPtrArray) owned = g_ptr_array_new_with_free_func(g_free);   /* freed at return */
  in_progress = owned;
  const GtCallbackRegistry cbs[] = {
    { "sys_open", open_cb, sysret_cb, NULL },
    { "sys_openat", open_cb, sysret_cb, NULL },
    { "sys_read", read_cb, sysret_cb, NULL },
    { NULL, NULL, NULL, NULL },
  };
  if (gt_loop_set_cbs(loop, cbs) != 3) {
    gt_loop_free(loop);
    return 1;
  }
  guint sigint = g_unix_signal_add(SIGINT, on_signal, NULL);
  guint sigterm = g_unix_signal_add(SIGTERM, on_signal, NULL);
  g_autoptr(GError) error = NULL;
  if (!gt_loop_start(loop, &error)) {
    fprintf(stderr, "open-read: %s\n", error->message);
    gt_loop_free(loop);
    return 1;
  }
  fprintf(stderr, "open-read: tracing %s\n", argv[1]);
  gt_loop_run(loop);
  int status = gt_loop_get_exit_reason(loop) == GT_EXIT_ERROR ? 1 : 0;
  if (status)
    fprintf(stderr, "open-read: %s\n", gt_loop_get_error(loop)->message);
  g_source_remove(sigint);
  g_source_remove(sigterm);
  gt_loop_free(loop);
  return status;
}
