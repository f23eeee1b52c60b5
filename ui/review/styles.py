"""Colors of the Review screen: one style per error kind, and the heat scales.  UI thread only."""
from __future__ import annotations

from PySide6.QtGui import QColor

from workbench.inference.errors import (
    CORRECT, FALSE_NEGATIVE, FALSE_POSITIVE, WRONG_BOUNDARY, WRONG_CLASS, WRONG_TYPE,
)

# fill, outline, dashed outline?, legend text
KIND_STYLE: dict[str, tuple[str, str, bool, str]] = {
    CORRECT: ("#cdeed9", "#4f9d6b", False, "correct"),
    FALSE_POSITIVE: ("#fde0de", "#d0463b", True, "false positive (model only)"),
    FALSE_NEGATIVE: ("#ffffff", "#e07b00", True, "false negative (missed)"),
    WRONG_TYPE: ("#e8dcfb", "#7c4dcc", False, "wrong type"),
    WRONG_BOUNDARY: ("#fff1c1", "#c79200", False, "wrong boundary"),
    WRONG_CLASS: ("#fde0de", "#d0463b", False, "wrong class"),
}
GOLD_LINE = "#30343c"     # the gold span's extent, drawn under the text


def kind_fill(kind: str) -> QColor:
    return QColor(KIND_STYLE.get(kind, KIND_STYLE[CORRECT])[0])


def kind_edge(kind: str) -> QColor:
    return QColor(KIND_STYLE.get(kind, KIND_STYLE[CORRECT])[1])


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    t = max(0.0, min(1.0, t))
    return QColor(round(a.red() + (b.red() - a.red()) * t), round(a.green() + (b.green() - a.green()) * t),
                  round(a.blue() + (b.blue() - a.blue()) * t))


WHITE = QColor("#ffffff")
RED = QColor("#e0473c")
BLUE = QColor("#3b73d8")
AMBER = QColor("#f29e1f")


def heat_color(value: float, scale: float, signed: bool) -> QColor:
    """Attribution: blue (lowered) - white - red (raised); attention: white - amber."""
    if scale <= 0:
        return QColor(WHITE)
    t = value / scale
    if signed:
        return _mix(WHITE, RED if t >= 0 else BLUE, abs(t) * 0.85)
    return _mix(WHITE, AMBER, t * 0.9)
