/* Constant tables (generated from the UAPI headers by xlat/gen-xlat.py) and
 * the two ways strace prints them: a value by name, a set of flags. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

typedef struct {
  guint64 value;
  const char *name;
} GtXlatEntry;

typedef struct {
  const GtXlatEntry *entries;
  guint n;
} GtXlat;

/* The first name with this value, or NULL. */
const char *gt_xlat_name(const GtXlat *x, guint64 v);
/* The value of a name of the set (the value comes from the headers; the
 * name is the fact a decoder needs); FALSE if the set has no such name. */
gboolean gt_xlat_value(const GtXlat *x, const char *name, guint64 *out);
/* The value of a name of the set, 0 if it has no such name: for the masks
 * and flags a decoder tests by name. */
guint64 gt_xlat_bits(const GtXlat *x, const char *name);
/* Every name with this value, in name order, joined by " or " (strace's
 * ioctl requests that share a number); FALSE (nothing appended) if none. */
gboolean gt_xlat_print_all_names(GString *s, const GtXlat *x, guint64 v);
/* The name, or `v` in hex followed by a comment naming the set (`dflt`,
 * e.g. "F_???"): strace's printxval. */
void gt_xlat_print_value(GString *s, const GtXlat *x, guint64 v, const char *dflt);
/* Flags joined with '|' in table order (an entry takes all its bits), any
 * leftover bits last in hex; `zero` (e.g. "0") when v is 0 and nothing
 * matched: strace's printflags. Returns whether anything was printed. */
void gt_xlat_print_flags(GString *s, const GtXlat *x, guint64 v, const char *zero);
/* The same decisions as a JSON array of names, leftover bits as a number. */
JsonNode *gt_xlat_flags_json(const GtXlat *x, guint64 v);
