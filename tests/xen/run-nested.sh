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
# Every bed run ends within BUDGET seconds of this script's start (the
# bed's build included), well inside meson's timeout for the test (2700 s).
began=$(date +%s)
BUDGET=${GT_XEN_BED_BUDGET:-2400}
command -v qemu-system-x86_64 >/dev/null || { echo "1..0 # SKIP no qemu-system-x86_64"; exit 77; }
mkdir -p "$OUT"
if ! sh "$SRC/build-bed.sh" "$OUT/bed" "$GT" "$GUEST" >"$OUT/build.log" 2>&1; then
  tail -20 "$OUT/build.log"
  echo "1..0 # SKIP cannot build the nested-Xen bed (see $OUT/build.log)"
  exit 77
fi
left() { echo $((began + BUDGET - $(date +%s))); }
# One bed run: boots it (for at most $2 s), checks its serial log ($1);
# the TAP goes to $1.tap; $took is how long the run took.
bed_run() {
  rm -f "$1"
  start=$(date +%s)
  sh "$SRC/boot-bed.sh" "$OUT/bed" "$1" "$2" || true
  took=$(( $(date +%s) - start ))
  echo "# nested-Xen bed ran $took s (serial log: $1)" > "$1.tap"
  python3 "$SRC/check-log.py" "$1" >> "$1.tap"
}
# The nested dom0 under TCG sometimes runs corrupted code (seen: busybox
# running "ct" for "cut" at /init line 15, sed dying of SIGSEGV, an ASan
# report of a read past a string literal), and the nested domU now and then
# triple-faults (seen at its boot, and in xen_hypercall_amd's vmmcall while
# traced), which ends a phase early. A failed bed therefore runs again,
# whole, up to three runs while the time left in the budget is at least
# the last run's time and a quarter (10 minutes at least: a slow machine
# takes longer, a hung bed is stopped after 8 silent minutes); only the
# last run's checks count, the earlier runs' failures are shown as
# comments. A real regression fails every run.
LOG="$OUT/serial.log"
run=1
while :; do
  tmo=$(left)
  [ "$tmo" -gt "${GT_XEN_BED_TIMEOUT:-1800}" ] && tmo=${GT_XEN_BED_TIMEOUT:-1800}
  [ "$tmo" -lt 300 ] && tmo=300
  if bed_run "$LOG" "$tmo"; then
    cat "$LOG.tap"
    exit 0
  fi
  need=$((took + took / 4)); [ $need -lt 600 ] && need=600
  if [ $run -ge 3 ] || [ "$(left)" -lt $need ]; then
    cat "$LOG.tap"
    exit 1
  fi
  echo "# bed run $run failed; its failing checks (serial log: $LOG.run$run):"
  grep '^not ok' "$LOG.tap" | grep -v '# TODO' | sed 's/^/#   /'
  mv "$LOG" "$LOG.run$run"
  run=$((run + 1))
done
