/* Tests of BTF member resolution and of GtLinuxOffsets from BTF: the host's
 * own kernel BTF (/sys/kernel/btf/vmlinux, skipped if absent) and small
 * BTF blobs built here with libbpf. */
#include <string.h>
#include <bpf/btf.h>
#include <guestrace/types.h>
#include "os/linux/linux.h"
#include "os/linux/offsets.h"

#define HOST_BTF "/sys/kernel/btf/vmlinux"

static GtKernelBtf *
load_host(void)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  if (!g_file_get_contents(HOST_BTF, &data, &len, NULL))
    return NULL;
  g_autoptr(GError) error = NULL;
  GtKernelBtf *kb = gt_kbtf_load_raw(data, len, &error);
  g_assert_no_error(error);
  return kb;
}

static void
test_host_offsets(void)
{
  g_autoptr(GtKernelBtf) kb = load_host();
  if (kb == NULL) {
    g_test_skip("no " HOST_BTF);
    return;
  }
  GtLinuxOffsets o;
  g_autoptr(GError) error = NULL;
  g_assert_true(gt_linux_offsets_from_btf(kb, &o, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(o.task_pid, >, 0);
  g_assert_cmpuint(o.task_tgid, ==, o.task_pid + 4);
  g_assert_cmpuint(o.task_comm, >, 0);
  g_assert_cmpuint(o.task_tasks, >, 0);
  g_assert_cmpuint(o.task_real_cred, >, 0);
  g_assert_cmpuint(o.task_cred, ==, o.task_real_cred + 8);
  g_assert_cmpuint(o.mm_pgd, >, 0);
  /* pt_regs: r15 r14 r13 r12 bp bx r11 r10 r9 r8 ax cx dx si di orig_ax ip cs flags sp */
  g_assert_cmpuint(o.regs_r10, ==, 7 * 8);
  g_assert_cmpuint(o.regs_r9, ==, 8 * 8);
  g_assert_cmpuint(o.regs_r8, ==, 9 * 8);
  g_assert_cmpuint(o.regs_ax, ==, 10 * 8);
  g_assert_cmpuint(o.regs_dx, ==, 12 * 8);
  g_assert_cmpuint(o.regs_si, ==, 13 * 8);
  g_assert_cmpuint(o.regs_di, ==, 112);
  g_assert_cmpuint(o.regs_orig_ax, ==, 15 * 8);
  g_assert_cmpuint(o.regs_ip, ==, 16 * 8);
  g_assert_cmpuint(o.regs_sp, ==, 19 * 8);
  /* struct cred: uid gid suid sgid euid egid, each a 4-byte kuid_t/kgid_t. */
  g_assert_cmpuint(o.cred_gid, ==, o.cred_uid + 4);
  g_assert_cmpuint(o.cred_euid, ==, o.cred_uid + 16);
  g_assert_cmpuint(o.cred_egid, ==, o.cred_uid + 20);
  g_assert_cmpuint(o.meta_name, ==, 0);
  g_assert_cmpuint(o.meta_syscall_nr, ==, 8);
  g_assert_cmpuint(o.meta_nb_args, ==, 12);

  guint off, size;
  g_assert_true(gt_kbtf_member_offset(kb, "task_struct", "comm", &off, &size, &error));
  g_assert_cmpuint(size, ==, 16);
  g_assert_cmpuint(off, ==, o.task_comm);
  g_assert_true(gt_kbtf_member_offset(kb, "cred", "uid.val", &off, &size, &error));
  g_assert_cmpuint(off, ==, o.cred_uid);
  g_assert_cmpuint(size, ==, 4);
  /* thread_info is the first member of task_struct on x86-64. */
  g_assert_true(gt_kbtf_member_offset(kb, "task_struct", "thread_info.flags", &off, &size,
                                      &error));
  g_assert_cmpuint(off, ==, 0);
  g_assert_true(gt_kbtf_member_offset(kb, "task_struct", "tasks.next", &off, &size,
                                      &error));
  g_assert_cmpuint(off, ==, o.task_tasks);
  g_assert_cmpuint(size, ==, 8);
  g_assert_true(gt_kbtf_struct_size(kb, "task_struct", &size, &error));
  g_assert_cmpuint(size, >, o.task_comm + 16);
  g_assert_true(gt_kbtf_member_offset(kb, "mm_struct", "pgd", &off, &size, &error));
  g_assert_cmpuint(size, ==, 8);
  g_assert_no_error(error);
  g_assert_nonnull(gt_kbtf_handle(kb));
}

static void
test_host_errors(void)
{
  g_autoptr(GtKernelBtf) kb = load_host();
  if (kb == NULL) {
    g_test_skip("no " HOST_BTF);
    return;
  }
  guint off, size;
  g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL, e4 = NULL, e5 = NULL;
  g_assert_false(gt_kbtf_member_offset(kb, "no_such_struct_xyz", "a", &off, &size, &e1));
  g_assert_error(e1, GT_ERROR, GT_ERROR_NOT_FOUND);
  g_assert_nonnull(strstr(e1->message, "no_such_struct_xyz"));
  g_assert_false(gt_kbtf_member_offset(kb, "task_struct", "no_such_member", &off, &size,
                                       &e2));
  g_assert_error(e2, GT_ERROR, GT_ERROR_NOT_FOUND);
  g_assert_nonnull(strstr(e2->message, "task_struct"));
  g_assert_nonnull(strstr(e2->message, "no_such_member"));
  g_assert_false(gt_kbtf_member_offset(kb, "task_struct", "pid.x", &off, &size, &e3));
  g_assert_error(e3, GT_ERROR, GT_ERROR_INVALID_ARG);
  g_assert_false(gt_kbtf_struct_size(kb, "no_such_struct_xyz", &size, &e4));
  g_assert_error(e4, GT_ERROR, GT_ERROR_NOT_FOUND);
  g_assert_false(gt_kbtf_member_offset(kb, "task_struct", "", &off, &size, &e5));
  g_assert_nonnull(e5);
}

static void
test_bad_blobs(void)
{
  g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL;
  char junk[64] = "this is not BTF at all, not even close to it....";
  g_assert_null(gt_kbtf_load_raw(junk, sizeof junk, &e1));
  g_assert_error(e1, GT_ERROR, GT_ERROR_INVALID_ARG);
  g_assert_null(gt_kbtf_load_raw(junk, 3, &e2));
  g_assert_error(e2, GT_ERROR, GT_ERROR_INVALID_ARG);

  /* A real header whose type section runs past the end of the blob. */
  struct btf *b = btf__new_empty();
  btf__add_int(b, "int", 4, BTF_INT_SIGNED);
  guint32 size = 0;
  const guint8 *raw = btf__raw_data(b, &size);
  g_assert_null(gt_kbtf_load_raw(raw, size - 4, &e3));
  g_assert_error(e3, GT_ERROR, GT_ERROR_INVALID_ARG);
  btf__free(b);
}

/* The kernel BTF of what b built (b freed). */
static GtKernelBtf *
load_built(struct btf *b)
{
  guint32 size = 0;
  const void *raw = btf__raw_data(b, &size);
  g_autoptr(GError) error = NULL;
  GtKernelBtf *kb = gt_kbtf_load_raw(raw, size, &error);
  g_assert_no_error(error);
  btf__free(b);
  return kb;
}

/* struct outer {
 *   int a;                       // 0
 *   union {                      // 4: anonymous
 *     struct { int b; int c; };  //    anonymous: b at 4, c at 8
 *     long d;                    //    d at 4 (packed layout, fine for BTF)
 *   };
 *   inner_t in;                  // 16: typedef const struct inner
 *   unsigned int bits:3;         // 32: bitfield (kind_flag)
 * };
 * struct inner { long x; int y; }; typedef const struct inner inner_t;
 * struct old { int z:5; } without kind_flag (int type with 5 bits). */
static GtKernelBtf *
synthetic(void)
{
  struct btf *b = btf__new_empty();
  int t_int = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
  int t_long = btf__add_int(b, "long", 8, BTF_INT_SIGNED);
  int t_uint = btf__add_int(b, "unsigned int", 4, 0);

  int t_inner = btf__add_struct(b, "inner", 16);
  btf__add_field(b, "x", t_long, 0, 0);
  btf__add_field(b, "y", t_int, 64, 0);
  int t_cinner = btf__add_const(b, t_inner);
  int t_typedef = btf__add_typedef(b, "inner_t", t_cinner);

  int t_anon_s = btf__add_struct(b, NULL, 8);
  btf__add_field(b, "b", t_int, 0, 0);
  btf__add_field(b, "c", t_int, 32, 0);
  int t_anon_u = btf__add_union(b, NULL, 8);
  btf__add_field(b, NULL, t_anon_s, 0, 0);
  btf__add_field(b, "d", t_long, 0, 0);

  btf__add_struct(b, "outer", 40);
  btf__add_field(b, "a", t_int, 0, 0);
  btf__add_field(b, NULL, t_anon_u, 32, 0);
  btf__add_field(b, "in", t_typedef, 128, 0);
  btf__add_field(b, "bits", t_uint, 256, 3);

  /* A non-kind_flag bitfield: the int type itself is 5 bits wide. */
  int t_int5 = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
  g_assert_cmpint(t_int5, >, 0);
  /* libbpf only builds full-width ints: narrow this one to 5 bits by hand
   * (the int info word follows the btf_type). */
  guint32 *info = (guint32 *) (btf__type_by_id(b, (guint32) t_int5) + 1);
  *info = ((guint32) BTF_INT_SIGNED << 24) | 5;   /* encoding, offset 0, 5 bits */
  btf__add_struct(b, "old", 4);
  btf__add_field(b, "z", t_int5, 0, 0);

  btf__add_typedef(b, "outer_t", btf__find_by_name_kind(b, "outer", BTF_KIND_STRUCT));
  return load_built(b);
}

static void
test_synthetic(void)
{
  g_autoptr(GtKernelBtf) kb = synthetic();
  guint off = 99, size = 99;
  g_autoptr(GError) error = NULL;
  g_assert_true(gt_kbtf_member_offset(kb, "outer", "a", &off, &size, &error));
  g_assert_cmpuint(off, ==, 0);
  g_assert_true(gt_kbtf_member_offset(kb, "outer", "b", &off, &size, &error));
  g_assert_cmpuint(off, ==, 4);
  g_assert_cmpuint(size, ==, 4);
  g_assert_true(gt_kbtf_member_offset(kb, "outer", "c", &off, &size, &error));
  g_assert_cmpuint(off, ==, 8);
  g_assert_true(gt_kbtf_member_offset(kb, "outer", "d", &off, &size, &error));
  g_assert_cmpuint(off, ==, 4);
  g_assert_cmpuint(size, ==, 8);
  g_assert_true(gt_kbtf_member_offset(kb, "outer", "in", &off, &size, &error));
  g_assert_cmpuint(off, ==, 16);
  g_assert_cmpuint(size, ==, 16);
  /* Through the typedef and const of the containing type. */
  g_assert_true(gt_kbtf_member_offset(kb, "outer", "in.y", &off, &size, &error));
  g_assert_cmpuint(off, ==, 24);
  g_assert_cmpuint(size, ==, 4);
  /* The struct named by a typedef. */
  g_assert_true(gt_kbtf_member_offset(kb, "outer_t", "c", &off, &size, &error));
  g_assert_cmpuint(off, ==, 8);
  g_assert_true(gt_kbtf_member_offset(kb, "inner_t", "y", &off, NULL, &error));
  g_assert_cmpuint(off, ==, 8);
  g_assert_true(gt_kbtf_struct_size(kb, "outer", &size, &error));
  g_assert_cmpuint(size, ==, 40);
  g_assert_no_error(error);

  g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL;
  g_assert_false(gt_kbtf_member_offset(kb, "outer", "bits", &off, &size, &e1));
  g_assert_error(e1, GT_ERROR, GT_ERROR_UNSUPPORTED);
  g_assert_nonnull(strstr(e1->message, "bitfield"));
  g_assert_false(gt_kbtf_member_offset(kb, "old", "z", &off, &size, &e2));
  g_assert_error(e2, GT_ERROR, GT_ERROR_UNSUPPORTED);
  g_assert_false(gt_kbtf_member_offset(kb, "outer", "in.nope", &off, &size, &e3));
  g_assert_error(e3, GT_ERROR, GT_ERROR_NOT_FOUND);
}

/* 32 levels of structs, each with 16 anonymous members of the next level:
 * without a visited set a lookup of an absent member makes 16^32 calls (and
 * this test never ends); with it, each level is searched once. */
static void
test_diamonds(void)
{
  struct btf *b = btf__new_empty();
  int t_int = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
  int next = btf__add_struct(b, "leaf", 4);
  btf__add_field(b, "x", t_int, 0, 0);
  for (int level = 0; level < 30; level++) {
    int id = btf__add_struct(b, level == 29 ? "top" : NULL, 4);
    for (int i = 0; i < 16; i++)
      btf__add_field(b, NULL, next, 0, 0);
    next = id;
  }
  g_autoptr(GtKernelBtf) kb = load_built(b);
  guint off = 99, size = 0;
  g_autoptr(GError) e1 = NULL, e2 = NULL;
  g_assert_false(gt_kbtf_member_offset(kb, "top", "absent", &off, &size, &e1));
  g_assert_error(e1, GT_ERROR, GT_ERROR_NOT_FOUND);
  /* A member at the bottom is still found through the shared levels. */
  g_assert_true(gt_kbtf_member_offset(kb, "top", "x", &off, &size, &e2));
  g_assert_no_error(e2);
  g_assert_cmpuint(off, ==, 0);
  g_assert_cmpuint(size, ==, 4);
}

/* A struct whose anonymous members are itself (10,000 times) and a pair of
 * structs containing each other: refused as broken, at once. */
static void
test_cycles(void)
{
  struct btf *b = btf__new_empty();
  int t_int = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
  int self = btf__add_struct(b, "self", 4);
  for (int i = 0; i < 10000; i++)
    btf__add_field(b, NULL, self, 0, 0);
  int a = btf__add_struct(b, "a", 4);
  btf__add_field(b, "y", t_int, 0, 0);
  btf__add_field(b, NULL, a + 2, 0, 0);      /* the typedef below */
  int bb = btf__add_struct(b, "b", 4);
  btf__add_field(b, NULL, a, 0, 0);
  btf__add_typedef(b, "b_t", bb);
  g_autoptr(GtKernelBtf) kb = load_built(b);
  guint off, size;
  g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL;
  g_assert_false(gt_kbtf_member_offset(kb, "self", "x", &off, &size, &e1));
  g_assert_error(e1, GT_ERROR, GT_ERROR_INVALID_ARG);
  g_assert_nonnull(strstr(e1->message, "contains itself"));
  g_assert_false(gt_kbtf_member_offset(kb, "b", "z", &off, &size, &e2));
  g_assert_error(e2, GT_ERROR, GT_ERROR_INVALID_ARG);
  /* A member found before the cycle is reached is still found. */
  g_assert_true(gt_kbtf_member_offset(kb, "a", "y", &off, &size, &e3));
  g_assert_no_error(e3);
}

/* More members than GT_KBTF_MAX_WORK to search: an error, not a long walk. */
static void
test_work_limit(void)
{
  struct btf *b = btf__new_empty();
  int t_int = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
  int wide = btf__add_struct(b, "wide", 4);
  for (guint i = 0; i < 60000; i++) {
    char name[16];
    g_snprintf(name, sizeof name, "m%u", i);
    btf__add_field(b, name, t_int, 0, 0);
  }
  btf__add_struct(b, "two", 4);
  btf__add_field(b, "w", wide, 0, 0);
  btf__add_field(b, NULL, wide, 0, 0);
  btf__add_field(b, NULL, wide + 2, 0, 0);   /* "other", below */
  int other = btf__add_struct(b, "other", 4);
  for (guint i = 0; i < 60000; i++)
    btf__add_field(b, "o", t_int, 0, 0);
  g_assert_cmpint(other, ==, wide + 2);
  g_autoptr(GtKernelBtf) kb = load_built(b);
  guint off, size;
  g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL;
  g_assert_true(gt_kbtf_member_offset(kb, "wide", "m59999", &off, &size, &e1));
  g_assert_no_error(e1);
  g_assert_false(gt_kbtf_member_offset(kb, "two", "absent", &off, &size, &e2));
  g_assert_error(e2, GT_ERROR, GT_ERROR_INVALID_ARG);
  g_assert_nonnull(strstr(e2->message, "too many members"));
  /* The budget is shared by the parts of a dotted path. */
  g_assert_false(gt_kbtf_member_offset(kb, "two", "w.absent", &off, &size, &e3));
  g_assert_error(e3, GT_ERROR, GT_ERROR_NOT_FOUND);
}

/* Blobs refused before libbpf sees them, with the reason. */
static void
test_bad_headers(void)
{
  struct btf *b = btf__new_empty();
  btf__add_int(b, "int", 4, BTF_INT_SIGNED);
  guint32 size = 0;
  const guint8 *raw = btf__raw_data(b, &size);
  g_autofree guint8 *copy = g_memdup2(raw, size);
  struct btf_header *h = (struct btf_header *) copy;
  static const struct { gsize field; guint32 value; const char *problem; } cases[] = {
    { G_STRUCT_OFFSET(struct btf_header, type_len), 0x7fffffff, "type section" },
    { G_STRUCT_OFFSET(struct btf_header, str_off), 0xfffffff0, "string section" },
    { G_STRUCT_OFFSET(struct btf_header, str_len), 0, "string section" },
    { G_STRUCT_OFFSET(struct btf_header, hdr_len), 4, "header length" },
    { G_STRUCT_OFFSET(struct btf_header, type_off), 2, "type section" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    memcpy(copy, raw, size);
    memcpy((guint8 *) h + cases[i].field, &cases[i].value, 4);
    g_autoptr(GError) e = NULL;
    g_assert_null(gt_kbtf_load_raw(copy, size, &e));
    g_assert_error(e, GT_ERROR, GT_ERROR_INVALID_ARG);
    g_assert_nonnull(strstr(e->message, cases[i].problem));
  }
  /* The last string byte must be NUL. */
  memcpy(copy, raw, size);
  copy[size - 1] = 'x';
  g_autoptr(GError) e1 = NULL;
  g_assert_null(gt_kbtf_load_raw(copy, size, &e1));
  g_assert_nonnull(strstr(e1->message, "unterminated"));
  btf__free(b);

  /* Over the size cap: refused without parsing, the limit named. */
  g_autofree guint8 *big = g_malloc0(GT_KBTF_MAX_SIZE + 1);
  big[0] = 0x9f;
  big[1] = 0xeb;
  g_autoptr(GError) e2 = NULL;
  g_assert_null(gt_kbtf_load_raw(big, GT_KBTF_MAX_SIZE + 1, &e2));
  g_assert_error(e2, GT_ERROR, GT_ERROR_INVALID_ARG);
  g_assert_nonnull(strstr(e2->message, "16 MiB"));
}

/* Offsets from a BTF that lacks syscall_metadata: the error names it. */
static void
test_offsets_missing_struct(void)
{
  g_autoptr(GtKernelBtf) kb = synthetic();
  GtLinuxOffsets o;
  g_autoptr(GError) error = NULL;
  g_assert_false(gt_linux_offsets_from_btf(kb, &o, &error));
  g_assert_error(error, GT_ERROR, GT_ERROR_NOT_FOUND);
  g_assert_nonnull(strstr(error->message, "task_struct"));
}

/* A function's result keeps only its declared width of rax: a bool or int
 * function leaves garbage above (do_syscall_64 returns bool since 6.5). */
static void
test_result_width(void)
{
  struct btf *b = btf__new_empty();
  int t_bool = btf__add_int(b, "_Bool", 1, BTF_INT_BOOL);
  int t_int = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
  int t_u16 = btf__add_int(b, "unsigned short", 2, 0);
  int t_long = btf__add_int(b, "long", 8, BTF_INT_SIGNED);
  int t_cint = btf__add_const(b, btf__add_typedef(b, "myint_t", t_int));
  int t_enum = btf__add_enum(b, "e", 4);
  btf__add_enum_value(b, "E0", 0);
  int t_ptr = btf__add_ptr(b, t_long);
  const int rets[] = { t_bool, t_cint, t_u16, t_long, t_enum, t_ptr, 0 };
  const char *names[] = { "f_bool", "f_int", "f_u16", "f_long", "f_enum", "f_ptr", "f_void" };
  for (guint i = 0; i < G_N_ELEMENTS(rets); i++) {
    int proto = btf__add_func_proto(b, rets[i]);
    btf__add_func_param(b, "x", t_int);
    btf__add_func(b, names[i], BTF_FUNC_GLOBAL, proto);
  }
  g_autoptr(GtKernelBtf) kb = load_built(b);

  const guint64 rax = 0xffffffff8047b701ull;   /* a true bool with garbage above */
  const gint64 want[] = { 1, (gint32)0x8047b701, 0xb701, (gint64)rax, 0x8047b701,
                          (gint64)rax, (gint64)rax };
  for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
    GtSyscallMeta *m = gt_kbtf_func_meta(kb, names[i]);
    g_assert_nonnull(m);
    g_assert_cmpint(m->returns_void, ==, rets[i] == 0);
    g_assert_cmpint(gt_syscall_meta_result(m, rax), ==, want[i]);
    gt_syscall_meta_free(m);
  }
  /* No description: all of rax. */
  g_assert_cmpint(gt_syscall_meta_result(NULL, rax), ==, (gint64)rax);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/linux/btf/host-offsets", test_host_offsets);
  g_test_add_func("/linux/btf/host-errors", test_host_errors);
  g_test_add_func("/linux/btf/bad-blobs", test_bad_blobs);
  g_test_add_func("/linux/btf/synthetic", test_synthetic);
  g_test_add_func("/linux/btf/offsets-missing-struct", test_offsets_missing_struct);
  g_test_add_func("/linux/btf/diamonds", test_diamonds);
  g_test_add_func("/linux/btf/cycles", test_cycles);
  g_test_add_func("/linux/btf/work-limit", test_work_limit);
  g_test_add_func("/linux/btf/bad-headers", test_bad_headers);
  g_test_add_func("/linux/btf/result-width", test_result_width);
  return g_test_run();
}
