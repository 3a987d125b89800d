/* A scripted fake gdb stub (see fake-stub.h). Its own tiny framing code is
 * deliberately independent of the codec under test. */
#include "fake-stub.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "driver/qemu/qemu-driver.h"

typedef enum { ST_EXPECT, ST_EXPECT_NOACK, ST_EXPECT_NAK, ST_EXPECT_BADSUM, ST_SEND, ST_RAW, ST_BYTE, ST_HANGUP, ST_NO_ACK } StepKind;

typedef struct {
  StepKind kind;
  char *req;
  char *reply;
  char byte;
} Step;

struct FakeStub {
  int fd;
  GPtrArray *steps;
  GThread *thread;
  char *failure;
  gboolean no_ack;
};

static void
step_free(gpointer p)
{
  Step *st = p;
  g_free(st->req);
  g_free(st->reply);
  g_free(st);
}

FakeStub *
fake_stub_new(int *client_fd)
{
  int sv[2];
  g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
  FakeStub *s = g_new0(FakeStub, 1);
  s->fd = sv[0];
  *client_fd = sv[1];
  s->steps = g_ptr_array_new_with_free_func(step_free);
  return s;
}

static void
add(FakeStub *s, StepKind kind, const char *req, const char *reply, char byte)
{
  Step *st = g_new0(Step, 1);
  st->kind = kind;
  st->req = g_strdup(req);
  st->reply = g_strdup(reply);
  st->byte = byte;
  g_ptr_array_add(s->steps, st);
}

void fake_stub_expect(FakeStub *s, const char *r, const char *p) { add(s, ST_EXPECT, r, p, 0); }
void fake_stub_expect_noack(FakeStub *s, const char *r) { add(s, ST_EXPECT_NOACK, r, NULL, 0); }
void fake_stub_expect_nak_first(FakeStub *s, const char *r, const char *p) { add(s, ST_EXPECT_NAK, r, p, 0); }
void fake_stub_expect_badsum_reply(FakeStub *s, const char *r, const char *p) { add(s, ST_EXPECT_BADSUM, r, p, 0); }
void fake_stub_send(FakeStub *s, const char *p) { add(s, ST_SEND, NULL, p, 0); }
void fake_stub_raw(FakeStub *s, const char *b) { add(s, ST_RAW, NULL, b, 0); }
void fake_stub_expect_byte(FakeStub *s, char b) { add(s, ST_BYTE, NULL, NULL, b); }
void fake_stub_hangup(FakeStub *s) { add(s, ST_HANGUP, NULL, NULL, 0); }
void fake_stub_no_ack(FakeStub *s) { add(s, ST_NO_ACK, NULL, NULL, 0); }

static gboolean
read_byte(FakeStub *s, char *c)
{
  struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
  if (poll(&pfd, 1, 5000) <= 0)
    return FALSE;
  return read(s->fd, c, 1) == 1;
}

static void
write_all(FakeStub *s, const char *data, gsize len)
{
  while (len > 0) {
    ssize_t n = write(s->fd, data, len);
    if (n <= 0)
      return;
    data += n;
    len -= (gsize)n;
  }
}

static void
send_packet(FakeStub *s, const char *payload, gboolean corrupt)
{
  guint sum = 0;
  for (const char *p = payload; *p; p++)
    sum += (guint8)*p;
  g_autofree char *pkt = g_strdup_printf("$%s#%02x", payload, (sum + (corrupt ? 1 : 0)) & 0xff);
  write_all(s, pkt, strlen(pkt));
}

/* Read one packet, skipping acks; check its checksum. */
static char *
read_packet(FakeStub *s, GString *why)
{
  char c;
  do {
    if (!read_byte(s, &c)) {
      g_string_append(why, "timeout/EOF waiting for a packet");
      return NULL;
    }
    if (s->no_ack && (c == '+' || c == '-')) {
      g_string_append_printf(why, "'%c' received in no-ack mode", c);
      return NULL;
    }
  } while (c != '$');
  GString *p = g_string_new(NULL);
  guint sum = 0;
  for (;;) {
    if (!read_byte(s, &c) || p->len > 100000) {
      g_string_append(why, "truncated packet");
      g_string_free(p, TRUE);
      return NULL;
    }
    if (c == '#')
      break;
    sum += (guint8)c;
    g_string_append_c(p, c);
  }
  char hex[3] = { 0 };
  if (!read_byte(s, &hex[0]) || !read_byte(s, &hex[1]) ||
      strtoul(hex, NULL, 16) != (sum & 0xff)) {
    g_string_append_printf(why, "bad checksum on '%s'", p->str);
    g_string_free(p, TRUE);
    return NULL;
  }
  return g_string_free(p, FALSE);
}

static gboolean
expect_byte(FakeStub *s, char want, GString *why)
{
  char c;
  do {
    if (!read_byte(s, &c)) {
      g_string_append_printf(why, "timeout waiting for byte 0x%02x", (guint8)want);
      return FALSE;
    }
  } while (c != want && !s->no_ack && (c == '+' || c == '-'));
  if (c != want) {
    g_string_append_printf(why, "got byte 0x%02x, want 0x%02x", (guint8)c, (guint8)want);
    return FALSE;
  }
  return TRUE;
}

