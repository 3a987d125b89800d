/* The public accessors of GtGuestState, GtEvent and GtVmi. */
#include <guestrace/guestrace.h>
#include "trace/state.h"
#include "trace/engine.h"
#include "vmi/vmi.h"

#define GT_STRING_MAX 4096
#define GT_BYTES_MAX (1u << 20)
#define GT_ARGV_MAX 256

GT_API gt_reg_t
gt_guest_get_register(GtGuestState *st, gt_reg_name_t name)
{
  g_return_val_if_fail(st && name < GT_REG_COUNT, 0);
  return st->regs.r[name];
}

GT_API char *
gt_guest_get_string(GtGuestState *st, gt_addr_t vaddr, gt_pid_t pid)
{
  g_return_val_if_fail(st, NULL);
  gboolean truncated = FALSE;
  return gt_state_read_user_string(st, vaddr, pid, GT_STRING_MAX, &truncated);
}

GT_API char *
gt_guest_get_kernel_string(GtGuestState *st, gt_addr_t vaddr)
{
  g_return_val_if_fail(st, NULL);
  gboolean truncated = FALSE;
  return gt_state_read_kernel_string(st, vaddr, GT_STRING_MAX, &truncated);
}

GT_API GBytes *
gt_guest_get_kernel_bytes(GtGuestState *st, gt_addr_t vaddr, gsize len)
{
  g_return_val_if_fail(st && len <= GT_BYTES_MAX, NULL);
  g_autofree guint8 *buf = g_malloc(len ? len : 1);
  if (gt_state_read_kernel(st, vaddr, buf, len) != len)
    return NULL;
  return g_bytes_new_take(g_steal_pointer(&buf), len);
}

GT_API GBytes *
gt_guest_get_bytes(GtGuestState *st, gt_addr_t vaddr, gt_pid_t pid, gsize len)
{
  g_return_val_if_fail(st && len <= GT_BYTES_MAX, NULL);
  g_autofree guint8 *buf = g_malloc(len ? len : 1);
  if (gt_state_read_user(st, vaddr, pid, buf, len) != len)
    return NULL;
  return g_bytes_new_take(g_steal_pointer(&buf), len);
}

GT_API char **
gt_guest_get_argv(GtGuestState *st, gt_addr_t vaddr, gt_pid_t pid)
{
  g_return_val_if_fail(st, NULL);
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < GT_ARGV_MAX; i++) {
    guint64 p = 0;
    if (gt_state_read_user(st, vaddr + 8 * i, pid, &p, sizeof p) != sizeof p)
      return NULL;
    if (!p) {
      g_ptr_array_set_free_func(out, NULL);
      g_ptr_array_add(out, NULL);
      return (char **)g_ptr_array_free(g_steal_pointer(&out), FALSE);
    }
    gboolean truncated = FALSE;
    char *s = gt_state_read_user_string(st, p, pid, GT_STRING_MAX, &truncated);
    if (!s)
      return NULL;
    g_ptr_array_add(out, s);
  }
  return NULL;
}

GT_API gt_reg_t
gt_guest_get_arg(GtGuestState *st, guint index)
{
  g_return_val_if_fail(st && index < 6, 0);
  return st->args[index];
}

GT_API const char *gt_guest_get_syscall_name(GtGuestState *st) { return st->probe->name; }
GT_API int gt_guest_get_syscall_nr(GtGuestState *st) { return st->probe->nr; }
GT_API gint64 gt_guest_get_return_value(GtGuestState *st) { return st->is_return ? st->retval : 0; }
GT_API const char *gt_guest_get_process_name(GtGuestState *st) { return st->task->comm; }
GT_API gt_pid_t gt_guest_get_ppid(GtGuestState *st) { return st->task->ppid; }
GT_API guint32 gt_guest_get_uid(GtGuestState *st) { return st->task->uid; }
GT_API guint32 gt_guest_get_gid(GtGuestState *st) { return st->task->gid; }
GT_API guint32 gt_guest_get_euid(GtGuestState *st) { return st->task->euid; }
GT_API guint gt_guest_get_vcpu(GtGuestState *st) { return st->event.vcpu; }

GT_API void
gt_guest_hijack_return(GtGuestState *st, gint64 retval)
{
  g_return_if_fail(st && !st->is_return);
  st->hijack = TRUE;
  st->hijack_value = retval;
}

GT_API GtVmi *gt_guest_get_vmi_instance(GtGuestState *st) { return st->vmi; }
GT_API GtEvent *gt_guest_get_vmi_event(GtGuestState *st) { return &st->event; }
GT_API GtEventKind gt_event_get_kind(GtEvent *ev) { return ev->kind; }
GT_API gt_addr_t gt_event_get_address(GtEvent *ev) { return ev->address; }
GT_API guint gt_event_get_vcpu(GtEvent *ev) { return ev->vcpu; }

GT_API gboolean
gt_vmi_read_va(GtVmi *vmi, gt_addr_t vaddr, gt_pid_t pid, void *buf, gsize len,
               GError **error)
{
  if (pid != 0) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG,
                "gt_vmi_read_va: use gt_guest_get_bytes() for process memory");
    return FALSE;
  }
  return gt_mem_read(vmi->mem, vmi->kcr3, vaddr, buf, len, error);
}

GT_API gboolean
gt_vmi_read_pa(GtVmi *vmi, gt_addr_t paddr, void *buf, gsize len, GError **error)
{
  return gt_mem_read_phys(vmi->mem, paddr, buf, len, error);
}

GT_API gboolean
gt_vmi_translate_kv2p(GtVmi *vmi, gt_addr_t vaddr, gt_addr_t *paddr)
{
  return gt_mem_translate(vmi->mem, vmi->kcr3, vaddr, paddr, NULL);
}

GT_API gboolean
gt_vmi_lookup_symbol(GtVmi *vmi, const char *name, gt_addr_t *addr)
{
  return gt_symbols_lookup(vmi->syms, name, addr);
}
