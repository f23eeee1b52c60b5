"""How the NER view draws a span, a model suggestion and their tags.

Real spans are filled boxes with a solid tag under their first word.  Suggestions
are what the model proposes and nobody has decided yet: a dashed outline over a
faint fill, and a white tag with a dashed border reading "PER? 0.98", at the same
size as the real tags so they can be read at a glance.  UI thread only.
"""
from __future__ import annotations

from typing import Sequence

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen


def span_box(p: QPainter, rect: QRectF, color: QColor, current: bool) -> None:
    p.setPen(QPen(color.darker(170), 2) if current else Qt.PenStyle.NoPen)
    p.setBrush(color)
    p.drawRoundedRect(rect, 4, 4)


def selection_box(p: QPainter, rect: QRectF, highlight: QColor) -> None:
    fill = QColor(highlight)
    fill.setAlpha(70)
    p.setBrush(fill)
    p.setPen(QPen(highlight, 1.5))
    p.drawRoundedRect(rect, 4, 4)


def suggestion_box(p: QPainter, rect: QRectF, color: QColor, current: bool) -> None:
    fill = QColor(color)
    fill.setAlpha(55)
    p.setBrush(fill)
    p.setPen(QPen(color.darker(160), 2.6 if current else 1.6, Qt.PenStyle.DashLine))
    p.drawRoundedRect(rect, 4, 4)


def span_tag(p: QPainter, x: float, y: float, height: float, font: QFont, fm: QFontMetricsF, text: str,
             color: QColor, current: bool) -> float:
    """Draw the tag with its left edge at ``x`` (``fm``: the metrics of ``font``); returns its right edge."""
    rect = QRectF(x, y, tag_width(fm, text, False), height)
    back = color.darker(170) if current else color.darker(125)
    p.setFont(font)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(back)
    p.drawRoundedRect(rect, 3, 3)
    p.setPen(QColor("#ffffff") if back.lightnessF() < 0.55 else QColor("#202020"))
    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
    return rect.right()


def suggestion_tag(p: QPainter, x: float, y: float, height: float, font: QFont, fm: QFontMetricsF, text: str,
                   color: QColor, current: bool) -> float:
    """Draw the tag with its left edge at ``x`` (``fm``: the metrics of ``font``); returns its right edge."""
    rect = QRectF(x, y, tag_width(fm, text, True), height)
    p.setFont(font)
    p.setPen(QPen(color.darker(170), 2.0 if current else 1.3, Qt.PenStyle.DashLine))
    p.setBrush(QColor("#ffffff"))
    p.drawRoundedRect(rect, 3, 3)
    p.setPen(QColor("#1d1d1d"))
    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
    return rect.right()


def place_tags(lefts: Sequence[float], widths: Sequence[float], right_edge: float, left_edge: float = 0.0,
               gap: float = 3.0) -> list[float]:
    """Left edges for the tags of one line (``lefts`` sorted, each under its span's start).

    A tag wider than its span moves the next one right rather than covering it; tags pushed
    past ``right_edge`` are pulled back left, in order, so the last one still shows whole.
    Short CJK entities (two characters, a tag wider than both) at the end of a line need this.
    Pure arithmetic; any thread."""
    xs: list[float] = []
    right = float("-inf")
    for x, w in zip(lefts, widths):
        x = max(x, right + gap)
        xs.append(x)
        right = x + w
    limit = right_edge
    for i in reversed(range(len(xs))):
        if xs[i] + widths[i] <= limit:
            break
        xs[i] = max(left_edge, limit - widths[i])
        limit = xs[i] - gap
    return xs


def tag_width(fm: QFontMetricsF, text: str, suggested: bool) -> float:
    """The width :func:`span_tag` / :func:`suggestion_tag` draw ``text`` at."""
    return fm.horizontalAdvance(text) + (10 if suggested else 8)
