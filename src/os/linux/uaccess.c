/* Reading a user page the process has not faulted in, as the kernel's page
 * fault would fill it: strace reads with process_vm_readv(), which faults
 * pages in, so guestrace must see what that fault would map.
 *
 * Which cases occur. fork() copies page-table entries only for VMAs that
 * need it (vma_needs_copy(): an anon_vma, PFN/mixed maps, hugetlb,
 * userfaultfd-wp); a file mapping without anonymous pages (program text,
 * read-only data, a fresh mmap of a file) is left empty in the child, to be
 * re-faulted from the page cache. A read fault on an empty entry maps:
 *   - in a file VMA (private or shared, shmem/memfd included): the file's
 *     page-cache page at vm_pgoff + (va - vm_start) / 4096. A private page
 *     the process wrote is an anonymous page and never an empty entry
 *     again (swapped out it is a swap entry), so an empty entry always
 *     means the file's data;
 *   - in an anonymous VMA: the shared zero page, i.e. zeros.
 * Anything else is refused, never guessed: a non-empty absent entry (swap,
 * migration, PROT_NONE), a VMA without VM_READ, I/O, PFN, mixed or hugetlb
 * mappings, userfaultfd-registered VMAs (user space would supply the page),
 * and a file page not in the page cache (the kernel would read the disk). */
#include <string.h>
#include <guestrace/types.h>
#include "os/linux/linux-private.h"

/* vm_flags bits (include/linux/mm.h; macros, not in BTF). */
#define VM_READ 0x00000001ULL
#define VM_UFFD_MISSING 0x00000200ULL
#define VM_PFNMAP 0x00000400ULL
#define VM_IO 0x00004000ULL
#define VM_HUGETLB 0x00400000ULL
#define VM_MIXEDMAP 0x10000000ULL
#define VM_REFUSED (VM_UFFD_MISSING | VM_PFNMAP | VM_IO | VM_HUGETLB | VM_MIXEDMAP)
/* x86 pte_none()/pmd_none() ignore the Accessed and Dirty bits
 * (_PAGE_KNL_ERRATUM_MASK). */
#define PT_ERRATUM_MASK 0x60ULL
#define USER_TOP 0x0000800000000000ULL

static gboolean
refuse(GError **error, guint64 va, const char *why)
{
  g_set_error(error, GT_ERROR, GT_ERROR_MEMORY,
              "user address 0x%" G_GINT64_MODIFIER "x cannot be read: %s", va, why);
  return FALSE;
}

/* TRUE when the page-table walk for va stops at an empty entry. */
static gboolean
entry_is_empty(GtLinux *lx, guint64 cr3, guint64 va, GError **error)
{
  GtTranslation t;
  g_autoptr(GError) local = NULL;
  if (gt_mem_walk(lx->mem, cr3, va, &t, &local))
    return refuse(error, va, "its page is present (read it through the page tables)");
  if (t.absent_level == 0) {
    g_propagate_error(error, g_steal_pointer(&local));
    return FALSE;
  }
  if ((t.absent_entry & ~PT_ERRATUM_MASK) != 0)
    return refuse(error, va, "its page is swapped out, migrating or PROT_NONE");
  return TRUE;
}

static gboolean
task_mm(GtLinux *lx, guint64 task, guint64 *mm, GError **error)
{
  return gt_linux_read_kptr(lx, task + lx->off.task_mm, "task->mm", mm, error);
}

/* The page of a file VMA for va, from the page cache. */
static gboolean
read_file_page(GtLinux *lx, const GtLinuxVma *vma, guint64 va, void *buf, gsize len,
               GError **error)
{
  guint64 mapping, pa;
  guint64 index = vma->pgoff + ((va - vma->start) >> 12);
  if (index < vma->pgoff)
    return refuse(error, va, "its file offset overflows");
  if (!gt_linux_read_kptr(lx, vma->file + lx->off.file_mapping, "file->f_mapping",
                          &mapping, error) ||
      !gt_linux_pagecache_lookup(lx, mapping, index, &pa, error))
    return FALSE;
  return gt_mem_read_phys(lx->mem, pa + (va & 0xfff), buf, len, error);
}

gboolean
gt_linux_read_unfaulted(GtLinux *lx, guint64 task, guint64 cr3, guint64 va, void *buf,
                        gsize len, GError **error)
{
  if (len == 0)
    return TRUE;
  if (va >= USER_TOP || (va & 0xfff) + len > 4096)
    return refuse(error, va, "not a range inside one user page");
  if (!gt_linux_has_vmas(lx) || !gt_linux_has_pagecache(lx)) {
    g_set_error_literal(error, GT_ERROR, GT_ERROR_UNSUPPORTED,
                        "this kernel's VMA or page-cache layout is not known from its BTF");
    return FALSE;
  }
  guint64 mm;
  GtLinuxVma vma;
  if (!entry_is_empty(lx, cr3, va, error) || !task_mm(lx, task, &mm, error) ||
      !gt_linux_vma_find(lx, mm, va, &vma, error))
    return FALSE;
  if (!(vma.flags & VM_READ))
    return refuse(error, va, "its mapping is not readable");
  if (vma.flags & VM_REFUSED)
    return refuse(error, va, "an I/O, PFN, hugetlb or userfaultfd mapping");
  if (vma.file == 0) {
    memset(buf, 0, len);          /* the zero page */
    return TRUE;
  }
  return read_file_page(lx, &vma, va, buf, len, error);
}
