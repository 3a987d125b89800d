/* HTTP transport: one POST per event with a reused libcurl easy handle
 * (keep-alive), bounded timeouts, cancellable through the progress
 * callback. */
#include "output/events/event-transports.h"

#include <guestrace/types.h>
#include <curl/curl.h>
#include <string.h>

typedef struct {
  CURL *curl;
  char *url;
  struct curl_slist *headers;
  gboolean down;   /* for messages on state changes only */
} HttpImpl;

static gsize
discard_body(char *ptr, gsize size, gsize nmemb, void *data)
{
  return size * nmemb;
}

static int
progress_cb(void *data, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
  return g_atomic_int_get((const gint *)data) ? 1 : 0;
}

static void
set_down(HttpImpl *h, gboolean down, const char *why)
{
  if (down && !h->down)
    g_message("events (http): %s: %s; spooling and retrying", h->url, why);
  else if (!down && h->down)
    g_message("events (http): %s: delivering again", h->url);
  h->down = down;
}

static guint
http_deliver(gpointer impl, char *const *lines, guint n, const gint *cancel)
{
  HttpImpl *h = impl;
  curl_easy_setopt(h->curl, CURLOPT_XFERINFODATA, (void *)cancel);
  guint done = 0;
  for (; done < n; done++) {
    if (g_atomic_int_get(cancel))
      break;
    const char *tab = strchr(lines[done], '\t');
    const char *payload = tab ? tab + 1 : lines[done];
    curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, payload);
    curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(payload));
    CURLcode rc = curl_easy_perform(h->curl);
    if (rc != CURLE_OK) {
      set_down(h, TRUE, curl_easy_strerror(rc));
      break;
    }
    long code = 0;
    curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &code);
    if (code >= 400 && code < 500 && code != 408 && code != 429) {
      g_message("events (http): %s refused an event (HTTP %ld); dropped", h->url, code);
      continue;
    }
    if (code < 200 || code >= 300) {
      g_autofree char *why = g_strdup_printf("HTTP %ld", code);
      set_down(h, TRUE, why);
      break;
    }
    set_down(h, FALSE, NULL);
  }
  return done;
}

static void
http_destroy(gpointer impl)
{
  HttpImpl *h = impl;
  if (h->curl)
    curl_easy_cleanup(h->curl);
  curl_slist_free_all(h->headers);
  g_free(h->url);
  g_free(h);
}

gboolean
gt_http_transport_init(GtEventTransport *out, const char *url, const char *content_type,
                       GError **error)
{
  static gsize inited;
  if (g_once_init_enter(&inited)) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    g_once_init_leave(&inited, 1);
  }
  if (!g_str_has_prefix(url, "http://") && !g_str_has_prefix(url, "https://")) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG,
                "event server URL %s: only http:// and https:// are supported", url);
    return FALSE;
  }
  HttpImpl *h = g_new0(HttpImpl, 1);
  h->url = g_strdup(url);
  h->curl = curl_easy_init();
  if (!h->curl) {
    http_destroy(h);
    g_set_error(error, GT_ERROR, GT_ERROR_FAILED, "libcurl: cannot create a handle");
    return FALSE;
  }
  g_autofree char *ct = g_strdup_printf("Content-Type: %s", content_type);
  h->headers = curl_slist_append(h->headers, ct);
  h->headers = curl_slist_append(h->headers, "Expect:");
  CURL *c = h->curl;
  curl_easy_setopt(c, CURLOPT_URL, h->url);
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h->headers);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 3000L);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress_cb);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard_body);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "guestrace");
  *out = (GtEventTransport){
    .name = "http",
    .max_batch = 64,
    .deliver = http_deliver,
    .destroy = http_destroy,
    .impl = h,
  };
  return TRUE;
}
