/* Fuzz target: System.map and /proc/kallsyms text (the user names the file,
 * but a kallsyms dump comes from the guest). Every lookup the tracer makes
 * on a loaded table is run on what the parser kept. */
#include "fuzz-common.h"

#include "vmi/symbols.h"

static void
visit(const char *name, guint64 addr, char type, gpointer user)
{
  guint *n = user;
  g_assert(name != NULL);
  (*n)++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GtSymbols) s = gt_symbols_parse((const char *)data, size, "fuzz", &error);
  g_assert((s == NULL) == (error != NULL));
  if (!s)
    return 0;
  guint n = 0;
  gt_symbols_foreach_prefix(s, "", visit, &n);
  g_assert(n <= gt_symbols_count(s));
  gt_symbols_set_slide(s, 0x1000000);
  static const char *const names[] = { "_text", "init_task", "sys_call_table",
                                       "__x64_sys_openat", "x" };
  for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
    guint64 addr, raw;
    if (gt_symbols_lookup(s, names[i], &addr))
      g_assert(gt_symbols_lookup_raw(s, names[i], &raw));
    gt_symbols_type(s, names[i]);
    gt_symbols_module(s, names[i]);
  }
  guint64 off;
  gt_symbols_name_at(s, 0xffffffff81000000ULL, &off);
  gt_symbols_name_at(s, 0, &off);
  gt_symbols_name_at(s, G_MAXUINT64, &off);
  gt_symbols_foreach_prefix(s, "__x64_sys_", visit, &n);
  return 0;
}
