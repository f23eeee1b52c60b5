"""One document in the Review screen: gold and predicted spans together, or a heat overlay.

Error mode: each predicted span is a box in its error kind's style (correct,
false positive, wrong type, wrong boundary), a missed gold span is a dashed
box, and a dark line under the text marks every gold span's extent, so boundary
mistakes show as box and line disagreeing.  A tag under each box says what it is
("ORG → LOC").  Heat mode: each word's background is its attention share or its
attribution (signed).  Clicking a word selects it (the token whose row or tag is
explained).  Custom painted on the Annotate screen's line layout.  UI thread only.
"""
from __future__ import annotations

import bisect
from typing import Sequence

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QMouseEvent, QPainter, QPaintEvent, QPen, QResizeEvent
from PySide6.QtWidgets import QAbstractScrollArea, QLabel, QSizePolicy, QVBoxLayout, QWidget

from ui.annotate.span_paint import place_tags
from ui.annotate.text_layout import DocLayout
from ui.review.styles import GOLD_LINE, GOLD_NAME, KIND_STYLE, KIND_TIPS, heat_color, kind_edge
from workbench.inference.errors import CORRECT, FALSE_NEGATIVE, FALSE_POSITIVE, WRONG_BOUNDARY, WRONG_TYPE, Verdict
from workbench.spans import Token

MARGIN, TOP = 14.0, 10.0


def tag_text(v: Verdict) -> str:
    if v.kind == CORRECT:
        return v.pred_label
    if v.kind == FALSE_POSITIVE:
        return f"+{v.pred_label}"
    if v.kind == FALSE_NEGATIVE:
        return f"missed {v.gold_label}"
    if v.kind == WRONG_TYPE:
        return f"{v.gold_label} → {v.pred_label}"
    if v.kind == WRONG_BOUNDARY:
        return f"{v.pred_label} (extent)"
    return v.kind


