#!/usr/bin/env python3
"""The shared library exports exactly the functions the public headers
declare with GT_API: nothing internal leaks, nothing public is missing."""
import re
import subprocess
import sys

lib, *headers = sys.argv[1:]
declared = set()
for h in headers:
    text = open(h).read()
    for m in re.finditer(r"GT_API\s+[^;{]*?\b(gt_\w+)\s*\(", text, re.S):
        declared.add(m.group(1))
out = subprocess.run(["nm", "-D", "--defined-only", lib], capture_output=True, text=True,
                     check=True).stdout
exported = {line.split()[-1].split("@")[0] for line in out.splitlines()
            if line.split()[1:2] and line.split()[1] in "TtWiDdBbRr"}
exported = {s for s in exported if not s.startswith("_")}
extra = sorted(exported - declared)
missing = sorted(declared - exported)
print(f"1..2")
print(("ok" if not extra else "not ok") + f" 1 - no internal symbol exported {extra}")
print(("ok" if not missing else "not ok") + f" 2 - every public function exported {missing}")
sys.exit(1 if extra or missing else 0)
