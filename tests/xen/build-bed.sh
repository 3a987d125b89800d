#!/bin/sh
# Builds the nested-Xen test bed into OUTDIR: Xen 4.17 (xen.bin), the dom0
# kernel (dom0-vmlinuz) and the dom0 initramfs (dom0-initrd.gz) holding the
# Xen toolstack from Debian packages, guestrace with its shared libraries
# (found with ldd), and the PVH domU: the test guest kit's kernel and
# initramfs with tests/xen/domu-init as /init.
# Usage: build-bed.sh OUTDIR GUESTRACE_BINARY GUEST_IMAGE_DIR
set -eu
OUT=${1:?usage: build-bed.sh OUTDIR GUESTRACE GUEST_IMAGE_DIR}
GT=${2:?guestrace binary}
GUEST=${3:?guest image dir}
SRC=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
log() { echo "build-bed: $*" >&2; }
sh "$SRC/fetch-debs.sh" "$OUT/cache"
KPKG=$(cat "$OUT/cache/kernel-package")
KVER=${KPKG#linux-image-}

ROOT=$(mktemp -d "$OUT/root.XXXXXX")
trap 'rm -rf "$ROOT" "$OUT/k.tmp"' EXIT
for deb in "$OUT"/cache/*.deb; do
  case "$(basename "$deb")" in
    linux-image-*) ;;
    *) dpkg-deb -x "$deb" "$ROOT" ;;
  esac
done
rm -rf "$OUT/k.tmp"; mkdir -p "$OUT/k.tmp"
dpkg-deb -x "$OUT"/cache/${KPKG}_*.deb "$OUT/k.tmp"
cp "$OUT/k.tmp/boot/vmlinuz-$KVER" "$OUT/dom0-vmlinuz"
mkdir -p "$ROOT/lib/modules"
for m in xen-privcmd xenfs xen-evtchn xen-gntdev xen-gntalloc; do
  find "$OUT/k.tmp/lib/modules" -name "$m.ko" -exec cp {} "$ROOT/lib/modules/" \;
done
rm -rf "$OUT/k.tmp"
gunzip -c "$ROOT"/boot/xen-4.17-amd64.gz > "$OUT/xen.bin"
rm -rf "$ROOT/boot" "$ROOT/usr/share/doc" "$ROOT/usr/share/man" "$ROOT/usr/share/locale"
mkdir -p "$ROOT/proc" "$ROOT/sys" "$ROOT/dev" "$ROOT/run" "$ROOT/tmp" "$ROOT/var/log" \
  "$ROOT/root/guest" "$ROOT/usr/bin"

# guestrace and every shared library it loads. System libraries keep their
# paths; the build tree's own (libguestrace) go to /opt/guestrace/lib, since
# the build tree may live under /tmp, which dom0 mounts over.
GT=$(cd "$(dirname "$GT")" && pwd)/$(basename "$GT")
mkdir -p "$ROOT/opt/guestrace/bin" "$ROOT/opt/guestrace/lib"
cp "$GT" "$ROOT/opt/guestrace/bin/guestrace"
printf '#!/bin/sh\nLD_LIBRARY_PATH=/opt/guestrace/lib exec /opt/guestrace/bin/guestrace "$@"\n' \
  > "$ROOT/usr/bin/guestrace"
chmod 755 "$ROOT/usr/bin/guestrace"
for lib in $(ldd "$GT" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p'); do
  case "$lib" in
    /lib/*|/lib64/*|/usr/*) dest="$ROOT$lib" ;;
    *) dest="$ROOT/opt/guestrace/lib/$(basename "$lib")" ;;
  esac
  mkdir -p "$(dirname "$dest")"
  rm -f "$dest"
  cp -L "$lib" "$dest"
done

# The domU: the guest kit's kernel and initramfs, our init laid over it
# (a later cpio archive in the same initramfs overrides earlier files).
cp "$GUEST/vmlinuz" "$ROOT/root/guest/vmlinuz"
cp "$GUEST/System.map" "$ROOT/root/guest/System.map"
OV=$(mktemp -d "$OUT/ov.XXXXXX")
cp "$SRC/domu-init" "$OV/init"
chmod 755 "$OV/init"
# libxc inflates one gzip stream only: recompress the whole as one.
{ gunzip -c "$GUEST/initramfs.cpio.gz"
  (cd "$OV" && echo init | cpio -o -H newc -R 0:0 --quiet); } | gzip -6 > "$ROOT/root/guest/initrd.gz"
rm -rf "$OV"
cp "$SRC/pvh.cfg" "$ROOT/root/guest/pvh.cfg"
cp "$SRC/dom0-init" "$ROOT/init"
chmod 755 "$ROOT/init"
(cd "$ROOT" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 > "$OUT/dom0-initrd.gz.tmp"
mv "$OUT/dom0-initrd.gz.tmp" "$OUT/dom0-initrd.gz"
log "bed ready in $OUT ($(du -h "$OUT/dom0-initrd.gz" | cut -f1) dom0 initramfs)"
