#!/bin/sh
# Builds a test guest image into OUTDIR: a current Debian cloud kernel
# (vmlinuz), its link-time System.map, a kernel-version file and an initramfs
# with busybox, strace, the init script and the static workloads.
#   build-image.sh [--kernel deb11|deb12|deb13] [--cache DIR] [--initramfs FILE] OUTDIR
# --kernel: whose cloud kernel, resolved from its meta-package
#   linux-image-cloud-amd64 (never pinned):
#     deb12  Debian 12 (bookworm), through the host's own apt sources;
#     deb11  Debian 11 (bullseye, 5.10) and
#     deb13  Debian 13 (trixie, 6.12), each through a private apt source kept
#            in CACHE/apt-SUITE (same mirror and keyring as the host's
#            sources; nothing system-wide is changed).
# --cache: where kernels are cached (default OUTDIR/cache), one directory
#   <package>_<version>/ each, so a rerun neither downloads nor needs the
#   network once the kernel is cached.
# --initramfs: take this initramfs (another image's) instead of building one.
set -eu

KERNEL=deb12
SUITE=
CACHE=
INITRAMFS=
while [ $# -gt 1 ]; do
  case "$1" in
    --kernel) KERNEL=$2 ;;
    --cache) CACHE=$2 ;;
    --initramfs) INITRAMFS=$2 ;;
    *) echo "build-image: unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
OUTDIR=${1:?usage: build-image.sh [--kernel deb11|deb12|deb13] [--cache DIR] [--initramfs FILE] OUTDIR}
SRCDIR=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)
CACHE=${CACHE:-$OUTDIR/cache}
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)

log() { echo "build-image: $*" >&2; }

# --- the apt configuration that sees the chosen kernel ----------------------
# APT_OPTS is empty for the host's own sources; otherwise it points apt at a
# private source list, lists and cache (and no preferences).
APT_OPTS=
case "$KERNEL" in
  deb12) ;;
  deb11|deb13)
    case "$KERNEL" in deb11) SUITE=bullseye ;; *) SUITE=trixie ;; esac
    APTDIR="$CACHE/apt-$SUITE"
    # The host's Debian mirror: the archive its main suite comes from.
    MIRROR=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null |
             awk '$2 !~ /-/ { print $1; exit }')
    MIRROR=${MIRROR:-http://deb.debian.org/debian/}
    KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
    [ -s "$KEYRING" ] || { log "no $KEYRING (package debian-archive-keyring)"; exit 1; }
    mkdir -p "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial" "$APTDIR/empty.d"
    echo "deb [signed-by=$KEYRING] $MIRROR $SUITE main" > "$APTDIR/sources.list"
    APT_OPTS="-o Dir::Etc::sourcelist=$APTDIR/sources.list
      -o Dir::Etc::sourceparts=$APTDIR/empty.d
      -o Dir::State::Lists=$APTDIR/lists -o Dir::Cache=$APTDIR/cache
      -o Dir::Etc::preferences=$APTDIR/preferences
      -o Dir::Etc::preferencesparts=$APTDIR/empty.d"
    ;;
  *) log "unknown kernel '$KERNEL' (deb11, deb12 or deb13)"; exit 2 ;;
esac

apt_update() {
  log "apt-get update${APT_OPTS:+ (private $SUITE source)}"
  # shellcheck disable=SC2086
  if apt-get $APT_OPTS update -qq >&2; then
    [ -z "$APT_OPTS" ] || touch "$APTDIR/updated"
  else
    log "apt-get update failed: resolving from the lists at hand"
  fi
}

# --- resolve the kernel package behind the meta-package (never pinned) ----
resolve_pkg() {
  # shellcheck disable=SC2086
  apt-cache $APT_OPTS depends linux-image-cloud-amd64 2>/dev/null |
    sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-cloud-amd64\)$/\1/p' | head -n 1
}
# A private source is refreshed when its lists are a day old (best effort:
# offline, the lists it has still resolve the cached kernel).
if [ -n "$APT_OPTS" ] && [ -z "$(find "$APTDIR" -maxdepth 1 -name updated -mmin -1440)" ]; then
  apt_update
fi
PKG=$(resolve_pkg)
if [ -z "$PKG" ]; then
  log "cannot resolve linux-image-cloud-amd64"
  apt_update
  PKG=$(resolve_pkg)
fi
[ -n "$PKG" ] || { log "cannot resolve the kernel package"; exit 1; }
# shellcheck disable=SC2086
VER=$(apt-cache $APT_OPTS show --no-all-versions "$PKG" 2>/dev/null | sed -n 's/^Version: //p' | head -n 1)
[ -n "$VER" ] || { log "no version for $PKG"; exit 1; }
KDIR="$CACHE/${PKG}_$VER"

# --- download and extract vmlinuz + System.map unless already cached -------
if [ ! -s "$KDIR/vmlinuz" ] || [ ! -s "$KDIR/System.map" ]; then
  log "downloading $PKG $VER and its -dbg package (about 320 MB)"
  TMP=$(mktemp -d "$CACHE/dl.XXXXXX")
  trap 'rm -rf "$TMP"' EXIT
  # apt warns about the _apt sandbox when run as root: harmless.
  # shellcheck disable=SC2086
  (cd "$TMP" && apt-get $APT_OPTS download -q "$PKG=$VER" "$PKG-dbg=$VER") >&2
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

# --- the initramfs: another image's, or built here ---------------------------
if [ -n "$INITRAMFS" ]; then
  cp "$INITRAMFS" "$OUTDIR/initramfs.cpio.gz.tmp"
  mv "$OUTDIR/initramfs.cpio.gz.tmp" "$OUTDIR/initramfs.cpio.gz"
  log "image ready in $OUTDIR ($(cat "$OUTDIR/kernel-version"))"
  exit 0
fi

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
