/* Decoders of process calls: execve, clone, clone3, exit, uname, rlimits,
 * prctl, arch_prctl, priorities and the start-up calls of every program
 * (set_tid_address, set_robust_list, rseq). */
#include "decode/decode-private.h"
#include "decode/families.h"

#include <string.h>

static gboolean
read_ptr(const GtDc *c, guint64 va, guint64 *out)
{
  return dc_read(c, va, out, sizeof *out);
}

/* argv as ["a", "b"]; envp as 0x... followed by a comment with the count. */
static void
string_array(GtDc *c, guint i, gboolean envp)
{
  GtRecordArg *a = &c->rec->args[i];
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func(g_free);
  gboolean complete = FALSE;
  dc_hex(c, i);
  if (!a->value)
    return;
  for (guint k = 0; k < GT_DECODE_ARGV_MAX; k++) {
    guint64 p;
    if (!read_ptr(c, a->value + 8 * k, &p))
      break;
    if (!p) {
      complete = TRUE;
      break;
    }
    if (envp && !dc_opt(c)->envp_strings) {
      /* Only the count is shown: the strings are not read. */
      g_ptr_array_add(items, g_strdup(""));
      continue;
    }
    gboolean trunc = FALSE;
    char *s = c->rd->read_string(c->rd->ctx, p, GT_DECODE_STRING_MAX, &trunc);
    if (!s)
      break;
    g_ptr_array_add(items, s);
  }
  if (!complete && items->len == 0)
    return;
  if (envp) {
    dc_set(c, i, g_strdup_printf("%#" G_GINT64_MODIFIER "x /* %u var%s%s */", a->value,
                                 items->len, items->len == 1 ? "" : "s",
                                 complete ? "" : " (truncated)"), NULL);
    if (!dc_opt(c)->envp_strings)
      return;
  } else {
    GString *s = g_string_new("[");
    for (guint k = 0; k < items->len; k++) {
      const char *item = g_ptr_array_index(items, k);
      g_autofree char *q = dc_quote(c, (const guint8 *)item, strlen(item), FALSE);
      g_string_append_printf(s, "%s%s", k ? ", " : "", q);
    }
    g_string_append(s, complete ? "]" : ", ...]");
    dc_set(c, i, g_string_free(s, FALSE), NULL);
  }
  g_ptr_array_add(items, NULL);
  a->strv = (char **)g_ptr_array_free(g_steal_pointer(&items), FALSE);
}

void
gt_dec_execve(GtDc *c)
{
  if (c->exiting)
    return;
  dc_path(c, 0);
  string_array(c, 1, FALSE);
  string_array(c, 2, TRUE);
}

void
gt_dec_execveat(GtDc *c)
{
  if (c->exiting)
    return;
  dc_dirfd(c, 0);
  dc_path(c, 1);
  string_array(c, 2, FALSE);
  string_array(c, 3, TRUE);
  dc_flags(c, 4, &gt_xlat_at_flags, "0");
}

static guint64
clone_flag(const char *name)
{
  return gt_xlat_bits(&gt_xlat_clone_flags, name);
}

/* clone(flags, newsp, parent_tid, child_tid, tls) is printed as strace
 * does, with names and in its order: child_stack, flags, then parent_tid,
 * tls and child_tidptr when the flags use them. The whole text sits on the
 * first argument; the others are hidden. */
