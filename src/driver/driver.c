/* Chooses a driver from the guest spec the user gave. */
#include "driver/driver.h"
#include "driver/journal.h"
#include "driver/recover.h"

#include <stdlib.h>
#include <string.h>

static gboolean
parse_port(const char *s, guint16 *port)
{
  char *end = NULL;
  guint64 v = g_ascii_strtoull(s, &end, 10);
  if (!*s || *end || v == 0 || v > 65535)
    return FALSE;
  *port = (guint16)v;
  return TRUE;
}

/* libvirt:NAME, or libvirt+URI:NAME: URIs have colons of their own, so
 * there the name is what follows the last one (libvirt refuses '/' in a
 * domain name: "libvirt+qemu:///system" alone is missing its name). */
static GtDriver *
open_libvirt(const char *spec, const GtDriverOptions *opts, GError **error)
{
  gboolean with_uri = spec[7] == '+';
  const char *colon = with_uri ? strrchr(spec, ':') : spec + 7;
  g_autofree char *uri = with_uri && colon ? g_strndup(spec + 8, colon - (spec + 8)) : NULL;
  if (!colon || !colon[1] || strchr(colon + 1, '/') || (with_uri && !*uri)) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG,
                "bad guest '%s': expected libvirt:NAME or libvirt+URI:NAME", spec);
    return NULL;
  }
  return gt_libvirt_driver_open(uri, colon + 1, opts, error);
}

static GtDriver *
open_driver(const char *spec, const GtDriverOptions *opts, GError **error)
{
  if (g_str_has_prefix(spec, "qemu:")) {
    const char *rest = spec + 5;
    const char *colon = strrchr(rest, ':');
    guint16 port;
    if (!colon || colon == rest || !parse_port(colon + 1, &port)) {
      g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG,
                  "bad guest '%s': expected qemu:HOST:PORT", spec);
      return NULL;
    }
    g_autofree char *host = g_strndup(rest, colon - rest);
    return gt_qemu_driver_open(host, port, opts, error);
  }
  if (g_str_has_prefix(spec, "qmp:")) {
    if (!spec[4]) {
      g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG,
                  "bad guest '%s': expected qmp:PATH (QEMU's QMP unix socket)", spec);
      return NULL;
    }
    return gt_qmp_driver_open(spec + 4, opts, error);
  }
  if (g_str_has_prefix(spec, "libvirt:") || g_str_has_prefix(spec, "libvirt+"))
    return open_libvirt(spec, opts, error);
  if (g_str_has_prefix(spec, "xen:")) {
    if (!spec[4]) {
      g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG,
                  "bad guest '%s': expected xen:DOMAIN", spec);
      return NULL;
    }
    return gt_xen_driver_open(spec + 4, opts, error);
  }
  g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG,
              "bad guest '%s': expected qemu:HOST:PORT, qmp:PATH, libvirt:NAME or "
              "xen:DOMAIN", spec);
  return NULL;
}

GtXenGuard *
gt_driver_guard_new(const char *spec, gint64 tracer, GError **error)
{
  if (!g_str_has_prefix(spec, "xen:") || !spec[4])
    return NULL;
  return gt_xen_guard_new(spec + 4, tracer, error);
}

