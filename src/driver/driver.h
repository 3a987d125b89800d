/* The hypervisor driver interface: the only thing the engine knows about
 * the hypervisor. It is kept as small as the engine needs: attach/detach,
 * pause/resume, registers per vCPU, guest-physical memory, breakpoints at
 * guest-virtual addresses, and waiting for the next stop.
 *
 * Two stop models behind one interface:
 * - all-stop (resume_vcpu is NULL; QEMU's gdb stub): when any vCPU stops,
 *   every vCPU is stopped until resume().
 * - per-vCPU (resume_vcpu set; Xen vm_event): a breakpoint stop holds only
 *   the vCPU that hit it; the others run on. Its registers are read and
 *   written while the others run, and resume_vcpu() releases it alone.
 *   Several vCPUs may be held at once; wait() reports each once.
 * In both, what changes shared state (placing or removing breakpoints)
 * needs every vCPU stopped: pause() brings them all to a stop, resume()
 * lets them all run (releasing the held vCPUs already reported). Registers
 * of a vCPU that is not held are read only while paused.
 */
#pragma once

#include <glib.h>
#include <guestrace/types.h>

#include "driver/journal.h"

typedef struct GtDriver GtDriver;

/* All registers of one vCPU, indexed by gt_reg_name_t. */
typedef struct {
  guint64 r[GT_REG_COUNT];
} GtRegs;

typedef enum {
  GT_STOP_NONE = 0,       /* wait() timed out: nothing happened */
  GT_STOP_BREAKPOINT,     /* a vCPU hit one of our breakpoints */
  GT_STOP_PAUSED,         /* stopped because we asked (pause()) */
  GT_STOP_OTHER,          /* stopped for another reason (signal, step) */
  GT_STOP_GONE,           /* the guest powered off (QEMU said so, Xen: shut down) */
  GT_STOP_LOST,           /* the connection to the hypervisor broke; the guest
                           * may be alive, stopped, with our changes in it */
} GtStopKind;

typedef struct {
  GtStopKind kind;
  guint vcpu;             /* 0-based index of the vCPU that stopped */
  guint64 rip;            /* its instruction pointer */
} GtStop;

typedef struct {
  const char *name;       /* "qemu", "xen" */
  /* Detach: remove every breakpoint, restore what was changed and leave the
   * guest running. Then free. Safe on a guest that is gone. */
  void (*close)(GtDriver *d);
  /* Optional (NULL: close is used): end the connection leaving the guest
   * as it is, its breakpoints in place and stopped if it is, because a
   * detach would let it run into a trap nobody catches (see
   * gt_driver_end). Then free. */
  void (*abandon)(GtDriver *d);
  /* Optional (NULL: never): TRUE once the guest has powered off or been
   * destroyed; nothing of ours is left in it then, close forgets the
   * journal. */
  gboolean (*gone)(GtDriver *d);
  guint (*vcpu_count)(GtDriver *d);
  /* Stop every vCPU and wait until they are stopped. No-op if stopped. */
  gboolean (*pause)(GtDriver *d, GError **error);
  /* Let every vCPU run. Register changes made by set_reg take effect. */
  gboolean (*resume)(GtDriver *d, GError **error);
  /* Per-vCPU drivers only (NULL when all-stop): release the vCPU of a
   * reported breakpoint stop, with its register changes; the others are
   * left as they are. */
  gboolean (*resume_vcpu)(GtDriver *d, guint vcpu, GError **error);
  gboolean (*get_regs)(GtDriver *d, guint vcpu, GtRegs *regs, GError **error);
  gboolean (*set_reg)(GtDriver *d, guint vcpu, gt_reg_name_t reg, guint64 value,
                      GError **error);
  /* Guest-physical memory. A read that touches no RAM fails with
   * GT_ERROR_MEMORY; it never returns stale or invented bytes. */
  gboolean (*read_phys)(GtDriver *d, guint64 pa, void *buf, gsize len, GError **error);
  gboolean (*write_phys)(GtDriver *d, guint64 pa, const void *buf, gsize len,
                         GError **error);
  /* Breakpoints at guest-virtual kernel addresses, invisible to the guest
   * where the hypervisor allows it. */
  gboolean (*insert_bp)(GtDriver *d, guint64 va, GError **error);
  gboolean (*remove_bp)(GtDriver *d, guint64 va, GError **error);
  /* Wait up to timeout_ms (-1: forever, 0: poll) for the running guest to
   * stop. Returns FALSE only on error; a timeout gives kind GT_STOP_NONE. */
  gboolean (*wait)(GtDriver *d, int timeout_ms, GtStop *stop, GError **error);
  /* Optional (NULL if the hypervisor cannot): execute one instruction on
   * one stopped vCPU, the others staying stopped; returns when it has. The
   * instruction is executed even if one of our breakpoints is on it. */
  gboolean (*step)(GtDriver *d, guint vcpu, GError **error);
  /* A file descriptor that becomes readable when wait() has something to
   * report, for integration in a GLib main loop; -1 if none. */
  int (*event_fd)(GtDriver *d);
  /* Optional: called once the journal is open and before recovery, to
   * take over what a dead session left held in the hypervisor (Xen, in the
   * guardian: the vCPUs its monitor ring holds, xen-adopt.c). */
  gboolean (*adopt)(GtDriver *d, GError **error);
  /* Optional: drops one pause of the whole guest that a dead session held
   * (the journal says so: GT_JOURNAL_PAUSE), our own staying. */
  gboolean (*drop_dead_pause)(GtDriver *d, GError **error);
  /* Optional: called once recovery has run, to journal what the driver
   * already holds (Xen: the pause its open took). */
  void (*after_recovery)(GtDriver *d);
  /* Optional, after a repair that may leave vCPUs held where it cannot
   * reach (Xen: a dead tracer's monitor ring, repair_caveat): lets the
   * guest run and checks that every vCPU does; FALSE says which does not. */
  gboolean (*verify_runs)(GtDriver *d, GError **error);
  /* What a repair from the journal cannot undo on this hypervisor, said
   * after every report of one; NULL if nothing. */
  const char *repair_caveat;
} GtDriverOps;

