#include <guestrace/guestrace.h>

GQuark
gt_error_quark(void)
{
  return g_quark_from_static_string("guestrace-error-quark");
}
