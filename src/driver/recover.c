/* Recovery from the journal: see recover.h. The guest is paused throughout
 * (attaching paused it), so no return is in flight while slots are put
 * back: a call still blocked in the kernel finds its real return address
 * when it returns, and a vCPU a dead session left stopped on the trap is
 * sent to the address the trap stood for. QEMU's stub breakpoints are gone
 * already: QEMU removes them all when a debugger asks '?' on connecting,
 * which our attach does. */
#include "driver/recover.h"

#include <string.h>
#include <guestrace/types.h>

static void G_GNUC_PRINTF(2, 3)
unrepaired(GtRecovery *r, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  if (!r->unrepaired)
    r->unrepaired = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(r->unrepaired, g_strdup_vprintf(fmt, ap));
  va_end(ap);
  r->failed++;
}

/* A vCPU stopped on a trap address whose slot (RSP - 8, popped by `ret`)
 * the journal lists is sent to the real return address. */
static void
unwind_vcpus(GtDriver *d, GArray *live, GtRecovery *r)
{
  guint n = d->ops->vcpu_count(d);
  for (guint cpu = 0; cpu < n; cpu++) {
    GtRegs regs;
    if (!d->ops->get_regs(d, cpu, &regs, NULL))
      continue;
    for (guint i = 0; i < live->len; i++) {
      const GtJournalEntry *e = &g_array_index(live, GtJournalEntry, i);
      if (e->kind != GT_JOURNAL_WRITE || e->what != GT_JOURNAL_SLOT || e->len != 8 ||
          regs.r[GT_REG_RIP] != gt_journal_u64(e->ours) || regs.r[GT_REG_RSP] - 8 != e->va)
        continue;
      g_autoptr(GError) err = NULL;
      if (d->ops->set_reg(d, cpu, GT_REG_RIP, gt_journal_u64(e->orig), &err)) {
        r->vcpus++;
      } else {
        unrepaired(r, "vCPU %u stays on the return trap at %#" G_GINT64_MODIFIER "x (the "
                   "return slot %#" G_GINT64_MODIFIER "x): %s", cpu, gt_journal_u64(e->ours), e->va,
                   err->message);
      }
      break;
    }
  }
}

/* Puts one change back if the guest still holds our bytes. */
static void
undo_write(GtDriver *d, const GtJournalEntry *e, GtRecovery *r)
{
  guint8 cur[8];
  g_autoptr(GError) err = NULL;
  const char *what = e->what == GT_JOURNAL_SLOT ? "return slot" : "code";
  if (!d->ops->read_phys(d, e->pa, cur, e->len, &err)) {
    unrepaired(r, "%s at %#" G_GINT64_MODIFIER "x (physical %#" G_GINT64_MODIFIER "x) not "
               "repaired: cannot read it: %s", what, e->va, e->pa, err->message);
    return;
  }
  if (memcmp(cur, e->ours, e->len) != 0) {
    r->stale++;
  } else if (!d->ops->write_phys(d, e->pa, e->orig, e->len, &err)) {
    unrepaired(r, "%s at %#" G_GINT64_MODIFIER "x (physical %#" G_GINT64_MODIFIER "x) not "
               "repaired: cannot write its original bytes back: %s", what, e->va, e->pa,
               err->message);
    return;
  } else if (e->what == GT_JOURNAL_SLOT) {
    r->slots++;
  } else {
    r->code += e->len;
  }
  if (!gt_journal_note_undone(d->journal, e->pa, &err))
    g_warning("recovery: %s", err->message);
}

/* The dead session's pause of the whole guest: ours, from its journal
 * (noted only while held), so dropping it leaves every other pause. */
static void
drop_pause(GtDriver *d, GtRecovery *r)
{
  g_autoptr(GError) err = NULL;
  if (!d->ops->drop_dead_pause) {
    unrepaired(r, "the dead session's pause of the guest: this driver cannot drop it");
    return;
  }
  if (!d->ops->drop_dead_pause(d, &err)) {
    unrepaired(r, "the dead session's pause of the guest not dropped: %s", err->message);
    return;
  }
  r->pauses++;
  if (!gt_journal_note_pause(d->journal, FALSE, &err))
    g_warning("recovery: %s", err->message);
}

gboolean
gt_driver_recover(GtDriver *d, GtRecovery *out, GError **error)
{
  memset(out, 0, sizeof *out);
  if (!d->journal)
    return TRUE;
  g_autoptr(GArray) live = gt_journal_live(d->journal);
  if (!live->len)
    return TRUE;
  unwind_vcpus(d, live, out);
  for (guint i = 0; i < live->len; i++) {
    const GtJournalEntry *e = &g_array_index(live, GtJournalEntry, i);
    if (e->kind == GT_JOURNAL_WRITE) {
      undo_write(d, e, out);
    } else if (e->kind == GT_JOURNAL_BP) {
      out->bps++;
      gt_journal_note_bp(d->journal, e->va, FALSE, NULL);
    } else if (e->kind == GT_JOURNAL_PAUSE) {
      drop_pause(d, out);
    }
  }
  (void)error;
  return TRUE;
}

void
gt_recovery_clear(GtRecovery *r)
{
  g_clear_pointer(&r->unrepaired, g_ptr_array_unref);
}

char *
gt_recovery_describe(const GtRecovery *r)
{
  if (!r->slots && !r->vcpus && !r->code && !r->failed && !r->bps && !r->stale && !r->pauses)
    return NULL;
  GString *s = g_string_new(NULL);
  g_string_printf(s, "%u return addresses restored, %u vCPUs sent back from the return "
                  "trap, %u code bytes restored, %u breakpoints of the dead session "
                  "removed, %s%u changes already gone, %u could not be repaired",
                  r->slots, r->vcpus, r->code, r->bps,
                  r->pauses ? "the dead session's pause of the guest dropped, " : "",
                  r->stale, r->failed);
  for (guint i = 0; r->unrepaired && i < r->unrepaired->len; i++)
    g_string_append_printf(s, "%s%s", i ? "; " : ": ", (char *)r->unrepaired->pdata[i]);
  return g_string_free(s, FALSE);
}