class ReviewTextView(QAbstractScrollArea):
    wordClicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("nerView")
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.viewport().setCursor(Qt.CursorShape.PointingHandCursor)
        self._text = ""
        self._words: list[Token] = []
        self._starts: list[int] = []
        self._verdicts: list[Verdict] = []
        self._heat: np.ndarray | None = None
        self._signed = False
        self._scale = 1.0
        self._selected: int | None = None
        self._doc = DocLayout()
        self.setFont(self.font())

    # ---- what it shows -------------------------------------------------------------
    def setFont(self, font: QFont) -> None:  # noqa: N802
        super().setFont(font)
        self._tag_font = QFont(font)
        self._tag_font.setPointSizeF(max(6.5, font.pointSizeF() * 0.7))
        fm, tfm = QFontMetricsF(font), QFontMetricsF(self._tag_font)
        self._text_h, self._tag_h = fm.height(), tfm.height() + 2
        self._pitch = self._text_h + self._tag_h + 10
        self._relayout()

    def set_document(self, text: str, words: Sequence[Token], verdicts: Sequence[Verdict] = ()) -> None:
        self._text, self._words = text, list(words)
        self._starts = [w.start for w in self._words]
        self._verdicts = sorted(verdicts, key=lambda v: (v.start, v.end))
        self._heat, self._selected = None, None
        self._relayout()
        self.verticalScrollBar().setValue(0)
        self.viewport().update()

    def set_heat(self, scores: np.ndarray | None, signed: bool = False) -> None:
        """Per-word scores to paint (None: back to the error view)."""
        self._heat, self._signed = scores, signed
        self._scale = float(np.abs(scores).max()) if scores is not None and len(scores) else 1.0
        self.viewport().update()

    @property
    def heat_scale(self) -> float:
        return self._scale

    def set_selected(self, word: int | None) -> None:
        self._selected = word
        self.viewport().update()

    @property
    def selected(self) -> int | None:
        return self._selected

    @property
    def text(self) -> str:
        return self._text

    # ---- geometry ----------------------------------------------------------------------
    def _relayout(self) -> None:
        width = max(50.0, self.viewport().width() - 2 * MARGIN)
        self._doc.layout(self._text, self.font(), width, self._pitch, TOP)
        self.verticalScrollBar().setRange(0, max(0, int(self._doc.height - self.viewport().height())))
        self.verticalScrollBar().setPageStep(self.viewport().height())

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if abs(self._doc.width - (self.viewport().width() - 2 * MARGIN)) > 0.5:
            self._relayout()

    def word_at(self, pos: QPointF) -> int | None:
        if not self._words:
            return None
        char = self._doc.char_at(pos.x() - MARGIN, pos.y() + self.verticalScrollBar().value())
        i = bisect.bisect_right(self._starts, char) - 1
        return i if 0 <= i < len(self._words) and self._words[i].start <= char < self._words[i].end else None

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        word = self.word_at(event.position())
        if word is not None and event.button() == Qt.MouseButton.LeftButton:
            self.set_selected(word)
            self.wordClicked.emit(word)

    def word_rect(self, word: int) -> QRectF:
        """Where a word is drawn, in viewport coordinates (for tests and tooltips)."""
        w = self._words[word]
        info = self._doc[self._doc.line_of_char(w.start)]
        y = info.top - self.verticalScrollBar().value()
        x0, x1 = MARGIN + self._doc.x_of(info, w.start), MARGIN + self._doc.x_of(info, w.end)
        return QRectF(x0, y, x1 - x0, self._text_h)

    # ---- painting ------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self.viewport())
        p.fillRect(event.rect(), QColor("#ffffff"))
        if not len(self._doc):
            return
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        scroll = self.verticalScrollBar().value()
        fm_tag = QFontMetricsF(self._tag_font)
        for info in self._doc.visible(scroll + event.rect().top(), scroll + event.rect().bottom(), self._pitch):
            y = info.top - scroll
            lo, hi = info.start, max(info.end, info.start + 1)

            def xs(a: int, b: int) -> tuple[float, float]:
                return MARGIN + self._doc.x_of(info, max(a, lo)), MARGIN + self._doc.x_of(info, min(b, hi))

            tags: list[tuple[float, str, QColor]] = []
            if self._heat is not None:
                for k in range(max(0, bisect.bisect_right(self._starts, lo) - 1), len(self._words)):
                    w = self._words[k]
                    if w.start >= hi:
                        break
                    if w.end <= lo or k >= len(self._heat):
                        continue
                    x0, x1 = xs(w.start, w.end)
                    p.setPen(Qt.PenStyle.NoPen)
                    p.setBrush(heat_color(float(self._heat[k]), self._scale, self._signed))
                    p.drawRoundedRect(QRectF(x0 - 2, y, x1 - x0 + 4, self._text_h + 2), 3, 3)
            for v in self._verdicts:
                if v.end <= lo or v.start >= hi:
                    continue
                box = v.pred or v.gold
                if self._heat is None and box is not None:
                    x0, x1 = xs(box.start, box.end)
                    fill, edge, dashed, _ = KIND_STYLE[v.kind]
                    pen = QPen(QColor(edge), 1.6, Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)
                    p.setPen(pen)
                    p.setBrush(QColor(fill))
                    p.drawRoundedRect(QRectF(x0 - 2, y, x1 - x0 + 4, self._text_h + 2), 4, 4)
                    if box.start >= lo:
                        tags.append((x0, tag_text(v), kind_edge(v.kind)))
                if v.gold is not None and v.gold.end > lo and v.gold.start < hi:
                    x0, x1 = xs(v.gold.start, v.gold.end)
                    p.setPen(Qt.PenStyle.NoPen)
                    p.setBrush(QColor(GOLD_LINE))
                    p.drawRect(QRectF(x0, y + self._text_h + 3, x1 - x0, 2))
            if self._selected is not None and self._selected < len(self._words):
                w = self._words[self._selected]
                if w.end > lo and w.start < hi:
                    x0, x1 = xs(w.start, w.end)
                    p.setPen(QPen(QColor("#1d4fb8"), 2))
                    p.setBrush(Qt.BrushStyle.NoBrush)
                    p.drawRoundedRect(QRectF(x0 - 3, y - 1, x1 - x0 + 6, self._text_h + 4), 4, 4)
            p.setPen(QPen(QColor("#1d2433")))
            info.line.draw(p, QPointF(MARGIN, y - info.line.y()))
            p.setFont(self._tag_font)
            tags.sort(key=lambda t: t[0])
            widths = [fm_tag.horizontalAdvance(text) + 8 for _, text, _ in tags]
            # adjacent spans: the later tag moves right, never on top, and none runs off the right edge
            lefts = place_tags([x0 - 2 for x0, _, _ in tags], widths, self.viewport().width() - 2, 2, gap=2)
            for x, width, (_, text, color) in zip(lefts, widths, tags):
                rect = QRectF(x, y + self._text_h + 7, width, self._tag_h)
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(color)
                p.drawRoundedRect(rect, 3, 3)
                p.setPen(QColor("#ffffff"))
                p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
            p.setFont(self.font())
        p.end()


