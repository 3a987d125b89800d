/* Decodings: the named views of an argument that a Filter's
 * `argname=NAME:DECODING` applies its `argval` regex to (the manual's
 * "code:signal"). Each turns (function, argument, raw value, text) into the
 * string a regex sees. Pure functions; no guest access. */
#pragma once

#include <glib.h>

typedef enum {
  GT_DECODING_NONE = 0, /* the argument's own text */
  GT_DECODING_SIGNAL,   /* signal name of value & 0x7f ("SIGSEGV"), do_exit's code */
  GT_DECODING_STATUS,   /* (value >> 8) & 0xff as decimal: the exit status */
  GT_DECODING_CALL,     /* the socket call's name: on x86-64 the function itself */
  GT_DECODING_FILENAME, /* the argument's text (a path) */
  GT_DECODING_ERRNO,    /* errno name of a negative value ("ENOENT"), else decimal */
} GtDecoding;

/* Looks a decoding up by the name used in configs ("signal"); FALSE if
 * unknown. */
gboolean gt_decoding_lookup(const char *name, GtDecoding *out);
/* The config name of a decoding ("signal"); "" for GT_DECODING_NONE. */
const char *gt_decoding_name(GtDecoding d);
/* All known decoding names, comma-separated, for error messages. */
const char *gt_decoding_known_names(void);

/* The string a regex is applied to. function: the call's function name
 * ("connect"); argname: the argument; raw: its raw value; text: its decoded
 * text or NULL (then the raw value in hex stands in). Never NULL. */
char *gt_decoding_apply(GtDecoding d, const char *function, const char *argname,
                        guint64 raw, const char *text);

/* Same, by decoding name; NULL if the name is unknown. */
char *gt_decoding_apply_named(const char *decoding, const char *function,
                              const char *argname, guint64 raw, const char *text);
