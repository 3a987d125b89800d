/* Decoders of signal calls: rt_sigaction's struct, signal masks,
 * rt_sigprocmask's how. The kernel's struct sigaction layout comes from
 * the guest's BTF. */
#include "decode/decode-private.h"
#include "decode/families.h"

/* {sa_handler=..., sa_mask=[...], sa_flags=..., sa_restorer=...} */
static gboolean
sigaction_text(GtDc *c, guint64 va, G_GNUC_UNUSED gint64 unused, GString *s, JsonNode **json)
{
  GtStructView v;
  guint64 handler, flags, restorer;
  guint mlen;
  if (!dc_struct_read(c, "sigaction", va, &v) || !sv_get(&v, "sa_handler", FALSE, &handler) ||
      !sv_get(&v, "sa_flags", FALSE, &flags))
    return FALSE;
  const guint8 *mask = sv_bytes(&v, "sa_mask", &mlen);
  if (!mask)
    return FALSE;
  JsonObject *o = json_object_new();
  g_string_append(s, "{sa_handler=");
  if (handler == 0 || handler == 1) {
    const char *n = handler ? "SIG_IGN" : "SIG_DFL";
    g_string_append(s, n);
    json_object_set_string_member(o, "sa_handler", n);
  } else {
    g_string_append_printf(s, "%#" G_GINT64_MODIFIER "x", handler);
    json_object_set_int_member(o, "sa_handler", (gint64)handler);
  }
  g_string_append(s, ", sa_mask=");
  JsonNode *mj = NULL;
  dc_sigset_text(s, mask, mlen, &mj);
  json_object_set_member(o, "sa_mask", mj);
  g_string_append(s, ", sa_flags=");
  gt_xlat_print_flags(s, &gt_xlat_sa_flags, flags, "0");
  json_object_set_member(o, "sa_flags", gt_xlat_flags_json(&gt_xlat_sa_flags, flags));
  const char *restorer_name = "SA_RESTORER";
  guint64 restorer_bit = 0;
  for (guint k = 0; k < gt_xlat_sa_flags.n; k++)
    if (!g_strcmp0(gt_xlat_sa_flags.entries[k].name, restorer_name))
      restorer_bit = gt_xlat_sa_flags.entries[k].value;
  if ((flags & restorer_bit) && sv_get(&v, "sa_restorer", FALSE, &restorer)) {
    g_string_append_printf(s, ", sa_restorer=%#" G_GINT64_MODIFIER "x", restorer);
    json_object_set_int_member(o, "sa_restorer", (gint64)restorer);
  }
  g_string_append_c(s, '}');
  *json = json_node_new(JSON_NODE_OBJECT);
  json_node_take_object(*json, o);
  return TRUE;
}

static void
sigaction_arg(GtDc *c, guint i)
{
  dc_pointee(c, i, sigaction_text, 0);
}

void
gt_dec_rt_sigaction(GtDc *c)
{
  if (!c->exiting) {
    dc_signal(c, 0);
    sigaction_arg(c, 1);
    dc_hex(c, 2);
    dc_ulong(c, 3);
  } else {
    sigaction_arg(c, 2);
  }
}

/* A sigset argument of `size` bytes; at the call (in) or the return (out). */
static gboolean
sigset_pointee(GtDc *c, guint64 va, gint64 size, GString *s, JsonNode **json)
{
  return dc_sigset(c, va, (gsize)size, s, json);
}

static void
sigset_arg(GtDc *c, guint i, guint64 size)
{
  dc_pointee(c, i, sigset_pointee, (gint64)size);
}

void
gt_dec_rt_sigprocmask(GtDc *c)
{
  if (!c->exiting) {
    dc_xval(c, 0, &gt_xlat_sigprocmask_how, "SIG_???");
    sigset_arg(c, 1, dc_arg(c, 3));
    dc_hex(c, 2);
    dc_ulong(c, 3);
  } else {
    sigset_arg(c, 2, dc_arg(c, 3));
  }
}

void
gt_dec_rt_sigpending(GtDc *c)
{
  if (!c->exiting) {
    dc_hex(c, 0);
    dc_ulong(c, 1);
  } else {
    sigset_arg(c, 0, dc_arg(c, 1));
  }
}

/* rt_sigreturn takes no argument; strace shows the mask it restores, read
 * from the signal frame the return pops (struct rt_sigframe at the user
 * stack pointer minus the return address slot, its uc.uc_sigmask). The
 * record gains one argument, "frame" (the frame's address), for it. */
void
gt_dec_rt_sigreturn(GtDc *c)
{
  GtRecord *rec = c->rec;
  if (c->exiting || rec->nargs != 0 || !c->rd->user_sp || !c->rd->btf)
    return;
  guint uc = 0, uc_size = 0, mask = 0, mask_size = 0;
  if (!gt_kbtf_member_offset(c->rd->btf, "rt_sigframe", "uc", &uc, &uc_size, NULL) ||
      !gt_kbtf_member_offset(c->rd->btf, "ucontext", "uc_sigmask", &mask, &mask_size, NULL) ||
      mask_size == 0 || mask_size > 16)
    return;
  guint64 frame = c->rd->user_sp - 8;
  GString *s = g_string_new("{mask=");
  JsonNode *j = NULL;
  if (!dc_sigset(c, frame + uc + mask, mask_size, s, &j)) {
    g_string_free(s, TRUE);
    return;
  }
  g_string_append_c(s, '}');
  rec->nargs = 1;
  GtRecordArg *a = &rec->args[0];
  a->name = g_strdup("frame");
  a->value = frame;
  a->svalue = (gint64)frame;
  dc_set(c, 0, g_string_free(s, FALSE), j);
}
