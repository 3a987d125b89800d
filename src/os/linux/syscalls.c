/* The kernel's own description of its system calls: the syscall_metadata
 * structures (CONFIG_FTRACE_SYSCALLS). Names, numbers (filled in by the
 * kernel at boot) and argument types and names. An entry the guest has
 * garbled is skipped, never trusted.
 *
 * Two ways to find them: the array of pointers between
 * __start_syscalls_metadata and __stop_syscalls_metadata lives in init data,
 * which a booted kernel has freed (on Debian 6.1 the pointers read back as
 * garbage); at boot, init_ftrace_syscalls() copies them into the heap array
 * `syscalls_metadata`, indexed by syscall number. That array is used first;
 * the section only when the array is not there yet (early boot).
 *
 * Bounds (the guest writes all of it): at most GT_MAX_SYSCALL_TABLE
 * entries from the array, or GT_MAX_SYSCALL_META from the section; per
 * entry five fixed-size reads, two arrays of at most six pointers and at
 * most 13 strings of at most GT_META_STR_MAX bytes. So attach reads at most
 * ~2,048 x 20 small reads and ~3.4 MB of strings here, whatever the guest
 * does; fuzz/fuzz-syscalls.c drives it with random kernel memory. */
#include <string.h>
#include <guestrace/types.h>
#include "os/linux/linux-private.h"

#define GT_MAX_SYSCALL_META 2048
#define GT_META_STR_MAX 128
/* Syscall numbers above this are not x86-64 ones (x32 starts at 512). */
#define GT_MAX_SYSCALL_NR 4096
/* Entries read from the run-time array: x86-64 numbers are below 512 (x32
 * starts there, in another table); the margin costs nothing since every
 * entry i must describe syscall i. */
#define GT_MAX_SYSCALL_TABLE 1024

void
gt_syscall_meta_free(GtSyscallMeta *m)
{
  if (m == NULL)
    return;
  g_free(m->name);
  for (guint i = 0; i < G_N_ELEMENTS(m->arg_types); i++) {
    g_free(m->arg_types[i]);
    g_free(m->arg_names[i]);
  }
  g_free(m);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GtSyscallMeta, gt_syscall_meta_free)

gint64
gt_syscall_meta_result(const GtSyscallMeta *m, guint64 rax)
{
  switch (m ? m->ret_size : 0) {
  case 1: return m->ret_signed ? (gint64)(gint8)rax : (gint64)(guint8)rax;
  case 2: return m->ret_signed ? (gint64)(gint16)rax : (gint64)(guint16)rax;
  case 4: return m->ret_signed ? (gint64)(gint32)rax : (gint64)(guint32)rax;
  default: return (gint64)rax;
  }
}

/* A whole NUL-terminated string of at most GT_META_STR_MAX bytes, or NULL. */
static char *
read_str(GtLinux *lx, guint64 va)
{
  if (!gt_linux_is_kernel_addr(va))
    return NULL;
  gboolean truncated = FALSE;
  g_autofree char *s = gt_mem_read_string(lx->mem, lx->kcr3, va, GT_META_STR_MAX,
                                          &truncated, NULL);
  if (s == NULL || truncated || s[0] == '\0')
    return NULL;
  return g_steal_pointer(&s);
}

static gboolean
is_identifier(const char *s)
{
  for (const char *p = s; *p != '\0'; p++)
    if (!g_ascii_isalnum(*p) && *p != '_')
      return FALSE;
  return s[0] != '\0';
}

/* Type strings are C source text: keep them printable. */
static void
sanitize(char *s)
{
  for (char *p = s; *p != '\0'; p++)
    if (*p < 0x20 || *p >= 0x7f)
      *p = '?';
}

/* Reads count string pointers at va into out[]. */
static gboolean
read_str_array(GtLinux *lx, guint64 va, guint count, char **out, gboolean identifiers)
{
  guint64 ptrs[6];
  if (count == 0)
    return TRUE;
  if (!gt_linux_is_kernel_addr(va) ||
      !gt_mem_read(lx->mem, lx->kcr3, va, ptrs, count * sizeof ptrs[0], NULL))
    return FALSE;
  for (guint i = 0; i < count; i++) {
    out[i] = read_str(lx, ptrs[i]);
    if (out[i] == NULL || (identifiers && !is_identifier(out[i])))
      return FALSE;
    sanitize(out[i]);
  }
  return TRUE;
}

/* One syscall_metadata structure, or NULL (with a debug message) if any
 * part of it is unreadable or implausible. */
