#!/bin/sh
# The README's first command: installs what is needed, builds guestrace,
# boots the demo guest (Debian's cloud kernel under QEMU TCG, KASLR on, two
# vCPUs) and shows a live trace of its system calls until the guest's demo
# workload ends.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
BUILD=${GT_DEMO_BUILD:-build}
[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" >/dev/null
ninja -C "$BUILD"
echo
echo "== Booting the demo guest and tracing it (the workload's output goes to the guest's console)"
echo
exec "$BUILD/tests/guest/gk-run" --workload "gtw-demo" -- \
  "$BUILD/tools/guestrace/guestrace" --mem {mem} -m {sysmap} \
  -e openat,read,write,close,clone,execve,wait4,exit_group,clock_nanosleep,getpid \
  --comm gtw-demo --comm gtw-hello {guest}
