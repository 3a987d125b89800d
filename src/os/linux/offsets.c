/* Filling GtLinuxOffsets: from the kernel's BTF, or from a profile file of
 * "struct.member = OFFSET" lines. One table lists every field, so both
 * sources cover the same set. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <guestrace/types.h>
#include "os/linux/offsets.h"

typedef struct {
  const char *type;      /* struct name */
  const char *member;    /* member path inside it */
  gsize field;           /* offset of the guint inside GtLinuxOffsets */
  guint size;            /* expected member size in bytes (0: any) */
  gboolean optional;     /* may be missing (then G_MAXUINT) */
} OffsetSpec;

#define F(name) G_STRUCT_OFFSET(GtLinuxOffsets, name)

static const OffsetSpec specs[] = {
  { "task_struct", "pid", F(task_pid), 4, FALSE },
  { "task_struct", "tgid", F(task_tgid), 4, FALSE },
  { "task_struct", "comm", F(task_comm), 16, FALSE },
  { "task_struct", "tasks", F(task_tasks), 16, FALSE },
  { "task_struct", "real_parent", F(task_real_parent), 8, FALSE },
  { "task_struct", "real_cred", F(task_real_cred), 8, FALSE },
  { "task_struct", "cred", F(task_cred), 8, FALSE },
  { "task_struct", "mm", F(task_mm), 8, FALSE },
  { "task_struct", "active_mm", F(task_active_mm), 8, FALSE },
  { "task_struct", "group_leader", F(task_group_leader), 8, FALSE },
  { "task_struct", "thread_node", F(task_thread_node), 16, FALSE },
  { "task_struct", "flags", F(task_flags), 4, FALSE },
  { "task_struct", "signal", F(task_signal), 8, FALSE },
  { "signal_struct", "thread_head", F(signal_thread_head), 16, FALSE },
  /* kuid_t/kgid_t are structs holding one 32-bit .val at offset 0. */
  { "cred", "uid", F(cred_uid), 4, FALSE },
  { "cred", "gid", F(cred_gid), 4, FALSE },
  { "cred", "euid", F(cred_euid), 4, FALSE },
  { "cred", "egid", F(cred_egid), 4, FALSE },
  { "mm_struct", "pgd", F(mm_pgd), 8, FALSE },
  { "pt_regs", "di", F(regs_di), 8, FALSE },
  { "pt_regs", "si", F(regs_si), 8, FALSE },
  { "pt_regs", "dx", F(regs_dx), 8, FALSE },
  { "pt_regs", "r10", F(regs_r10), 8, FALSE },
  { "pt_regs", "r8", F(regs_r8), 8, FALSE },
  { "pt_regs", "r9", F(regs_r9), 8, FALSE },
  { "pt_regs", "ax", F(regs_ax), 8, FALSE },
  { "pt_regs", "orig_ax", F(regs_orig_ax), 8, FALSE },
  { "pt_regs", "ip", F(regs_ip), 8, FALSE },
  { "pt_regs", "sp", F(regs_sp), 8, FALSE },
  { "syscall_metadata", "name", F(meta_name), 8, FALSE },
  { "syscall_metadata", "syscall_nr", F(meta_syscall_nr), 4, FALSE },
  { "syscall_metadata", "nb_args", F(meta_nb_args), 4, FALSE },
  { "syscall_metadata", "types", F(meta_types), 8, FALSE },
  { "syscall_metadata", "args", F(meta_args), 8, FALSE },
  /* Only kernels 6.2 .. 6.14 have struct pcpu_hot. */
  { "pcpu_hot", "current_task", F(pcpu_hot_current_task), 8, TRUE },
};

#undef F

static guint *
field_ptr(GtLinuxOffsets *out, const OffsetSpec *s)
{
  return (guint *) ((char *) out + s->field);
}

