#!/usr/bin/env python3
"""Builds the decoder's constant tables from the kernel's UAPI headers.

Each src/decode/xlat/NAME.in lists which names make one set (the facts);
the values come from the headers, preprocessed for x86-64 whatever the
build host is: the x86-64 asm/ headers are selected explicitly and the
host compiler's own predefined macros are switched off (-undef), so no
host ABI leaks into a table.

A .in file holds, one per line:
  #include <linux/fcntl.h>   a UAPI header the values come from
  #libc <sys/socket.h>       a C-library header, for names the kernel keeps
                             out of its UAPI (AF_*, SOCK_*, R_OK ...)
  NAME                       an entry, in the order printing walks them
  # anything else            a comment

Every name must resolve to an integer, or the build fails: a list is a
fact, and a fact that does not resolve is a bug.

Also the name user space knows for each x86-64 syscall number, from
asm/unistd_64.h (gt_xlat_syscall_names).

Output: one C file with a `const GtXlat gt_xlat_NAME` per list, and a
header declaring them.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

TOKEN = re.compile(r"""
    (?P<num>0[xX][0-9a-fA-F]+[uUlL]*|[0-9]+[uUlL]*)
  | (?P<chr>'(?:\\.|[^'\\])')
  | (?P<id>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op><<|>>|&&|\|\||==|!=|<=|>=|[-+*/%&|^~!()<>?:])
  | (?P<ws>\s+)
