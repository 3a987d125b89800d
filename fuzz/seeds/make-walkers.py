#!/usr/bin/env python3
"""Writes seed regions for the linux-walkers target (fuzz/fuzz-linux-walkers.c:
the layout of fuzz/linux-world.h, offsets of tests/unit/linux/test-vma.c and
test-fd.c): a maple tree with one file VMA whose page is in the page cache,
and a file table with a path under / and a socket. Run from fuzz/:
python3 seeds/make-walkers.py"""
import struct

R = 0xffff888000100000
PHYS = 0x100000          # the region's physical address (fake guest RAM)
SIZE = 0x10000
TASK, MM, MAPPING = 0x1000, 0x1100, 0x1200
VMEMMAP = 0x8000         # the vmemmap base, in the region
SOCKFS_DNAME = 0xffffffff81100000

b = bytearray(SIZE)
def u64(off, v): struct.pack_into("<Q", b, off, v)
def u32(off, v): struct.pack_into("<I", b, off, v)
def put(off, data): b[off:off + len(data)] = data

# Choices: addr, page-cache index, user va, descriptor byte (fd = byte % 8 - 1).
u64(0, 0x200010); u64(8, 5); u64(16, 0x205000); b[24] = 3
# init_task (region start) and TASK (pid 1) on the task list.
u64(0x30, R + TASK + 0x30); u64(TASK + 0x30, R + 0x30)
u32(TASK + 0x10, 1); u32(TASK + 0x14, 1)
u64(TASK + 0x58, R + MM); u64(0x808, R + VMEMMAP)
# Maple tree: a root leaf [0, 0x1fffff] gap, [0x200000, 0x2fffff] VMA, rest gap.
node = 0x2000
u64(MM + 0x48, (R + node) | (1 << 3) | 4 | 2)
u64(node + 8, 0x1fffff); u64(node + 16, 0x2fffff)
u64(node + 128 + 8, R + 0x3000); b[node + 248] = 2
u64(0x3000, 0x200000); u64(0x3008, 0x300000); u64(0x3020, 0); u64(0x3028, R + 0x3100)
u64(0x3030, 1)
u64(0x3100 + 0x40, R + MAPPING)
# Page cache: one leaf node (shift 0) holding index 5, a page at R + 0x5000.
u64(MAPPING + 0x10, R + 0x4000 + 2)
pfn = (PHYS + 0x5000) >> 12
page = VMEMMAP + pfn * 64
u64(0x4000 + 0x28 + 5 * 8, R + page)
u64(page, 1 << 2); u64(page + 0x20, 5)
put(0x5000, b"hello from the page cache\0")
# Files: fd 1 /etc/passwd, fd 2 a socket; fs root / and pwd /etc.
u64(TASK + 0x90, R + 0x6000); u64(TASK + 0x98, R + 0x6400)
u64(0x6000 + 0x20, R + 0x6100)
u32(0x6100, 4); u64(0x6108, R + 0x6200)
mnt = R + 0x6520
def dentry(off, parent, name, name_off, hashed=True, d_op=0):
    u64(off + 0x18, R + parent); u32(off + 0x24, len(name)); u64(off + 0x28, R + name_off)
    put(name_off, name + b"\0"); u64(off + 0x60, d_op)
    if hashed: u64(off + 0x10, R + off + 0x100)
dentry(0x6600, 0x6600, b"/", 0x6700, hashed=False)
dentry(0x6780, 0x6600, b"etc", 0x6800)
dentry(0x6880, 0x6780, b"passwd", 0x6900)
u64(0x6500 + 0x20, R + 0x6600)             # mnt_root
u64(0x6500 + 0x10, R + 0x6500); u64(0x6500 + 0x18, R + 0x6600)
u64(0x6400 + 0x18, mnt); u64(0x6400 + 0x20, R + 0x6600)
u64(0x6400 + 0x28, mnt); u64(0x6400 + 0x30, R + 0x6780)
u64(0x6200 + 8, R + 0x6a00); u64(0x6a00 + 0x10, mnt); u64(0x6a00 + 0x18, R + 0x6880)
# The socket: its own dentry (IS_ROOT) with sockfs's d_dname, inode 4242.
u64(0x6c00 + 0x38, SOCKFS_DNAME)
dentry(0x6b00, 0x6b00, b"socket:", 0x6b80, d_op=R + 0x6c00)
u64(0x6b00 + 0x30, R + 0x6d00); u64(0x6d00 + 0x40, 4242)
u64(0x6200 + 16, R + 0x6e00); u64(0x6e00 + 0x10, mnt); u64(0x6e00 + 0x18, R + 0x6b00)

with open("corpus/linux-walkers/tree-page-files", "wb") as f:
    f.write(bytes(b).rstrip(b"\0"))
