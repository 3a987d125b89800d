#!/usr/bin/env python3
"""Writes seeds for the decode target (layout in fuzz-decode.c): calls with
pointers into the caller memory at 0x10000: a file name, an argv, a
buffer with control bytes and invalid UTF-8, a sockaddr, out-parameters.
Run from fuzz/: python3 seeds/make-decode.py"""
import struct

B = 0x10000
def seed(name, pick, args, result=None, mem=b"", comm=b"sh\0\0"):
    args = list(args) + [0] * (6 - len(args))
    data = bytes([pick]) + struct.pack("<7Q", *args, (result or 0) & (2**64 - 1))
    data += bytes([1 if result is not None else 0]) + comm + mem
    open("corpus/decode/" + name, "wb").write(data)

# 0 read, 1 write, 2 openat, 3 execve, 4 mmap, 5 clone, 6 kill, 7 connect,
# 8 sendto, 9 accept, 10 wait4, 11 pipe2, 12 newfstatat, ...
seed("openat", 2, [(-100) & (2**64 - 1), B, 0o101, 0o644], 3, b"/etc/passwd\0")
seed("openat-hostile", 2, [3, B, 0, 0], -2 & (2**64 - 1), b"a\"b\n\x1b[31m\x01\x1f\xff\xfe\xc3\xa9\0",
     comm=b"\x1b\n\"q")
argv = struct.pack("<4Q", B + 0x40, B + 0x43, B + 0x46, 0)
seed("execve", 3, [B + 0x20, B, 0], 0, argv.ljust(0x20, b"\0") + b"/bin/ls\0".ljust(0x20, b"\0")
     + b"ls\0-l\0/\0")
seed("write", 1, [1, B, 12], 12, b"hello\x00\x01\xff\n\t\\\"")
seed("read", 0, [0, B, 16], 5, b"abc\0\xff" + b"\0" * 11)
sin = struct.pack("<HH4s8x", 2, 0x5000, bytes([10, 0, 0, 1]))
seed("connect", 7, [3, B, 16], 0, sin)
seed("wait4", 10, [0xffffffffffffffff, B, 0, 0], 101, struct.pack("<i", 0x0b7f))
seed("pipe2", 11, [B, 0o2000000], 0, struct.pack("<ii", 3, 4))
seed("mmap", 4, [0, 4096, 3, 0x22, 0xffffffffffffffff, 0], 0x7f0000000000)
seed("no-meta", 200, [11, 0, 0, 0, 0, 0], 0)
