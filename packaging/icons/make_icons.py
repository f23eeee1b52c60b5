"""Render the app icon (workbench.svg) into the PNG sizes the Linux desktop
wants and a Windows .ico, under build/icons/ (build output, never committed).

    python packaging/icons/make_icons.py [OUT_DIR]

Qt's own SVG renderer does the work, so no image library is needed in the
build venv; the .ico holds PNG images, which Windows Vista and later read.
"""
from __future__ import annotations

import os
import pathlib
import struct
import sys

HERE = pathlib.Path(__file__).resolve().parent
SIZES = (16, 24, 32, 48, 64, 128, 256)
_APP: list = []


def render_pngs(svg: pathlib.Path, out: pathlib.Path) -> dict[int, bytes]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    if QGuiApplication.instance() is None:  # Qt painting needs one, alive while it paints
        _APP.append(QGuiApplication([]))
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"cannot read {svg}")
    pngs: dict[int, bytes] = {}
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        data = QByteArray()
        buf = QBuffer(data)
        buf.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buf, "PNG")
        buf.close()
        pngs[size] = bytes(data)
        (out / f"workbench-{size}.png").write_bytes(pngs[size])
    return pngs


def write_ico(pngs: dict[int, bytes], path: pathlib.Path) -> None:
    """ICONDIR + one ICONDIRENTRY per image + the PNG streams (0 in a size byte means 256)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, blobs = b"", b""
    for size in sizes:
        blob = pngs[size]
        dim = 0 if size >= 256 else size
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(blob), offset)
        offset += len(blob)
        blobs += blob
    path.write_bytes(header + entries + blobs)


def main(argv: list[str]) -> int:
    out = pathlib.Path(argv[0]) if argv else HERE.parent.parent / "build" / "icons"
    out.mkdir(parents=True, exist_ok=True)
    svg = HERE / "workbench.svg"
    pngs = render_pngs(svg, out)
    write_ico(pngs, out / "workbench.ico")
    (out / "workbench.svg").write_bytes(svg.read_bytes())
    print(f"icons written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
