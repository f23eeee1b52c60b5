"""Draws the app icon (app.png): a page of text lines, two of them highlighted
as labeled spans, on a blue rounded square.  Run once; the PNG is committed."""
from __future__ import annotations

import os
import pathlib

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QRectF, Qt  # noqa: E402
from PySide6.QtGui import QColor, QGuiApplication, QImage, QLinearGradient, QPainter  # noqa: E402


def draw(size: int = 256) -> QImage:
    img = QImage(size, size, QImage.Format.Format_ARGB32)
    img.fill(Qt.GlobalColor.transparent)
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    s = size / 256
    grad = QLinearGradient(0, 0, size, size)
    grad.setColorAt(0, QColor("#4f86f0"))
    grad.setColorAt(1, QColor("#2d57b8"))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(grad)
    p.drawRoundedRect(QRectF(8 * s, 8 * s, 240 * s, 240 * s), 52 * s, 52 * s)
    # The page.
    p.setBrush(QColor("#ffffff"))
    p.drawRoundedRect(QRectF(52 * s, 40 * s, 152 * s, 176 * s), 14 * s, 14 * s)
    # Text lines, two words of them marked as spans in the app's label colours.
    rows = [(72, [(72, 40, None), (120, 64, "#ffb703")]), (104, [(72, 96, None), (176, 12, None)]),
            (136, [(72, 28, None), (108, 56, "#90be6d"), (172, 16, None)]), (168, [(72, 76, None)])]
    for y, pieces in rows:
        for x, w, color in pieces:
            if color:
                p.setBrush(QColor(color))
                p.drawRoundedRect(QRectF((x - 5) * s, (y - 9) * s, (w + 10) * s, 22 * s), 6 * s, 6 * s)
            p.setBrush(QColor("#3a4356"))
            p.drawRoundedRect(QRectF(x * s, (y - 2) * s, w * s, 8 * s), 4 * s, 4 * s)
    p.end()
    return img


if __name__ == "__main__":
    app = QGuiApplication([])
    out = pathlib.Path(__file__).with_name("app.png")
    draw().save(str(out))
    print(f"wrote {out}")
