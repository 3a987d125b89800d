/* Recovery: putting back what a dead session left in a guest, from its
 * journal (journal.h). Runs on every attach before anything else, in the
 * guardian, and in `guestrace recover`. */
#pragma once

#include "driver/driver.h"
#include "driver/journal.h"

typedef struct {
  guint slots;        /* return addresses written back */
  guint vcpus;        /* vCPUs sent from the trap to their real return address */
  guint code;         /* code bytes written back */
  guint stale;        /* entries whose bytes were no longer ours (nothing to do) */
  guint bps;          /* hypervisor breakpoints a dead session left */
  guint pauses;       /* pauses of the whole guest a dead session held, dropped */
  guint failed;       /* could not be repaired (kept in the journal) */
  GPtrArray *unrepaired;  /* each of those, said exactly (char *); NULL if none */
} GtRecovery;

/* Repairs guest d (paused) from the entries in force of d->journal and
 * notes each repair in it. FALSE only if the guest could not be read at
 * all; what could not be repaired is counted in failed and described in
 * unrepaired (free with gt_recovery_clear). */
gboolean gt_driver_recover(GtDriver *d, GtRecovery *out, GError **error);
void gt_recovery_clear(GtRecovery *r);
/* "2 return addresses, 1 vCPU at the return trap, ..." for messages, with
 * what could not be repaired; NULL when there was nothing to repair. */
char *gt_recovery_describe(const GtRecovery *r);
