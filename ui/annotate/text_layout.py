"""Line layout of a document for the NER view: where each character is drawn.

Each paragraph is laid out once with a QTextLayout (shaping 20,000 tokens takes
about 50 ms); lines are then kept in one flat list sorted by y and by first
character, so "which line is at this y" and "which line holds this character"
are binary searches, and painting touches only the lines on screen.
"""
from __future__ import annotations

import bisect
from typing import Iterator, NamedTuple

from PySide6.QtCore import QPointF
from PySide6.QtGui import QFont, QTextLayout, QTextLine, QTextOption


class LineInfo(NamedTuple):
    top: float          # y of the line's top in document coordinates
    base: int           # document offset of the paragraph's first character
    start: int          # document offset of the line's first character
    end: int            # document offset just past the line's last character
    line: QTextLine


class DocLayout:
    """Wrapped lines of a text at a given width, each ``pitch`` pixels apart."""

    def __init__(self) -> None:
        self._layouts: list[QTextLayout] = []   # kept alive: QTextLine points into them
        self._lines: list[LineInfo] = []
        self._tops: list[float] = []
        self._starts: list[int] = []
        self.height = 0.0
        self.width = -1.0

    def layout(self, text: str, font: QFont, width: float, pitch: float, top: float) -> None:
        self.width = width
        self._layouts, self._lines = [], []
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        y, pos = top, 0
        for para in text.split("\n"):
            layout = QTextLayout(para, font)
            layout.setTextOption(option)
            layout.setCacheEnabled(True)
            layout.beginLayout()
            ly = 0.0
            while True:
                line = layout.createLine()
                if not line.isValid():
                    break
                line.setLineWidth(width)
                line.setPosition(QPointF(0, ly))
                ly += pitch
            layout.endLayout()
            self._layouts.append(layout)
            for i in range(layout.lineCount()):
                line = layout.lineAt(i)
                start = pos + line.textStart()
                self._lines.append(LineInfo(y + line.y(), pos, start, start + line.textLength(), line))
            y += max(ly, pitch)
            pos += len(para) + 1
        self.height = y + top
        self._tops = [ln.top for ln in self._lines]
        self._starts = [ln.start for ln in self._lines]

    def __len__(self) -> int:
        return len(self._lines)

    def __getitem__(self, i: int) -> LineInfo:
        return self._lines[i]

    def line_at_y(self, y: float) -> int:
        return max(0, min(bisect.bisect_right(self._tops, y) - 1, len(self._lines) - 1))

    def line_of_char(self, char: int) -> int:
        return max(0, bisect.bisect_right(self._starts, char) - 1)

    def visible(self, y0: float, y1: float, pitch: float) -> Iterator[LineInfo]:
        """Lines that intersect the band [y0, y1]."""
        for i in range(self.line_at_y(y0 - pitch), len(self._lines)):
            if self._lines[i].top > y1:
                return
            yield self._lines[i]

    def x_of(self, info: LineInfo, char: int) -> float:
        """x of the boundary before ``char`` on that line (clamped to the line)."""
        return info.line.cursorToX(max(info.start, min(char, info.end)) - info.base)[0]

    def char_at(self, x: float, y: float, on_char: bool = True) -> int:
        if not self._lines:
            return 0
        info = self._lines[self.line_at_y(y)]
        mode = QTextLine.CursorPosition.CursorOnCharacter if on_char else QTextLine.CursorPosition.CursorBetweenCharacters
        return info.base + info.line.xToCursor(x, mode)
