#!/usr/bin/env python3
"""Writes the BTF target's seed blobs (fuzz/corpus/btf/): small kernel-like
BTF with every struct member gt_linux_offsets_from_btf looks up (through an
anonymous union and typedefs), a function prototype, shared and cyclic
anonymous members. Run from fuzz/: python3 seeds/make-btf.py"""
import struct

class Btf:
    def __init__(self):
        self.types = []          # encoded bytes per type, ids from 1
        self.strs = b"\0"
    def s(self, name):
        if not name:
            return 0
        off = len(self.strs)
        self.strs += name.encode() + b"\0"
        return off
    def add(self, blob):
        self.types.append(blob)
        return len(self.types)
    @staticmethod
    def info(kind, vlen, kflag=0):
        return (kflag << 31) | (kind << 24) | vlen
    def int(self, name, size, signed=False):
        return self.add(struct.pack("<III", self.s(name), self.info(1, 0), size)
                        + struct.pack("<I", ((1 if signed else 0) << 24) | size * 8))
    def ptr(self, to):
        return self.add(struct.pack("<III", 0, self.info(2, 0), to))
    def array(self, elem, n, index):
        return self.add(struct.pack("<III", 0, self.info(3, 0), 0) + struct.pack("<III", elem, index, n))
    def composite(self, kind, name, size, members):
        blob = struct.pack("<III", self.s(name), self.info(kind, len(members)), size)
        for mname, mtype, bitoff in members:
            blob += struct.pack("<III", self.s(mname), mtype, bitoff)
        return self.add(blob)
    def struct(self, name, size, members):
        return self.composite(4, name, size, members)
    def union(self, name, size, members):
        return self.composite(5, name, size, members)
    def typedef(self, name, to):
        return self.add(struct.pack("<III", self.s(name), self.info(8, 0), to))
    def const(self, to):
        return self.add(struct.pack("<III", 0, self.info(10, 0), to))
    def func_proto(self, ret, params):
        blob = struct.pack("<III", 0, self.info(13, len(params)), ret)
        for pname, ptype in params:
            blob += struct.pack("<II", self.s(pname), ptype)
        return self.add(blob)
    def func(self, name, proto):
        return self.add(struct.pack("<III", self.s(name), self.info(12, 0), proto))
    def raw(self):
        types = b"".join(self.types)
        hdr = struct.pack("<HBBIIIII", 0xeb9f, 1, 0, 24, 0, len(types), len(types), len(self.strs))
        return hdr + types + self.strs

def kernel_like():
    b = Btf()
    i32 = b.int("int", 4, True)
    u32 = b.int("unsigned int", 4)
    i64 = b.int("long", 8, True)
    u64 = b.int("unsigned long", 8)
    char = b.int("char", 1, True)
    pid_t = b.typedef("pid_t", i32)
    vptr = b.ptr(0)
    cchar_p = b.ptr(b.const(char))
    cchar_pp = b.ptr(cchar_p)
    lh = b.struct("list_head", 16, [("next", vptr, 0), ("prev", vptr, 64)])
    kuid = b.struct(None, 4, [("val", u32, 0)])
    kuid_t = b.typedef("kuid_t", kuid)
    kgid_t = b.typedef("kgid_t", kuid)
    b.struct("cred", 24, [("usage", i32, 0), ("uid", kuid_t, 32), ("gid", kgid_t, 64),
                          ("euid", kuid_t, 96), ("egid", kgid_t, 128)])
    b.struct("mm_struct", 16, [("mmap_base", u64, 0), ("pgd", vptr, 64)])
    b.struct("signal_struct", 24, [("nr_threads", i32, 0), ("thread_head", lh, 64)])
    idx = b.int("__ARRAY_SIZE_TYPE__", 4)
    comm = b.array(char, 16, idx)
    anon = b.struct(None, 8, [("pid", pid_t, 0), ("tgid", pid_t, 32)])
    u = b.union(None, 8, [(None, anon, 0), ("both", u64, 0)])
    names = ["tasks", "real_parent", "real_cred", "cred", "mm", "active_mm",
             "group_leader", "thread_node", "signal"]
    members = [("flags", u32, 0), (None, u, 64)]
    off = 128
    for n in names:
        t = lh if n in ("tasks", "thread_node") else vptr
        members.append((n, t, off))
        off += 128 if t == lh else 64
    members.append(("comm", comm, off))
    b.struct("task_struct", off // 8 + 16, members)
    regs = ["r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9", "r8", "ax", "cx",
            "dx", "si", "di", "orig_ax", "ip", "cs", "flags", "sp", "ss"]
    b.struct("pt_regs", 8 * len(regs), [(r, u64, 64 * k) for k, r in enumerate(regs)])
    b.struct("syscall_metadata", 40, [("name", cchar_p, 0), ("syscall_nr", i32, 64),
                                      ("nb_args", i32, 96), ("types", cchar_pp, 128),
                                      ("args", cchar_pp, 192)])
    b.struct("pcpu_hot", 8, [("current_task", vptr, 0)])
    proto = b.func_proto(0, [("code", i64)])
    b.func("do_exit", proto)
    proto2 = b.func_proto(i64, [("dfd", i32), ("filename", cchar_p), ("flags", i32),
                                ("mode", b.typedef("umode_t", b.int("unsigned short", 2)))])
    b.func("do_sys_open", proto2)
    return b.raw()

def shared_and_cyclic():
    b = Btf()
    i32 = b.int("int", 4, True)
    nxt = b.struct("leaf", 4, [("x", i32, 0)])
    for level in range(6):
        nxt = b.struct("task_struct" if level == 5 else None, 4, [(None, nxt, 0)] * 4)
    self_id = len(b.types) + 1
    b.struct("cred", 4, [(None, self_id, 0), ("uid", i32, 0)])
    return b.raw()

open("corpus/btf/kernel-like", "wb").write(kernel_like())
open("corpus/btf/shared-and-cyclic", "wb").write(shared_and_cyclic())
