/* Parsing of gdb stop replies (T/S/W/X) and thread ids (plain hex or
 * multiprocess "pPID.TID"). */
#pragma once

#include <glib.h>

typedef struct {
  gint64 pid;             /* -1 when the id has no process part */
  gint64 tid;             /* -1 = all threads, 0 = any */
} GtRspThreadId;

gboolean gt_rsp_parse_thread_id(const char *s, gsize len, GtRspThreadId *id);
gboolean gt_rsp_thread_id_equal(const GtRspThreadId *a, const GtRspThreadId *b);

#define GT_RSP_STOP_MAX_REGS 32

typedef struct {
  char kind;              /* 'T', 'S', 'W' or 'X' */
  guint8 signal;          /* signal (T/S/X) or exit status (W) */
  gboolean has_thread;
  GtRspThreadId thread;
  guint nregs;
  struct {
    guint regnum;
    guint8 bytes[16];
    guint len;
  } regs[GT_RSP_STOP_MAX_REGS];
} GtRspStop;

/* FALSE if the payload is not a well-formed stop reply. Unknown fields
 * (swbreak, watch, core, ...) are skipped. */
gboolean gt_rsp_parse_stop(const char *p, gsize len, GtRspStop *stop);