gboolean
gt_driver_attach_journal(GtDriver *d, const char *spec, GtJournalRole role, char **report,
                         GError **error)
{
  gboolean strict = role == GT_JOURNAL_REPAIR;
  *report = NULL;
  if (!d->identity) {
    g_debug("%s: no identity for a journal: changes are not journalled", spec);
    return TRUE;
  }
  d->journal = gt_journal_open(d->identity, role, error);
  if (!d->journal) {
    g_prefix_error(error, "cannot keep a journal of our changes to %s: ", spec);
    return FALSE;
  }
  if (d->ops->adopt && !d->ops->adopt(d, error))
    return FALSE;
  GtRecovery r;
  if (!gt_driver_recover(d, &r, error))
    return FALSE;
  if (d->ops->after_recovery)
    d->ops->after_recovery(d);
  g_autofree char *what = gt_recovery_describe(&r);
  guint failed = r.failed;
  gt_recovery_clear(&r);
  if (failed && strict) {
    g_set_error(error, GT_ERROR, GT_ERROR_FAILED,
                "could not repair all that a dead session left in %s (the journal %s keeps "
                "it for the next attach or `guestrace recover`): %s", spec,
                gt_journal_path(d->journal), what);
    return FALSE;
  }
  /* A repair whose driver can measure what the caveat warns of (recover
   * does: verify_runs) says what it measured instead. */
  const char *caveat = strict && d->ops->verify_runs ? NULL : d->ops->repair_caveat;
  if (what)
    *report = g_strdup_printf("%s what a dead session left in %s (journal %s): %s%s%s",
                              failed ? "could not repair all of" : "repaired", spec,
                              gt_journal_path(d->journal), what, caveat ? "; " : "",
                              caveat ? caveat : "");
  return TRUE;
}

static GtDriver *
open_attached(const char *spec, const GtDriverOptions *opts, GtJournalRole role,
              char **report, GError **error)
{
  g_autoptr(GtDriver) d = open_driver(spec, opts, error);
  if (!d || !gt_driver_attach_journal(d, spec, role, report, error))
    return NULL;
  return g_steal_pointer(&d);
}

/* Only the Xen guardian marks a guest as watched (its repair answers the
 * dead tracer's ring, which nobody else can, from the journal's entries in
 * force): the guest's identity is found before attaching, and its
 * guardian waited for while the guest still runs, which its repair needs
 * (on Xen it lets every vCPU run before the ring goes; our attach pauses
 * the domain). If the tracer died only while we attached, the journal
 * refuses us (GT_JOURNAL_ERROR_GUARDIAN): we let go of the guest, wait and
 * attach again. */
GtDriver *
gt_driver_open_recovered(const char *spec, const GtDriverOptions *opts, GtJournalRole role,
                         char **report, GError **error)
{
  *report = NULL;
  g_autofree char *identity = g_str_has_prefix(spec, "xen:") ? gt_xen_identity(spec + 4)
                                                              : NULL;
  for (guint attempt = 0;; attempt++) {
    if (identity && !gt_journal_wait_guardian(identity, error))
      return NULL;
    g_autoptr(GError) local = NULL;
    GtDriver *d = open_attached(spec, opts, role, report, &local);
    if (d)
      return d;
    if (!identity || attempt > 0 ||
        !g_error_matches(local, GT_JOURNAL_ERROR, GT_JOURNAL_ERROR_GUARDIAN)) {
      g_propagate_error(error, g_steal_pointer(&local));
      return NULL;
    }
  }
}

/* Attaching: the journal of the guest is opened and what a dead session
 * left is repaired before anything else, and said on stderr. */
GtDriver *
gt_driver_open(const char *spec, const GtDriverOptions *opts, GError **error)
{
  g_autofree char *report = NULL;
  GtDriver *d = gt_driver_open_recovered(spec, opts, GT_JOURNAL_TRACE, &report, error);
  if (report)
    g_message("%s", report);
  return d;
}

gboolean
gt_driver_end(GtDriver *d, GError **error)
{
  if (!d)
    return TRUE;
  GtJournal *j = d->journal;
  char *identity = d->identity;
  gboolean gone = d->ops->gone && d->ops->gone(d);
  if (!gone && gt_journal_slots_in_force(j) && d->ops->abandon)
    d->ops->abandon(d);
  else
    d->ops->close(d);   /* notes its last undoing in j */
  g_autofree char *left = gt_journal_describe(j);
  if (left)
    g_set_error(error, GT_ERROR, GT_ERROR_FAILED, "%s (journal %s)", left,
                gt_journal_path(j));
  gt_journal_close(j);
  g_free(identity);
  return left == NULL;
}

void
gt_driver_close(GtDriver *d)
{
  gt_driver_end(d, NULL);
}
