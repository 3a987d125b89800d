#!/bin/sh
# Builds the test guest image into OUTDIR: the current Debian cloud kernel
# (vmlinuz), its link-time System.map, a kernel-version file and an initramfs
# with busybox, strace, the init script and the static workloads.
# Kernel artifacts are cached in OUTDIR/cache/<package>_<version>/, so a rerun
# neither downloads nor needs the network once the kernel is cached.
set -eu

OUTDIR=${1:?usage: build-image.sh OUTDIR}
SRCDIR=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)
CACHE="$OUTDIR/cache"
mkdir -p "$CACHE"

log() { echo "build-image: $*" >&2; }

# --- resolve the kernel package behind the meta-package (never pinned) ----
resolve_pkg() {
  apt-cache depends linux-image-cloud-amd64 2>/dev/null |
    sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-cloud-amd64\)$/\1/p' | head -n 1
}
PKG=$(resolve_pkg)
if [ -z "$PKG" ]; then
  log "cannot resolve linux-image-cloud-amd64, running apt-get update"
  apt-get update -qq >&2 || true
  PKG=$(resolve_pkg)
fi
[ -n "$PKG" ] || { log "cannot resolve the kernel package"; exit 1; }
VER=$(apt-cache show --no-all-versions "$PKG" 2>/dev/null | sed -n 's/^Version: //p' | head -n 1)
[ -n "$VER" ] || { log "no version for $PKG"; exit 1; }
KDIR="$CACHE/${PKG}_$VER"

# --- download and extract vmlinuz + System.map unless already cached -------
if [ ! -s "$KDIR/vmlinuz" ] || [ ! -s "$KDIR/System.map" ]; then
  log "downloading $PKG $VER and its -dbg package (about 310 MB)"
  TMP=$(mktemp -d "$CACHE/dl.XXXXXX")
  trap 'rm -rf "$TMP"' EXIT
  # apt warns about the _apt sandbox when run as root: harmless.
  (cd "$TMP" && apt-get download -q "$PKG=$VER" "$PKG-dbg=$VER") >&2
  dpkg-deb -x "$TMP/${PKG}_"*.deb "$TMP/x"
  dpkg-deb --fsys-tarfile "$TMP/${PKG}-dbg_"*.deb |
    tar -x -C "$TMP" --wildcards '*System.map*'
  rm -f "$TMP"/*.deb
  mkdir -p "$TMP/k"
  cp "$TMP/x/boot/vmlinuz-${PKG#linux-image-}" "$TMP/k/vmlinuz"
  find "$TMP/usr" -name "System.map-${PKG#linux-image-}" -exec cp {} "$TMP/k/System.map" \;
  [ -s "$TMP/k/System.map" ] || { log "no System.map in the -dbg package"; exit 1; }
  rm -rf "$KDIR"
  mv "$TMP/k" "$KDIR"
  rm -rf "$TMP"
  trap - EXIT
else
  log "using cached $PKG $VER"
fi
cp "$KDIR/vmlinuz" "$OUTDIR/vmlinuz"
cp "$KDIR/System.map" "$OUTDIR/System.map"
echo "${PKG#linux-image-} $VER" > "$OUTDIR/kernel-version"

# --- workloads: plain static gcc, outside meson's sanitizer options --------
ROOT=$(mktemp -d "$OUTDIR/root.XXXXXX")
chmod 755 "$ROOT"   # the guest's / (mktemp made it 0700)
trap 'rm -rf "$ROOT"' EXIT
mkdir -p "$ROOT/bin" "$ROOT/sbin" "$ROOT/etc" "$ROOT/proc" "$ROOT/sys" \
  "$ROOT/dev" "$ROOT/tmp" "$ROOT/root" "$ROOT/home/user"
chmod 1777 "$ROOT/tmp"
chmod 700 "$ROOT/root"
chown 1000:1000 "$ROOT/home/user" 2>/dev/null || true
WL="$SRCDIR/workloads"
mkdir -p "$OUTDIR/workloads"
for src in "$WL"/gtw-*.c; do
  name=$(basename "$src" .c)
  gcc -static -O1 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$WL" \
    -o "$OUTDIR/workloads/$name" "$src" "$WL/wl.c" -lpthread
  cp "$OUTDIR/workloads/$name" "$ROOT/bin/$name"
done

# --- busybox and its applets ------------------------------------------------
cp /bin/busybox "$ROOT/bin/busybox"
for app in $(/bin/busybox --list); do
  [ -e "$ROOT/bin/$app" ] || ln -s busybox "$ROOT/bin/$app"
done

# --- Debian's strace with its shared libraries and the dynamic loader ------
STRACE=$(command -v strace)
cp "$STRACE" "$ROOT/bin/strace"
for lib in $(ldd "$STRACE" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p'); do
  mkdir -p "$ROOT$(dirname "$lib")"
  cp -L "$lib" "$ROOT$lib"
done

# --- init and a minimal /etc ------------------------------------------------
cp "$SRCDIR/init" "$ROOT/init"
chmod 755 "$ROOT/init"
cat > "$ROOT/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
user:x:1000:1000:Test User:/home/user:/bin/sh
P
cat > "$ROOT/etc/group" <<'G'
root:x:0:
user:x:1000:
G
echo gkguest > "$ROOT/etc/hostname"

(cd "$ROOT" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
  gzip -6 > "$OUTDIR/initramfs.cpio.gz.tmp"
mv "$OUTDIR/initramfs.cpio.gz.tmp" "$OUTDIR/initramfs.cpio.gz"
log "image ready in $OUTDIR ($(cat "$OUTDIR/kernel-version"))"
