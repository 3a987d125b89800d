#!/bin/sh
# Runs one libFuzzer target, as the `fuzz` test suite does:
#   1. replays every input in fuzz/regressions/<name>/ (inputs that once
#      crashed: they must keep passing);
#   2. fuzzes for GT_FUZZ_SECONDS (default 20), starting from the seeds in
#      fuzz/corpus/<name>/ plus what earlier local runs found (kept in the
#      build directory, never written into the source tree).
# Fails on any crash, sanitizer report, leak, input slower than
# GT_FUZZ_TIMEOUT seconds (default 10) or memory above GT_FUZZ_RSS_MB
# (default 2048). The failing input is kept in the build directory; the
# message says where, and how to keep it as a regression input.
# Usage: run-target.sh EXECUTABLE NAME FUZZ_SOURCE_DIR
set -eu
exe=$1 name=$2 src=$3
secs=${GT_FUZZ_SECONDS:-20}
tmo=${GT_FUZZ_TIMEOUT:-10}
rss=${GT_FUZZ_RSS_MB:-2048}
work=$(dirname "$exe")/fuzz-work/$name
mkdir -p "$work/corpus" "$work/artifacts"
set -- -timeout="$tmo" -rss_limit_mb="$rss" -malloc_limit_mb="$rss" \
  -artifact_prefix="$work/artifacts/"
[ -f "$src/$name.dict" ] && set -- "$@" -dict="$src/$name.dict"

failed() {
  echo "FUZZ FAILURE in $name: the input is in $work/artifacts/" >&2
  ls -l "$work/artifacts/" >&2
  echo "Fix the bug, then keep the input: cp $work/artifacts/<file> $src/regressions/$name/" >&2
  exit 1
}

log="$work/last-run.log"
if [ -d "$src/regressions/$name" ]; then
  # Given files (not a directory), libFuzzer runs each once and stops.
  inputs=$(find "$src/regressions/$name" -type f ! -name '.*' | sort)
  if [ -n "$inputs" ]; then
    echo "== $name: replaying $(echo "$inputs" | wc -l) regression inputs"
    # shellcheck disable=SC2086 # file names are ours: no blanks
    if ! "$exe" "$@" $inputs >"$log" 2>&1; then
      tail -n 60 "$log" >&2
      failed
    fi
  fi
fi
[ "$secs" -gt 0 ] || exit 0
echo "== $name: fuzzing ${secs}s"
seeds=$src/corpus/$name
[ -d "$seeds" ] || seeds=            # a target without seeds starts from nothing
# shellcheck disable=SC2086 # $seeds is one directory name without blanks, or empty
if ! "$exe" "$@" -max_total_time="$secs" -print_final_stats=1 \
     "$work/corpus" $seeds >"$log" 2>&1; then
  tail -n 60 "$log" >&2
  failed
fi
# The last status line (coverage, features, corpus) and the final stats.
grep -E '^#[0-9]+.*(DONE|cov:)' "$log" | tail -n 1
grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' "$log"
