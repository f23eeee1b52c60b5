"""Colors and words of the Review screen: one style and one plain name per error kind, tags in
plain words, and the heat scales.  The technical terms (false positive, B-PER) go in tooltips.
UI thread only."""
from __future__ import annotations

from PySide6.QtGui import QColor

from workbench.inference.errors import (
    CORRECT, FALSE_NEGATIVE, FALSE_POSITIVE, WRONG_BOUNDARY, WRONG_CLASS, WRONG_TYPE,
)

# fill, outline, dashed outline?, legend text (plain words)
KIND_STYLE: dict[str, tuple[str, str, bool, str]] = {
    CORRECT: ("#cdeed9", "#4f9d6b", False, "correct"),
    FALSE_POSITIVE: ("#fde0de", "#d0463b", True, "model only"),
    FALSE_NEGATIVE: ("#ffffff", "#e07b00", True, "missed"),
    WRONG_TYPE: ("#e8dcfb", "#7c4dcc", False, "wrong type"),
    WRONG_BOUNDARY: ("#fff1c1", "#c79200", False, "wrong extent"),
    WRONG_CLASS: ("#fde0de", "#d0463b", False, "wrong class"),
}
# What each plain name means, in the terms of the field (tooltips)
KIND_TIPS: dict[str, str] = {
    CORRECT: "The model found your label exactly",
    FALSE_POSITIVE: "False positive: the model marked an entity your labels do not have",
    FALSE_NEGATIVE: "False negative: the model missed an entity you labeled",
    WRONG_TYPE: "Wrong type: same words, another label",
    WRONG_BOUNDARY: "Wrong boundary: the right label over too many or too few words",
    WRONG_CLASS: "Wrong class: the model chose another class",
}
GOLD_LINE = "#30343c"     # the gold span's extent, drawn under the text
GOLD_NAME = "your label"  # the legend's name for that line


def kind_text(kind: str) -> str:
    """The plain name of an error kind."""
    return KIND_STYLE[kind][3] if kind in KIND_STYLE else kind


def plain_tag(tag: str) -> str:
    """"B-PER" and "I-PER" read as "PER", "O" as "no entity"; class names stay as they are."""
    if tag == "O":
        return "no entity"
    return tag[2:] if tag[:2] in ("B-", "I-") else tag


def plain_pair(gold: str, pred: str) -> tuple[str, str]:
    """Both tags in plain words; where only B-/I- tells them apart, say which word of the name."""
    a, b = plain_tag(gold), plain_tag(pred)
    if a == b and gold != pred:
        return tuple(f"{plain_tag(t)} ({'first' if t.startswith('B-') else 'next'} word)" for t in (gold, pred))
    return a, b


def tag_tip(tag: str) -> str:
    """The technical tag, explained, for a tooltip."""
    if tag.startswith("B-"):
        return f"{tag}: first word of a {tag[2:]}"
    if tag.startswith("I-"):
        return f"{tag}: inside a {tag[2:]}, after its first word"
    return "O: outside every entity" if tag == "O" else tag


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