gboolean
gt_linux_offsets_from_btf(GtKernelBtf *btf, GtLinuxOffsets *out, GError **error)
{
  GtLinuxOffsets tmp;
  for (gsize i = 0; i < G_N_ELEMENTS(specs); i++) {
    const OffsetSpec *s = &specs[i];
    guint off = 0, size = 0;
    g_autoptr(GError) local = NULL;
    if (!gt_kbtf_member_offset(btf, s->type, s->member, &off, &size, &local)) {
      if (s->optional && g_error_matches(local, GT_ERROR, GT_ERROR_NOT_FOUND)) {
        *field_ptr(&tmp, s) = G_MAXUINT;
        continue;
      }
      g_propagate_error(error, g_steal_pointer(&local));
      return FALSE;
    }
    if (s->size != 0 && size != s->size) {
      g_set_error(error, GT_ERROR, GT_ERROR_UNSUPPORTED,
                  "BTF: %s.%s is %u bytes, expected %u", s->type, s->member, size,
                  s->size);
      return FALSE;
    }
    *field_ptr(&tmp, s) = off;
  }
  *out = tmp;
  return TRUE;
}

/* Parses a decimal or 0x-hex offset below 1 MiB (no struct is bigger). */
static gboolean
parse_offset(const char *text, guint *out)
{
  if (text[0] == '\0' || text[0] == '-' || text[0] == '+')
    return FALSE;
  char *end = NULL;
  errno = 0;
  guint64 v = g_ascii_strtoull(text, &end, 0);
  if (errno != 0 || end == text || *end != '\0' || v >= (1u << 20))
    return FALSE;
  /* strtoull base 0 reads a leading 0 as octal: refuse that ambiguity. */
  if (text[0] == '0' && text[1] != '\0' && text[1] != 'x' && text[1] != 'X')
    return FALSE;
  *out = (guint) v;
  return TRUE;
}

static gboolean
parse_line(const char *path, guint lineno, char *line, GtLinuxOffsets *out,
           gboolean *seen, GError **error)
{
  char *hash = strchr(line, '#');
  if (hash != NULL)
    *hash = '\0';
  g_strstrip(line);
  if (line[0] == '\0')
    return TRUE;
  char *eq = strchr(line, '=');
  if (eq == NULL) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG,
                "%s:%u: expected \"struct.member = offset\"", path, lineno);
    return FALSE;
  }
  *eq = '\0';
  char *key = g_strstrip(line);
  char *value = g_strstrip(eq + 1);
  const OffsetSpec *spec = NULL;
  gsize idx = 0;
  for (gsize i = 0; i < G_N_ELEMENTS(specs); i++) {
    g_autofree char *name = g_strdup_printf("%s.%s", specs[i].type, specs[i].member);
    if (strcmp(name, key) == 0) {
      spec = &specs[i];
      idx = i;
      break;
    }
  }
  if (spec == NULL) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG, "%s:%u: unknown key \"%s\"",
                path, lineno, key);
    return FALSE;
  }
  if (seen[idx]) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG, "%s:%u: duplicate key \"%s\"",
                path, lineno, key);
    return FALSE;
  }
  guint v;
  if (!parse_offset(value, &v)) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG,
                "%s:%u: bad offset \"%s\" for %s (decimal or 0x hex, below 1 MiB)",
                path, lineno, value, key);
    return FALSE;
  }
  seen[idx] = TRUE;
  *field_ptr(out, spec) = v;
  return TRUE;
}

gboolean
gt_linux_offsets_from_profile(const char *path, GtLinuxOffsets *out, GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  g_autoptr(GError) local = NULL;
  if (!g_file_get_contents(path, &text, &len, &local)) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG, "offsets profile: %s",
                local->message);
    return FALSE;
  }
  if (memchr(text, '\0', len) != NULL) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG, "%s: contains NUL bytes", path);
    return FALSE;
  }
  GtLinuxOffsets tmp;
  gboolean seen[G_N_ELEMENTS(specs)] = { FALSE };
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++) {
    if (!parse_line(path, i + 1, lines[i], &tmp, seen, error))
      return FALSE;
  }
  g_autoptr(GString) missing = g_string_new(NULL);
  for (gsize i = 0; i < G_N_ELEMENTS(specs); i++) {
    if (seen[i])
      continue;
    if (specs[i].optional) {
      *field_ptr(&tmp, &specs[i]) = G_MAXUINT;
      continue;
    }
    g_string_append_printf(missing, "%s%s.%s", missing->len ? ", " : "",
                           specs[i].type, specs[i].member);
  }
  if (missing->len > 0) {
    g_set_error(error, GT_ERROR, GT_ERROR_INVALID_ARG, "%s: missing keys: %s", path,
                missing->str);
    return FALSE;
  }
  *out = tmp;
  return TRUE;
}