class _Swatches(QWidget):
    """The painted part of the legend: error-kind swatches or a color bar for the heat overlay.

    The items flow onto as many lines as the width needs (a narrow pane wraps them, it never
    cuts "your label" off), and the widget asks for that height.
    """

    SWATCH, GAP, PAD = 22.0, 14.0, 4.0

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kinds: list[str] = []
        self.heat: tuple[bool, float] | None = None
        policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self._line = QFontMetricsF(self.font()).height() + 4

    # ---- layout ---------------------------------------------------------------------------
    def _items(self) -> list[tuple[str, str, float]]:
        """(what, text, width) in order: a kind's swatch and name, the gold line, or the heat bar and its scale."""
        fm = QFontMetricsF(self.font())
        if self.heat is not None:
            signed, scale = self.heat
            lo = -scale if signed else 0.0
            text = f"{lo:+.2g} (away) … {scale:+.2g} (towards)" if signed else f"0 … {scale:.2g} of the attention"
            return [("bar", "", 160.0), ("text", text, fm.horizontalAdvance(text))]
        out = [(kind, KIND_STYLE[kind][3], self.SWATCH + 6 + fm.horizontalAdvance(KIND_STYLE[kind][3]))
               for kind in self.kinds]
        if FALSE_NEGATIVE in self.kinds:
            out.append(("gold", GOLD_NAME, self.SWATCH + 6 + fm.horizontalAdvance(GOLD_NAME)))
        return out

    def _placed(self, width: float) -> list[tuple[float, float, str, str]]:
        """(x, y, what, text) of each item at ``width``: a new line wherever the next would not fit."""
        x, y, out = self.PAD, self.PAD, []
        for what, text, w in self._items():
            if x > self.PAD and x + w > width - self.PAD:
                x, y = self.PAD, y + self._line
            out.append((x, y, what, text))
            x += w + self.GAP
        return out

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        placed = self._placed(float(width))
        lines = 1 + (sum(1 for x, _, _, _ in placed[1:] if x == self.PAD) if placed else 0)
        return int(lines * self._line + 2 * self.PAD)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(int(sum(w + self.GAP for _, _, w in self._items())), self.heightForWidth(10_000))

    def refit(self) -> None:
        """New items: repaint, and take the height they need at the current width."""
        self.setFixedHeight(self.heightForWidth(max(1, self.width())))
        self.update()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        height = self.heightForWidth(event.size().width())
        if height != self.height():
            self.setFixedHeight(height)

    # ---- painting --------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        fm = QFontMetricsF(self.font())
        h = fm.height()
        for x, y, what, text in self._placed(float(self.width())):
            if what == "bar":
                signed, scale = self.heat or (False, 1.0)
                lo = -scale if signed else 0.0
                for i in range(160):
                    p.setPen(heat_color(lo + (scale - lo) * i / 159, scale, signed))
                    p.drawLine(QPointF(x + i, y + 2), QPointF(x + i, y + h - 2))
                continue
            if what == "gold":
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(QColor(GOLD_LINE))
                p.drawRect(QRectF(x, y + h - 3, self.SWATCH, 2))
            elif what != "text":
                fill, edge, dashed, _ = KIND_STYLE[what]
                p.setPen(QPen(QColor(edge), 1.4, Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine))
                p.setBrush(QColor(fill))
                p.drawRoundedRect(QRectF(x, y + 2, self.SWATCH, h - 4), 3, 3)
            p.setPen(QColor("#4a5160"))
            p.drawText(QPointF(x if what == "text" else x + self.SWATCH + 6, y + fm.ascent()), text)
        p.end()


class Legend(QWidget):
    """Swatches for the error kinds, or a color bar for the heat overlay, and a note under it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = _Swatches()
        self.note = QLabel("")
        self.note.setObjectName("muted")
        self.note.setWordWrap(True)
        self.note.setVisible(False)
        # a wrapped label in a splitter pane is not given its height-for-width: reserve two
        # lines so the note never overlaps the controls under it
        self.note.setMinimumHeight(2 * self.note.fontMetrics().lineSpacing() + 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.bar)
        layout.addWidget(self.note)

    def show_kinds(self, kinds: Sequence[str]) -> None:
        self.bar.kinds, self.bar.heat = list(kinds), None
        self.bar.setToolTip("\n".join(f"{KIND_STYLE[k][3]}: {KIND_TIPS[k]}" for k in kinds if k in KIND_TIPS)
                            + (f"\n{GOLD_NAME}: the extent of your (gold) label, under the text"
                               if FALSE_NEGATIVE in kinds else ""))
        self.note.setVisible(False)
        self.bar.refit()

    def show_heat(self, signed: bool, scale: float, note: str, detail: str = "") -> None:
        """The color bar and a plain ``note`` under it; ``detail`` (the technical account) is its tooltip."""
        self.bar.heat = (signed, scale)
        self.bar.setToolTip("")
        self.note.setText(note)
        self.note.setToolTip(detail or note)
        self.note.setVisible(True)
        self.bar.refit()
