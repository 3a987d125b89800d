/* QMP client: line-delimited JSON, every message bounded in size, every
 * wait bounded in time. */
#include "driver/qemu/qmp.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <json-glib/json-glib.h>
#include <guestrace/types.h>

#define MAX_MESSAGE (4u * 1024u * 1024u)
#define MAX_EVENTS_SKIPPED 10000u

struct GtQmp {
  int fd;
  int timeout_ms;
  pid_t pid;
  char *version;
  GString *in;      /* received bytes not yet consumed */
};

int
gt_unix_connect(const char *path, const char *what, GError **error)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  if (strlen(path) >= sizeof sa.sun_path) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG, "socket path too long: %s", path);
    return -1;
  }
  strcpy(sa.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
    g_set_error(error, GT_ERROR, GT_ERROR_CONNECT, "cannot connect to %s%s: %s", what, path,
                g_strerror(errno));
    if (fd >= 0)
      close(fd);
    return -1;
  }
  return fd;
}

/* One line (without its newline) from the socket. */
static char *
read_line(GtQmp *q, GError **error)
{
  gint64 deadline = g_get_monotonic_time() + (gint64)q->timeout_ms * 1000;
  for (;;) {
    char *nl = memchr(q->in->str, '\n', q->in->len);
    if (nl) {
      char *line = g_strndup(q->in->str, nl - q->in->str);
      g_string_erase(q->in, 0, nl - q->in->str + 1);
      return line;
    }
    if (q->in->len > MAX_MESSAGE) {
      g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL, "QMP message larger than 4 MiB");
      return NULL;
    }
    gint64 left = (deadline - g_get_monotonic_time()) / 1000;
    struct pollfd p = { .fd = q->fd, .events = POLLIN };
    int r = left > 0 ? poll(&p, 1, (int)left) : 0;
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0) {
      g_set_error(error, GT_ERROR, r == 0 ? GT_ERROR_TIMEOUT : GT_ERROR_CONNECT,
                  "QMP: %s", r == 0 ? "no answer in time" : g_strerror(errno));
      return NULL;
    }
    char buf[65536];
    ssize_t n = read(q->fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      g_set_error(error, GT_ERROR, GT_ERROR_CONNECT, "QMP connection closed");
      return NULL;
    }
    g_string_append_len(q->in, buf, n);
  }
}

/* The next message that is not an event, as a JSON object. */
static JsonNode *
read_message(GtQmp *q, GError **error)
{
  for (guint skipped = 0; skipped < MAX_EVENTS_SKIPPED; skipped++) {
    g_autofree char *line = read_line(q, error);
    if (!line)
      return NULL;
    g_autoptr(JsonParser) p = json_parser_new();
    if (!json_parser_load_from_data(p, line, -1, NULL) ||
        !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p))) {
      g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL, "QMP: not a JSON object: %.40s", line);
      return NULL;
    }
    if (!json_object_has_member(json_node_get_object(json_parser_get_root(p)), "event"))
      return json_parser_steal_root(p);
  }
  g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL, "QMP: endless events");
  return NULL;
}

static gboolean
send_all(GtQmp *q, const char *s, GError **error)
{
  gsize len = strlen(s);
  while (len > 0) {
    ssize_t n = send(q->fd, s, len, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      g_set_error(error, GT_ERROR, GT_ERROR_CONNECT, "QMP: %s", g_strerror(errno));
      return FALSE;
    }
    s += n;
    len -= (gsize)n;
  }
  return TRUE;
}

