#!/bin/sh
# The nested-Xen suite: builds the test bed (Xen + dom0 + PVH domU under
# QEMU TCG), boots it, lets dom0 run guestrace against the domU, and checks
# the serial log. About 3-4 minutes; skipped (exit 77) without
# qemu-system-x86_64 or network access to Debian's archive for the first
# package download.
# Usage: run-nested.sh OUTDIR GUESTRACE_BINARY GUEST_IMAGE_DIR
set -eu
OUT=${1:?usage: run-nested.sh OUTDIR GUESTRACE GUEST_IMAGE_DIR}
GT=${2:?guestrace}
GUEST=${3:?guest image dir}
SRC=$(cd "$(dirname "$0")" && pwd)
command -v qemu-system-x86_64 >/dev/null || { echo "1..0 # SKIP no qemu-system-x86_64"; exit 77; }
mkdir -p "$OUT"
if ! sh "$SRC/build-bed.sh" "$OUT/bed" "$GT" "$GUEST" >"$OUT/build.log" 2>&1; then
  tail -20 "$OUT/build.log"
  echo "1..0 # SKIP cannot build the nested-Xen bed (see $OUT/build.log)"
  exit 77
fi
LOG="$OUT/serial.log"
rm -f "$LOG"
start=$(date +%s)
sh "$SRC/boot-bed.sh" "$OUT/bed" "$LOG" "${GT_XEN_BED_TIMEOUT:-2700}" || true
end=$(date +%s)
echo "# nested-Xen bed ran $((end - start)) s (serial log: $LOG)"
python3 "$SRC/check-log.py" "$LOG"
