/* Resolving names to probes and choosing where the breakpoint goes. */
#include "trace/probe.h"

#include <string.h>
#include "decode/decode.h"

/* The 5-byte NOP that ftrace leaves at every traceable function entry
 * (nopl 0x0(%rax,%rax,1)); passing over it needs no single-step. */
static const guint8 ftrace_nop[5] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };
/* What may stand before it (kernels with CONFIG_X86_KERNEL_IBT): endbr64,
 * or the 4-byte NOP the kernel writes at boot over an endbr64 of a function
 * never called indirectly (gen_endbr_poison(): osp nopl (%rax) up to 6.16,
 * nopl -42(%rax) since; a 6.12 guest under TCG has it at do_syscall_64). */
static const guint8 entry_marks[][4] = {
  { 0xf3, 0x0f, 0x1e, 0xfa },   /* endbr64 */
  { 0x66, 0x0f, 0x1f, 0x00 },   /* sealed endbr64 */
  { 0x0f, 0x1f, 0x40, 0xd6 },   /* sealed endbr64, later kernels */
};

gint
gt_probe_ftrace_nop_offset(const guint8 *code, gsize len)
{
  guint off = 0;
  for (guint i = 0; i < G_N_ELEMENTS(entry_marks); i++)
    if (len >= sizeof entry_marks[i] && memcmp(code, entry_marks[i], sizeof entry_marks[i]) == 0)
      off = sizeof entry_marks[i];
  if (len < off + sizeof ftrace_nop || memcmp(code + off, ftrace_nop, sizeof ftrace_nop) != 0)
    return -1;
  return (gint)off;
}

static const char *const noreturn_names[] = {
  "exit", "exit_group", "do_exit", "do_group_exit", "make_task_dead", NULL,
};

void
gt_probe_free(GtProbe *p)
{
  if (!p)
    return;
  g_free(p->name);
  g_free(p->symbol);
  gt_syscall_meta_free(p->own_meta);
  g_free(p);
}

static gboolean
is_text(GtVmi *vmi, const char *sym, guint64 *addr)
{
  char t = gt_symbols_type(vmi->syms, sym);
  return (t == 'T' || t == 't') && gt_symbols_lookup(vmi->syms, sym, addr);
}

/* Where to break in the function at func, and how many bytes to pass over
 * when resuming. */
static gboolean
choose_site(GtVmi *vmi, GtProbe *p, GError **error)
{
  guint8 code[16];
  if (!gt_mem_read(vmi->mem, vmi->kcr3, p->func, code, sizeof code, error)) {
    g_prefix_error(error, "cannot read the code of %s: ", p->symbol);
    return FALSE;
  }
  gint off = gt_probe_ftrace_nop_offset(code, sizeof code);
  if (off < 0) {
    /* No NOP to pass over (a notrace function, or ftrace is using it): the
     * breakpoint is stepped over instead, which costs a second stop. */
    if (!vmi->driver->ops->step) {
      g_set_error(error, GT_ERROR, GT_ERROR_UNSUPPORTED,
                  "cannot trace %s: its entry is not an ftrace NOP and the %s driver "
                  "cannot single-step", p->symbol, vmi->driver->ops->name);
      return FALSE;
    }
    p->bp = p->func;
    p->skip = 0;
    return TRUE;
  }
  p->bp = p->func + (guint)off;
  p->skip = sizeof ftrace_nop;
  return TRUE;
}

/* The kernel's name for a syscall that user space knows by another name
 * (fstat is the kernel's newfstat, uname its newuname): the metadata entry
 * with the same x86-64 number (asm/unistd_64.h). NULL if the same name. */
static const char *
kernel_name_for(GHashTable *meta, const char *name)
{
  int nr = gt_decode_syscall_nr(name);
  if (!meta || nr < 0)
    return NULL;
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init(&it, meta);
  while (g_hash_table_iter_next(&it, &key, &value))
    if (((const GtSyscallMeta *)value)->nr == nr)
      return g_strcmp0(key, name) ? key : NULL;
  return NULL;
}

GtProbe *
gt_probe_resolve(GtVmi *vmi, GHashTable *meta, GtKernelBtf *btf, const char *name,
                 GError **error)
{
  g_autoptr(GtProbe) p = g_new0(GtProbe, 1);
  p->nr = -1;
  guint64 addr = 0;
  const char *base = name;

  if (g_str_has_prefix(name, "__x64_sys_") && is_text(vmi, name, &addr)) {
    base = name + strlen("__x64_sys_");
    p->abi = GT_ABI_PTREGS_64;
    p->symbol = g_strdup(name);
  } else if (g_str_has_prefix(name, "__ia32_sys_") && is_text(vmi, name, &addr)) {
    base = name + strlen("__ia32_sys_");
    p->abi = GT_ABI_PTREGS_32;
    p->symbol = g_strdup(name);
  } else {
    if (g_str_has_prefix(name, "sys_"))
      base = name + 4;
    const char *kernel = kernel_name_for(meta, base);
    if (kernel)
      base = kernel;
    g_autofree char *x64 = g_strconcat("__x64_sys_", base, NULL);
    g_autofree char *plain_sys = g_strconcat("sys_", base, NULL);
    if (is_text(vmi, x64, &addr)) {
      p->abi = GT_ABI_PTREGS_64;
      p->symbol = g_steal_pointer(&x64);
    } else if (is_text(vmi, plain_sys, &addr)) {
      /* Kernels before 4.17 call sys_* with the arguments in registers. */
      p->abi = GT_ABI_REGS;
      p->symbol = g_steal_pointer(&plain_sys);
    } else if (is_text(vmi, name, &addr)) {
      p->abi = GT_ABI_REGS;
      p->symbol = g_strdup(name);
      base = name;
    } else {
      g_set_error(error, GT_ERROR, GT_ERROR_NOT_FOUND,
                  "unknown system call or kernel function '%s'", name);
      return NULL;
    }
  }
  p->name = g_strdup(base);
  p->func = addr;
  if (p->abi != GT_ABI_REGS || g_str_has_prefix(p->symbol, "sys_")) {
    p->meta = meta ? g_hash_table_lookup(meta, base) : NULL;
    if (p->meta && p->abi == GT_ABI_PTREGS_64)
      p->nr = p->meta->nr;
  }
  if (!p->meta && p->abi == GT_ABI_REGS && btf) {
    p->own_meta = gt_kbtf_func_meta(btf, p->symbol);
    p->meta = p->own_meta;
  }
  p->noreturn = g_strv_contains(noreturn_names, base);
  if (!choose_site(vmi, p, error))
    return NULL;
  return g_steal_pointer(&p);
}
