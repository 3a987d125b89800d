#!/bin/sh
# The README's first command: installs what is needed, builds guestrace,
# boots the demo guest (Debian's cloud kernel under QEMU TCG, KASLR on, two
# vCPUs) the way people start VMs -- QEMU with only a QMP socket, no gdb
# stub, no shared RAM file -- and traces it with nothing but that socket
# (qmp:PATH, no symbol map) while a shell session runs in the guest: it
# lists, reads, writes, fetches a page from a local web server and execs.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
BUILD=${GT_DEMO_BUILD:-build}
[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" >/dev/null
ninja -C "$BUILD"
SESSION='cd /tmp; ls /etc; cat /etc/hostname; echo "call Bob at 10" > notes.txt;
cat notes.txt; mkdir -p www; echo "<h1>hello</h1>" > www/index.html;
httpd -p 127.0.0.1:8080 -h /tmp/www; sleep 1;
wget -q -O page.html http://127.0.0.1:8080/; cat page.html; uname -r; id; rm notes.txt'
echo
echo "== Booting the demo guest (QEMU with only -qmp) and tracing it through qmp:"
echo
exec "$BUILD/tests/guest/gk-run" --qmp-only --workload "$(echo "$SESSION" | tr '\n' ' ')" -- \
  "$BUILD/tools/guestrace/guestrace" \
  -e openat,read,write,close,execve,clone,wait4,socket,connect,accept,sendto,recvfrom,unlinkat,mkdirat,exit_group \
  --comm sh --comm ls --comm cat --comm httpd --comm wget --comm uname --comm id --comm rm \
  --comm mkdir {guest}