/* Sends one command; returns its "return" member. */
static JsonNode *
execute(GtQmp *q, JsonNode *cmd, GError **error)
{
  g_autofree char *text = json_to_string(cmd, FALSE);
  g_autofree char *line = g_strconcat(text, "\n", NULL);
  if (!send_all(q, line, error))
    return NULL;
  g_autoptr(JsonNode) reply = read_message(q, error);
  if (!reply)
    return NULL;
  JsonObject *o = json_node_get_object(reply);
  if (json_object_has_member(o, "error")) {
    JsonNode *e = json_object_get_member(o, "error");
    const char *desc = JSON_NODE_HOLDS_OBJECT(e)
      ? json_object_get_string_member_with_default(json_node_get_object(e), "desc", "?") : "?";
    g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL, "QMP error: %s", desc);
    return NULL;
  }
  if (!json_object_has_member(o, "return")) {
    g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL, "QMP: reply without return");
    return NULL;
  }
  return json_node_copy(json_object_get_member(o, "return"));
}

/* {"QMP": {"version": {"qemu": {"major": M, "minor": N, "micro": U}, ...}}} */
static gboolean
check_greeting(GtQmp *q, const char *path, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(JsonNode) g = read_message(q, &local);
  JsonObject *o = g ? json_node_get_object(g) : NULL;
  JsonObject *qmp = o ? json_object_get_object_member(o, "QMP") : NULL;
  JsonObject *ver = qmp ? json_object_get_object_member(qmp, "version") : NULL;
  JsonObject *qemu = ver ? json_object_get_object_member(ver, "qemu") : NULL;
  if (!qemu) {
    g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL,
                "%s is not a QEMU QMP socket (%s)", path,
                local ? local->message : "no QMP greeting");
    return FALSE;
  }
  q->version = g_strdup_printf("%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT,
                               json_object_get_int_member_with_default(qemu, "major", 0),
                               json_object_get_int_member_with_default(qemu, "minor", 0),
                               json_object_get_int_member_with_default(qemu, "micro", 0));
  return TRUE;
}

GtQmp *
gt_qmp_connect(const char *path, int timeout_ms, GError **error)
{
  int fd = gt_unix_connect(path, "", error);
  if (fd < 0)
    return NULL;
  g_autoptr(GtQmp) q = g_new0(GtQmp, 1);
  q->fd = fd;
  q->timeout_ms = timeout_ms > 0 ? timeout_ms : 5000;
  q->in = g_string_new(NULL);
  struct ucred cred;
  socklen_t cl = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) == 0)
    q->pid = cred.pid;
  if (!check_greeting(q, path, error))
    return NULL;
  g_autoptr(JsonNode) cmd = json_from_string("{\"execute\":\"qmp_capabilities\"}", NULL);
  g_autoptr(JsonNode) r = execute(q, cmd, error);
  if (!r) {
    g_prefix_error(error, "%s: ", path);
    return NULL;
  }
  return g_steal_pointer(&q);
}

void
gt_qmp_free(GtQmp *q)
{
  if (!q)
    return;
  if (q->fd >= 0)
    close(q->fd);
  if (q->in)
    g_string_free(q->in, TRUE);
  g_free(q->version);
  g_free(q);
}

pid_t gt_qmp_peer_pid(const GtQmp *q) { return q->pid; }
const char *gt_qmp_qemu_version(const GtQmp *q) { return q->version; }

gboolean
gt_qmp_hmp(GtQmp *q, const char *cmdline, char **output, GError **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "execute");
  json_builder_add_string_value(b, "human-monitor-command");
  json_builder_set_member_name(b, "arguments");
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "command-line");
  json_builder_add_string_value(b, cmdline);
  json_builder_end_object(b);
  json_builder_end_object(b);
  g_autoptr(JsonNode) cmd = json_builder_get_root(b);
  g_autoptr(JsonNode) r = execute(q, cmd, error);
  if (!r)
    return FALSE;
  if (!JSON_NODE_HOLDS_VALUE(r) || json_node_get_value_type(r) != G_TYPE_STRING) {
    g_set_error(error, GT_ERROR, GT_ERROR_PROTOCOL, "QMP: '%s' returned no text", cmdline);
    return FALSE;
  }
  if (output)
    *output = g_strdup(json_node_get_string(r));
  return TRUE;
}
