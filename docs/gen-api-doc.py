#!/usr/bin/env python3
"""Generates the API reference (Markdown) from the doc comments of the
public headers: every `/** name: ... */` block and the declaration after it.
With --check, fails if a GT_API function has no doc comment (so the
reference cannot silently fall behind the API)."""
import re
import sys

args = sys.argv[1:]
check = "--check" in args
args = [a for a in args if a != "--check"]
out_path, headers = (None, args) if check else (args[0], args[1:])

BLOCK = re.compile(r"/\*\*\s*\n(.*?)\*/\s*\n(.*?;|typedef[^;]*?\}\s*\w+;|typedef.*?;)", re.S)
sections, documented, missing = [], set(), []
for h in headers:
    text = open(h).read()
    name = h.split("/")[-1]
    entries = []
    for m in BLOCK.finditer(text):
        body = [re.sub(r"^\s*\* ?", "", l) for l in m.group(1).splitlines()]
        title = body[0].strip().rstrip(":") if body else "?"
        decl = re.sub(r"\bGT_API\s+", "", m.group(2).strip())
        documented.add(title)
        entries.append((title, "\n".join(body[1:]).strip(), decl))
    # one-line doc comments (/** text */) before declarations count too
    for m in re.finditer(r"/\*\*[^\n]*\*/\s*\nGT_API[^;]*?\b(gt_\w+)\s*\(", text):
        documented.add(m.group(1))
    for m in re.finditer(r"GT_API\s+[^;{]*?\b(gt_\w+)\s*\(", text, re.S):
        if m.group(1) not in documented:
            missing.append(f"{name}: {m.group(1)}")
    sections.append((name, entries))

if check:
    print("1..1")
    if missing:
        print("not ok 1 - undocumented public functions: " + ", ".join(missing))
        sys.exit(1)
    print("ok 1 - every public function has a doc comment")
    sys.exit(0)

with open(out_path, "w") as out:
    out.write("# libguestrace API reference\n\nGenerated from the doc comments of the public headers.\n")
    for name, entries in sections:
        out.write(f"\n## `guestrace/{name}`\n")
        for title, body, decl in entries:
            out.write(f"\n### `{title}`\n\n```c\n{decl}\n```\n\n{body}\n")
