#!/bin/sh
# Downloads (never installs) the Debian packages the nested-Xen test bed
# unpacks: the Xen 4.17 hypervisor and tools for dom0, their libraries, and
# the generic kernel (the cloud kernel has no dom0 support) with the Xen
# modules dom0 needs. Cached in CACHE: a rerun needs no network.
# Usage: fetch-debs.sh CACHE
set -eu
CACHE=${1:?usage: fetch-debs.sh CACHE}
mkdir -p "$CACHE"
cd "$CACHE"
resolve() { apt-cache depends "$1" 2>/dev/null | sed -n "s/^ *Depends: \($2\)$/\1/p" | head -n 1; }
KPKG=$(resolve linux-image-amd64 'linux-image-[0-9][^ ]*-amd64')
if [ -z "$KPKG" ]; then apt-get update -qq >&2 || true; KPKG=$(resolve linux-image-amd64 'linux-image-[0-9][^ ]*-amd64'); fi
[ -n "$KPKG" ] || { echo "fetch-debs: cannot resolve the kernel package" >&2; exit 1; }
PKGS="$KPKG busybox-static libc6 liblzma5 libuuid1 libxencall1 libxendevicemodel1
libxenevtchn1 libxenforeignmemory1 libxengnttab1 libxenhypfs1 libxenmisc4.17 libxenstore4
libxentoolcore1 libxentoollog1 libyajl2 libzstd1 zlib1g xen-hypervisor-4.17-amd64
xen-utils-4.17 xenstore-utils"
for p in $PKGS; do
  ls "${p}"_*.deb >/dev/null 2>&1 && continue
  echo "fetch-debs: downloading $p" >&2
  apt-get download -q "$p" >&2 2>/dev/null || apt-get download -q "$p" >&2
done
echo "$KPKG" > kernel-package
