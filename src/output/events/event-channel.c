/* The event channel: memory queue, sender thread (retries, backoff, in
 * order), spiller thread (memory to spool while down or full). See
 * event-channel.h.
 *
 * Order invariant: every pending spool line is older than every memory
 * line. The sender takes from the spool while it has lines, else from
 * memory; a failed batch taken from memory goes back before the spool's
 * lines (gt_spool_prepend). Locks: s_lock (the spool) is always taken
 * before q_lock (everything else); push() takes only q_lock and does no
 * I/O, so the tracer never waits for a disk or a network. */
#include "output/events/event-channel.h"
#include "output/events/event-spool.h"

#include <guestrace/types.h>

struct GtEventChannel {
  GtEventTransport tr;
  GtSpool *spool;
  GMutex s_lock;
  GMutex q_lock;
  GCond cond;             /* broadcast on every state change */
  GQueue mem;             /* char* lines, oldest first */
  guint cap, hard_cap;
  gint64 backoff_min_us, backoff_max_us, backoff_us;
  gint64 retry_at;        /* monotonic: next attempt while down */
  gint64 spill_interval_us, last_spill, spill_retry_at;
  gboolean down, kick, busy, stopping, warned_drop;
  gint cancel;
  guint spooled;          /* copy of gt_spool_pending() for waiting */
  guint64 unreported;     /* dropped events no delivered `dropped` event counts yet */
  char *(*dropped_line)(guint64 count, gpointer user);
  gpointer dropped_user;
  GtEventChannelStats st;
  GThread *sender, *spiller;
};

void
gt_event_channel_push(GtEventChannel *c, char *line)
{
  g_mutex_lock(&c->q_lock);
  if (c->mem.length >= c->hard_cap) {
    /* The spool is failing or far behind: bound memory anyway. */
    c->st.dropped++;
    c->unreported++;
    gboolean warn = !c->warned_drop;
    c->warned_drop = TRUE;
    g_mutex_unlock(&c->q_lock);
    if (warn)
      g_message("events (%s): queue full and the spool not keeping up, dropping events", c->tr.name);
    g_free(line);
    return;
  }
  g_queue_push_tail(&c->mem, line);
  c->st.posted++;
  g_cond_broadcast(&c->cond);
  g_mutex_unlock(&c->q_lock);
}

void
gt_event_channel_kick(GtEventChannel *c)
{
  g_mutex_lock(&c->q_lock);
  c->kick = TRUE;
  c->backoff_us = c->backoff_min_us;
  g_cond_broadcast(&c->cond);
  g_mutex_unlock(&c->q_lock);
}

/* Frees lines[from..n) that the spool has no room for, counting them as
 * dropped. Called with s_lock held, not q_lock. */
static void
drop_lines(GtEventChannel *c, char **lines, guint from, guint n)
{
  if (from >= n)
    return;
  for (guint i = from; i < n; i++)
    g_clear_pointer(&lines[i], g_free);
  g_mutex_lock(&c->q_lock);
  gboolean warn = !c->warned_drop;
  c->warned_drop = TRUE;
  c->st.dropped += n - from;
  c->unreported += n - from;
  g_mutex_unlock(&c->q_lock);
  if (warn)
    g_message("events (%s): the spool %s is full, dropping events (counted and reported "
              "when the server is back)", c->tr.name, gt_spool_path(c->spool));
}

/* Moves all of memory to the spool (one write, one fdatasync); what does
 * not fit within the spool's bound is dropped. */
