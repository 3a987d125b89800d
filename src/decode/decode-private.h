/* What the decoder families share: the decoding context, the per-argument
 * renderers (strace's printing rules for numbers, descriptors, paths,
 * strings, constants and flags) and struct reads with layouts from the
 * guest's BTF. Each family (files.c, memory.c, ...) builds its syscalls'
 * decoders from these; table.c maps each syscall to its decoder. */
#pragma once

#include "decode/decode.h"
#include "decode/xlat.h"
#include "decode/xlat-tables.h"

/* One call being decoded: at the call (exiting FALSE) the in-parameters,
 * at the return the out-parameters and the result. */
typedef struct {
  GtRecord *rec;
  const GtArgReader *rd;
  gboolean exiting;
} GtDc;

/* A syscall's decoder: called at the call and again at the return. */
typedef void (*GtDecoderFn)(GtDc *c);

typedef struct {
  const char *name;     /* the name user space knows (asm/unistd_64.h) */
  GtDecoderFn fn;
} GtDecoderEntry;

/* The decoder of a syscall by its user-space name, or NULL. */
GtDecoderFn gt_decoder_lookup(const char *name);

static inline guint64 dc_arg(const GtDc *c, guint i) { return c->rec->args[i].value; }
static inline gboolean dc_ok(const GtDc *c) { return c->rec->has_result && c->rec->result >= 0; }

/* Setting an argument's rendering (text owned by the arg; decoded may be
 * NULL). At the call this is the in-value; at the return it is the
 * out-value shown instead. */
void dc_set(GtDc *c, guint i, char *text, JsonNode *decoded);
void dc_hide(GtDc *c, guint i);
/* The rest of the line after "= " for a successful result (owned). */
void dc_result(GtDc *c, char *text, JsonNode *decoded);

/* Renderers, strace's conventions. */
void dc_int(GtDc *c, guint i);        /* int */
void dc_uint(GtDc *c, guint i);       /* unsigned int */
void dc_long(GtDc *c, guint i);       /* long */
void dc_ulong(GtDc *c, guint i);      /* unsigned long */
void dc_hex(GtDc *c, guint i);        /* an address: NULL or 0x... */
/* An address as strace prints one: NULL or 0x... */
void dc_addr_text(GString *s, guint64 va);
/* An array of n elements of `size` bytes at va that needs no walk: NULL,
 * [] when empty, the address when it wraps. TRUE if it printed. */
gboolean dc_array_unwalkable(GString *s, guint64 va, guint64 n, guint size);
void dc_oct(GtDc *c, guint i);        /* a mode: 0644 */
void dc_fd(GtDc *c, guint i);         /* a descriptor */
void dc_dirfd(GtDc *c, guint i);      /* a descriptor or AT_FDCWD */
void dc_path(GtDc *c, guint i);       /* a NUL-terminated path, never cut by -s */
void dc_cstr(GtDc *c, guint i);       /* a NUL-terminated string, cut by -s */
void dc_buf(GtDc *c, guint i, gint64 len);   /* len bytes, cut by -s */
/* strace's printstrn: len bytes at va appended to s as a quoted string cut
 * by -s, "NULL", or the address when unreadable. Returns the bytes read
 * (NUL-terminated, *got of them; caller frees), NULL when none. */
guint8 *dc_strn(const GtDc *c, guint64 va, guint64 len, GString *s, gsize *got);
void dc_xval(GtDc *c, guint i, const GtXlat *x, const char *dflt);
void dc_flags(GtDc *c, guint i, const GtXlat *x, const char *zero);
/* A signal number argument ("SIGTERM"). */
void dc_signal(GtDc *c, guint i);
/* Renders what a pointer argument points to (n: a length or size the
 * renderer needs, else unused) into s and, when it has one, *json. FALSE if
 * it cannot be read. */
typedef gboolean (*GtDcPointeeFn)(GtDc *c, guint64 va, gint64 n, GString *s, JsonNode **json);
/* A pointer argument shown as what it points to: the address at the call,
 * replaced by the pointee when it can be read (at the return only after a
 * success); the address stays when it cannot. */
