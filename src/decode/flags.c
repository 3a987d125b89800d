/* Flag sets. The values come from the C library's headers, which carry the
 * Linux x86-64 ABI; only the names are listed here. */
#include "decode/decode.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <linux/sched.h>

typedef struct { guint64 bit; const char *name; } Flag;
#define F(x) { x, #x }

/* glibc defines O_LARGEFILE as 0 on x86-64; the kernel ABI value is 0100000. */
#define GT_O_LARGEFILE 0100000
static const Flag open_flags[] = {
  { GT_O_LARGEFILE, "O_LARGEFILE" },
  /* Multi-bit flags first: append_set consumes bits in table order. */
  F(O_SYNC), F(O_TMPFILE),
  F(O_CREAT), F(O_EXCL), F(O_NOCTTY), F(O_TRUNC),
  F(O_APPEND), F(O_NONBLOCK), F(O_DSYNC), F(O_ASYNC), F(O_DIRECT),
  F(O_DIRECTORY), F(O_NOFOLLOW), F(O_NOATIME), F(O_CLOEXEC),
  F(O_PATH),
};
static const Flag at_flags[] = {
  F(AT_SYMLINK_NOFOLLOW), F(AT_REMOVEDIR), F(AT_SYMLINK_FOLLOW),
  F(AT_NO_AUTOMOUNT), F(AT_EMPTY_PATH), F(AT_EACCESS),
};
static const Flag prot_flags[] = {
  F(PROT_READ), F(PROT_WRITE), F(PROT_EXEC),
  F(PROT_GROWSDOWN), F(PROT_GROWSUP),
};
static const Flag map_flags[] = {
  F(MAP_SHARED), F(MAP_PRIVATE), F(MAP_FIXED), F(MAP_ANONYMOUS),
  F(MAP_32BIT), F(MAP_GROWSDOWN), F(MAP_DENYWRITE), F(MAP_EXECUTABLE),
  F(MAP_LOCKED), F(MAP_NORESERVE), F(MAP_POPULATE), F(MAP_NONBLOCK),
  F(MAP_STACK), F(MAP_HUGETLB), F(MAP_SYNC), F(MAP_FIXED_NOREPLACE),
};
static const Flag clone_flags[] = {
  F(CLONE_VM), F(CLONE_FS), F(CLONE_FILES), F(CLONE_SIGHAND), F(CLONE_PIDFD),
  F(CLONE_PTRACE), F(CLONE_VFORK), F(CLONE_PARENT), F(CLONE_THREAD),
  F(CLONE_NEWNS), F(CLONE_SYSVSEM), F(CLONE_SETTLS), F(CLONE_PARENT_SETTID),
  F(CLONE_CHILD_CLEARTID), F(CLONE_DETACHED), F(CLONE_UNTRACED),
  F(CLONE_CHILD_SETTID), F(CLONE_NEWCGROUP), F(CLONE_NEWUTS), F(CLONE_NEWIPC),
  F(CLONE_NEWUSER), F(CLONE_NEWPID), F(CLONE_NEWNET), F(CLONE_IO),
};

static void
append_set(GString *s, const Flag *tab, gsize n, guint64 value)
{
  for (gsize i = 0; i < n; i++) {
    if (tab[i].bit && (value & tab[i].bit) == tab[i].bit) {
      if (s->len)
        g_string_append_c(s, '|');
      g_string_append(s, tab[i].name);
      value &= ~tab[i].bit;
    }
  }
  if (value) {
    if (s->len)
      g_string_append_c(s, '|');
    g_string_append_printf(s, "%#" G_GINT64_MODIFIER "x", value);
  }
}

char *
gt_decode_flags(GtFlagKind kind, guint64 value)
{
  GString *s = g_string_new(NULL);
  switch (kind) {
  case GT_FLAGS_OPEN:
    /* The access mode is a two-bit field, not a flag. */
    switch (value & O_ACCMODE) {
    case O_RDONLY: g_string_append(s, "O_RDONLY"); break;
    case O_WRONLY: g_string_append(s, "O_WRONLY"); break;
    case O_RDWR: g_string_append(s, "O_RDWR"); break;
    default: g_string_append(s, "O_ACCMODE"); break;
    }
    value &= ~(guint64)O_ACCMODE;
    append_set(s, open_flags, G_N_ELEMENTS(open_flags), value);
    break;
  case GT_FLAGS_AT:
    append_set(s, at_flags, G_N_ELEMENTS(at_flags), value);
    break;
  case GT_FLAGS_PROT:
    if (value == PROT_NONE)
      g_string_append(s, "PROT_NONE");
    append_set(s, prot_flags, G_N_ELEMENTS(prot_flags), value);
    break;
  case GT_FLAGS_MAP:
    append_set(s, map_flags, G_N_ELEMENTS(map_flags), value);
    break;
  case GT_FLAGS_CLONE: {
    /* The low byte is the signal sent to the parent at exit. */
    guint64 sig = value & 0xff;
    append_set(s, clone_flags, G_N_ELEMENTS(clone_flags), value & ~0xffULL);
    if (sig) {
      const char *name = gt_signal_name((int)sig);
      if (s->len)
        g_string_append_c(s, '|');
      if (name)
        g_string_append(s, name);
      else
        g_string_append_printf(s, "%" G_GUINT64_FORMAT, sig);
    }
    break;
  }
  }
  if (!s->len)
    g_string_append_c(s, '0');
  return g_string_free(s, FALSE);
}
