/* The internal form of a GtRecord: one traced call, filled at the call and
 * completed at the return. */
#pragma once

#include <guestrace/guestrace.h>
#include <json-glib/json-glib.h>

#define GT_MAX_ARGS 6

typedef struct {
  char *name;        /* the kernel's argument name, or "argN" */
  char *type;        /* the kernel's argument type, or NULL */
  guint64 value;     /* raw value */
  char *text;        /* rendered for text output */
  /* For JSON: a string argument's bytes (NULL otherwise), NUL-terminated;
   * str_len is their count when they may hold NULs (a buffer), 0 for "up
   * to the NUL". */
  char *str;
  gsize str_len;
  /* For JSON: a decoded list (argv), NULL otherwise. */
  char **strv;
  /* For JSON numbers: whether the kernel's type is signed, and the value
   * narrowed to that type. */
  gboolean is_signed;
  gint64 svalue;
  /* Left out of text output (open's mode without O_CREAT, as strace does). */
  gboolean hidden_in_text;
  /* An out-parameter decoded at the return (read's data, wait4's status,
   * pipe's descriptors, accept's address, stat's fields): the text form, and
   * for JSON a string (out_str) or an integer (out_is_int/out_int) or an
   * array of integers (out_ints). NULL/FALSE when none. */
  char *out;
  char *out_str;
  gsize out_str_len;  /* as str_len */
  gboolean out_is_int;
  gint64 out_int;
  GArray *out_ints;
  /* For JSON: the decoded meaning beside the raw value (flag names as a
   * list, a constant's name, a struct as an object) at the call, and the
   * out-parameter's decoded value at the return. NULL when none. */
  JsonNode *decoded;
  JsonNode *out_json;
} GtRecordArg;

/* Parts of a record the read budget of a stop left unread. */
typedef enum {
  GT_SPENT_ARGS = 1 << 0,       /* some argument shows its address only */
  GT_SPENT_OUT = 1 << 1,        /* some out-parameter is missing */
  GT_SPENT_ANCESTORS = 1 << 2,  /* filters saw only part of the ancestry */
  GT_SPENT_PROCESSES = 1 << 3,  /* no process list (pslist event) */
} GtBudgetSpent;

/* "args", "out", "ancestors", "processes" for each bit, in that order. */
extern const char *const gt_budget_spent_names[4];

/* -y: a descriptor the text line annotates, with what it is (a path,
 * "socket:[ino]", ...) as read from the guest's file table at the call. */
typedef struct {
  gint fd;                /* AT_FDCWD (-100) for the working directory */
  char *what;             /* owned, guest bytes */
  gsize len;
  gboolean deleted;       /* the file was unlinked: "(deleted)" */
} GtRecordFdPath;

struct _GtRecord {
  gint64 ts_ns;           /* host time at the call, ns since the epoch */
  gint64 ret_ts_ns;       /* host time at the return, 0 if none */
  guint vcpu;
  gt_pid_t pid, ppid;
  gt_tid_t tid;
  guint32 uid, gid;
  char comm[17];
  char *name;             /* owned: the name user space knows ("fstat") */
  char *kernel_name;      /* owned: the kernel's ("newfstat"); NULL if the same */
  int nr;
  gboolean has_result;
  gint64 result;
  gboolean aborted;
  /* A successful result as strace shows it after "= " ("0x8000 (flags
   * O_RDONLY|O_LARGEFILE)", an address in hex), and its decoded meaning
   * for JSON. NULL: the number. */
  char *ret_text;
  JsonNode *ret_decoded;
  /* What the stop's read budget left out (GtBudgetSpent bits). */
  guint budget_spent;
  guint nargs;
  GtRecordArg args[GT_MAX_ARGS];
  /* -y: each descriptor annotated in the line, once (GtRecordFdPath);
   * NULL when none. */
  GArray *fd_paths;
};

/* Notes descriptor fd's annotation (the first one noted for fd stays). */
void gt_record_note_fd_path(GtRecord *rec, gint fd, const char *what, gsize len,
                            gboolean deleted);

GtRecord *gt_record_new(void);
void gt_record_free(GtRecord *rec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GtRecord, gt_record_free)

gint64 gt_now_ns(void);
