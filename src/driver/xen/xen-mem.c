/* Guest-physical memory of a Xen domain through foreign mappings, with a
 * bounded cache of mapped frames (least recently used evicted). Reads hide
 * our breakpoint bytes, as the QEMU stub does, so code reads see the
 * guest's own bytes. */
#include <string.h>

#include "driver/xen/xen-private.h"

#define PAGE 4096ULL

void
xen_frames_clear(XenDriver *x)
{
  for (guint i = 0; i < x->nframes; i++)
    x->be_ops->unmap_frame(x->be, x->frames[i].page);
  x->nframes = 0;
}

static guint8 *
frame(XenDriver *x, guint64 gfn, GError **error)
{
  x->tick++;
  guint victim = 0;
  for (guint i = 0; i < x->nframes; i++) {
    if (x->frames[i].gfn == gfn) {
      x->frames[i].used = x->tick;
      return x->frames[i].page;
    }
    if (x->frames[i].used < x->frames[victim].used)
      victim = i;
  }
  guint8 *p = x->be_ops->map_frame(x->be, gfn, error);
  if (!p)
    return NULL;
  if (x->nframes < XEN_FRAME_CACHE) {
    victim = x->nframes++;
  } else {
    x->be_ops->unmap_frame(x->be, x->frames[victim].page);
  }
  x->frames[victim] = (XenFrame){ .gfn = gfn, .page = p, .used = x->tick };
  return p;
}

static gboolean
mem_access(XenDriver *x, guint64 pa, guint8 *rbuf, const guint8 *wbuf, gsize len, GError **error)
{
  if (len && pa + len - 1 < pa) {
    g_set_error(error, GT_ERROR, GT_ERROR_MEMORY, "physical range wraps");
    return FALSE;
  }
  gsize done = 0;
  while (done < len) {
    guint64 a = pa + done;
    gsize off = a & (PAGE - 1);
    gsize n = MIN(len - done, PAGE - off);
    guint8 *p = frame(x, a / PAGE, error);
    if (!p) {
      g_prefix_error(error, "guest-physical 0x%" G_GINT64_MODIFIER "x: ", a);
      return FALSE;
    }
    if (rbuf)
      memcpy(rbuf + done, p + off, n);
    else
      memcpy(p + off, wbuf + done, n);
    done += n;
  }
  return TRUE;
}

gboolean
xen_read_phys(GtDriver *d, guint64 pa, void *buf, gsize len, GError **error)
{
  XenDriver *x = (XenDriver *)d;
  if (!mem_access(x, pa, buf, NULL, len, error))
    return FALSE;
  xen_hide_bps(x, pa, buf, len);
  return TRUE;
}

gboolean
xen_write_phys(GtDriver *d, guint64 pa, const void *buf, gsize len, GError **error)
{
  return mem_access((XenDriver *)d, pa, NULL, buf, len, error);
}

gboolean
xen_read_raw(XenDriver *x, guint64 pa, void *buf, gsize len, GError **error)
{
  return mem_access(x, pa, buf, NULL, len, error);
}