static void
spill(GtEventChannel *c)
{
  g_mutex_lock(&c->s_lock);
  g_mutex_lock(&c->q_lock);
  GQueue stolen = c->mem;
  g_queue_init(&c->mem);
  g_mutex_unlock(&c->q_lock);

  guint n = stolen.length;
  g_autofree char **lines = g_new(char *, n + 1);
  guint i = 0;
  for (GList *l = stolen.head; l; l = l->next)
    lines[i++] = l->data;
  guint fit = gt_spool_room(c->spool, lines, n, FALSE);
  g_autoptr(GError) err = NULL;
  gboolean ok = gt_spool_append(c->spool, lines, fit, &err);
  if (!ok)
    g_message("events (%s): %s", c->tr.name, err->message);

  if (ok) {
    /* Not under q_lock: push() waits on it. */
    drop_lines(c, lines, fit, n);
    for (guint k = 0; k < fit; k++)
      g_free(lines[k]);
    g_queue_clear(&stolen);
    n = fit;
  }
  g_mutex_lock(&c->q_lock);
  if (ok) {
    c->st.spilled += n;
  } else {
    /* Back to the head, in order: they are older than anything pushed
     * meanwhile. */
    while (stolen.length)
      g_queue_push_head(&c->mem, g_queue_pop_tail(&stolen));
    c->spill_retry_at = g_get_monotonic_time() + c->backoff_max_us;
  }
  c->spooled = gt_spool_pending(c->spool);
  c->last_spill = g_get_monotonic_time();
  g_cond_broadcast(&c->cond);
  g_mutex_unlock(&c->q_lock);
  g_mutex_unlock(&c->s_lock);
}

static gpointer
spiller_main(gpointer data)
{
  GtEventChannel *c = data;
  g_mutex_lock(&c->q_lock);
  while (!c->stopping) {
    gint64 now = g_get_monotonic_time();
    guint len = c->mem.length;
    gboolean full = len >= c->cap && now >= c->spill_retry_at;
    gint64 due_at = MAX(c->last_spill + c->spill_interval_us, c->spill_retry_at);
    gboolean down_due = c->down && len > 0 && now >= due_at;
    if (!full && !down_due) {
      if (c->down && len > 0)
        g_cond_wait_until(&c->cond, &c->q_lock, due_at);
      else if (len >= c->cap)
        g_cond_wait_until(&c->cond, &c->q_lock, c->spill_retry_at);
      else
        g_cond_wait(&c->cond, &c->q_lock);
      continue;
    }
    g_mutex_unlock(&c->q_lock);
    spill(c);
    g_mutex_lock(&c->q_lock);
  }
  g_mutex_unlock(&c->q_lock);
  return NULL;
}

typedef enum { FROM_MEMORY, FROM_SPOOL, SPOOL_ERROR } BatchSource;

static BatchSource
take_batch(GtEventChannel *c, GPtrArray *batch)
{
  BatchSource src = FROM_MEMORY;
  g_mutex_lock(&c->s_lock);
  if (gt_spool_pending(c->spool) > 0) {
    g_autoptr(GError) err = NULL;
    src = FROM_SPOOL;
    if (!gt_spool_peek(c->spool, c->tr.max_batch, batch, &err)) {
      g_message("events (%s): %s", c->tr.name, err->message);
      src = SPOOL_ERROR;
    }
  } else {
    g_mutex_lock(&c->q_lock);
    while (batch->len < c->tr.max_batch && c->mem.length)
      g_ptr_array_add(batch, g_queue_pop_head(&c->mem));
    g_mutex_unlock(&c->q_lock);
  }
  g_mutex_unlock(&c->s_lock);
  return src;
}

