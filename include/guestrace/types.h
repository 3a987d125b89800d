/* guestrace — basic types shared by the public API and the library. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#if defined(GT_COMPILATION)
#define GT_API __attribute__((visibility("default")))
#else
#define GT_API
#endif

/** gt_addr_t: a guest virtual or physical address. */
typedef guint64 gt_addr_t;
/** gt_pid_t: a guest process id (the tgid, as user space sees it). */
typedef gint32 gt_pid_t;
/**
 * gt_tid_t: an identifier that correlates a call with its return at thread
 * granularity. guestrace uses the guest kernel's thread id (Linux: the
 * task's pid field).
 */
typedef gint32 gt_tid_t;
/** gt_reg_t: the value of a guest register. */
typedef guint64 gt_reg_t;

/**
 * gt_reg_name_t: the guest registers the library can read and write.
 * The order of the general-purpose registers follows the x86-64 encoding
 * used by gdb's register file (rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp,
 * r8..r15).
 */
typedef enum {
  GT_REG_RAX, GT_REG_RBX, GT_REG_RCX, GT_REG_RDX,
  GT_REG_RSI, GT_REG_RDI, GT_REG_RBP, GT_REG_RSP,
  GT_REG_R8, GT_REG_R9, GT_REG_R10, GT_REG_R11,
  GT_REG_R12, GT_REG_R13, GT_REG_R14, GT_REG_R15,
  GT_REG_RIP, GT_REG_RFLAGS,
  GT_REG_CS, GT_REG_SS,
  GT_REG_FS_BASE, GT_REG_GS_BASE, GT_REG_KERNEL_GS_BASE,
  GT_REG_CR0, GT_REG_CR2, GT_REG_CR3, GT_REG_CR4, GT_REG_EFER,
  GT_REG_COUNT
} gt_reg_name_t;

/** GtOSType: the kind of operating system running in the guest. */
typedef enum {
  GT_OS_UNKNOWN = 0,
  GT_OS_LINUX,
  GT_OS_WINDOWS,
} GtOSType;

#define GT_ERROR (gt_error_quark())
/** The GError domain (GT_ERROR) of every error the library reports. */
GT_API GQuark gt_error_quark(void);

typedef enum {
  GT_ERROR_FAILED,        /* anything else */
  GT_ERROR_INVALID_ARG,   /* bad guest spec, option, name or config */
  GT_ERROR_CONNECT,       /* cannot reach the hypervisor or the guest */
  GT_ERROR_PROTOCOL,      /* the hypervisor said something unexpected */
  GT_ERROR_TIMEOUT,       /* no answer in time */
  GT_ERROR_MEMORY,        /* a guest address cannot be read or written */
  GT_ERROR_NOT_FOUND,     /* symbol, type or process not found */
  GT_ERROR_GUEST_GONE,    /* the guest powered off or the stub vanished */
  GT_ERROR_UNSUPPORTED,   /* the guest or hypervisor lacks a feature */
} GtErrorCode;

G_END_DECLS
