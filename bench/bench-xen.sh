#!/bin/sh
# bench-xen: traced calls per second of the Xen driver's CR trap in nested
# Xen (Xen 4.17 + dom0 + a two-vCPU PVH domU under QEMU TCG), with one vCPU
# busy (one gtw-loop) and with two (two gtw-loop at once), per-vCPU stops
# (the default) beside all-stop (GT_XEN_STOP=domain), all from one bed run
# (the nested suite's, whose TAP lines go to stderr: the run is also a test
# run); and QEMU gdb-stub breakpoint stops per second for the same workload
# (gtw-loop: getppid in a loop, traced with entry and return) in the same
# invocation.
# Usage: bench/bench-xen.sh BUILD_DIR      (a configured, built build dir)
# The bed's serial log is kept as BUILD_DIR/bench-xen-serial.log.
set -eu
B=$(cd "${1:?usage: bench-xen.sh BUILD_DIR}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
rate() {  # JSON trace -> calls/s inside the longest single process
  python3 - "$1" <<'PY'
import json, sys
by = {}
for l in open(sys.argv[1]):
    try:
        r = json.loads(l)
    except ValueError:
        continue
    by.setdefault(r.get("pid"), []).append(r["ts_ns"])
best = max(by.values(), key=len) if by else []
dt = (best[-1] - best[0]) / 1e9 if len(best) > 1 else 0
print("%.1f %d" % ((len(best) - 1) / dt if dt else 0, len(best)))
PY
}
echo "bench-xen: QEMU gdb stub (test guest, gtw-loop 300)" >&2
"$B/tests/guest/gk-run" --workload "gtw-loop 300" --timeout 240 -- \
  "$B/tools/guestrace/guestrace" {guest} --mem {mem} -m {sysmap} -e getppid \
  --comm gtw-loop --format json -o "$T/qemu.json" >/dev/null 2>"$T/qemu.err" || true
set -- $(rate "$T/qemu.json")
echo "QEMU gdb stub: $1 traced calls/s over $2 calls = $(python3 -c "print('%.0f' % (2 * $1))") breakpoint stops/s"
echo "bench-xen: nested Xen, CR trap (5 minutes on an idle machine, 30 or more on a loaded one)" >&2
# the suite's downloaded packages, if any, are reused (hard links)
mkdir -p "$T/xen/bed"
[ -d "$B/tests/xen/bed/cache" ] && cp -al "$B/tests/xen/bed/cache" "$T/xen/bed/"
sh "$SRC/tests/xen/run-nested.sh" "$T/xen" "$B/tools/guestrace/guestrace" "$B/tests/guest" \
  > "$T/xen.out" 2>&1 || true
grep -E "^(not )?ok |^# nested" "$T/xen.out" >&2 || true
cp "$T/xen/serial.log" "$B/bench-xen-serial.log" 2>/dev/null || true
grep "BENCH" "$T/xen.out" | sed "s/^# BENCH xen-cr3-trap/Xen CR trap (nested)/" || echo "Xen: no measurement (see the nested suite)"