void dc_pointee(GtDc *c, guint i, GtDcPointeeFn fn, gint64 n);
/* An int written back through a pointer: "[42]". */
void dc_out_int(GtDc *c, guint i);

/* The options in force (the defaults when the reader has none). */
const GtDecodeOptions *dc_opt(const GtDc *c);
/* -y: appends "<path>" for descriptor fd; FALSE (nothing appended) when
 * -y is off or the descriptor is unknown. */
gboolean dc_append_fd_path(const GtDc *c, GString *s, gint fd);
/* A successful result that is a new descriptor ("3</etc/passwd>" with -y). */
void dc_fd_result(GtDc *c);

/* Text helpers used by several families. */
char *dc_quote(const GtDc *c, const guint8 *data, gsize len, gboolean more);
void dc_append_signal(GString *s, guint64 sig);
/* The value of a signed int argument. */
static inline gint32 dc_i32(const GtDc *c, guint i) { return (gint32)c->rec->args[i].value; }

/* Reads exactly len bytes of the caller's memory. */
gboolean dc_read(const GtDc *c, guint64 va, void *buf, gsize len);

/* A struct read from the caller's memory with its layout from the guest's
 * BTF. Fields are looked up by member name; a missing member reads as
 * absent. */
typedef struct {
  const char *type;     /* "stat", "__kernel_timespec" */
  guint8 data[512];
  guint size;
  GtKernelBtf *btf;
} GtStructView;

/* Reads `type` at va; FALSE if there is no BTF, no such type, or the
 * memory is unreadable. */
gboolean dc_struct_read(const GtDc *c, const char *type, guint64 va, GtStructView *v);
/* The offset and size of type.member in the guest's BTF; FALSE if unknown. */
gboolean dc_member(const GtDc *c, const char *type, const char *member, guint *off, guint *size);
/* sizeof(struct type) in the guest's BTF, 0 if unknown. */
guint dc_struct_size(const GtDc *c, const char *type);
/* A member as an integer of its own size (sign-extended when `is_signed`). */
gboolean sv_get(const GtStructView *v, const char *member, gboolean is_signed, guint64 *out);
/* A member's bytes (arrays). */
const guint8 *sv_bytes(const GtStructView *v, const char *member, guint *len);

/* JSON helpers. */
JsonNode *dc_json_int(gint64 v);
JsonNode *dc_json_str(const char *s);
JsonNode *dc_json_value(const char *name, guint64 raw);   /* {"name":..,"raw":..} */

/* Struct renderers shared across families (both text and JSON). */
void dc_mode_text(GString *s, guint32 mode);
gboolean dc_timespec(const GtDc *c, guint64 va, GString *s, JsonObject *o);
gboolean dc_timeval(const GtDc *c, guint64 va, GString *s, JsonObject *o);
/* dc_timespec as a GtDcPointeeFn (n unused). */
gboolean dc_timespec_pointee(GtDc *c, guint64 va, gint64 n, GString *s, JsonNode **json);
gboolean dc_sigset(const GtDc *c, guint64 va, gsize size, GString *s, JsonNode **json);
gboolean dc_sigset_sized(GtDc *c, guint64 va, gint64 size, GString *s, JsonNode **json);
void dc_sigset_text(GString *s, const guint8 *mask, gsize size, JsonNode **json);
/* An iovec array at va of n elements, as strace prints it (NULL, [] and
 * the address included); buffers shown as strings (data) up to data_size
 * bytes in all (G_MAXUINT64: each whole), else as addresses. FALSE only
 * when the guest's BTF has no struct iovec. */
gboolean dc_iovec(const GtDc *c, guint64 va, guint64 n, guint64 data_size, gboolean data,
                  GString *s, JsonNode **json);
gboolean dc_sockaddr(const GtDc *c, guint64 va, gint64 len, GString *s, JsonObject *o);