/* Records the outcome of delivering the first @ok lines of @batch. */
static void
finish_batch(GtEventChannel *c, GPtrArray *batch, BatchSource src, guint ok)
{
  gboolean failed = ok < batch->len || src == SPOOL_ERROR;
  guint rest = batch->len - ok;
  g_mutex_lock(&c->s_lock);
  if (src == FROM_SPOOL) {
    for (guint i = 0; i < ok; i++)
      gt_spool_consume(c->spool, batch->pdata[i]);
  } else if (src == FROM_MEMORY && rest) {
    g_autoptr(GError) err = NULL;
    char **back = (char **)batch->pdata + ok;
    guint fit = gt_spool_room(c->spool, back, rest, TRUE);
    drop_lines(c, back, fit, rest);
    rest = fit;
    if (!gt_spool_prepend(c->spool, back, rest, &err)) {
      g_message("events (%s): %s", c->tr.name, err->message);
      g_mutex_lock(&c->q_lock);
      for (guint i = ok + rest; i > ok; i--) {
        g_queue_push_head(&c->mem, batch->pdata[i - 1]);
        batch->pdata[i - 1] = NULL;
      }
      g_mutex_unlock(&c->q_lock);
    } else {
      c->st.spilled += rest;
    }
  }
  g_mutex_lock(&c->q_lock);
  c->st.delivered += ok;
  c->spooled = gt_spool_pending(c->spool);
  if (failed) {
    c->st.failures++;
    c->down = TRUE;
    c->retry_at = g_get_monotonic_time() + c->backoff_us;
    c->backoff_us = MIN(c->backoff_us * 2, c->backoff_max_us);
  } else {
    c->down = FALSE;
    c->backoff_us = c->backoff_min_us;
  }
  g_mutex_unlock(&c->q_lock);
  g_mutex_unlock(&c->s_lock);
  g_ptr_array_set_size(batch, 0);
}

/* The server takes events again: tell it how many were dropped. Called
 * from the sender, without locks. */
static void
report_drops(GtEventChannel *c)
{
  g_mutex_lock(&c->q_lock);
  guint64 count = c->down || !c->dropped_line ? 0 : c->unreported;
  g_mutex_unlock(&c->q_lock);
  if (count == 0)
    return;
  char *line = c->dropped_line(count, c->dropped_user);
  gboolean ok = c->tr.deliver(c->tr.impl, &line, 1, &c->cancel) == 1;
  g_free(line);
  g_mutex_lock(&c->q_lock);
  if (ok) {
    c->unreported -= count;
    c->st.reported += count;
    c->warned_drop = FALSE;   /* a new episode of drops is worth a message */
  }
  g_mutex_unlock(&c->q_lock);
}

static gpointer
sender_main(gpointer data)
{
  GtEventChannel *c = data;
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func(g_free);
  g_mutex_lock(&c->q_lock);
  while (!c->stopping) {
    if (c->mem.length == 0 && c->spooled == 0) {
      c->kick = FALSE;
      g_cond_wait(&c->cond, &c->q_lock);
      continue;
    }
    if (c->down && !c->kick && g_get_monotonic_time() < c->retry_at) {
      g_cond_wait_until(&c->cond, &c->q_lock, c->retry_at);
      continue;
    }
    c->kick = FALSE;
    c->busy = TRUE;
    g_mutex_unlock(&c->q_lock);

    BatchSource src = take_batch(c, batch);
    guint ok = 0;
    if (src != SPOOL_ERROR && batch->len)
      ok = c->tr.deliver(c->tr.impl, (char *const *)batch->pdata, batch->len, &c->cancel);
    finish_batch(c, batch, src, MIN(ok, batch->len));
    report_drops(c);

    g_mutex_lock(&c->q_lock);
    c->busy = FALSE;
    g_cond_broadcast(&c->cond);
  }
  g_mutex_unlock(&c->q_lock);
  return NULL;
}

