/* A quit request is honoured under a flow of stops with no gap. The fake
 * guest's driver (fault-world.h) is made to have another stop ready at
 * every wait (a vCPU stopped at a place that is not ours, as from several
 * busy vCPUs); at stop QUIT_AT the user asks to quit, as the CLI does it:
 * a --duration timer (a main-loop timeout), SIGINT (a GLib unix signal
 * source), or gt_loop_quit called directly. The loop must end with
 * GT_EXIT_QUIT within 3 x GT_LOOP_STOP_BUDGET + 1 more stops: main-loop
 * sources run between dispatches, and a dispatch handles at most the
 * budget (loop-private.h says why 3). Without it the drain would go on to the flood's end (FLOOD
 * stops, then a gap), where the request finally runs. */
#include <signal.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <guestrace/guestrace.h>
#include "api/loop-private.h"
#include "fault-world.h"

#define QUIT_AT 100
#define FLOOD 20000
#define STOP_US 500   /* a fake stop's time once the quit is asked */

typedef enum { BY_TIMER, BY_SIGINT, BY_CALL } QuitBy;

static struct {
  GtLoop *loop;
  const GtDriverOps *inner;
  GtDriverOps ops;
  QuitBy by;
  guint stops, late;
} flood;

static gboolean
quit_source(gpointer data)
{
  gt_loop_quit(data);
  return G_SOURCE_REMOVE;
}

static gboolean
on_sigint(gpointer data)
{
  gt_loop_quit(data);
  return G_SOURCE_CONTINUE;
}

static void
ask_quit(void)
{
  switch (flood.by) {
  case BY_TIMER:
    g_timeout_add(0, quit_source, flood.loop);
    break;
  case BY_SIGINT:
    raise(SIGINT);
    break;
  case BY_CALL:
    gt_loop_quit(flood.loop);
    break;
  }
}

/* Another stop, always, until the loop ends or the flood does (a gap: the
 * fake guest's own waits from there on). */
static gboolean
flood_wait(GtDriver *d, int timeout_ms, GtStop *stop, GError **error)
{
  if (flood.loop->reason != GT_EXIT_NONE || flood.stops == FLOOD)
    return flood.inner->wait(d, timeout_ms, stop, error);
  GtRegs regs;
  if (!flood.inner->pause(d, error) || !flood.inner->get_regs(d, 0, &regs, error))
    return FALSE;
  *stop = (GtStop){ GT_STOP_OTHER, 0, regs.r[GT_REG_RIP] };
  if (++flood.stops > QUIT_AT) {
    flood.late++;
    /* A stop takes time (1-4 ms on QEMU): GLib forwards a signal to the
     * main context from its worker thread, which must get a chance to
     * run. Without this a fake stop takes microseconds and SIGINT's
     * latency, not the loop, decided the count (seen: 221 stops). */
    g_usleep(STOP_US);
  }
  if (flood.stops == QUIT_AT)
    ask_quit();
  return TRUE;
}

static void
check_quit(gconstpointer data)
{
  g_autoptr(FakeWorld) w = fw_new();
  GtDriver *d = fw_connect(w, "loop-budget");
  flood = (typeof(flood)){ .inner = d->ops, .ops = *d->ops, .by = GPOINTER_TO_INT(data) };
  flood.ops.wait = flood_wait;
  d->ops = &flood.ops;
  g_autofree char *profile = g_build_filename(g_get_tmp_dir(), "gt-loop-budget.profile", NULL);
  fw_write_profile(profile);
  g_autoptr(GError) error = NULL;
  GtLoop *loop = gt_loop_new_for_vmi("fake", fw_vmi_new(w, d), profile, &error);
  g_assert_no_error(error);
  flood.loop = loop;
  for (guint i = 0; fw_syscalls[i]; i++) {
    g_assert_true(gt_loop_trace(loop, fw_syscalls[i], &error));
    g_assert_no_error(error);
  }
  guint sigint = g_unix_signal_add(SIGINT, on_sigint, loop);
  gt_loop_run(loop);
  g_source_remove(sigint);
  g_assert_cmpint(gt_loop_get_exit_reason(loop), ==, GT_EXIT_QUIT);
  g_test_message("%u stops after the request", flood.late);
  g_assert_cmpuint(flood.stops, >=, QUIT_AT);
  g_assert_cmpuint(flood.late, <=, 3 * GT_LOOP_STOP_BUDGET + 1);
  gt_loop_free(loop);
  g_unlink(profile);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_data_func("/loop/quit-under-stops/duration-timer", GINT_TO_POINTER(BY_TIMER),
                       check_quit);
  g_test_add_data_func("/loop/quit-under-stops/sigint", GINT_TO_POINTER(BY_SIGINT), check_quit);
  g_test_add_data_func("/loop/quit-under-stops/gt-loop-quit", GINT_TO_POINTER(BY_CALL),
                       check_quit);
  return g_test_run();
}