static GtSyscallMeta *
read_meta(GtLinux *lx, guint64 va)
{
  const GtLinuxOffsets *o = &lx->off;
  guint64 name_ptr, types, args;
  guint32 nr, nb;
  if (!gt_linux_is_kernel_addr(va) ||
      !gt_mem_read_u64(lx->mem, lx->kcr3, va + o->meta_name, &name_ptr, NULL) ||
      !gt_mem_read_u32(lx->mem, lx->kcr3, va + o->meta_syscall_nr, &nr, NULL) ||
      !gt_mem_read_u32(lx->mem, lx->kcr3, va + o->meta_nb_args, &nb, NULL) ||
      !gt_mem_read_u64(lx->mem, lx->kcr3, va + o->meta_types, &types, NULL) ||
      !gt_mem_read_u64(lx->mem, lx->kcr3, va + o->meta_args, &args, NULL)) {
    g_debug("syscall metadata at 0x%" G_GINT64_MODIFIER "x is unreadable", va);
    return NULL;
  }
  if (nb > 6) {
    g_debug("syscall metadata at 0x%" G_GINT64_MODIFIER "x has %u arguments", va, nb);
    return NULL;
  }
  g_autofree char *name = read_str(lx, name_ptr);
  if (name == NULL || !is_identifier(name)) {
    g_debug("syscall metadata at 0x%" G_GINT64_MODIFIER "x has no valid name", va);
    return NULL;
  }
  g_autoptr(GtSyscallMeta) m = g_new0(GtSyscallMeta, 1);
  m->name = g_strdup(g_str_has_prefix(name, "sys_") ? name + 4 : name);
  m->nr = (gint32) nr >= 0 && (gint32) nr < GT_MAX_SYSCALL_NR ? (gint) nr : -1;
  m->nargs = nb;
  if (!read_str_array(lx, types, nb, m->arg_types, FALSE) ||
      !read_str_array(lx, args, nb, m->arg_names, TRUE)) {
    g_debug("syscall metadata for %s: argument strings unreadable", name);
    return NULL;
  }
  return g_steal_pointer(&m);
}

/* Adds m to the table. A name may appear twice (e.g. a compat entry): the
 * one the kernel mapped to an x86-64 number wins, else the first. */
static void
add_meta(GHashTable *table, GtSyscallMeta *m)
{
  GtSyscallMeta *old = g_hash_table_lookup(table, m->name);
  if (old != NULL && (old->nr >= 0 || m->nr < 0)) {
    gt_syscall_meta_free(m);
    return;
  }
  /* The key is the value's own name, so replace (not insert) the pair. */
  g_hash_table_remove(table, m->name);
  g_hash_table_insert(table, m->name, m);
}

/* From the heap array `syscalls_metadata` (NR_syscalls pointers, indexed
 * by number). Its length is not recorded anywhere we can read, so up to
 * GT_MAX_SYSCALL_TABLE entries are read and entry i is kept only if it
 * describes syscall i: that rejects whatever lies past the array's end.
 * Returns how many entries were added; 0 if the array is not there. */
static guint
from_runtime_array(GtLinux *lx, GHashTable *table)
{
  guint64 sym, array;
  if (!gt_symbols_lookup(lx->syms, "syscalls_metadata", &sym) ||
      !gt_linux_read_kptr(lx, sym, "syscalls_metadata", &array, NULL))
    return 0;
  g_autofree guint64 *ptrs = g_new0(guint64, GT_MAX_SYSCALL_TABLE);
  gsize got = gt_mem_read_partial(lx->mem, lx->kcr3, array, ptrs,
                                  GT_MAX_SYSCALL_TABLE * sizeof(guint64));
  guint added = 0;
  for (gsize i = 0; i < got / sizeof(guint64); i++) {
    if (ptrs[i] == 0)
      continue;
    GtSyscallMeta *m = read_meta(lx, ptrs[i]);
    if (m == NULL)
      continue;
    if (m->nr < 0 || (gsize) m->nr != i) {
      g_debug("syscalls_metadata[%" G_GSIZE_FORMAT "] describes syscall %d: skipped", i,
              m->nr);
      gt_syscall_meta_free(m);
      continue;
    }
    add_meta(table, m);
    added++;
  }
  return added;
}

/* From the link-time section of pointers (valid until init data is freed). */
static gboolean
from_section(GtLinux *lx, GHashTable *table, GError **error)
{
  guint64 start, stop;
  if (!gt_symbols_lookup(lx->syms, "__start_syscalls_metadata", &start) ||
      !gt_symbols_lookup(lx->syms, "__stop_syscalls_metadata", &stop)) {
    g_set_error(error, GT_ERROR, GT_ERROR_NOT_FOUND,
                "the kernel has no syscall metadata (CONFIG_FTRACE_SYSCALLS off?)");
    return FALSE;
  }
  if (stop < start || (stop - start) % 8 != 0 ||
      (stop - start) / 8 > GT_MAX_SYSCALL_META || stop == start) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG,
                "implausible syscall metadata bounds 0x%" G_GINT64_MODIFIER "x..0x%"
                G_GINT64_MODIFIER "x", start, stop);
    return FALSE;
  }
  gsize count = (stop - start) / 8;
  g_autofree guint64 *ptrs = g_new(guint64, count);
  g_autoptr(GError) local = NULL;
  if (!gt_mem_read(lx->mem, lx->kcr3, start, ptrs, count * 8, &local)) {
    g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
                "cannot read the syscall metadata section: %s", local->message);
    return FALSE;
  }
  for (gsize i = 0; i < count; i++) {
    GtSyscallMeta *m = read_meta(lx, ptrs[i]);
    if (m != NULL)
      add_meta(table, m);
  }
  if (g_hash_table_size(table) == 0) {
    g_set_error(error, GT_ERROR, GT_ERROR_NOT_FOUND,
                "none of the %" G_GSIZE_FORMAT " syscall metadata entries is readable "
                "(and the run-time array syscalls_metadata is not available)", count);
    return FALSE;
  }
  return TRUE;
}

GHashTable *
gt_linux_syscall_metadata(GtLinux *lx, GError **error)
{
  g_autoptr(GHashTable) table = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                                      (GDestroyNotify) gt_syscall_meta_free);
  if (from_runtime_array(lx, table) == 0 && !from_section(lx, table, error))
    return NULL;
  return g_steal_pointer(&table);
}
