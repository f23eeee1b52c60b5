"""The NER text view: the document with colored span boxes, a label tag under
each span, and a token cursor that selections snap to.

Custom painted rather than a QTextEdit: every paragraph is laid out once with a
QTextLayout (about 50 ms for 20,000 tokens), and painting only touches the
lines on screen, so a span edit repaints in a few milliseconds however long
the document is.  The view never writes anything; it reports intent (selection
changes) and shows what it is given (text, tokens, spans, colors).

Selection model: a token range ``[anchor, cursor]`` (token indices, so it is
always snapped to whole tokens).  A collapsed cursor on a token that belongs
to a span *selects that span* (clicking a span = putting the cursor in it), so
"label key relabels it" and "Delete removes it" need no second mode.  A range
made by dragging or Shift+arrows is "explicit": a label key then creates a new
span over it, replacing whatever it overlaps.

The word cursor stops on words only (ui/annotate/word_cursor.py): arrows skip
punctuation-only tokens and a click on "." lands on the word next to it; a drag
covers exactly what it was dragged over.  Its keys come from the Annotate key
table (ui/annotate/keys.py, ``TEXT_KEYS``), the same table the shortcuts help lists.
Model suggestions (set by ui/annotate/suggestions.py) are drawn as dashed boxes
with a "LABEL? 0.93" tag in the same band as the real tags; a dictionary's say "LABEL? list".
"""
from __future__ import annotations

import bisect
from typing import Sequence

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPaintEvent
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QWidget

from ui.annotate import span_paint
from ui.annotate.ner_input import NerInput
from ui.annotate.text_layout import DocLayout
from ui.annotate.word_cursor import WordStops
from workbench.spans import Span, Token

MARGIN = 14.0          # left/right padding of the text
TOP = 10.0             # space above the first line