void
gt_dec_clone(GtDc *c)
{
  guint64 flags = dc_arg(c, 0);
  guint64 parent_tid = clone_flag("CLONE_PARENT_SETTID") | clone_flag("CLONE_PIDFD");
  /* At the return only parent_tid changes what is shown. */
  if (c->exiting && !(flags & parent_tid))
    return;
  GString *s = g_string_new("child_stack=");
  g_string_append_printf(s, dc_arg(c, 1) ? "%#" G_GINT64_MODIFIER "x" : "NULL", dc_arg(c, 1));
  g_string_append(s, ", flags=");
  if (flags & ~0xffULL)
    gt_xlat_print_flags(s, &gt_xlat_clone_flags, flags & ~0xffULL, NULL);
  if (flags & 0xff) {
    if (flags & ~0xffULL)
      g_string_append_c(s, '|');
    dc_append_signal(s, flags & 0xff);
  } else if (!(flags & ~0xffULL)) {
    g_string_append_c(s, '0');
  }
  if (flags & parent_tid) {
    gint32 tid;
    if (c->exiting && dc_ok(c) && dc_read(c, dc_arg(c, 2), &tid, sizeof tid))
      g_string_append_printf(s, ", parent_tid=[%d]", tid);
    else
      g_string_append_printf(s, ", parent_tid=%#" G_GINT64_MODIFIER "x", dc_arg(c, 2));
  }
  if (flags & clone_flag("CLONE_SETTLS"))
    g_string_append_printf(s, ", tls=%#" G_GINT64_MODIFIER "x", dc_arg(c, 4));
  if (flags & (clone_flag("CLONE_CHILD_SETTID") | clone_flag("CLONE_CHILD_CLEARTID")))
    g_string_append_printf(s, ", child_tidptr=%#" G_GINT64_MODIFIER "x", dc_arg(c, 3));
  GtRecordArg *a = &c->rec->args[0];
  a->is_signed = FALSE;
  a->svalue = (gint64)flags;
  JsonNode *j = gt_xlat_flags_json(&gt_xlat_clone_flags, flags & ~0xffULL);
  if (flags & 0xff) {
    const char *n = gt_signal_name((int)(flags & 0xff));
    json_array_add_string_element(json_node_get_array(j), n ? n : "?");
  }
  if (c->exiting) {
    json_node_unref(j);
    j = NULL;
  }
  dc_set(c, 0, g_string_free(s, FALSE), j);
  for (guint k = 1; k < c->rec->nargs; k++)
    dc_hide(c, k);
}

/* uname: strace shows the first two fields and "...". */
void
gt_dec_uname(GtDc *c)
{
  GtStructView v;
  if (!c->exiting) {
    dc_hex(c, 0);
    return;
  }
  if (!dc_ok(c) || !dc_struct_read(c, "new_utsname", dc_arg(c, 0), &v))
    return;
  static const char *const fields[] = { "sysname", "nodename", "release", "version",
                                        "machine", "domainname" };
  GString *s = g_string_new("{");
  JsonObject *o = json_object_new();
  for (guint k = 0; k < G_N_ELEMENTS(fields); k++) {
    guint len;
    const guint8 *b = sv_bytes(&v, fields[k], &len);
    if (!b)
      continue;
    gsize n = strnlen((const char *)b, len);
    g_autofree char *str = g_strndup((const char *)b, n);
    json_object_set_string_member(o, fields[k], str);
    if (k < 2) {
      g_autofree char *q = dc_quote(c, (const guint8 *)str, n, FALSE);
      g_string_append_printf(s, "%s%s=%s", k ? ", " : "", fields[k], q);
    }
  }
  g_string_append(s, ", ...}");
  JsonNode *n = json_node_new(JSON_NODE_OBJECT);
  json_node_take_object(n, o);
  dc_set(c, 0, g_string_free(s, FALSE), n);
}

/* strace's rlimit numbers: RLIM64_INFINITY, N*1024 for multiples of 1024. */
static void
rlim_value(GString *s, guint64 v)
{
  if (v == G_MAXUINT64)
    g_string_append(s, "RLIM64_INFINITY");
  else if (v > 1024 && v % 1024 == 0)
    g_string_append_printf(s, "%" G_GUINT64_FORMAT "*1024", v / 1024);
  else
    g_string_append_printf(s, "%" G_GUINT64_FORMAT, v);
}

