/* End to end: `guestrace ps` on a real guest (KASLR on, two vCPUs) matches
 * what the guest's own /proc said in the same boot, with a link-time
 * System.map, with the guest's runtime kallsyms dump and with no map (symbols
 * from guest memory); and the guest keeps
 * running afterwards. */
#include "e2e-util.h"

#include <string.h>

/* map NULL: symbols from guest memory. */
static char *
run_ps(GkGuest *g, const char *map)
{
  const char *argv[] = { e2e_guestrace_path(), "ps", "--json", "--mem", gk_guest_mem_path(g),
                         gk_guest_spec(g), map ? "-m" : NULL, map, NULL };
  g_autofree char *out = NULL, *err = NULL;
  int status = 0;
  g_autoptr(GError) error = NULL;
  g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                             &err, &status, &error));
  g_assert_no_error(error);
  if (!g_spawn_check_wait_status(status, NULL))
    g_error("guestrace ps failed: %s", err);
  return g_steal_pointer(&out);
}

static char *
proc_key(JsonObject *o)
{
  return g_strdup_printf("%" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT
                         " %" G_GINT64_FORMAT " %s",
                         json_object_get_int_member(o, "pid"),
                         json_object_get_int_member(o, "ppid"),
                         json_object_get_int_member(o, "uid"),
                         json_object_get_int_member(o, "gid"),
                         json_object_get_string_member(o, "comm"));
}

/* Every process the guest listed (but the lister itself, gone by now) is in
 * guestrace's list with the same pid, ppid, uid, gid and name. */
static void
compare(GPtrArray *guest, const char *ps_json)
{
  g_autoptr(GPtrArray) ours = e2e_parse_json_lines(ps_json, NULL);
  g_autoptr(GHashTable) have = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < ours->len; i++)
    g_hash_table_add(have, proc_key(ours->pdata[i]));
  guint checked = 0;
  g_autoptr(GPtrArray) procs = e2e_parse_json_lines_array(guest);
  /* The lister is gone by now, and its shell has exec'ed `sleep`. */
  gint64 lister_parent = -1;
  for (guint i = 0; i < procs->len; i++)
    if (!g_strcmp0(json_object_get_string_member(procs->pdata[i], "comm"), "gtw-pslist"))
      lister_parent = json_object_get_int_member(procs->pdata[i], "ppid");
  for (guint i = 0; i < procs->len; i++) {
    JsonObject *o = procs->pdata[i];
    if (!g_strcmp0(json_object_get_string_member(o, "comm"), "gtw-pslist") ||
        json_object_get_int_member(o, "pid") == lister_parent)
      continue;
    g_autofree char *k = proc_key(o);
    if (!g_hash_table_contains(have, k)) {
      g_test_message("guest listed '%s', guestrace did not", k);
      g_test_fail();
    }
    checked++;
  }
  g_test_message("%u processes checked, guestrace listed %u", checked, ours->len);
  g_assert_cmpuint(checked, >, 20);
  /* pid 0 is listed too. */
  g_assert_true(g_str_has_prefix(ps_json, "{\"pid\":0,"));
}

static void
test_ps(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GkGuest) g = e2e_boot();
  g_autofree char *kallsyms = gk_guest_kallsyms_path(g, &error);
  g_assert_no_error(error);
  g_assert_true(gk_guest_run(g, "gtw-pslist; sleep 30", &error));
  g_assert_true(gk_guest_wait_console(g, "GTPS", 60, &error));
  g_usleep(2 * G_USEC_PER_SEC);
  g_autoptr(GPtrArray) guest = gk_guest_workload_log(g, "GTPS ");

  g_autofree char *sysmap = gk_image_sysmap_path();
  g_autofree char *with_map = run_ps(g, sysmap);
  compare(guest, with_map);
  g_autofree char *with_kallsyms = run_ps(g, kallsyms);
  g_assert_cmpstr(with_kallsyms, ==, with_map);
  /* No map at all: the kernel's own kallsyms, read from its memory. */
  g_autofree char *from_memory = run_ps(g, NULL);
  g_assert_cmpstr(from_memory, ==, with_map);

  /* The guest still runs: its console keeps going after we detached. */
  g_assert_cmpint(gk_guest_run_rc(g), ==, -1);
  g_assert_true(gk_guest_wait_console(g, "GK-RUN-END rc=0", 120, &error));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/ps/matches-guest", test_ps);
  return g_test_run();
}
