#!/bin/sh
# Builds guestrace with warnings as errors and AddressSanitizer +
# UndefinedBehaviorSanitizer, builds the test guest, and runs every test
# (unit and end-to-end). Ends with the line "N passed, N failed".
# Usage: scripts/test.sh [meson test arguments, e.g. --suite unit]
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
BUILD=${GT_TEST_BUILD:-build-test}
if [ ! -f "$BUILD/build.ninja" ]; then
  meson setup "$BUILD" -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false
fi
ninja -C "$BUILD"
status=0
meson test -C "$BUILD" --print-errorlogs --num-processes 2 "$@" || status=$?
python3 - "$BUILD/meson-logs/testlog.json" <<'PY'
import json, sys
passed = failed = skipped = 0
with open(sys.argv[1]) as f:
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
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
PY
exit $status
