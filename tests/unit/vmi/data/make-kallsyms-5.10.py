#!/usr/bin/env python3
"""Made tests/unit/vmi/data/kallsyms-5.10.{bin,expected}.gz once, from a
running test-kit guest with the Debian 11 kernel (5.10, no kallsyms in its
VMCOREINFO):
  gk-run --keep (GT_GUEST_KERNEL=deb11), then
  make-kallsyms-5.10.py RAMFILE KALLSYMS.txt VMLINUX OUTDIR
VMLINUX: the package's vmlinuz decompressed (only to find the tables: the
bytes written come from the guest's RAM). The kernel's real tables (run-time
relative_base, token table and index, offsets, names, markers) are cut to
their first 2048 symbols and laid out again the way 5.10's
scripts/kallsyms.c lays them (offsets, relative_base, num_syms, names,
markers (u32), token_table, token_index, each 8-aligned), from the real
offsets address on, in the 1 MiB piece of .rodata that holds them, with two
pieces of real .rodata that also hold "0\\0".."9\\0" (false hits the scanner
must refuse) at their own addresses. Record format as the 6.x files: u64
va, u32 len, bytes; va 0 is the VMCOREINFO text. Expected: the guest's
/proc/kallsyms, first 2048 lines."""
import gzip, struct, sys

ram_path, kallsyms_path, vmlinux_path, out = sys.argv[1:5]
ram = open(ram_path, 'rb').read()
vml = open(vmlinux_path, 'rb').read()
N = 2048

# VMCOREINFO: the page-aligned text starting OSRELEASE=
i = ram.find(b'OSRELEASE=')
while i % 4096:
    i = ram.find(b'OSRELEASE=', i + 1)
vmcoreinfo = ram[i:ram.index(b'\0', i)]
kv = dict(l.split('=', 1) for l in vmcoreinfo.decode().splitlines() if '=' in l)
stext = int(kv['SYMBOL(_stext)'], 16)
slide = stext - 0xffffffff81000000

# .rodata of vmlinux (link-time), and where it sits in RAM
shoff, = struct.unpack_from('<Q', vml, 0x28)
shentsize, shnum, shstrndx = struct.unpack_from('<HHH', vml, 0x3a)
secs = [struct.unpack_from('<IIQQQQ', vml, shoff + k * shentsize) for k in range(shnum)]
strtab = secs[shstrndx][4]
def name(s): return vml[strtab + s[0]:vml.index(b'\0', strtab + s[0])].decode()
ro = next(s for s in secs if name(s) == '.rodata')
ro_va, ro_off, ro_size = ro[3] + slide, ro[4], ro[5]
rodata_file = vml[ro_off:ro_off + ro_size]
probe = rodata_file[0x100000:0x100100]   # (pages with pointers differ: relocated)
pa = ram.find(probe) - 0x100000
rodata = ram[pa:pa + ro_size]

# the real tables (the same search as the scanner, done here by hand)
pat = b''.join(bytes([c, 0]) for c in b'0123456789')
hits, k = [], rodata.find(pat)
while k >= 0:
    hits.append(k); k = rodata.find(pat, k + 1)
def tokens_at(p):
    q = p + len(pat)
    for _ in range(0x3a, 0x100):
        q = rodata.index(b'\0', q) + 1
    x = (q + 7) & ~7
    idx = struct.unpack_from('<256H', rodata, x)
    return p - idx[0x30], x, idx
T, X, idx = next(tokens_at(h) for h in hits if tokens_at(h)[2][0] == 0)
false_hits = [h for h in hits if tokens_at(h)[0] != T]
A = T - 8
while True:
    A -= 8
    n, hi = struct.unpack_from('<II', rodata, A)
    if hi == 0 and 1000 < n < 2000000:
        nm = (n + 255) // 256
        mk = T - ((nm * 4 + 7) & ~7)
        m = struct.unpack_from('<%dI' % nm, rodata, mk)
        if m[0] == 0 and all(m[j] < m[j + 1] for j in range(nm - 1)) and m[-1] < mk - A:
            break
nsyms = n
offs = A - 8 - ((4 * nsyms + 7) & ~7)
names_end = m[N // 256]          # names of the first N symbols
assert N % 256 == 0

def align8(x): return (x + 7) & ~7
blob = bytearray()
def put(b):
    blob.extend(b); blob.extend(b'\0' * (align8(len(blob)) - len(blob)))
start = offs
put(rodata[offs:offs + 4 * N])
put(rodata[A - 8:A])                               # relative_base (run-time)
put(struct.pack('<I', N))
names_at = start + len(blob)
put(rodata[A + 8:A + 8 + names_end])
put(struct.pack('<%dI' % (N // 256), *m[:N // 256]))
put(rodata[T:X])
put(rodata[X:X + 512])

piece = (ro_va + offs) & ~0xfffff
assert (ro_va + offs + len(blob)) < piece + 0x100000
rec = bytearray(0x100000)
for h in false_hits:
    lo = max(h & ~0xfff, piece - ro_va)
    if lo + 0x1000 <= piece - ro_va + 0x100000:
        rec[lo - (piece - ro_va):lo - (piece - ro_va) + 0x1000] = rodata[lo:lo + 0x1000]
rec[ro_va + offs - piece:ro_va + offs - piece + len(blob)] = blob

with gzip.open(out + '/kallsyms-5.10.bin.gz', 'wb', 9) as f:
    f.write(struct.pack('<QI', 0, len(vmcoreinfo)) + vmcoreinfo)
    f.write(struct.pack('<QI', piece, len(rec)) + rec)
lines = open(kallsyms_path, 'rb').read().split(b'\n')[:N]
with gzip.open(out + '/kallsyms-5.10.expected.gz', 'wb', 9) as f:
    f.write(b'\n'.join(lines) + b'\n')
print('tables from 0x%x: num_syms 0x%x, names 0x%x, token_table 0x%x; %d false hits'
      % (ro_va + offs, ro_va + offs + align8(4 * N) + 8, ro_va + names_at,
         ro_va + offs + len(blob) - 512 - (X - T), len(false_hits)))
