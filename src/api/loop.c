/* GtLoop: the public event loop. It attaches to the guest, owns the engine,
 * and runs a GLib main loop in which the hypervisor's stops arrive as file
 * descriptor events beside the program's own watches and timeouts. */
#include "api/loop-private.h"
#include "policy/enforce.h"

#include <errno.h>
#include <glib-unix.h>
#include <sys/eventfd.h>
#include <unistd.h>

void
gt_loop_replace_sink(GtLoop *loop, GtEventSink *sink)
{
  if (loop->sink) {
    gt_enforcer_set_sink(gt_engine_enforcer(loop->engine), NULL, NULL);
    gt_event_sink_flush(loop->sink, 3000);
    gt_event_sink_free(loop->sink);
  }
  loop->sink = sink;
}

static void
loop_warn(GError *error)
{
  g_warning("%s", error->message);
}

GtLoop *
gt_loop_new_for_vmi(const char *guest, GtVmi *vmi_in, const char *profile, GError **error)
{
  g_autoptr(GtVmi) vmi = vmi_in;
  GtEngine *engine = gt_engine_new(vmi, profile, error);
  if (!engine)
    return NULL;
  int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) {
    g_set_error(error, GT_ERROR, GT_ERROR_FAILED, "eventfd: %s", g_strerror(errno));
    gt_engine_free(engine);
    return NULL;
  }
  GtLoop *loop = g_new0(GtLoop, 1);
  loop->guest = g_strdup(guest);
  loop->vmi = g_steal_pointer(&vmi);
  loop->engine = engine;
  loop->quit_fd = fd;
  return loop;
}

GT_API GtLoop *
gt_loop_new_full(const char *guest, const GtLoopOptions *options, GError **error)
{
  GtLoopOptions env = { 0 };
  if (!options) {
    env.mem_path = g_getenv("GUESTRACE_MEM");
    env.sysmap_path = g_getenv("GUESTRACE_SYSMAP");
    env.profile_path = g_getenv("GUESTRACE_PROFILE");
    options = &env;
  }
  GtVmi *vmi = gt_vmi_open(guest, options, error);
  if (!vmi)
    return NULL;
  return gt_loop_new_for_vmi(guest, vmi, options->profile_path, error);
}

GT_API GtLoop *
gt_loop_new(const char *guest)
{
  g_autoptr(GError) error = NULL;
  GtLoop *loop = gt_loop_new_full(guest, NULL, &error);
  if (!loop)
    loop_warn(error);
  return loop;
}

GT_API GtOSType
gt_loop_get_ostype(GtLoop *loop)
{
  return loop && loop->engine ? GT_OS_LINUX : GT_OS_UNKNOWN;
}

GT_API gboolean
gt_loop_set_cb_full(GtLoop *loop, const char *kernel_func, GtSyscallFunc syscall_cb,
                    GtSysretFunc sysret_cb, void *user_data, GError **error)
{
  g_return_val_if_fail(loop && kernel_func && syscall_cb, FALSE);
  return gt_engine_add(loop->engine, kernel_func, syscall_cb, sysret_cb, user_data, FALSE,
                       error);
}

GT_API gboolean
gt_loop_set_cb(GtLoop *loop, const char *kernel_func, GtSyscallFunc syscall_cb,
               GtSysretFunc sysret_cb, void *user_data)
{
  g_autoptr(GError) error = NULL;
  if (gt_loop_set_cb_full(loop, kernel_func, syscall_cb, sysret_cb, user_data, &error))
    return TRUE;
  if (error)
    loop_warn(error);
  return FALSE;
}

GT_API int
gt_loop_set_cbs(GtLoop *loop, const GtCallbackRegistry callbacks[])
{
  int n = 0;
  for (const GtCallbackRegistry *c = callbacks; c->name; c++)
    n += gt_loop_set_cb(loop, c->name, c->syscall_cb, c->sysret_cb, c->user_data);
  return n;
}

GT_API guint
gt_loop_add_watch(GIOChannel *channel, GIOCondition condition, GIOFunc func,
                  gpointer user_data)
{
  return g_io_add_watch(channel, condition, func, user_data);
}

GT_API gboolean
gt_loop_trace(GtLoop *loop, const char *name, GError **error)
{
  return gt_engine_add(loop->engine, name, NULL, NULL, NULL, TRUE, error);
}

GT_API gboolean
gt_loop_trace_all_syscalls(GtLoop *loop, GError **error)
{
  return gt_engine_add_all_syscalls(loop->engine, error);
}

GT_API void
gt_loop_set_record_cb(GtLoop *loop, GtRecordFunc func, gpointer user_data,
                      GDestroyNotify destroy)
{
  gt_engine_set_record_cb(loop->engine, func, user_data, destroy);
}

