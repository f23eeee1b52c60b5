"""A one-line rich-text header whose text can change without moving anything.

A QLabel's setText always asks its layout to recompute, which here ripples up
through the splitter and the tabs and repaints the whole window (about 30 ms)
on every "next document".  This widget only repaints itself.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QSize
from PySide6.QtGui import QPainter, QPaintEvent, QTextDocument
from PySide6.QtWidgets import QSizePolicy, QWidget


class HeaderLine(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._html = ""
        self._doc = QTextDocument(self)
        self._doc.setDocumentMargin(2)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def setText(self, html: str) -> None:  # noqa: N802 (QLabel's name, so callers need not care)
        if html != self._html:
            self._html = html
            self._doc.setDefaultFont(self.font())
            self._doc.setHtml(html)
            self.update()

    def text(self) -> str:
        return self._html

    def plain_text(self) -> str:
        return self._doc.toPlainText()

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(200, self.fontMetrics().height() + 10)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(50, self.fontMetrics().height() + 10)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        p.translate(QPointF(0, (self.height() - self._doc.size().height()) / 2))
        self._doc.drawContents(p)
        p.end()