static gboolean
rlimit_text(GtDc *c, guint64 va, G_GNUC_UNUSED gint64 unused, GString *s, JsonNode **json)
{
  GtStructView v;
  guint64 cur, max;
  if (!dc_struct_read(c, "rlimit64", va, &v) && !dc_struct_read(c, "rlimit", va, &v))
    return FALSE;
  if (!sv_get(&v, "rlim_cur", FALSE, &cur) || !sv_get(&v, "rlim_max", FALSE, &max))
    return FALSE;
  g_string_append(s, "{rlim_cur=");
  rlim_value(s, cur);
  g_string_append(s, ", rlim_max=");
  rlim_value(s, max);
  g_string_append_c(s, '}');
  JsonObject *o = json_object_new();
  json_object_set_int_member(o, "rlim_cur", (gint64)cur);
  json_object_set_int_member(o, "rlim_max", (gint64)max);
  *json = json_node_new(JSON_NODE_OBJECT);
  json_node_take_object(*json, o);
  return TRUE;
}

static void
rlimit_arg(GtDc *c, guint i)
{
  dc_pointee(c, i, rlimit_text, 0);
}

void
gt_dec_prlimit64(GtDc *c)
{
  if (!c->exiting) {
    dc_int(c, 0);
    dc_xval(c, 1, &gt_xlat_rlimit_resources, "RLIMIT_???");
    rlimit_arg(c, 2);
    dc_hex(c, 3);
  } else {
    rlimit_arg(c, 3);
  }
}

void
gt_dec_getrlimit(GtDc *c)
{
  if (!c->exiting) {
    dc_xval(c, 0, &gt_xlat_rlimit_resources, "RLIMIT_???");
    dc_hex(c, 1);
  } else {
    rlimit_arg(c, 1);
  }
}

void
gt_dec_setrlimit(GtDc *c)
{
  if (c->exiting)
    return;
  dc_xval(c, 0, &gt_xlat_rlimit_resources, "RLIMIT_???");
  rlimit_arg(c, 1);
}

/* PR_GET_DUMPABLE's values: SUID_DUMP_* of include/linux/sched/coredump.h,
 * which is not UAPI (hand-copied facts). */
static const char *const suid_dump[] = { "SUID_DUMP_DISABLE", "SUID_DUMP_USER", "SUID_DUMP_ROOT" };

/* prctl: strace prints only the arguments an option uses. */
void
gt_dec_prctl(GtDc *c)
{
  const char *op = gt_xlat_name(&gt_xlat_prctl_options, (guint32)dc_arg(c, 0));
  guint used = 5;
  if (!c->exiting) {
    dc_xval(c, 0, &gt_xlat_prctl_options, "PR_???");
    for (guint k = 1; k < c->rec->nargs; k++)
      dc_hex(c, k);
    if (!g_strcmp0(op, "PR_SET_NAME")) {
      dc_cstr(c, 1);
      used = 2;
    } else if (!g_strcmp0(op, "PR_GET_NAME")) {
      used = 2;
    } else if (!g_strcmp0(op, "PR_GET_DUMPABLE") || !g_strcmp0(op, "PR_GET_KEEPCAPS") ||
               !g_strcmp0(op, "PR_GET_NO_NEW_PRIVS") || !g_strcmp0(op, "PR_GET_SECCOMP") ||
               !g_strcmp0(op, "PR_GET_TIMERSLACK") || !g_strcmp0(op, "PR_GET_THP_DISABLE") ||
               !g_strcmp0(op, "PR_GET_SECUREBITS")) {
      used = 1;
    } else if (!g_strcmp0(op, "PR_SET_PDEATHSIG")) {
      dc_signal(c, 1);
      used = 2;
    } else if (!g_strcmp0(op, "PR_SET_DUMPABLE")) {
      guint64 v = dc_arg(c, 1);
      dc_set(c, 1, v < G_N_ELEMENTS(suid_dump) ? g_strdup(suid_dump[v])
                                               : g_strdup_printf("%#" G_GINT64_MODIFIER "x", v),
             NULL);
      used = 2;
    } else if (!g_strcmp0(op, "PR_SET_NO_NEW_PRIVS") || !g_strcmp0(op, "PR_SET_KEEPCAPS") ||
               !g_strcmp0(op, "PR_SET_CHILD_SUBREAPER")) {
      for (guint k = 1; k < c->rec->nargs; k++)
        dc_ulong(c, k);
    }
    for (guint k = used; k < c->rec->nargs; k++)
      dc_hide(c, k);
    return;
  }
  if (!dc_ok(c))
    return;
  if (!g_strcmp0(op, "PR_GET_NAME"))
    dc_cstr(c, 1);
  else if (!g_strcmp0(op, "PR_GET_DUMPABLE") && c->rec->result < (gint64)G_N_ELEMENTS(suid_dump))
    dc_result(c, g_strdup_printf("%" G_GINT64_FORMAT " (%s)", c->rec->result,
                                 suid_dump[c->rec->result]),
              dc_json_str(suid_dump[c->rec->result]));
}