GT_API void gt_loop_set_want_results(GtLoop *l, gboolean w) { gt_engine_set_want_results(l->engine, w); }
GT_API void
gt_loop_set_string_size(GtLoop *l, guint text_size, gsize json_size)
{
  GtDecodeOptions *o = gt_engine_decode_options(l->engine);
  o->text_size = text_size;
  o->json_size = MIN(json_size, (gsize)GT_DECODE_SIZE_LIMIT);
}

GT_API void
gt_loop_set_string_style(GtLoop *l, GtEscapeStyle style)
{
  gt_engine_decode_options(l->engine)->style = style;
}

GT_API void
gt_loop_set_envp_strings(GtLoop *l, gboolean read)
{
  gt_engine_decode_options(l->engine)->envp_strings = read;
}

GT_API void
gt_loop_set_show_fd_paths(GtLoop *l, gboolean show)
{
  gt_engine_decode_options(l->engine)->fd_paths = show;
}

GT_API void gt_loop_add_pid_filter(GtLoop *l, gt_pid_t pid) { gt_engine_add_pid_filter(l->engine, pid); }
GT_API void gt_loop_add_comm_filter(GtLoop *l, const char *c) { gt_engine_add_comm_filter(l->engine, c); }
GT_API guint gt_loop_get_probe_count(GtLoop *l) { return gt_engine_probe_count(l->engine); }
GT_API guint64 gt_loop_get_stop_count(GtLoop *l) { return gt_engine_stop_count(l->engine); }

GT_API gboolean
gt_loop_get_stop_times(GtLoop *l, guint64 *median_us, guint64 *worst_us)
{
  g_return_val_if_fail(l && median_us && worst_us, FALSE);
  return gt_engine_stop_times(l->engine, median_us, worst_us);
}
GT_API GtExitReason gt_loop_get_exit_reason(GtLoop *l) { return l->reason; }
GT_API const GError *gt_loop_get_error(GtLoop *l) { return l->error; }

GT_API gboolean
gt_loop_start(GtLoop *loop, GError **error)
{
  return gt_engine_start(loop->engine, error);
}

static void
finish(GtLoop *loop, GtExitReason reason, const GError *error)
{
  if (loop->reason == GT_EXIT_NONE || loop->reason == GT_EXIT_QUIT) {
    loop->reason = reason;
    if (error && !loop->error)
      loop->error = g_error_copy(error);
  }
  if (loop->main)
    g_main_loop_quit(loop->main);
}

void
gt_loop_fail(GtLoop *loop, const GError *error)
{
  finish(loop, GT_EXIT_ERROR, error);
}

static gboolean on_stop_ready(gint fd, GIOCondition cond, gpointer data);

/* The budget ran out: the drain goes on at the next iteration, after the
 * other sources, even if the driver's fd is not readable (stops it has
 * read already). */
static gboolean
on_more_stops(gpointer data)
{
  GtLoop *loop = data;
  loop->more_stops_src = 0;
  on_stop_ready(-1, 0, loop);
  return G_SOURCE_REMOVE;
}

static gboolean
on_stop_ready(gint fd, GIOCondition cond, gpointer data)
{
  GtLoop *loop = data;
  if (loop->reason == GT_EXIT_ERROR || loop->reason == GT_EXIT_GUEST_GONE)
    return G_SOURCE_CONTINUE;   /* finishing: the main loop is about to return */
  GtDriver *d = loop->vmi->driver;
  /* Drain: the driver may hold more than one stop already read. */
  for (guint n = 1;; n++) {
    g_autoptr(GError) error = NULL;
    GtStop stop = { 0 };
    if (!d->ops->wait(d, 0, &stop, &error)) {
      finish(loop, GT_EXIT_ERROR, error);
      return G_SOURCE_CONTINUE;
    }
    if (stop.kind == GT_STOP_NONE)
      return G_SOURCE_CONTINUE;
    if (stop.kind == GT_STOP_GONE) {
      finish(loop, GT_EXIT_GUEST_GONE, NULL);
      return G_SOURCE_CONTINUE;
    }
    if (stop.kind == GT_STOP_LOST) {
      g_autoptr(GError) lost = g_error_new(
        GT_ERROR, GT_ERROR_CONNECT,
        "lost the connection to the hypervisor (the guest did not power off)");
      loop->lost = TRUE;
      finish(loop, GT_EXIT_ERROR, lost);
      return G_SOURCE_CONTINUE;
    }
    if (!gt_engine_handle_stop(loop->engine, &stop, &error) ||
        !gt_engine_resume(loop->engine, &error)) {
      finish(loop, GT_EXIT_ERROR, error);
      return G_SOURCE_CONTINUE;
    }
    if (g_atomic_int_get(&loop->quit_requested)) {
      finish(loop, GT_EXIT_QUIT, NULL);
      return G_SOURCE_CONTINUE;
    }
    if (n == GT_LOOP_STOP_BUDGET) {
      if (!loop->more_stops_src)
        loop->more_stops_src = g_idle_add_full(G_PRIORITY_DEFAULT, on_more_stops, loop, NULL);
      return G_SOURCE_CONTINUE;
    }
  }
}