GtEventChannel *
gt_event_channel_new(const GtEventChannelConfig *cfg, const GtEventTransport *tr,
                     GError **error)
{
  GtSpool *spool = cfg->spool_path ? gt_spool_open(cfg->spool_path, error) : NULL;
  if (!spool) {
    if (!cfg->spool_path)
      g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG, "events: no spool path");
    if (tr->destroy)
      tr->destroy(tr->impl);
    return NULL;
  }
  GtEventChannel *c = g_new0(GtEventChannel, 1);
  c->tr = *tr;
  if (!c->tr.max_batch)
    c->tr.max_batch = 1;
  c->spool = spool;
  g_mutex_init(&c->s_lock);
  g_mutex_init(&c->q_lock);
  g_cond_init(&c->cond);
  g_queue_init(&c->mem);
  c->cap = cfg->queue_cap ? cfg->queue_cap : 10000;
  /* Beyond the cap the spiller moves memory to disk; beyond the hard cap
   * (the spool not keeping up, or unwritable) events are dropped. */
  c->hard_cap = c->cap + MAX(c->cap, 10000u);
  c->backoff_min_us = (gint64)(cfg->backoff_min_ms ? cfg->backoff_min_ms : 100) * 1000;
  c->backoff_max_us = (gint64)(cfg->backoff_max_ms ? cfg->backoff_max_ms : 5000) * 1000;
  c->backoff_max_us = MAX(c->backoff_max_us, c->backoff_min_us);
  c->backoff_us = c->backoff_min_us;
  c->spill_interval_us = (gint64)(cfg->spill_interval_ms ? cfg->spill_interval_ms : 200) * 1000;
  gt_spool_set_max_bytes(spool, cfg->spool_max_bytes ? cfg->spool_max_bytes
                                                     : GT_SPOOL_DEFAULT_MAX_BYTES);
  c->dropped_line = cfg->dropped_line;
  c->dropped_user = cfg->dropped_user;
  c->spooled = gt_spool_pending(spool);
  g_autofree char *sname = g_strdup_printf("gt-ev-%s", tr->name);
  g_autofree char *pname = g_strdup_printf("gt-spill-%s", tr->name);
  c->sender = g_thread_new(sname, sender_main, c);
  c->spiller = g_thread_new(pname, spiller_main, c);
  return c;
}

gboolean
gt_event_channel_flush(GtEventChannel *c, int timeout_ms)
{
  gint64 deadline = g_get_monotonic_time() + (gint64)MAX(timeout_ms, 0) * 1000;
  g_mutex_lock(&c->q_lock);
  c->kick = TRUE;
  c->backoff_us = c->backoff_min_us;
  g_cond_broadcast(&c->cond);
  while ((c->mem.length || c->spooled || c->busy) && !c->stopping)
    if (!g_cond_wait_until(&c->cond, &c->q_lock, deadline))
      break;
  gboolean done = !c->mem.length && !c->spooled && !c->busy;
  g_mutex_unlock(&c->q_lock);
  return done;
}

void
gt_event_channel_get_stats(GtEventChannel *c, GtEventChannelStats *out)
{
  g_mutex_lock(&c->q_lock);
  *out = c->st;
  out->queued = c->mem.length;
  out->spooled = c->spooled;
  out->down = c->down;
  g_mutex_unlock(&c->q_lock);
}

void
gt_event_channel_free(GtEventChannel *c)
{
  if (!c)
    return;
  g_mutex_lock(&c->q_lock);
  c->stopping = TRUE;
  g_atomic_int_set(&c->cancel, 1);
  g_cond_broadcast(&c->cond);
  g_mutex_unlock(&c->q_lock);
  g_thread_join(c->sender);
  g_thread_join(c->spiller);
  /* Alone now: keep what is left for the next run, and the count of what
   * was dropped after it (if the spool has room for that line). */
  if (c->unreported && c->dropped_line) {
    g_queue_push_tail(&c->mem, c->dropped_line(c->unreported, c->dropped_user));
    c->unreported = 0;
  }
  if (c->mem.length) {
    guint n = c->mem.length;
    spill(c);
    if (c->mem.length)
      g_message("events (%s): %u undelivered events lost", c->tr.name, c->mem.length);
    else
      g_debug("events (%s): %u undelivered events kept in %s", c->tr.name, n,
              gt_spool_path(c->spool));
  }
  if (c->unreported)
    g_message("events (%s): %" G_GUINT64_FORMAT " dropped events were never reported",
              c->tr.name, c->unreported);
  g_queue_clear_full(&c->mem, g_free);
  if (c->tr.destroy)
    c->tr.destroy(c->tr.impl);
  gt_spool_close(c->spool);
  g_cond_clear(&c->cond);
  g_mutex_clear(&c->q_lock);
  g_mutex_clear(&c->s_lock);
  g_free(c);
}