void
gt_dec_arch_prctl(GtDc *c)
{
  const char *op = gt_xlat_name(&gt_xlat_arch_prctl_codes, (guint32)dc_arg(c, 0));
  gboolean get = !g_strcmp0(op, "ARCH_GET_FS") || !g_strcmp0(op, "ARCH_GET_GS");
  if (!c->exiting) {
    dc_xval(c, 0, &gt_xlat_arch_prctl_codes, "ARCH_???");
    dc_hex(c, 1);
    if (!g_strcmp0(op, "ARCH_SET_FS") || !g_strcmp0(op, "ARCH_SET_GS")) {
      GtRecordArg *a = &c->rec->args[1];
      dc_set(c, 1, g_strdup_printf("%#" G_GINT64_MODIFIER "x", a->value), NULL);
    }
    return;
  }
  guint64 v;
  if (get && dc_ok(c) && dc_read(c, dc_arg(c, 1), &v, sizeof v))
    dc_set(c, 1, g_strdup_printf("[%#" G_GINT64_MODIFIER "x]", v), NULL);
}

void
gt_dec_priority(GtDc *c)
{
  if (c->exiting)
    return;
  dc_xval(c, 0, &gt_xlat_priority_which, "PRIO_???");
  dc_int(c, 1);
  if (c->rec->nargs > 2)
    dc_int(c, 2);
}

void
gt_dec_set_tid_address(GtDc *c)
{
  if (!c->exiting)
    dc_hex(c, 0);
}

void
gt_dec_set_robust_list(GtDc *c)
{
  if (c->exiting)
    return;
  dc_hex(c, 0);
  dc_ulong(c, 1);
}

void
gt_dec_rseq(GtDc *c)
{
  if (c->exiting)
    return;
  dc_hex(c, 0);
  GtRecordArg *a = &c->rec->args[1];
  dc_set(c, 1, g_strdup_printf("%#x", (guint32)a->value), NULL);
  dc_int(c, 2);
  GtRecordArg *s = &c->rec->args[3];
  dc_set(c, 3, g_strdup_printf("%#x", (guint32)s->value), NULL);
}

void
gt_dec_kill(GtDc *c)
{
  if (c->exiting)
    return;
  dc_int(c, 0);
  dc_signal(c, 1);
}

void
gt_dec_tgkill(GtDc *c)
{
  if (c->exiting)
    return;
  dc_int(c, 0);
  dc_int(c, 1);
  dc_signal(c, 2);
}

/* clone3(args, size): struct clone_args (layout from the guest's BTF) with
 * the fields strace 6.1 shows (clone.c): flags, pidfd/child_tid/parent_tid
 * when the flags use them, exit_signal, stack, stack_size, tls with
 * CLONE_SETTLS, set_tid, cgroup; at the return " => {parent_tid=[N]}" when
 * the kernel wrote it. */
