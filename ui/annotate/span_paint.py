"""How the NER view draws a span, a model suggestion and their tags.

Real spans are filled boxes with a solid tag under their first word.  Suggestions
are what the model proposes and nobody has decided yet: a dashed outline over a
faint fill, and a white tag with a dashed border reading "PER? 0.98", at the same
size as the real tags so they can be read at a glance.  UI thread only.
"""
from __future__ import annotations

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
    rect = QRectF(x, y, fm.horizontalAdvance(text) + 8, height)
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
    rect = QRectF(x, y, fm.horizontalAdvance(text) + 10, height)
    p.setFont(font)
    p.setPen(QPen(color.darker(170), 2.0 if current else 1.3, Qt.PenStyle.DashLine))
    p.setBrush(QColor("#ffffff"))
    p.drawRoundedRect(rect, 3, 3)
    p.setPen(QColor("#1d1d1d"))
    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
    return rect.right()
