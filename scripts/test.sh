#!/bin/sh
# Builds guestrace with warnings as errors and AddressSanitizer +
# UndefinedBehaviorSanitizer, builds the test guest, and runs every test
# (unit and end-to-end). Then, for a full run (no arguments), builds the
# libFuzzer targets with clang in build-fuzz and runs each for
# GT_FUZZ_SECONDS (default 20; 0 skips them): see fuzz/README.md.
# Ends with the line "N passed, N failed", fuzz targets included.
# Usage: scripts/test.sh [meson test arguments, e.g. --suite unit]
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
BUILD=${GT_TEST_BUILD:-build-test}
if [ ! -f "$BUILD/build.ninja" ]; then
  # -Dlibvirt=enabled: CI must build (and test) libvirt:NAME, not quietly skip it.
  meson setup "$BUILD" -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false \
    -Dlibvirt=enabled
fi
ninja -C "$BUILD"
status=0
meson test -C "$BUILD" --print-errorlogs --num-processes 2 "$@" || status=$?
logs="$BUILD/meson-logs/testlog.json"
FUZZ_BUILD=${GT_FUZZ_BUILD:-build-fuzz}
if [ $# -eq 0 ] && [ "${GT_FUZZ_SECONDS:-20}" != 0 ]; then
  rm -f "$FUZZ_BUILD/meson-logs/testlog.json"
  GT_FUZZ_BUILD=$FUZZ_BUILD sh fuzz/run.sh "${GT_FUZZ_SECONDS:-20}" || status=$?
  # A fuzz build that did not even build counts as one failure.
  if [ -f "$FUZZ_BUILD/meson-logs/testlog.json" ]; then
    logs="$logs $FUZZ_BUILD/meson-logs/testlog.json"
  else
    logs="$logs fuzz-build-failed"
  fi
fi
python3 - $logs <<'PY'
import json, os, sys
passed = failed = skipped = 0


def why(out):
    """What a failed test said, in at most 12 lines: CI shows only the tail
    of this output. A TAP test's failing checks and comments on its runs,
    else its last lines."""
    lines = out.splitlines()
    tap = [l for l in lines if (l.startswith("not ok") and "# TODO" not in l)
           or l.startswith(("# bed run", "#   not ok", "# nested-Xen bed", "Bail out"))]
    for l in (tap or lines[-8:])[-12:]:
        print("   ", l[:300])


for path in sys.argv[1:]:
    if not os.path.exists(path):
        failed += 1
        print("FAILED:", path)
        continue
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            res = r.get("result")
            if res in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif res == "SKIP":
                skipped += 1
            else:
                failed += 1
                print("FAILED:", r.get("name"), res)
                why(r.get("stdout") or "")
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
PY
exit $status