typedef struct GtXenGuard GtXenGuard;

struct GtDriver {
  const GtDriverOps *ops;
  /* An identity of the guest that outlives us ("qemu-PID-HOST-PORT",
   * "xen-DOMID-UUID"), set by the driver's constructor; NULL if none. */
  char *identity;
  /* Where every change to the guest is written down first (journal.h);
   * NULL when there is none. Drivers note the changes they make. */
  GtJournal *journal;
};

/* Options common to all drivers. */
typedef struct {
  const char *mem_path;   /* QEMU: guest RAM file (memory-backend-file) */
  guint64 lowmem;         /* QEMU: RAM below 4 GiB, 0 = derive from size */
  int timeout_ms;         /* per-request timeout, 0 = default (5 s) */
  gboolean stub_memory;   /* QEMU: without mem_path, read memory only through the
                           * gdb stub (not from a local QEMU's process): tests, benches */
  GtXenGuard *xen_guard;  /* the guardian's hold on the domain's monitor ring page
                           * (xen-guard.c); NULL otherwise */
} GtDriverOptions;

/* Open a driver from a guest spec: "qemu:HOST:PORT", "qmp:PATH",
 * "libvirt:NAME", "libvirt+URI:NAME" or "xen:DOMAIN".
 * On return the guest is paused (stopped), and whatever a dead session
 * left in it has been repaired from its journal (recover.h). */
GtDriver *gt_driver_open(const char *spec, const GtDriverOptions *opts, GError **error);
/* The same; what was repaired is given in *report (NULL if nothing), not
 * printed. role GT_JOURNAL_REPAIR (the guardian, `guestrace recover`):
 * fail (error says what) if something could not be repaired, rather than
 * attach with it said in *report (GT_JOURNAL_TRACE); others that find the
 * journal held wait longer for it (journal.h). On Xen, while the guardian
 * of a tracer that died is about to repair the guest, it waits for it
 * (gt_journal_wait_guardian) before it stops the guest: the guardian's
 * repair needs the guest running. */
GtDriver *gt_driver_open_recovered(const char *spec, const GtDriverOptions *opts,
                                   GtJournalRole role, char **report, GError **error);

/* What both do once the driver is open: opens d's journal (from
 * d->identity; none without one) and repairs what a dead session left,
 * described in *report (NULL if nothing). Drivers made otherwise (the
 * fault-injection tests' fake) attach through it too. */
gboolean gt_driver_attach_journal(GtDriver *d, const char *spec, GtJournalRole role,
                                  char **report, GError **error);

/* Per-driver constructors (used by gt_driver_open). */
GtDriver *gt_qemu_driver_open(const char *host, guint16 port,
                              const GtDriverOptions *opts, GError **error);
/* A QEMU through its QMP socket alone (qemu-qmp.c). */
GtDriver *gt_qmp_driver_open(const char *path, const GtDriverOptions *opts, GError **error);
/* A libvirt domain (qemu-libvirt.c); uri NULL: libvirt's default. */
GtDriver *gt_libvirt_driver_open(const char *uri, const char *name,
                                 const GtDriverOptions *opts, GError **error);
GtDriver *gt_xen_driver_open(const char *domain, const GtDriverOptions *opts,
                             GError **error);

/* The guardian of the tracer with process id tracer, before the tracer
 * attaches: what it must take then to repair the guest later (Xen: the
 * monitor ring page, which is out of reach once the tracer enabled the
 * ring; xen-guard.c; and the guest marked as watched, gt_journal_guard).
 * NULL without error when the driver of spec needs nothing. Given back in
 * GtDriverOptions.xen_guard when the guardian repairs. */
GtXenGuard *gt_driver_guard_new(const char *spec, gint64 tracer, GError **error);
/* Xen's (xen-guard.c): domain is the spec after "xen:". */
GtXenGuard *gt_xen_guard_new(const char *domain, gint64 tracer, GError **error);
/* The journal identity of xen:domain ("xen-DOMID-UUID") found without
 * attaching; NULL if it cannot be (no such domain, no Xen). */
char *gt_xen_identity(const char *domain);
/* The ring page (XC_PAGE_SIZE bytes, read-write); NULL for a NULL guard. */
void *gt_xen_guard_page(GtXenGuard *g);
void gt_xen_guard_free(GtXenGuard *g);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GtXenGuard, gt_xen_guard_free)

/* Ends the session with d and frees it; the one place that decides how.
 * A guest that is gone (ops->gone) holds nothing of ours: closed, its
 * journal forgotten. If a return slot may still hold the trap address (the journal says so:
 * gt_journal_slots_in_force), detaching would remove the breakpoint that
 * makes the trap safe and let the guest run into it: the connection is
 * abandoned (ops->abandon) and the journal kept for the guardian or
 * `guestrace recover`. Else it detaches (ops->close). Returns TRUE if
 * nothing of ours is left in the guest (the journal is removed: the clean
 * end), FALSE with error saying what is left (kept in the journal). */
gboolean gt_driver_end(GtDriver *d, GError **error);
/* gt_driver_end, what is left said by nobody (the journal keeps it). */
void gt_driver_close(GtDriver *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GtDriver, gt_driver_close)
