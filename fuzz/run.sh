#!/bin/sh
# Builds the libFuzzer targets (clang, ASan + UBSan, -Dfuzz=true) in their
# own build directory and runs every target (or the ones named) for SECONDS
# each, two at a time; see fuzz/README.md. Ends with meson's summary; the
# exit status is non-zero if any target failed.
# Usage: fuzz/run.sh SECONDS [TARGET...]        (e.g. fuzz/run.sh 300 btf)
# Environment: GT_FUZZ_BUILD (default build-fuzz), GT_FUZZ_TIMEOUT,
# GT_FUZZ_RSS_MB (see run-target.sh).
set -eu
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: fuzz/run.sh SECONDS [TARGET...]" >&2; exit 2; }
secs=$1
shift
BUILD=${GT_FUZZ_BUILD:-build-fuzz}
if [ ! -f "$BUILD/build.ninja" ]; then
  CC=clang meson setup "$BUILD" -Dfuzz=true -Db_sanitize=address,undefined \
    -Db_lundef=false >/dev/null
fi
ninja -C "$BUILD" fuzz
# Without --suite, the names select tests of the fuzz suite only.
if [ $# -eq 0 ]; then
  set -- --suite fuzz
else
  set -- $(for t in "$@"; do echo "fuzz-$t"; done)
fi
GT_FUZZ_SECONDS=$secs meson test -C "$BUILD" --no-rebuild --print-errorlogs \
  --num-processes 2 "$@"
