/* Fuzz target: the config language (`guestrace -c FILE`), with its filter
 * regexes. A config is user input, not guest input, but it must only ever
 * be refused with an error; a parsed one is then matched against a call
 * whose strings are as hostile as a guest makes them. */
#include "fuzz-common.h"

#include "policy/config.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  /* The first part is the config, the second the strings of a call. */
  g_auto(GStrv) parts = gt_fuzz_split(data, size, 2, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GtConfig) c = gt_config_parse(parts[0], "fuzz.conf", &error);
  g_assert((c == NULL) == (error != NULL));
  if (!c)
    return 0;
  const char *text = parts[1] ? parts[1] : "";
  static const char *const arg_names[] = { "dfd", "filename", "flags", "mode" };
  const char *arg_texts[] = { "AT_FDCWD", text, "O_RDONLY", text };
  const guint64 arg_values[] = { (guint64)-100, 0x7ffd0000, 0, 0644 };
  static const gint32 ancestor_pids[] = { 1, 1 };
  const char *ancestor_names[] = { text, "init" };
  GtPolicyCall call = {
    .function = "openat", .pid = 42, .ppid = 1, .uid = 1000, .gid = 1000,
    .comm = text, .ancestor_pids = ancestor_pids, .ancestor_names = ancestor_names,
    .n_ancestors = 2, .nargs = 4, .arg_names = arg_names, .arg_values = arg_values,
    .arg_texts = arg_texts,
  };
  GtVerdict v;
  gt_config_match(c, &call, &v);
  call.post = TRUE;
  call.has_result = TRUE;
  call.result = -2;
  gt_config_match(c, &call, &v);
  for (guint i = 0; i < gt_config_n_filters(c); i++) {
    const GtFilter *f = gt_config_filter(c, i);
    g_free(gt_filter_render_call(f, &call));
    gt_filter_describe(f);
  }
  gt_config_traces(c, "openat");
  gt_config_needs_post(c, "openat");
  return 0;
}