""", re.X)

# Words that only occur in casts in these headers.
TYPE_WORDS = {
    "unsigned", "signed", "int", "long", "short", "char", "__force",
    "__u8", "__u16", "__u32", "__u64", "__s8", "__s16", "__s32", "__s64",
    "__poll_t", "__kernel_rwf_t", "__kernel_ulong_t", "__kernel_long_t", "__le32", "__be32",
    "u32", "u64", "__sighandler_t", "__signalfn_t", "sa_family_t",
}


class Unresolved(Exception):
    pass


def char_value(lit):
    body = lit[1:-1]
    if body.startswith("\\"):
        esc = {"n": 10, "t": 9, "r": 13, "0": 0, "\\": 92, "'": 39}
        return esc.get(body[1], ord(body[1]))
    return ord(body)


def tokens(text):
    pos = 0
    out = []
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m:
            raise Unresolved("cannot parse %r" % text[pos:])
        pos = m.end()
        if m.lastgroup != "ws":
            out.append((m.lastgroup, m.group()))
    return out


def drop_casts(toks):
    """Removes `(type words)` casts; only words of TYPE_WORDS count."""
    out = []
    i = 0
    while i < len(toks):
        if toks[i] == ("op", "("):
            j = i + 1
            while j < len(toks) and toks[j][0] == "id" and toks[j][1] in TYPE_WORDS:
                j += 1
            while j < len(toks) and toks[j] == ("op", "*"):
                j += 1
            if j > i + 1 and j < len(toks) and toks[j] == ("op", ")"):
                i = j + 1
                continue
        if toks[i] == ("id", "__force"):
            i += 1
            continue
        out.append(toks[i])
        i += 1
    return out


def evaluate(text, enums):
    parts = []
    for kind, tok in drop_casts(tokens(text)):
        if kind == "num":
            digits = tok.rstrip("uUlL")
            if len(digits) > 1 and digits[0] == "0" and digits[1] not in "xX":
                parts.append(str(int(digits, 8)))
            else:
                parts.append(str(int(digits, 0)))
        elif kind == "chr":
            parts.append(str(char_value(tok)))
        elif kind == "id":
            if tok not in enums:
                raise Unresolved("unknown identifier %s in %r" % (tok, text))
            parts.append("(%d)" % enums[tok])
        else:
            parts.append({"/": "//", "&&": " and ", "||": " or ", "!": " not "}.get(tok, tok))
    expr = " ".join(parts)
    if not expr.strip():
        raise Unresolved("empty expansion")
    try:
        return int(eval(expr, {"__builtins__": {}}, {}))  # integers and operators only
    except Exception as e:  # noqa: BLE001 - reported as the build error
        raise Unresolved("cannot evaluate %r: %s" % (expr, e))


def enum_values(text):
    """Enumerators of every enum in preprocessed text, in order."""
    values = {}
    for body in re.findall(r"\benum\b[^{};]*\{([^{}]*)\}", text):
        nxt = 0
        for item in body.split(","):
            item = item.strip()
            if not item:
                continue
            name, _, expr = item.partition("=")
            name = name.strip()
            if not re.fullmatch(r"[A-Za-z_]\w*", name):
                break
            try:
                val = evaluate(expr, values) if expr.strip() else nxt
            except Unresolved:
                break
            values[name] = val
            nxt = val + 1
    return values


def parse_in(path):
    uapi, libc, names = [], [], []
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            if line.startswith("#include"):
                uapi.append(line.split(None, 1)[1])
            elif line.startswith("#libc"):
                libc.append(line.split(None, 1)[1])
            elif line.startswith("#"):
                continue
            elif re.fullmatch(r"[A-Za-z_]\w*", line):
                names.append(line)
            else:
                sys.exit("%s:%d: not a name: %s" % (path, lineno, line))
    return uapi, libc, names


def preprocess(cc, flags, headers, names):
    with tempfile.NamedTemporaryFile("w", suffix=".c", delete=False) as f:
        for h in headers:
            f.write("#include %s\n" % h)
        f.write("#define GT_XLAT_NAME(x) #x\n")
        for n in names:
            f.write("__gt_xlat_begin GT_XLAT_NAME(%s) %s __gt_xlat_end\n" % (n, n))
        src = f.name
    try:
        res = subprocess.run(cc + ["-E", "-P"] + flags + [src], capture_output=True, text=True)
    finally:
        os.unlink(src)
    if res.returncode != 0:
        sys.exit("gen-xlat: preprocessing %s failed:\n%s" % (" ".join(headers), res.stderr))
    text = res.stdout
    found = {}
    for name, expansion in re.findall(r'__gt_xlat_begin\s+"(\w+)"(.*?)__gt_xlat_end', text, re.S):
        found[name] = expansion.strip()
    return text, found


def resolve(cc, flags, headers, names):
    if not headers:
        return {}
    text, found = preprocess(cc, flags, headers, names)
    enums = enum_values(text)
    out = {}
    for n in names:
        exp = found.get(n)
        if exp is None:
            continue
        try:
            out[n] = evaluate(exp, enums)
        except Unresolved:
            pass
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--uapi-arch-dir", required=True,
                    help="directory holding the x86-64 asm/ headers")
    ap.add_argument("--include-dir", default="/usr/include")
    ap.add_argument("--out-c", required=True)
    ap.add_argument("--out-h", required=True)
    ap.add_argument("--cc", nargs="+", required=True)
    ap.add_argument("inputs", nargs="+")
    a = ap.parse_args()
    if not os.path.exists(os.path.join(a.uapi_arch_dir, "asm", "unistd_64.h")):
        sys.exit("gen-xlat: no x86-64 asm headers in %s (install linux-libc-dev for amd64)"
                 % a.uapi_arch_dir)
    arch = ["-undef", "-D__x86_64__=1", "-D__linux__=1", "-D__LP64__=1", "-D__CHAR_BIT__=8"]
    uapi_flags = ["-nostdinc"] + arch + ["-I", a.uapi_arch_dir, "-I", a.include_dir]
    libc_flags = arch + ["-D__GNUC__=12", "-D_GNU_SOURCE", "-I", a.uapi_arch_dir, "-I", a.include_dir]

    sets = []
    for path in sorted(a.inputs):
        name = os.path.basename(path)[:-3]
        uapi, libc, names = parse_in(path)
        values = resolve(a.cc, uapi_flags, uapi, names)
        missing = [n for n in names if n not in values]
        values.update(resolve(a.cc, libc_flags, libc, missing))
        missing = [n for n in names if n not in values]
        if missing:
            sys.exit("gen-xlat: %s: no value in the headers for %s" % (path, ", ".join(missing)))
        sets.append((name, [(values[n] & 0xFFFFFFFFFFFFFFFF, n) for n in names]))

    # The names user space knows for each x86-64 syscall number.
    with open(os.path.join(a.uapi_arch_dir, "asm", "unistd_64.h")) as f:
        nrs = [(int(v), n) for n, v in re.findall(r"#define __NR_(\w+)\s+(\d+)", f.read())]
    sets.append(("syscall_names", sorted(nrs)))

    with open(a.out_h, "w") as h:
        h.write("/* Generated by gen-xlat.py from src/decode/xlat: do not edit. */\n")
        h.write("#pragma once\n#include \"decode/xlat.h\"\n\n")
        for name, _ in sets:
            h.write("extern const GtXlat gt_xlat_%s;\n" % name)
    with open(a.out_c, "w") as c:
        c.write("/* Generated by gen-xlat.py from src/decode/xlat and the x86-64\n"
                " * UAPI headers: do not edit. */\n")
        c.write("#include \"%s\"\n\n" % os.path.basename(a.out_h))
        for name, entries in sets:
            c.write("static const GtXlatEntry %s_entries[] = {\n" % name)
            for v, n in entries:
                c.write("  { G_GUINT64_CONSTANT(%#x), \"%s\" },\n" % (v, n))
            c.write("};\n")
            c.write("const GtXlat gt_xlat_%s = { %s_entries, G_N_ELEMENTS(%s_entries) };\n\n"
                    % (name, name, name))


if __name__ == "__main__":
    main()
