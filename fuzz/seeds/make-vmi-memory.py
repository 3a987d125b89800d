#!/usr/bin/env python3
"""Writes seeds for the vmi-memory target: a header (CR3, flags, four
virtual addresses) and a physical image with real 4- and 5-level page
tables mapping 4 KiB, 2 MiB and 1 GiB pages, a user page and a string
across a page end. Run from fuzz/: python3 seeds/make-vmi-memory.py"""
import struct

P, RW, US, PS = 1, 2, 4, 0x80

def image(la57):
    ram = bytearray(0x10000)
    D = 0xa000        # the two data pages, after at most 8 tables
    def put(pa, v):
        struct.pack_into("<Q", ram, pa, v)
    top = 0x1000
    def idx(va, level):
        return (va >> (12 + 9 * (level - 1))) & 0x1ff
    tables = {}
    nxt = [0x2000]
    def table_for(va, level):
        """Physical address of the table at `level` for va (5..1)."""
        key = (level, va >> (12 + 9 * level))
        if level == (5 if la57 else 4):
            return top
        if key not in tables:
            parent = table_for(va, level + 1)
            tables[key] = nxt[0]
            nxt[0] += 0x1000
            put(parent + 8 * idx(va, level + 1), tables[key] | P | RW | US)
        return tables[key]
    def map_(va, pa, size, flags):
        level = {0x1000: 1, 0x200000: 2, 0x40000000: 3}[size]
        t = table_for(va, level)
        put(t + 8 * idx(va, level), pa | P | flags | (PS if level > 1 else 0))
    user = 0x0000000000400000
    kern = 0xffffffff81000000
    map_(user, D, 0x1000, RW | US)
    map_(user + 0x1000, D + 0x1000, 0x1000, RW | US)
    map_(kern, 0x0, 0x200000, RW)                 # 2 MiB page over the whole image
    map_(0xffff888000000000, 0x0, 0x40000000, RW)  # 1 GiB direct map
    ram[D + 0xff0:D + 0x1008] = b"across a page end\0\0\0\0\0\0\0"[:0x18]
    hdr = struct.pack("<QQQQQQ", top, 1 if la57 else 0, user + 0xff0,
                      kern + D, 0xffff888000000100, 0x00007fffffffe000)
    assert nxt[0] <= D, hex(nxt[0])
    return hdr + bytes(ram[:D + 0x1010])

open("corpus/vmi-memory/four-level", "wb").write(image(False))
open("corpus/vmi-memory/five-level", "wb").write(image(True))
