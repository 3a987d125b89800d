/* libguestrace — trace the system calls of a kernel running in a virtual
 * machine, from outside the machine. */
#pragma once

#include <guestrace/types.h>