static gboolean
expect_req(FakeStub *s, const char *want, GString *why)
{
  g_autofree char *got = read_packet(s, why);
  if (!got)
    return FALSE;
  if (g_strcmp0(got, want) != 0) {
    g_string_append_printf(why, "got request '%s', want '%s'", got, want);
    return FALSE;
  }
  return TRUE;
}

static gpointer
run(gpointer data)
{
  FakeStub *s = data;
  g_autoptr(GString) why = g_string_new(NULL);
  for (guint i = 0; i < s->steps->len; i++) {
    Step *st = g_ptr_array_index(s->steps, i);
    gboolean ok = TRUE;
    switch (st->kind) {
    case ST_EXPECT:
    case ST_EXPECT_NAK:
    case ST_EXPECT_BADSUM:
      ok = expect_req(s, st->req, why);
      if (ok && st->kind == ST_EXPECT_NAK) {
        write_all(s, "-", 1);
        ok = expect_req(s, st->req, why);
      }
      if (!ok)
        break;
      if (!s->no_ack)
        write_all(s, "+", 1);
      if (st->kind == ST_EXPECT_BADSUM && st->reply) {
        send_packet(s, st->reply, TRUE);
        ok = expect_byte(s, '-', why);
      }
      if (ok && st->reply)
        send_packet(s, st->reply, FALSE);
      break;
    case ST_EXPECT_NOACK:
      ok = expect_req(s, st->req, why);
      break;
    case ST_SEND:
      send_packet(s, st->reply, FALSE);
      break;
    case ST_RAW:
      write_all(s, st->reply, strlen(st->reply));
      break;
    case ST_BYTE:
      ok = expect_byte(s, st->byte, why);
      break;
    case ST_HANGUP:
      shutdown(s->fd, SHUT_RDWR);
      return NULL;
    case ST_NO_ACK:
      s->no_ack = TRUE;
      break;
    }
    if (!ok) {
      s->failure = g_strdup_printf("step %u: %s", i, why->str);
      break;
    }
  }
  if (!s->failure) {
    /* Until the client closes, only acks may come: anything else is a
     * request the script did not expect. */
    char c;
    while (read_byte(s, &c))
      if (s->no_ack || (c != '+' && c != '-')) {
        g_autofree char *rest = c == '$' ? read_packet(s, why) : NULL;
        s->failure = g_strdup_printf("unexpected after the script: 0x%02x %s", (guint8)c,
                                     rest ? rest : "");
        break;
      }
  }
  return NULL;
}

void
fake_stub_start(FakeStub *s)
{
  s->thread = g_thread_new("fake-stub", run, s);
}

char *
fake_stub_finish(FakeStub *s)
{
  g_thread_join(s->thread);
  close(s->fd);
  char *f = s->failure;
  g_ptr_array_unref(s->steps);
  g_free(s);
  return f;
}

static const char target_xml[] =
  "<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
  "<target><architecture>i386:x86-64</architecture>"
  "<!-- a comment with <reg name=\"bogus\" bitsize=\"64\"/> inside -->"
  "<xi:include href=\"core.xml\"/></target>";

/* The core registers; efer is left out on purpose. */
static const char core_xml_1[] =
  "<?xml version=\"1.0\"?>\n<!-- x86_64 test -->\n<feature name=\"org.gnu.gdb.i386.core\">\n"
  "<reg name=\"rax\" bitsize=\"64\" regnum=\"0\"/><reg name=\"rbx\" bitsize=\"64\"/>"
  "<reg name=\"rcx\" bitsize=\"64\"/><reg name=\"rdx\" bitsize=\"64\"/>"
  "<reg name=\"rsi\" bitsize=\"64\"/><reg name=\"rdi\" bitsize=\"64\"/>"
  "<reg name=\"rbp\" bitsize=\"64\"/><reg name=\"rsp\" bitsize=\"64\"/>";
static const char core_xml_2[] =
  "<reg name=\"r8\" bitsize=\"64\"/><reg name=\"r9\" bitsize=\"64\"/>"
  "<reg name=\"r10\" bitsize=\"64\"/><reg name=\"r11\" bitsize=\"64\"/>"
  "<reg name=\"r12\" bitsize=\"64\"/><reg name=\"r13\" bitsize=\"64\"/>"
  "<reg name=\"r14\" bitsize=\"64\"/><reg name=\"r15\" bitsize=\"64\"/>"
  "<reg name=\"rip\" bitsize=\"64\"/><reg name=\"eflags\" bitsize=\"32\"/>"
  "<reg name=\"cs\" bitsize=\"32\"/><reg name=\"ss\" bitsize=\"32\"/>"
  "<!--reg name=\"cs_base\" bitsize=\"64\"/-->"
  "<reg name=\"fs_base\" bitsize=\"64\"/><reg name=\"gs_base\" bitsize=\"64\"/>"
  "<reg name=\"k_gs_base\" bitsize=\"64\"/><reg name=\"cr0\" bitsize=\"64\"/>"
  "<reg name=\"cr2\" bitsize=\"64\"/><reg name=\"cr3\" bitsize=\"64\"/>"
  "<reg name=\"cr4\" bitsize=\"64\"/></feature>\n";

