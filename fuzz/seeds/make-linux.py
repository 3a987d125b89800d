#!/usr/bin/env python3
"""Writes seed regions for the linux-tasks and syscalls targets (the layout
of fuzz/linux-world.h: offsets of fg_linux_offsets (tests/unit/linux/fake-guest.c), pointers as
kernel addresses into the region). Run from fuzz/: python3 seeds/make-linux.py"""
import struct

R = 0xffff888000100000
SIZE = 0x10000
OFF = dict(pid=0x10, tgid=0x14, comm=0x20, tasks=0x30, real_parent=0x40, real_cred=0x48,
           cred=0x50, mm=0x58, active_mm=0x60, group_leader=0x68, thread_node=0x70,
           flags=0x80, signal=0x88)

class Region:
    def __init__(self):
        self.b = bytearray(SIZE)
    def u64(self, off, v):
        struct.pack_into("<Q", self.b, off, v)
    def u32(self, off, v):
        struct.pack_into("<I", self.b, off, v & 0xffffffff)
    def put(self, off, data):
        self.b[off:off + len(data)] = data
    def trimmed(self):
        return bytes(self.b).rstrip(b"\0")

def cred(r, off, uid, gid, euid, egid):
    for o, v in ((4, uid), (8, gid), (0x14, euid), (0x18, egid)):
        r.u32(off + o, v)

def task(r, off, pid, tgid, comm, parent, cred_off, mm_off, signal_off):
    r.u32(off + OFF["pid"], pid)
    r.u32(off + OFF["tgid"], tgid)
    r.put(off + OFF["comm"], comm.encode()[:15])
    r.u64(off + OFF["real_parent"], R + parent)
    r.u64(off + OFF["real_cred"], R + cred_off)
    r.u64(off + OFF["cred"], R + cred_off)
    r.u64(off + OFF["mm"], R + mm_off if mm_off else 0)
    r.u64(off + OFF["active_mm"], R + mm_off if mm_off else 0)
    r.u64(off + OFF["group_leader"], R + off)
    r.u32(off + OFF["flags"], 0 if mm_off else 0x00200000)
    r.u64(off + OFF["signal"], R + signal_off)
    # one thread per process: signal->thread_head <-> task->thread_node
    head, node = signal_off + 0x10, off + OFF["thread_node"]
    r.u64(head, R + node); r.u64(head + 8, R + node)
    r.u64(node, R + head); r.u64(node + 8, R + head)

def link(r, offs):
    n = len(offs)
    for i, o in enumerate(offs):
        r.u64(o + OFF["tasks"], R + offs[(i + 1) % n] + OFF["tasks"])
        r.u64(o + OFF["tasks"] + 8, R + offs[(i - 1) % n] + OFF["tasks"])

def tasks_world(cycle_back=False):
    r = Region()
    cred(r, 0x900, 0, 0, 0, 0)
    cred(r, 0x940, 1000, 100, 0, 101)
    r.u64(0xa00 + 0x50, R + 0x1000)           # mm->pgd
    offs = [0x0, 0x100, 0x200, 0x300]
    task(r, 0x0, 0, 0, "swapper/0", 0x0, 0x900, 0, 0xb00)
    task(r, 0x100, 1, 1, "init", 0x0, 0x900, 0xa00, 0xb40)
    task(r, 0x200, 2, 2, "kthreadd", 0x0, 0x900, 0, 0xb80)
    task(r, 0x300, 100, 100, "sh", 0x100, 0x940, 0xa00, 0xbc0)
    link(r, offs)
    if cycle_back:      # a list that loops without returning to init_task
        r.u64(0x300 + OFF["tasks"], R + 0x100 + OFF["tasks"])
    r.u64(0x800, R + 0x300)                   # per-CPU current_task
    return r.trimmed()

def syscalls_world():
    r = Region()
    strings = 0x600
    def s(text):
        nonlocal strings
        off = strings
        r.put(off, text.encode() + b"\0")
        strings += len(text) + 1
        return R + off
    calls = [("sys_read", 0, [("unsigned int", "fd"), ("char *", "buf"), ("size_t", "count")]),
             ("sys_write", 1, [("unsigned int", "fd"), ("const char *", "buf"), ("size_t", "count")]),
             ("sys_open", 2, [("const char *", "filename"), ("int", "flags"), ("umode_t", "mode")]),
             ("sys_getpid", 3, [])]
    r.u64(0x0, R + 0x100)                     # syscalls_metadata -> array
    for i, (name, nr, args) in enumerate(calls):
        meta = 0x200 + 0x100 * i
        r.u64(0x100 + 8 * i, R + meta)
        r.u64(0x10 + 8 * i, R + meta)         # the link-time section too
        r.u64(meta, s(name))
        r.u32(meta + 8, nr)
        r.u32(meta + 12, len(args))
        r.u64(meta + 16, R + meta + 0x40)
        r.u64(meta + 24, R + meta + 0x80)
        for k, (t, n) in enumerate(args):
            r.u64(meta + 0x40 + 8 * k, s(t))
            r.u64(meta + 0x80 + 8 * k, s(n))
    return r.trimmed()

open("corpus/linux-tasks/four-tasks", "wb").write(tasks_world())
open("corpus/linux-tasks/loop-without-init", "wb").write(tasks_world(True))
open("corpus/syscalls/four-calls", "wb").write(syscalls_world())
sec = bytearray(syscalls_world())
struct.pack_into("<Q", sec, 0x0, 0)        # no run-time array: the section
open("corpus/syscalls/section-only", "wb").write(bytes(sec))
