/* Helpers of the end-to-end tests: running guestrace (or another tool)
 * beside a test guest and comparing what it saw with the workload's log. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include "guestkit.h"

/* A tool process (guestrace, the example) attached to a guest. */
typedef struct {
  GSubprocess *proc;
  char *stdout_path;
  char *stderr_path;
} E2eTool;

/* Starts argv (NULL-terminated) with stdout and stderr to files in the
 * guest's directory, and waits until stderr has a line containing `ready`
 * (e.g. "guestrace: tracing"). Fails the test on timeout or early exit. */
E2eTool *e2e_tool_start(GkGuest *g, const char *const *argv, const char *ready);
/* Waits for exit (sending SIGINT first if `interrupt`); returns the exit
 * status. */
int e2e_tool_finish(E2eTool *t, gboolean interrupt, int timeout_s);
char *e2e_tool_stdout(E2eTool *t);
char *e2e_tool_stderr(E2eTool *t);
void e2e_tool_free(E2eTool *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(E2eTool, e2e_tool_free)

/* How guestrace is pointed at the guest: what the user gives it. */
typedef enum {
  E2E_ATTACH_MAP,       /* --mem FILE -m System.map qemu:HOST:PORT */
  E2E_ATTACH_MEMORY,    /* --mem FILE qemu:HOST:PORT: symbols from guest memory */
  E2E_ATTACH_QMP,       /* qmp:PATH alone, to a VM started with only -qmp */
  E2E_ATTACH_LOCAL,     /* qemu:HOST:PORT alone: RAM from the local QEMU process */
} E2eAttach;

/* Starts guestrace on g, attached as mode says, with extra options
 * (NULL-terminated; may be NULL) before the guest, and waits until it
 * traces. */
E2eTool *e2e_start_guestrace_mode(GkGuest *g, E2eAttach mode, const char *const *extra);
/* The same with --mem and -m (E2E_ATTACH_MAP). */
E2eTool *e2e_start_guestrace(GkGuest *g, const char *const *extra);

/* Boots the test guest with the kit's defaults (KASLR on, two vCPUs),
 * logs its kernel version, and waits until the boot-time kallsyms dump is
 * complete so its reads and writes do not flood a trace. Fails the test on
 * error. */
GkGuest *e2e_boot(void);
/* The same with options (e.g. qmp_only). */
GkGuest *e2e_boot_with(const GkOptions *opts);

/* Path of a built program (from the environment meson sets). */
const char *e2e_guestrace_path(void);
const char *e2e_example_path(void);

/* Parses one JSON object per line; fails the test on a bad line. */
GPtrArray *e2e_parse_json_lines(const char *text, const char *prefix);
/* Parses an array of JSON strings (e.g. a workload log) into objects. */
GPtrArray *e2e_parse_json_lines_array(GPtrArray *lines);
/* The run-time address of a kernel symbol, from the guest's own kallsyms
 * dump; fails the test if absent. */
guint64 e2e_kallsyms_address(GkGuest *g, const char *name);
/* A per-run random word for file names. */
char *e2e_random_word(void);
/* Every openat of the workload's own log appears in out. */
void e2e_assert_opens_seen(GkGuest *g, const char *out);
/* Starts guestrace --format json -e openat,write on g (its spec alone) and
 * has the guest run gtw-files WORD, a fresh random word (*word), to its
 * end with status 0 (else the test fails, showing the console and
 * guestrace's stderr). guestrace is left running. */
E2eTool *e2e_trace_gtw_files(GkGuest *g, char **word);
/* out (that trace's stdout) holds gtw-files' "/tmp/WORD-a" and every open
 * it logged. */
void e2e_assert_gtw_files_seen(GkGuest *g, const char *out, const char *word);
/* Runs a tool to completion: exit status; stdout in *out unless out is NULL
 * (then dropped), stderr in *err. */
int e2e_run(const char *const *argv, char **out, char **err);
/* Exit 2 and one line "guestrace: ..." containing needle. */
void e2e_assert_one_line_error(int status, const char *err, const char *needle);
/* Canonical text of a JSON node (for comparing argument values). */
char *e2e_json_text(JsonNode *node);