char *
fake_stub_g_reply(guint64 rip)
{
  /* 17 x 64-bit, 3 x 32-bit, 7 x 64-bit = 204 bytes. */
  guint8 g[204] = { 0 };
  for (guint i = 0; i < 16; i++) {
    guint64 v = 0x1000 * (guint64)(i + 1) + i;
    for (guint b = 0; b < 8; b++)
      g[i * 8 + b] = (guint8)(v >> (8 * b));
  }
  for (guint b = 0; b < 8; b++) {
    g[128 + b] = (guint8)(rip >> (8 * b));
    g[188 + b] = (guint8)(FAKE_CR3 >> (8 * b));  /* cr3: 148 + 5 * 8 */
  }
  g[136] = 0x46;  /* eflags */
  g[140] = 0x10;  /* cs */
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < sizeof g; i++)
    g_string_append_printf(s, "%02x", g[i]);
  return g_string_free(s, FALSE);
}

void
fake_stub_script_connect(FakeStub *s, gboolean phys)
{
  fake_stub_script_connect_full(s, phys, "1000");
}

static void
script_connect(FakeStub *s, gboolean phys, const char *packet_size, gboolean no_ack)
{
  guint64 psize = g_ascii_strtoull(packet_size, NULL, 16);
  /* QEMU announces the stop caused by the connection unasked. */
  fake_stub_send(s, "T02thread:01;");
  g_autofree char *sup = g_strdup_printf(
    "PacketSize=%s;qXfer:features:read+;vContSupported+;multiprocess+%s", packet_size,
    no_ack ? ";QStartNoAckMode+" : "");
  fake_stub_expect(s, "qSupported:multiprocess+;swbreak+;xmlRegisters=i386", sup);
  if (no_ack) {
    fake_stub_expect(s, "QStartNoAckMode", "OK");
    fake_stub_expect_byte(s, '+');   /* the OK is still acknowledged */
    fake_stub_no_ack(s);
  }
  fake_stub_expect(s, "?", "T05thread:p01.01;");
  g_autofree char *t = g_strconcat("l", target_xml, NULL);
  g_autofree char *r0 = g_strdup_printf("qXfer:features:read:target.xml:0,%" G_GINT64_MODIFIER "x", psize - 8);
  g_autofree char *r1 = g_strdup_printf("qXfer:features:read:core.xml:0,%" G_GINT64_MODIFIER "x", psize - 8);
  fake_stub_expect(s, r0, t);
  g_autofree char *c1 = g_strconcat("m", core_xml_1, NULL);
  g_autofree char *c2 = g_strconcat("l", core_xml_2, NULL);
  fake_stub_expect(s, r1, c1);
  g_autofree char *req2 = g_strdup_printf("qXfer:features:read:core.xml:%zx,%" G_GINT64_MODIFIER "x",
                                          strlen(core_xml_1), psize - 8);
  fake_stub_expect(s, req2, c2);
  fake_stub_expect(s, "qfThreadInfo", "mp01.01,p01.02");
  fake_stub_expect(s, "qsThreadInfo", "l");
  if (phys)
    fake_stub_expect(s, "Qqemu.PhyMemMode:1", "OK");
}

void
fake_stub_script_connect_full(FakeStub *s, gboolean phys, const char *packet_size)
{
  script_connect(s, phys, packet_size, FALSE);
}

void
fake_stub_script_connect_no_ack(FakeStub *s)
{
  script_connect(s, TRUE, "1000", TRUE);
}

void
fake_stub_script_pause(FakeStub *s, const char *thread, guint64 rip)
{
  g_autofree char *stop = g_strdup_printf("T02thread:%s;", thread);
  g_autofree char *hg = g_strdup_printf("Hg%s", thread);
  g_autofree char *g = fake_stub_g_reply(rip);
  fake_stub_expect_byte(s, 0x03);
  fake_stub_send(s, stop);
  fake_stub_expect(s, hg, "OK");
  fake_stub_expect(s, "g", g);
}

void
fake_stub_script_detach(FakeStub *s)
{
  fake_stub_expect(s, "Qqemu.PhyMemMode:0", "OK");
  fake_stub_expect(s, "D;1", "OK");
}

void
fake_stub_assert_done(FakeStub *s)
{
  g_autofree char *fail = fake_stub_finish(s);
  if (fail)
    g_test_message("fake stub: %s", fail);
  g_assert_null(fail);
}

GtDriver *
fake_stub_open_driver(int client_fd, const GtDriverOptions *opts)
{
  g_autoptr(GError) err = NULL;
  GtDriver *d = gt_qemu_driver_open_fd(client_fd, opts, &err);
  g_assert_no_error(err);
  g_assert_nonnull(d);
  return d;
}
