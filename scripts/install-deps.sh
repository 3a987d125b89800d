#!/bin/sh
# Installs every Debian 12 package guestrace needs to build, test and run its
# demo guest. Idempotent; needs root (or sudo). Keep this the only place
# packages are listed. libvirt-daemon-system gives libvirtd (Debian 12 has
# no separate virtqemud) for the libvirt e2e test, which starts it itself.
set -eu
PKGS="meson ninja-build pkg-config gcc libc6-dev linux-libc-dev python3 libglib2.0-dev libbpf-dev libxen-dev
libelf-dev zlib1g-dev libcapstone-dev libjson-glib-dev libcurl4-openssl-dev
qemu-system-x86 busybox-static cpio strace gzip xz-utils ca-certificates
libnats-dev nats-server
clang libclang-rt-14-dev
libvirt-dev libvirt-daemon-system"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "install-deps: installing$missing" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