class NerView(NerInput, QAbstractScrollArea):
    """Shows one document; emits :attr:`selectionChanged` when the token selection moves."""

    selectionChanged = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("nerView")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.viewport().setCursor(Qt.CursorShape.IBeamCursor)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._text = ""
        self._tokens: list[Token] = []
        self._tok_starts: list[int] = []
        self._spans: list[Span] = []
        self._span_ends: list[int] = []
        self._colors: dict[str, QColor] = {}
        self._words = WordStops([])
        self._sugg: list = []            # ScoredSpan-like (start, end, label, confidence), by start
        self._sugg_ends: list[int] = []
        self._anchor: int | None = None
        self._cursor: int | None = None
        self._explicit = False
        self._press_char: int | None = None
        self._dragging = False
        self._doc = DocLayout()
        self.setFont(self.font())

    # ---- what it shows --------------------------------------------------------
    def setFont(self, font: QFont) -> None:  # noqa: N802 (Qt naming)
        super().setFont(font)
        self._text_font = QFont(font)
        # Tags (real and suggested) at the normal UI size, not smaller: read at a glance.
        self._tag_font = QFont(font)
        self._tag_font.setPointSizeF(min(font.pointSizeF(), max(8.0, QApplication.font().pointSizeF())))
        self._sugg_font = QFont(self._tag_font)
        self._tag_font.setBold(True)
        fm, tfm = QFontMetricsF(self._text_font), QFontMetricsF(self._tag_font)
        self._tag_fm, self._sugg_fm = tfm, QFontMetricsF(self._sugg_font)
        self._text_h = fm.height()
        self._tag_h = tfm.height() + 4
        # Each line leaves room under the text for the span tags.
        self._pitch = self._text_h + self._tag_h + 6
        if self._text:
            self._relayout()
        self.viewport().update()

    def set_document(self, text: str, tokens: Sequence[Token], spans: Sequence[Span]) -> None:
        self._text = text
        self._tokens = list(tokens)
        self._tok_starts = [t.start for t in self._tokens]
        self._words = WordStops(self._tokens)
        self._anchor = self._cursor = None
        self._explicit = False
        self._sugg, self._sugg_ends = [], []
        self._set_spans(spans)
        self._relayout()
        self.verticalScrollBar().setValue(0)
        self.viewport().update()
        self.selectionChanged.emit()

    def set_spans(self, spans: Sequence[Span]) -> None:
        """New spans for the same text (after an edit or undo); the cursor stays."""
        self._set_spans(spans)
        self.viewport().update()
        self.selectionChanged.emit()

    def set_colors(self, colors: dict[str, str]) -> None:
        self._colors = {name: QColor(c) for name, c in colors.items()}
        self.viewport().update()

    def set_suggestions(self, suggestions: Sequence) -> None:
        """Model suggestions to draw (objects with start, end, label, confidence); [] for none."""
        self._sugg = sorted(suggestions, key=lambda s: s.start)
        self._sugg_ends = [s.end for s in self._sugg]
        self.viewport().update()

    @property
    def suggestions(self) -> list:
        return list(self._sugg)

    def suggestion_font(self) -> QFont:
        """The font of the "LABEL? 0.93" tags."""
        return QFont(self._sugg_font)

    def current_suggestion(self):  # noqa: ANN201 - the ScoredSpan given to set_suggestions
        """The suggestion under the cursor or selection, else the first one (None when there are none)."""
        sel = self.selection_chars()
        if sel is not None:
            i = bisect.bisect_right(self._sugg_ends, sel[0])
            if i < len(self._sugg) and self._sugg[i].start < max(sel[1], sel[0] + 1):
                return self._sugg[i]
        return self._sugg[0] if self._sugg else None

    def _set_spans(self, spans: Sequence[Span]) -> None:
        self._spans = sorted(spans, key=lambda s: s.start)
        self._span_ends = [s.end for s in self._spans]

    @property
    def text(self) -> str:
        return self._text

    @property
    def tokens(self) -> list[Token]:
        return self._tokens

    @property
    def spans(self) -> list[Span]:
        return list(self._spans)

    # ---- selection ------------------------------------------------------------
    def token_range(self) -> tuple[int, int] | None:
        """Selected tokens as (first, last) indices, or None."""
        if self._cursor is None or self._anchor is None:
            return None
        return min(self._anchor, self._cursor), max(self._anchor, self._cursor)

    def selection_chars(self) -> tuple[int, int] | None:
        rng = self.token_range()
        if rng is None:
            return None
        return self._tokens[rng[0]].start, self._tokens[rng[1]].end

    def selected_span(self) -> Span | None:
        """The span a label key would relabel and Delete would remove."""
        rng = self.token_range()
        if rng is None or (self._explicit and rng[0] != rng[1]):
            return None
        return self._span_of_token(rng[1])

    def _span_of_token(self, index: int) -> Span | None:
        tok = self._tokens[index]
        i = bisect.bisect_right(self._span_ends, tok.start)
        return self._spans[i] if i < len(self._spans) and self._spans[i].start < tok.end else None

    def set_token_selection(self, anchor: int, cursor: int, explicit: bool = False) -> None:
        if not self._tokens:
            return
        last = len(self._tokens) - 1
        self._anchor, self._cursor = max(0, min(anchor, last)), max(0, min(cursor, last))
        if explicit and self._anchor == self._cursor:
            # One dragged token is "that span" only if it is the whole span; one word of
            # "Kestrel Labs" means that word (a label key then makes a new span of it).
            span, tok = self._span_of_token(self._cursor), self._tokens[self._cursor]
            explicit = span is not None and (span.start, span.end) != (tok.start, tok.end)
        self._explicit = explicit
        self._ensure_visible(self._tokens[self._cursor].start)
        self.viewport().update()
        self.selectionChanged.emit()

    def clear_selection(self) -> None:
        self._anchor = self._cursor = None
        self._explicit = False
        self.viewport().update()
        self.selectionChanged.emit()

    def select_span_at(self, start: int, end: int) -> None:
        """Put the collapsed cursor on the last token of [start, end), selecting the span there."""
        if self._tokens:
            last = self.token_at(max(start, end - 1))
            self.set_token_selection(last, last)

    def token_at(self, char: int) -> int:
        """The token holding ``char``, or the next one (the last one past the end)."""
        i = bisect.bisect_right(self._tok_starts, char) - 1
        if i >= 0 and self._tokens[i].end > char:
            return i
        return min(i + 1, len(self._tokens) - 1)

    # ---- layout -----------------------------------------------------------------
    def _relayout(self) -> None:
        width = max(60.0, self.viewport().width() - 2 * MARGIN)
        self._doc.layout(self._text, self._text_font, width, self._pitch, TOP)
        self._update_scrollbar()

    def _update_scrollbar(self) -> None:
        bar = self.verticalScrollBar()
        page = self.viewport().height()
        bar.setRange(0, max(0, int(self._doc.height - page)))
        bar.setPageStep(page)
        bar.setSingleStep(int(self._pitch))

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if abs(max(60.0, self.viewport().width() - 2 * MARGIN) - self._doc.width) > 0.5:
            keep = self._first_visible_char()
            self._relayout()
            self._ensure_visible(keep, top=True)
        else:
            self._update_scrollbar()

    def scrollContentsBy(self, dx: int, dy: int) -> None:  # noqa: N802
        self.viewport().update()

    def _first_visible_char(self) -> int:
        if not len(self._doc):
            return 0
        return self._doc[self._doc.line_at_y(self.verticalScrollBar().value())].start

    def _ensure_visible(self, char: int, top: bool = False) -> None:
        if not len(self._doc):
            return
        y = self._doc[self._doc.line_of_char(char)].top
        bar = self.verticalScrollBar()
        view_h = self.viewport().height()
        if top or y < bar.value():
            bar.setValue(int(y - TOP))
        elif y + self._pitch > bar.value() + view_h:
            bar.setValue(int(y + self._pitch - view_h + TOP))

    # ---- geometry helpers (also what tests use to click at real positions) --------
    def char_at(self, point: QPoint | QPointF, on_char: bool = True) -> int:
        """The character under a viewport point (between characters when ``on_char`` is False)."""
        return self._doc.char_at(point.x() - MARGIN, point.y() + self.verticalScrollBar().value(), on_char)

    def point_for_char(self, char: int) -> QPoint:
        """Viewport point at the middle of character ``char``; scrolls it into view first."""
        self._ensure_visible(char)
        info = self._doc[self._doc.line_of_char(char)]
        x0, x1 = self._doc.x_of(info, char), self._doc.x_of(info, char + 1)
        y = info.top + self._text_h / 2 - self.verticalScrollBar().value()
        return QPoint(int(MARGIN + (x0 + x1) / 2), int(y))

    # ---- painting -----------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self.viewport())
        p.fillRect(event.rect(), self.palette().base())
        if not len(self._doc):
            return
        scroll = self.verticalScrollBar().value()
        sel = self.selection_chars()
        current = self.selected_span()
        current_sugg = self.current_suggestion()
        highlight = self.palette().highlight().color()
        text_pen = self.palette().text().color()
        grey = QColor("#cccccc")
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for info in self._doc.visible(scroll + event.rect().top(), scroll + event.rect().bottom(), self._pitch):
            ls, le, y = info.start, info.end, info.top - scroll
            box_h = self._text_h + 2
            # Boxes first, the text on top of them; tags in the band under the line.
            tags: list[tuple[float, str, QColor, bool, bool]] = []   # x, text, color, current, suggestion
            for sp in self._on_line(self._spans, self._span_ends, ls, le):
                x0, x1 = MARGIN + self._doc.x_of(info, sp.start), MARGIN + self._doc.x_of(info, sp.end)
                color = self._colors.get(sp.label, grey)
                span_paint.span_box(p, QRectF(x0 - 2, y, max(x1 - x0, 2) + 4, box_h), color, sp == current)
                if sp.start >= ls:
                    tags.append((x0, sp.label, color, sp == current, False))
            for sg in self._on_line(self._sugg, self._sugg_ends, ls, le):
                x0, x1 = MARGIN + self._doc.x_of(info, sg.start), MARGIN + self._doc.x_of(info, sg.end)
                color = self._colors.get(sg.label, grey)
                span_paint.suggestion_box(p, QRectF(x0 - 2, y, max(x1 - x0, 2) + 4, box_h), color,
                                          sg is current_sugg)
                if sg.start >= ls:
                    # a dictionary match says "LOC? list" (its own tag), a model's "LOC? 0.93"
                    tag = getattr(sg, "tag", None) or f"{sg.label}? {sg.confidence:.2f}"
                    tags.append((x0, tag, color, sg is current_sugg, True))
            # A cursor resting in a span is shown by the span's own border instead.
            if sel is not None and current is None and sel[0] < max(le, ls + 1) and sel[1] > ls:
                x0, x1 = MARGIN + self._doc.x_of(info, sel[0]), MARGIN + self._doc.x_of(info, sel[1])
                span_paint.selection_box(p, QRectF(x0 - 2, y - 1, max(x1 - x0, 2) + 4, self._text_h + 4), highlight)
            p.setPen(text_pen)
            p.setFont(self._text_font)
            info.line.draw(p, QPointF(MARGIN, y - info.line.y()))
            ty = y + self._text_h + 3
            tags.sort(key=lambda t: t[0])
            fms = [self._sugg_fm if t[4] else self._tag_fm for t in tags]
            # a tag wider than its word moves the next one right, and none runs off the right edge
            lefts = span_paint.place_tags([t[0] - 2 for t in tags], [span_paint.tag_width(fm, t[1], t[4])
                                          for fm, t in zip(fms, tags)], self.viewport().width() - 2, 2)
            for x, fm, (_, text, color, is_current, suggested) in zip(lefts, fms, tags):
                draw = span_paint.suggestion_tag if suggested else span_paint.span_tag
                font = self._sugg_font if suggested else self._tag_font
                draw(p, x, ty, self._tag_h, font, fm, text, color, is_current)
            p.setFont(self._text_font)
        p.end()

    @staticmethod
    def _on_line(items: list, ends: list[int], ls: int, le: int) -> list:
        """The items (sorted by start, not overlapping) that touch the line [ls, le)."""
        out = []
        j = bisect.bisect_right(ends, ls)
        while j < len(items) and items[j].start < max(le, ls + 1):
            out.append(items[j])
            j += 1
        return out
