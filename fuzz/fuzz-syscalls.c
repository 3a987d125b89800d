/* Fuzz target: the kernel's syscall metadata read from guest memory
 * (linux-world.h): the run-time array `syscalls_metadata`, else the
 * link-time section. Entries are bounded in number and string length;
 * whatever is kept must be a plausible description. */
#include "fuzz-common.h"
#include "linux-world.h"

static void
check(gpointer key, gpointer value, gpointer user)
{
  const GtSyscallMeta *m = value;
  g_assert(m->name != NULL && m->nargs <= 6);
  for (guint i = 0; i < m->nargs; i++)
    g_assert(m->arg_types[i] != NULL && m->arg_names[i] != NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  g_autoptr(GtLinux) lx = fuzz_linux_world(data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) table = gt_linux_syscall_metadata(lx, &error);
  g_assert((table == NULL) == (error != NULL));
  if (table)
    g_hash_table_foreach(table, check, NULL);
  return 0;
}
