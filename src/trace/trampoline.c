/* Finding the return trap with capstone. */
#include "trace/trampoline.h"

#include <capstone/capstone.h>

#define SCAN_BYTES 4096

guint64
gt_trampoline_scan(const guint8 *code, gsize len, guint64 base)
{
  csh cs;
  if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
    return 0;
  cs_insn *insn = cs_malloc(cs);
  const uint8_t *p = code;
  size_t left = len;
  uint64_t addr = base;
  gboolean after_unconditional = FALSE;
  guint64 found = 0;
  while (!found && cs_disasm_iter(cs, &p, &left, &addr, insn)) {
    if (insn->id == X86_INS_INT3 && after_unconditional)
      found = insn->address;
    after_unconditional = insn->id == X86_INS_RET || insn->id == X86_INS_JMP;
  }
  cs_free(insn, 1);
  cs_close(&cs);
  return found;
}

gboolean
gt_trampoline_find(GtVmi *vmi, guint64 *addr, GError **error)
{
  static const char *const dispatchers[] = {
    "do_syscall_64", "x64_sys_call", "syscall_exit_to_user_mode", NULL,
  };
  for (guint i = 0; dispatchers[i]; i++) {
    guint64 start = 0;
    if (!gt_symbols_lookup(vmi->syms, dispatchers[i], &start))
      continue;
    guint8 code[SCAN_BYTES];
    gsize n = gt_mem_read_partial(vmi->mem, vmi->kcr3, start, code, sizeof code);
    guint64 found = gt_trampoline_scan(code, n, start);
    if (found) {
      g_debug("return trap at %s+%#" G_GINT64_MODIFIER "x", dispatchers[i], found - start);
      *addr = found;
      return TRUE;
    }
  }
  g_set_error(error, GT_ERROR, GT_ERROR_UNSUPPORTED,
              "cannot trap returns: no unreachable int3 found in the syscall dispatcher");
  return FALSE;
}
