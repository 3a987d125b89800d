/* A scripted fake gdb stub for the QEMU driver's unit tests: a thread on
 * one end of a socketpair plays expected-request/response steps in order
 * and records the first mismatch. */
#pragma once

#include <glib.h>
#include "driver/driver.h"

typedef struct FakeStub FakeStub;

/* Creates the socketpair; *client_fd is the driver's end. */
FakeStub *fake_stub_new(int *client_fd);

/* Script steps (added before fake_stub_start). */
/* Expect a request packet, ack it, send reply (NULL: none). */
void fake_stub_expect(FakeStub *s, const char *request, const char *reply);
/* Expect a request and do not ack it (send the ack later with raw). */
void fake_stub_expect_noack(FakeStub *s, const char *request);
/* Expect a request, NAK it, expect it again (retransmitted), then reply. */
void fake_stub_expect_nak_first(FakeStub *s, const char *request, const char *reply);
/* Expect a request, ack it, send the reply with a bad checksum, expect the
 * client's '-', then send it correctly. */
void fake_stub_expect_badsum_reply(FakeStub *s, const char *request, const char *reply);
/* Send a packet unasked. */
void fake_stub_send(FakeStub *s, const char *packet);
/* Send raw bytes. */
void fake_stub_raw(FakeStub *s, const char *bytes);
/* Expect one raw byte (e.g. 0x03), skipping acks. */
void fake_stub_expect_byte(FakeStub *s, char byte);
/* From here on no acks either way (after the stub's OK to
 * QStartNoAckMode): the stub sends none and fails on any it receives. */
void fake_stub_no_ack(FakeStub *s);
/* Close the stub's end. */
void fake_stub_hangup(FakeStub *s);

/* Standard connect sequence for 2 vCPUs (p01.01, p01.02), the test target
 * description, and (if phys) Qqemu.PhyMemMode:1. */
void fake_stub_script_connect(FakeStub *s, gboolean phys);
/* The same, the stub offering QStartNoAckMode (accepted: no acks after). */
void fake_stub_script_connect_no_ack(FakeStub *s);
/* The same with another PacketSize (hex, as the stub announces it). */
void fake_stub_script_connect_full(FakeStub *s, gboolean phys, const char *packet_size);

/* The pause of a running driver: ^C, the stop reply naming thread
 * ("p01.02"), then Hg and g of that thread, whose RIP is rip. */
void fake_stub_script_pause(FakeStub *s, const char *thread, guint64 rip);
/* The end of close() once the breakpoints are gone: physical memory mode
 * off, detach. */
void fake_stub_script_detach(FakeStub *s);

void fake_stub_start(FakeStub *s);
/* Waits for the script to end; returns NULL on success or a description of
 * the first failure (free it). Frees the stub. */
char *fake_stub_finish(FakeStub *s);
/* The same, failing the test (with the failure) unless the script ended
 * as written. */
void fake_stub_assert_done(FakeStub *s);

/* The QEMU driver on the driver's end client_fd (fails the test if it
 * cannot open). */
GtDriver *fake_stub_open_driver(int client_fd, const GtDriverOptions *opts);


/* The 'g' reply of the test target: register i of the 64-bit ones (rax..r15
 * then rip) holds 0x1000 * (i + 1) + i, except rip = FAKE_RIP; cr3 =
 * FAKE_CR3; others 0. */
#define FAKE_RIP G_GUINT64_CONSTANT(0xffffffff81000010)
#define FAKE_CR3 G_GUINT64_CONSTANT(0x1234000)
char *fake_stub_g_reply(guint64 rip);
