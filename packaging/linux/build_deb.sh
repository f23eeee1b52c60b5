#!/usr/bin/env bash
# Build the Linux bundle with PyInstaller and wrap it in a .deb.
#
#   packaging/linux/build_deb.sh            # uses .venv/bin/python
#   PYTHON=/path/to/python packaging/linux/build_deb.sh
#
# Output: dist/TextWorkbench/ (the bundle) and dist/text-workbench_<version>_<arch>.deb
# which installs the bundle under /opt/text-workbench, a launcher at
# /usr/bin/text-workbench, a .desktop entry and icons.
#   DEB_COMPRESS=zstd|xz|gzip|none   zstd (default, level 9): 30 s, ~400 MB on 2 cores;
#                                    xz: ~12% smaller but ~15 min; dpkg reads zstd since
#                                    1.21.18 (Debian 12, Ubuntu 22.04), and the bundle
#                                    needs a glibc that new anyway.
#   DEB_LEVEL=N                       compression level (default 9 for zstd, 6 for xz)
#   SKIP_PYINSTALLER=1                reuse an existing dist/TextWorkbench
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
HERE="packaging/linux"
PKG=text-workbench
BUNDLE="dist/TextWorkbench"
COMPRESS="${DEB_COMPRESS:-zstd}"

command -v dpkg-deb >/dev/null || { echo "dpkg-deb not found (apt-get install dpkg)" >&2; exit 2; }
VERSION="$("$PY" -c 'import workbench; print(workbench.__version__)')"
ARCH="$(dpkg --print-architecture 2>/dev/null || echo amd64)"

t0=$(date +%s)
if [ -z "${SKIP_PYINSTALLER:-}" ]; then
    "$PY" packaging/icons/make_icons.py build/icons
    "$PY" -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
        packaging/workbench.spec
fi
[ -x "$BUNDLE/TextWorkbench" ] || { echo "no bundle at $BUNDLE" >&2; exit 1; }
t1=$(date +%s)

STAGE="build/deb/${PKG}_${VERSION}_${ARCH}"
rm -rf "$STAGE"
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications"
# Hard links where the filesystem allows: staging 1 GB of torch twice is slow.
cp -al "$BUNDLE" "$STAGE/opt/$PKG" 2>/dev/null || cp -a "$BUNDLE" "$STAGE/opt/$PKG"
install -m 0755 "$HERE/text-workbench.sh" "$STAGE/usr/bin/$PKG"
install -m 0644 "$HERE/text-workbench.desktop" "$STAGE/usr/share/applications/$PKG.desktop"
for size in 16 24 32 48 64 128 256; do
    dir="$STAGE/usr/share/icons/hicolor/${size}x${size}/apps"
    mkdir -p "$dir"
    install -m 0644 "build/icons/workbench-$size.png" "$dir/$PKG.png"
done
mkdir -p "$STAGE/usr/share/icons/hicolor/scalable/apps"
install -m 0644 packaging/icons/workbench.svg "$STAGE/usr/share/icons/hicolor/scalable/apps/$PKG.svg"

SIZE_KB="$(du -sk "$STAGE" | cut -f1)"
# The bundle carries this machine's Python, built against this machine's glibc:
# the package cannot work with an older one.
# (getconf, not `ldd --version | head -1`: with pipefail, head closing the pipe early made
# ldd die of SIGPIPE now and then, and the fallback then added a second line)
GLIBC="$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')" || true
GLIBC="${GLIBC:-2.28}"
# The Qt libraries come from the one list that ./dev.sh start checks too.
QT_DEPENDS="$("$PY" -m ui.system_libs --deb depends)"
QT_RECOMMENDS="$("$PY" -m ui.system_libs --deb recommends)"
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@SIZE_KB@/$SIZE_KB/" -e "s/@GLIBC@/$GLIBC/" \
    -e "s/@QT_DEPENDS@/$QT_DEPENDS/" -e "s/@QT_RECOMMENDS@/$QT_RECOMMENDS/" \
    "$HERE/control.in" > "$STAGE/DEBIAN/control"
install -m 0755 "$HERE/postinst" "$STAGE/DEBIAN/postinst"
install -m 0755 "$HERE/postrm" "$STAGE/DEBIAN/postrm"

DEB="dist/${PKG}_${VERSION}_${ARCH}.deb"
# --root-owner-group: files belong to root in the package without fakeroot.
level=()
case "$COMPRESS" in
    zstd) level=(-z"${DEB_LEVEL:-9}") ;;
    xz) level=(-z"${DEB_LEVEL:-6}") ;;
esac
dpkg-deb --root-owner-group --threads-max="$(nproc)" -Z"$COMPRESS" "${level[@]}" --build "$STAGE" "$DEB" >/dev/null
t2=$(date +%s)

echo "bundle: $BUNDLE ($(du -sh "$BUNDLE" | cut -f1), PyInstaller $((t1 - t0)) s)"
echo "deb:    $DEB ($(du -h "$DEB" | cut -f1), dpkg-deb -Z$COMPRESS ${level[*]} $((t2 - t1)) s)"
