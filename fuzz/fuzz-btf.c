/* Fuzz target: the kernel's BTF as the guest hands it (the bytes between
 * __start_BTF and __stop_BTF): the header check, libbpf's parser, every
 * member lookup attach makes (gt_linux_offsets_from_btf), dotted paths and
 * function prototypes. Seeds: seeds/make-btf.py. */
#include "fuzz-common.h"

#include "os/linux/linux.h"
#include "os/linux/offsets.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GtKernelBtf) kb = gt_kbtf_load_raw(data, size, &error);
  g_assert((kb == NULL) == (error != NULL));
  if (!kb)
    return 0;
  GtLinuxOffsets o;
  g_autoptr(GError) e1 = NULL;
  gt_linux_offsets_from_btf(kb, &o, &e1);
  static const char *const paths[][2] = {
    { "task_struct", "pid" }, { "task_struct", "tasks.next" },
    { "cred", "uid.val" }, { "task_struct", "comm.x" }, { "leaf", "x" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(paths); i++) {
    guint off, sz;
    g_autoptr(GError) e = NULL;
    if (!gt_kbtf_member_offset(kb, paths[i][0], paths[i][1], &off, &sz, &e))
      g_assert(e != NULL);
    gt_kbtf_struct_size(kb, paths[i][0], &sz, NULL);
  }
  static const char *const funcs[] = { "do_exit", "do_sys_open" };
  for (gsize i = 0; i < G_N_ELEMENTS(funcs); i++) {
    GtSyscallMeta *m = gt_kbtf_func_meta(kb, funcs[i]);
    if (m) {
      g_assert(m->nargs <= 6);
      gt_syscall_meta_free(m);
    }
  }
  return 0;
}
