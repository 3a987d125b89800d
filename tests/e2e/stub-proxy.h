/* A gdb-stub proxy for end-to-end tests: guestrace connects to it as to
 * QEMU's stub (qemu:127.0.0.1:PORT) and it forwards every byte both ways,
 * except, once armed, the requests of the first connection of the kinds
 * it was told (e.g. "gp": register reads): those it answers itself with
 * E01, as a stub that keeps refusing them while the connection lives on.
 * Later connections (the guardian's) are forwarded whole. Test code only:
 * guestrace runs its ordinary QEMU path against it. */
#pragma once

#include <glib.h>

typedef struct StubProxy StubProxy;

/* Listens on 127.0.0.1 (a free port) for connections to the stub at
 * host:port, in a thread of its own. */
StubProxy *stub_proxy_new(const char *host, guint16 port);
guint16 stub_proxy_port(StubProxy *p);
/* From now on, the first connection's packets whose first character is
 * one of kinds (kept, not copied) are refused. */
void stub_proxy_refuse(StubProxy *p, const char *kinds);
/* How many packets were refused so far. */
guint stub_proxy_refused(StubProxy *p);
void stub_proxy_free(StubProxy *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StubProxy, stub_proxy_free)
