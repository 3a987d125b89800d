/* bench-stops: how long one stop can hold a crowded guest. gtw-crowd runs
 * IDLE waiting processes and a chain of DEPTH processes whose deepest makes
 * CALLS openat calls, while guestrace traces openat with a filter on the
 * ancestry (name=^...: every call reads the ancestors, up to
 * GT_LINUX_MAX_ANCESTORS, within the per-stop read budget). Prints the
 * worst stop beside the median stop, as guestrace measured them (the time
 * from a stop's arrival to the end of its handling).
 *
 *   bench-stops [IDLE [DEPTH [CALLS]]]   (GT_GUESTRACE, GT_GUEST_IMAGE_DIR
 *                                         as for the tests; 2000 500 200) */
#include "guestkit.h"

#include <gio/gio.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char config[] =
  "Functions openat\n"
  "Filter function=openat,name=^no-such-ancestor\n";

int
main(int argc, char **argv)
{
  int idle = argc > 1 ? atoi(argv[1]) : 2000;
  int depth = argc > 2 ? atoi(argv[2]) : 500;
  int calls = argc > 3 ? atoi(argv[3]) : 200;
  if (!g_getenv("GT_GUESTRACE")) {
    fprintf(stderr, "set GT_GUESTRACE to the guestrace binary\n");
    return 2;
  }
  g_autoptr(GError) error = NULL;
  GkOptions opts = { .mem_mb = 1024 };
  g_autoptr(GkGuest) g = gk_guest_boot(&opts, &error);
  if (!g) {
    fprintf(stderr, "bench-stops: %s\n", error->message);
    return 1;
  }
  g_autofree char *conf = g_build_filename(gk_guest_dir(g), "crowd.conf", NULL);
  g_assert_true(g_file_set_contents(conf, config, -1, NULL));
  g_autofree char *sysmap = gk_image_sysmap_path();
  const char *targv[] = { g_getenv("GT_GUESTRACE"), "--mem", gk_guest_mem_path(g), "-m", sysmap,
                          "-c", conf, "-o", "/dev/null", gk_guest_spec(g), NULL };
  g_autoptr(GSubprocess) p = g_subprocess_newv(targv, G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error(error);
  g_usleep(5 * G_USEC_PER_SEC);   /* attached */
  g_autofree char *cmd = g_strdup_printf("gtw-crowd %d %d %d", idle, depth, calls);
  g_assert_true(gk_guest_run(g, cmd, &error));
  g_assert_true(gk_guest_wait_console(g, "GTCROWD done", 1800, &error));
  g_subprocess_send_signal(p, SIGINT);
  g_autofree char *err = NULL;
  g_subprocess_communicate_utf8(p, NULL, NULL, NULL, &err, NULL);
  g_autofree char *console = gk_guest_console(g);
  const char *done = strstr(console, "GTCROWD done");
  guint64 median = 0, worst = 0, reported = 0, stops = 0;
  const char *t = err ? strstr(err, "stop time median ") : NULL;
  const char *c = err ? strstr(err, "guestrace: ") : NULL;
  if (!t || sscanf(t, "stop time median %" G_GUINT64_FORMAT " us, worst %" G_GUINT64_FORMAT,
                   &median, &worst) != 2) {
    fprintf(stderr, "bench-stops: no stop times from guestrace:\n%s", err ? err : "");
    return 1;
  }
  for (; c; c = strstr(c + 1, "guestrace: "))
    if (sscanf(c, "guestrace: %" G_GUINT64_FORMAT " calls reported, %" G_GUINT64_FORMAT,
               &reported, &stops) == 2)
      break;
  printf("guest: %.*s\n", done ? (int)strcspn(done, "\r\n") : 0, done ? done : "");
  printf("%-28s %12s %12s %10s\n", "", "median stop", "worst stop", "stops");
  printf("%-28s %9" G_GUINT64_FORMAT " us %9" G_GUINT64_FORMAT " us %10" G_GUINT64_FORMAT "\n",
         "openat, filter on ancestry", median, worst, stops);
  return 0;
}
