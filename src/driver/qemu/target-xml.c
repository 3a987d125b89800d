/* Parses gdb target description XML into a register layout: each <reg>'s
 * regnum (explicit or the previous one + 1) and bitsize give its byte
 * offset in the 'g' packet. Uses GMarkup; xi:include annexes are fetched
 * through a callback, with limits on depth, count and size. */
#include "driver/qemu/target-xml.h"

#include <string.h>

#define MAX_INCLUDE_DEPTH 4
#define MAX_ANNEXES 32
#define MAX_REGS 2048
#define MAX_REGNUM 4096
#define MAX_BITSIZE 4096

static const char *const xml_names[GT_REG_COUNT] = {
  [GT_REG_RAX] = "rax", [GT_REG_RBX] = "rbx", [GT_REG_RCX] = "rcx",
  [GT_REG_RDX] = "rdx", [GT_REG_RSI] = "rsi", [GT_REG_RDI] = "rdi",
  [GT_REG_RBP] = "rbp", [GT_REG_RSP] = "rsp", [GT_REG_R8] = "r8",
  [GT_REG_R9] = "r9", [GT_REG_R10] = "r10", [GT_REG_R11] = "r11",
  [GT_REG_R12] = "r12", [GT_REG_R13] = "r13", [GT_REG_R14] = "r14",
  [GT_REG_R15] = "r15", [GT_REG_RIP] = "rip", [GT_REG_RFLAGS] = "eflags",
  [GT_REG_CS] = "cs", [GT_REG_SS] = "ss", [GT_REG_FS_BASE] = "fs_base",
  [GT_REG_GS_BASE] = "gs_base", [GT_REG_KERNEL_GS_BASE] = "k_gs_base",
  [GT_REG_CR0] = "cr0", [GT_REG_CR2] = "cr2", [GT_REG_CR3] = "cr3",
  [GT_REG_CR4] = "cr4", [GT_REG_EFER] = "efer",
};

const char *
gt_target_reg_xml_name(gt_reg_name_t r)
{
  return (guint)r < GT_REG_COUNT ? xml_names[r] : NULL;
}

typedef struct {
  GtXmlFetchFunc fetch;
  gpointer user;
  GArray *regs;
  guint next_regnum;
  guint annexes;
  guint depth;
} ParseCtx;

char *
gt_xml_strip_comments(const char *text)
{
  GString *out = g_string_sized_new(strlen(text));
  const char *p = text;
  for (;;) {
    const char *start = strstr(p, "<!--");
    if (!start) {
      g_string_append(out, p);
      break;
    }
    g_string_append_len(out, p, start - p);
    const char *end = strstr(start + 4, "-->");
    if (!end)
      break;
    p = end + 3;
  }
  return g_string_free(out, FALSE);
}

static gboolean parse_annex(ParseCtx *ctx, const char *annex, GError **error);

static gboolean
parse_uint_attr(const char *s, guint max, guint *out)
{
  guint64 v;
  return s && g_ascii_string_to_unsigned(s, 10, 0, max, &v, NULL) && ((*out = (guint)v), TRUE);
}

static void
on_start(GMarkupParseContext *mctx, const char *element, const char **names,
         const char **values, gpointer data, GError **error)
{
  ParseCtx *ctx = data;
  if (g_str_equal(element, "reg")) {
    const char *name = NULL, *bitsize = NULL, *regnum = NULL;
    for (guint i = 0; names[i]; i++) {
      if (g_str_equal(names[i], "name"))
        name = values[i];
      else if (g_str_equal(names[i], "bitsize"))
        bitsize = values[i];
      else if (g_str_equal(names[i], "regnum"))
        regnum = values[i];
    }
    GtRegDesc d = { 0 };
    if (!name || !parse_uint_attr(bitsize, MAX_BITSIZE, &d.bitsize) ||
        d.bitsize == 0 || d.bitsize % 8) {
      g_set_error(error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                  "register '%s' has a bad name or bitsize", name ? name : "?");
      return;
    }
    d.regnum = ctx->next_regnum;
    if (regnum && !parse_uint_attr(regnum, MAX_REGNUM, &d.regnum)) {
      g_set_error(error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                  "register '%s' has a bad regnum", name);
      return;
    }
    if (ctx->regs->len >= MAX_REGS || d.regnum >= MAX_REGNUM) {
      g_set_error(error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                  "too many registers");
      return;
    }
    d.name = g_strdup(name);
    g_array_append_val(ctx->regs, d);
    ctx->next_regnum = d.regnum + 1;
  } else if (g_str_equal(element, "xi:include") || g_str_equal(element, "include")) {
    const char *href = NULL;
    for (guint i = 0; names[i]; i++)
      if (g_str_equal(names[i], "href"))
        href = values[i];
    if (!href || !*href) {
      g_set_error(error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                  "xi:include without href");
      return;
    }
    g_autoptr(GError) sub = NULL;
    if (!parse_annex(ctx, href, &sub))
      g_set_error(error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT, "%s: %s",
                  href, sub->message);
  }
}