static void
addr_field(GString *s, const char *name, guint64 v)
{
  if (v)
    g_string_append_printf(s, ", %s=%#" G_GINT64_MODIFIER "x", name, v);
  else
    g_string_append_printf(s, ", %s=NULL", name);
}

static gboolean
clone_args_text(GtDc *c, guint64 va, gint64 size, GString *s, JsonNode **json)
{
  GtStructView v;
  guint64 f[11] = { 0 };
  static const char *const names[] = { "flags", "pidfd", "child_tid", "parent_tid",
                                       "exit_signal", "stack", "stack_size", "tls",
                                       "set_tid", "set_tid_size", "cgroup" };
  guint full = dc_struct_size(c, "clone_args");
  /* strace reads min(size, its sizeof) and needs at least up to tls. */
  if (!full || size < 64 || !dc_struct_read(c, "clone_args", va, &v))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS(names); i++)
    if (!sv_get(&v, names[i], FALSE, &f[i]) && i < 8)
      return FALSE;
  if ((guint64)size < full)
    f[10] = 0;   /* cgroup lies beyond what the caller passed */
  guint64 flags = f[0];
  if (c->exiting) {
    /* Only what the kernel wrote: the parent's tid. */
    gint32 tid;
    if (!(flags & clone_flag("CLONE_PARENT_SETTID")) || !dc_read(c, f[3], &tid, sizeof tid))
      return FALSE;
    g_string_append_printf(s, "%s => {parent_tid=[%d]}", c->rec->args[0].text, tid);
    return TRUE;
  }
  g_string_append(s, "{flags=");
  gt_xlat_print_flags(s, &gt_xlat_clone_flags, flags, "0");
  if (flags & clone_flag("CLONE_PIDFD"))
    addr_field(s, "pidfd", f[1]);
  if (flags & (clone_flag("CLONE_CHILD_SETTID") | clone_flag("CLONE_CHILD_CLEARTID")))
    addr_field(s, "child_tid", f[2]);
  if (flags & clone_flag("CLONE_PARENT_SETTID"))
    addr_field(s, "parent_tid", f[3]);
  g_string_append(s, ", exit_signal=");
  if (f[4] < G_MAXINT32)
    dc_append_signal(s, f[4]);
  else
    g_string_append_printf(s, "%" G_GUINT64_FORMAT, f[4]);
  addr_field(s, "stack", f[5]);
  g_string_append_printf(s, f[6] ? ", stack_size=%#" G_GINT64_MODIFIER "x" : ", stack_size=%"
                         G_GUINT64_FORMAT, f[6]);
  if (flags & clone_flag("CLONE_SETTLS"))
    g_string_append_printf(s, f[7] ? ", tls=%#" G_GINT64_MODIFIER "x" : ", tls=%" G_GUINT64_FORMAT,
                           f[7]);
  if (f[8] || f[9]) {
    addr_field(s, "set_tid", f[8]);
    g_string_append_printf(s, ", set_tid_size=%" G_GUINT64_FORMAT, f[9]);
  }
  if (f[10] || (flags & clone_flag("CLONE_INTO_CGROUP")))
    g_string_append_printf(s, ", cgroup=%" G_GUINT64_FORMAT, f[10]);
  g_string_append_c(s, '}');
  JsonObject *o = json_object_new();
  for (guint i = 0; i < G_N_ELEMENTS(names); i++)
    json_object_set_int_member(o, names[i], (gint64)f[i]);
  json_object_set_member(o, "flag_names", gt_xlat_flags_json(&gt_xlat_clone_flags, flags));
  *json = json_node_new(JSON_NODE_OBJECT);
  json_node_take_object(*json, o);
  return TRUE;
}

void
gt_dec_clone3(GtDc *c)
{
  if (!c->exiting)
    dc_ulong(c, 1);
  dc_pointee(c, 0, clone_args_text, (gint64)dc_arg(c, 1));
}
