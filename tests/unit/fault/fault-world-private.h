/* What the fake driver (fault-driver.c) does to the guest (fault-world.c). */
#pragma once

#include "fault-world.h"
#include "../linux/fake-guest.h"

struct FakeWorld;

FakeGuest *fw_guest(FakeWorld *w);
/* A tracer's request while the guest runs is a bug of the tracer: noted
 * as a problem. */
void fw_require_stopped(FakeWorld *w, const char *what);
GtRegs *fw_regs(FakeWorld *w, guint vcpu);
GHashTable *fw_bps(FakeWorld *w);
void fw_pause(FakeWorld *w);
void fw_resume(FakeWorld *w);
/* The next stop while running: FALSE if none (the script waits at QUIT or
 * is over). */
gboolean fw_next_stop(FakeWorld *w, GtStop *stop);
/* A debugger attached (QEMU answers its '?'): the guest stops, its stub
 * breakpoints are gone and so is a stop nobody was told of. */
void fw_attached(FakeWorld *w);
void fw_set_last_counts(FakeWorld *w, const guint *counts);
