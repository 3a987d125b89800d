/* guestkit: receives the guest's /proc/kallsyms dump from ttyS1
 * (kallsyms.serial: "GK-KALLSYMS-GZ <n>\n", n bytes of gzip,
 * "GK-KALLSYMS-END\n", see init) and writes it out as kallsyms.txt. The
 * gzip framing exists because the emulated UART moves only ~360 KB/s. */
#include "gk-private.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#define GK_KALLSYMS_TIMEOUT_S 120
#define GK_KALLSYMS_MAX_GZ (64u << 20)
#define HDR "GK-KALLSYMS-GZ "
#define END "GK-KALLSYMS-END\n"

/* TRUE with gz and gz_len set when the dump is complete; FALSE if not yet;
 * error if the framing is broken. */
static gboolean parse_dump(const char *data, gsize len, const char **gz, gsize *gz_len,
                           GError **error)
{
  const char *nl = memchr(data, '\n', MIN(len, 64));
  if (!nl) {
    if (len >= 64)
      goto bad;
    return FALSE;
  }
  if (strncmp(data, HDR, strlen(HDR)) != 0)
    goto bad;
  char *end = NULL;
  guint64 n = g_ascii_strtoull(data + strlen(HDR), &end, 10);
  if (end != nl || n == 0 || n > GK_KALLSYMS_MAX_GZ)
    goto bad;
  gsize start = (gsize)(nl + 1 - data);
  if (len < start + n + strlen(END))
    return FALSE;
  if (memcmp(data + start + n, END, strlen(END)) != 0)
    goto bad;
  *gz = data + start;
  *gz_len = n;
  return TRUE;
bad:
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "malformed kallsyms dump");
  return FALSE;
}

static gboolean gunzip_to(const char *gz, gsize len, const char *path, GError **error)
{
  g_autoptr(GZlibDecompressor) dec = g_zlib_decompressor_new(G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  g_autoptr(GInputStream) raw = g_memory_input_stream_new_from_data(gz, (gssize)len, NULL);
  g_autoptr(GInputStream) in = g_converter_input_stream_new(raw, G_CONVERTER(dec));
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable();
  if (g_output_stream_splice(out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE |
                             G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, error) < 0)
    return FALSE;
  GMemoryOutputStream *m = G_MEMORY_OUTPUT_STREAM(out);
  return g_file_set_contents(path, g_memory_output_stream_get_data(m),
                             (gssize)g_memory_output_stream_get_data_size(m), error);
}

char *gk_guest_kallsyms_path(GkGuest *g, GError **error)
{
  g_autofree char *txt = g_build_filename(g->dir, "kallsyms.txt", NULL);
  if (g->kallsyms_done)
    return g_steal_pointer(&txt);
  g_autofree char *serial = g_build_filename(g->dir, "kallsyms.serial", NULL);
  gint64 end = g_get_monotonic_time() + (gint64)GK_KALLSYMS_TIMEOUT_S * G_USEC_PER_SEC;
  for (;;) {
    gboolean gone = gk_guest_check_exited(g);
    g_autofree char *data = NULL;
    gsize len = 0;
    const char *gz = NULL;
    gsize gz_len = 0;
    if (g_file_get_contents(serial, &data, &len, NULL)) {
      g_autoptr(GError) perr = NULL;
      if (parse_dump(data, len, &gz, &gz_len, &perr)) {
        if (!gunzip_to(gz, gz_len, txt, error))
          return NULL;
        g->kallsyms_done = TRUE;
        /* When QEMU wrote the last byte, not when we looked. */
        GStatBuf st;
        if (g_stat(serial, &st) == 0)
          g->kallsyms_s = (st.st_mtim.tv_sec * 1e6 + st.st_mtim.tv_nsec / 1e3 -
                           (double)g->t_start_wall) / 1e6;
        return g_steal_pointer(&txt);
      }
      if (perr) {
        g_propagate_error(error, g_steal_pointer(&perr));
        return NULL;
      }
    }
    if (gone) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_CLOSED,
                  "QEMU exited before the kallsyms dump was complete");
      return NULL;
    }
    if (g_get_monotonic_time() > end) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                  "kallsyms dump incomplete after %d s", GK_KALLSYMS_TIMEOUT_S);
      return NULL;
    }
    g_usleep(5 * GK_POLL_US);
  }
}

double gk_guest_kallsyms_seconds(GkGuest *g) { return g->kallsyms_s; }
