/* Helpers for the event-server tests: a temporary folder and child servers
 * that are cleaned up even when a test fails. Each test body runs in a
 * g_test subprocess; the parent removes the folder afterwards, and server
 * processes get SIGKILL when the test process dies (PR_SET_PDEATHSIG). */
#pragma once

#include <gio/gio.h>

/* Runs @body in a subprocess with a fresh temporary folder (passed to it),
 * removes the folder afterwards and asserts the subprocess passed. */
void ev_run_isolated(const char *test_path, void (*body)(const char *dir));
/* Starts argv (NULL-terminated) with stdout/stderr silenced; dies with us. */
GSubprocess *ev_spawn(const char *const *argv);
/* SIGKILL and reap. */
void ev_kill(GSubprocess *p);
/* A free TCP port on 127.0.0.1 (bound and released). */
guint16 ev_free_port(void);
/* Waits up to @timeout_ms for @path to exist; returns its contents. */
char *ev_wait_file(const char *path, int timeout_ms);
/* Counts lines of @path (0 if missing). */
guint ev_count_lines(const char *path);
