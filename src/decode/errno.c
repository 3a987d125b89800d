/* errno and signal names. glibc knows the user-visible errno names
 * (strerrorname_np), the UAPI headers the signals (xlat/signals.in); the kernel-internal restart codes that a
 * tracer sees but user space never does are listed here. */
#include "decode/decode.h"
#include "decode/xlat-tables.h"

#include <string.h>
#include <signal.h>

static const struct { int code; const char *name, *text; } kernel_errnos[] = {
  { 512, "ERESTARTSYS", "To be restarted if SA_RESTART is set" },
  { 513, "ERESTARTNOINTR", "To be restarted" },
  { 514, "ERESTARTNOHAND", "To be restarted if no handler" },
  { 515, "ENOIOCTLCMD", "No ioctl command" },
  { 516, "ERESTART_RESTARTBLOCK", "Interrupted by signal" },
  { 517, "EPROBE_DEFER", "Driver requests probe retry" },
  { 518, "EOPENSTALE", "Open found a stale dentry" },
  { 521, "EBADHANDLE", "Illegal NFS file handle" },
  { 524, "ENOTSUPP", "Operation is not supported" },
};

const char *
gt_errno_name(int e)
{
  for (guint i = 0; i < G_N_ELEMENTS(kernel_errnos); i++)
    if (kernel_errnos[i].code == e)
      return kernel_errnos[i].name;
  return e > 0 && e < 512 ? strerrorname_np(e) : NULL;
}

const char *
gt_errno_text(int e)
{
  for (guint i = 0; i < G_N_ELEMENTS(kernel_errnos); i++)
    if (kernel_errnos[i].code == e)
      return kernel_errnos[i].text;
  return e > 0 && e < 512 ? strerrordesc_np(e) : NULL;
}

const char *
gt_signal_name(int sig)
{
  static char names[65][12];
  if (sig <= 0 || sig > 64)
    return NULL;
  if (sig < 32)
    return gt_xlat_name(&gt_xlat_signals, (guint64)sig);
  /* Real-time signals as strace names them: SIGRTMIN, then SIGRT_n. */
  if (sig == 32)
    return "SIGRTMIN";
  if (!g_atomic_int_get((gint *)&names[sig][0]))
    g_snprintf(names[sig], sizeof names[sig], "SIGRT_%d", sig - 32);
  return names[sig];
}
