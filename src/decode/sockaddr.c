/* Socket addresses, rendered like strace. */
#include "decode/decode.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <string.h>

char *
gt_decode_sockaddr(const guint8 *data, gsize len)
{
  if (len < sizeof(sa_family_t))
    return g_strdup("{...}");
  sa_family_t family;
  memcpy(&family, data, sizeof family);
  char buf[INET6_ADDRSTRLEN];
  if (family == AF_INET && len >= sizeof(struct sockaddr_in)) {
    struct sockaddr_in in;
    memcpy(&in, data, sizeof in);
    inet_ntop(AF_INET, &in.sin_addr, buf, sizeof buf);
    return g_strdup_printf("{sa_family=AF_INET, sin_port=htons(%u), sin_addr=inet_addr(\"%s\")}",
                           ntohs(in.sin_port), buf);
  }
  if (family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
    struct sockaddr_in6 in6;
    memcpy(&in6, data, sizeof in6);
    inet_ntop(AF_INET6, &in6.sin6_addr, buf, sizeof buf);
    return g_strdup_printf("{sa_family=AF_INET6, sin6_port=htons(%u), sin6_addr=\"%s\"}",
                           ntohs(in6.sin6_port), buf);
  }
  if (family == AF_UNIX) {
    gsize plen = len - offsetof(struct sockaddr_un, sun_path);
    const char *path = (const char *)data + offsetof(struct sockaddr_un, sun_path);
    if (plen > 0 && path[0] == '\0') {
      g_autofree char *q = gt_quote_bytes(path + 1, plen - 1, 108, FALSE);
      return g_strdup_printf("{sa_family=AF_UNIX, sun_path=@%s}", q);
    }
    gsize n = strnlen(path, plen);
    g_autofree char *q = gt_quote_bytes(path, n, 108, FALSE);
    return g_strdup_printf("{sa_family=AF_UNIX, sun_path=%s}", q);
  }
  return g_strdup_printf("{sa_family=%u, ...}", family);
}
