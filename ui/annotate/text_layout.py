"""Line layout of a document for the NER view: where each character is drawn.

Each paragraph is laid out once with a QTextLayout (shaping 20,000 tokens takes
about 50 ms); lines are then kept in one flat list sorted by y and by first
character, so "which line is at this y" and "which line holds this character"
are binary searches, and painting touches only the lines on screen.

CJK text: the wrap mode breaks between any two characters where no space is (Unicode line
breaking), and :func:`cjk_font` puts the fonts of the text's language after the UI font, so
Chinese is drawn with Chinese glyph shapes rather than whichever CJK font the system picks
first (often the Japanese one), and Japanese with Japanese ones.
"""
from __future__ import annotations

import bisect
import re
from typing import Iterator, NamedTuple

from PySide6.QtCore import QPointF
from PySide6.QtGui import QFont, QFontInfo, QTextLayout, QTextLine, QTextOption


# Fonts for each language's glyph shapes, the usual ones on Linux, Windows and macOS; Qt
# skips those that are not installed and falls back to the system's choice after them.
CJK_FAMILIES = {
    "ja": ("Noto Sans CJK JP", "Source Han Sans JP", "Yu Gothic UI", "Meiryo UI", "Hiragino Sans"),
    "ko": ("Noto Sans CJK KR", "Source Han Sans KR", "Malgun Gothic", "Apple SD Gothic Neo"),
    "zh": ("Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei UI", "Microsoft YaHei", "PingFang SC",
           "WenQuanYi Micro Hei"),
}
_KANA = re.compile("[\u3040-\u30ff\uff66-\uff9f]")
_HANGUL = re.compile("[\uac00-\ud7af\u1100-\u11ff]")
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af]")


def cjk_language(text: str) -> str | None:
    """"ja" for text with kana, "ko" with Hangul, "zh" with Han characters only; None without CJK."""
    if _KANA.search(text):
        return "ja"
    if _HANGUL.search(text):
        return "ko"
    return "zh" if _HAN.search(text) else None


def cjk_font(font: QFont, text: str) -> QFont:
    """``font`` with its language's CJK fonts after it (Latin letters keep ``font``), or
    ``font`` itself for text without CJK characters."""
    lang = cjk_language(text)
    if lang is None:
        return font
    out = QFont(font)
    # the family the system resolved first: a generic name ("Sans Serif") in a list is skipped
    # by Qt's matching, and the CJK font would then draw the Latin letters too
    families = [QFontInfo(font).family(), *font.families(), *CJK_FAMILIES[lang]]
    out.setFamilies(list(dict.fromkeys(families)))
    return out


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
        font = cjk_font(font, text)
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
