#!/usr/bin/env python3
"""Writes the scan-5.10 seed for the kallsyms target: the real Debian 11
(5.10) tables of tests/unit/vmi/data/kallsyms-5.10.bin.gz (2048 symbols, as
5.10 lays them out) with the real .rodata page of a false "0\\0".."9\\0"
hit before them, at 0xffffffff81000000, relative_base set to that address
so that _stext (offset 0) decodes there. The header names the same tables
for the decoder. Run from fuzz/: python3 seeds/make-kallsyms.py"""
import gzip, struct

d = gzip.open('../tests/unit/vmi/data/kallsyms-5.10.bin.gz').read()
_, n = struct.unpack_from('<QI', d, 0)
p = 12 + n
va, n = struct.unpack_from('<QI', d, p)
rec = bytearray(d[p + 12:p + 12 + n])
TABLES = 0xffffffff8d4e4330 - va          # where the unit-test data put them
N = 2048
pat = b''.join(bytes([c, 0]) for c in b'0123456789')
false_hit = rec.find(pat)                 # the first: a .rodata string, not the table
assert false_hit < TABLES
page = rec[false_hit & ~0xfff:(false_hit & ~0xfff) + 0x1000]
tables = rec[TABLES:TABLES + 40000].rstrip(b'\0')
tables += b'\0' * ((-len(tables)) % 8)
image = bytearray(page + tables)
T0 = len(page)
rb = T0 + 4 * N
struct.pack_into('<Q', image, rb, 0xffffffff81000000)
num = rb + 8
names = num + 8
# token_index: the last 512 bytes (8-aligned); token_table: index['0']
# bytes before the digits
idx = len(image) - 512
while struct.unpack_from('<H', image, idx)[0] != 0 or struct.unpack_from('<H', image, idx + 2)[0] == 0:
    idx -= 8
tt = image.find(pat, T0) - struct.unpack_from('<H', image, idx + 2 * 0x30)[0]
image += b'\0' * ((-len(image)) % 0x1000)   # whole pages, as guest memory is read
header = struct.pack('<B7HH', 0x80 | 0x40, num, names, tt, idx, T0, rb, 0, 0)
open('corpus/kallsyms/scan-5.10', 'wb').write(header + bytes(image))
print('image %d bytes: offsets 0x%x num_syms 0x%x token_table 0x%x token_index 0x%x'
      % (len(image), T0, num, tt, idx))