static const GMarkupParser parser = { .start_element = on_start };

static gboolean
parse_annex(ParseCtx *ctx, const char *annex, GError **error)
{
  if (ctx->depth >= MAX_INCLUDE_DEPTH || ctx->annexes >= MAX_ANNEXES) {
    g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL,
                "target description: too many or too deeply nested includes");
    return FALSE;
  }
  ctx->annexes++;
  g_autofree char *text = ctx->fetch(annex, ctx->user, error);
  if (!text)
    return FALSE;
  g_autofree char *clean = gt_xml_strip_comments(text);
  g_autoptr(GMarkupParseContext) m = g_markup_parse_context_new(&parser, 0, ctx, NULL);
  ctx->depth++;
  g_autoptr(GError) err = NULL;
  gboolean ok = g_markup_parse_context_parse(m, clean, -1, &err) &&
                g_markup_parse_context_end_parse(m, &err);
  ctx->depth--;
  if (!ok) {
    g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL, "target description %s: %s", annex,
                err->message);
    return FALSE;
  }
  return TRUE;
}

static gint
cmp_regnum(gconstpointer a, gconstpointer b)
{
  const GtRegDesc *x = a, *y = b;
  return x->regnum < y->regnum ? -1 : x->regnum > y->regnum;
}

static void
clear_desc(gpointer p)
{
  g_free(((GtRegDesc *)p)->name);
}

void
gt_target_layout_free(GtTargetLayout *l)
{
  if (!l)
    return;
  g_array_unref(l->regs);
  g_free(l);
}

GtTargetLayout *
gt_target_layout_parse(const char *annex, GtXmlFetchFunc fetch, gpointer user,
                       GError **error)
{
  g_autoptr(GtTargetLayout) l = g_new0(GtTargetLayout, 1);
  l->regs = g_array_new(FALSE, TRUE, sizeof(GtRegDesc));
  g_array_set_clear_func(l->regs, clear_desc);
  ParseCtx ctx = { .fetch = fetch, .user = user, .regs = l->regs };
  if (!parse_annex(&ctx, annex, error))
    return NULL;
  if (l->regs->len == 0) {
    g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL, "target description has no registers");
    return NULL;
  }
  g_array_sort(l->regs, cmp_regnum);
  gsize off = 0;
  for (guint i = 0; i < l->regs->len; i++) {
    GtRegDesc *d = &g_array_index(l->regs, GtRegDesc, i);
    if (i > 0 && g_array_index(l->regs, GtRegDesc, i - 1).regnum == d->regnum) {
      g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL,
                  "target description: two registers with regnum %u", d->regnum);
      return NULL;
    }
    d->offset = off;
    off += d->bitsize / 8;
  }
  l->g_size = off;
  for (guint r = 0; r < GT_REG_COUNT; r++) {
    l->map[r] = -1;
    for (guint i = 0; i < l->regs->len; i++) {
      const GtRegDesc *d = &g_array_index(l->regs, GtRegDesc, i);
      if (g_str_equal(d->name, xml_names[r]) && d->bitsize <= 64) {
        l->map[r] = (int)i;
        break;
      }
    }
  }
  return g_steal_pointer(&l);
}

const GtRegDesc *
gt_target_layout_reg(const GtTargetLayout *l, gt_reg_name_t r)
{
  if ((guint)r >= GT_REG_COUNT || l->map[r] < 0)
    return NULL;
  return &g_array_index(l->regs, GtRegDesc, l->map[r]);
}