static gboolean
on_quit(gint fd, GIOCondition cond, gpointer data)
{
  GtLoop *loop = data;
  guint64 v;
  while (read(fd, &v, sizeof v) > 0)
    ;
  finish(loop, GT_EXIT_QUIT, NULL);
  return G_SOURCE_CONTINUE;
}

GT_API void
gt_loop_run(GtLoop *loop)
{
  g_autoptr(GError) error = NULL;
  loop->reason = GT_EXIT_NONE;
  g_clear_error(&loop->error);
  if (!gt_engine_start(loop->engine, &error)) {
    loop->reason = GT_EXIT_ERROR;
    loop->error = g_steal_pointer(&error);
    return;
  }
  if (g_atomic_int_get(&loop->quit_requested)) {
    g_atomic_int_set(&loop->quit_requested, 0);
    loop->reason = GT_EXIT_QUIT;
    gt_engine_stop(loop->engine, NULL);
    return;
  }
  GtDriver *d = loop->vmi->driver;
  loop->main = g_main_loop_new(NULL, FALSE);
  guint stop_src = g_unix_fd_add(d->ops->event_fd(d), G_IO_IN | G_IO_HUP | G_IO_ERR,
                                 on_stop_ready, loop);
  guint quit_src = g_unix_fd_add(loop->quit_fd, G_IO_IN, on_quit, loop);
  if (!d->ops->resume(d, &error)) {
    finish(loop, GT_EXIT_ERROR, error);
  } else {
    g_main_loop_run(loop->main);
  }
  /* Both sources always return G_SOURCE_CONTINUE, so both still exist. */
  g_source_remove(quit_src);
  g_source_remove(stop_src);
  if (loop->more_stops_src)
    g_source_remove(loop->more_stops_src);
  loop->more_stops_src = 0;
  g_clear_pointer(&loop->main, g_main_loop_unref);
  g_atomic_int_set(&loop->quit_requested, 0);
  if (loop->reason != GT_EXIT_GUEST_GONE && !loop->lost) {
    g_autoptr(GError) stop_error = NULL;
    if (!gt_engine_stop(loop->engine, &stop_error)) {
      g_warning("while removing instrumentation: %s", stop_error->message);
      if (loop->reason != GT_EXIT_ERROR) {
        loop->reason = GT_EXIT_ERROR;
        loop->error = g_steal_pointer(&stop_error);
      }
    }
  }
}

GT_API void
gt_loop_quit(GtLoop *loop)
{
  /* Async-signal-safe: an atomic store and a write(2). */
  guint64 one = 1;
  g_atomic_int_set(&loop->quit_requested, 1);
  ssize_t r = write(loop->quit_fd, &one, sizeof one);
  (void)r;
}

/* The end of a session: whether it is clean is decided once, by
 * gt_driver_end (what the journal still lists once the driver is gone). */
GT_API gboolean
gt_loop_close(GtLoop *loop, GError **error)
{
  if (!loop)
    return TRUE;
  if (loop->reason != GT_EXIT_GUEST_GONE && !loop->lost)
    gt_engine_stop(loop->engine, NULL);
  gt_loop_replace_sink(loop, NULL);   /* delivers what is queued, or spools it */
  gt_engine_free(loop->engine);
  g_autoptr(GError) left = NULL;
  gboolean clean = gt_vmi_end(loop->vmi, &left);
  if (!clean)
    g_set_error(error, GT_ERROR, GT_ERROR_FAILED,
                "could not undo all our changes to %s: %s; the guest is held (stopped, or "
                "stopping at one of the breakpoints kept) until the guardian or `guestrace "
                "recover %s` repairs it", loop->guest, left->message, loop->guest);
  close(loop->quit_fd);
  g_clear_error(&loop->error);
  g_free(loop->guest);
  g_free(loop);
  return clean;
}

GT_API void
gt_loop_free(GtLoop *loop)
{
  gt_loop_close(loop, NULL);
}

GT_API GArray *
gt_loop_list_processes(GtLoop *loop, GError **error)
{
  if (gt_engine_started(loop->engine)) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG,
                "cannot list processes while tracing");
    return NULL;
  }
  gt_mem_invalidate(loop->vmi->mem);
  g_autoptr(GArray) tasks = gt_linux_process_list(gt_engine_linux(loop->engine), error);
  if (!tasks)
    return NULL;
  GArray *out = g_array_sized_new(FALSE, TRUE, sizeof(GtProcess), tasks->len);
  for (guint i = 0; i < tasks->len; i++) {
    const GtTaskInfo *t = &g_array_index(tasks, GtTaskInfo, i);
    GtProcess p = { .pid = t->pid, .ppid = t->ppid, .uid = t->uid, .gid = t->gid };
    g_strlcpy(p.comm, t->comm, sizeof p.comm);
    g_array_append_val(out, p);
  }
  return out;
}
