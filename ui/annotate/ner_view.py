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
"""
from __future__ import annotations

import bisect
from typing import Sequence

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QWidget

from ui.annotate.text_layout import DocLayout
from workbench.spans import Span, Token

MARGIN = 14.0          # left/right padding of the text
TOP = 10.0             # space above the first line


class NerView(QAbstractScrollArea):
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
        self._tag_font = QFont(font)
        self._tag_font.setPointSizeF(max(6.5, font.pointSizeF() * 0.62))
        self._tag_font.setBold(True)
        fm, tfm = QFontMetricsF(self._text_font), QFontMetricsF(self._tag_font)
        self._text_h = fm.height()
        self._tag_h = tfm.height() + 2
        # Each line leaves room under the text for the span tags.
        self._pitch = self._text_h + self._tag_h + 6
        if self._text:
            self._relayout()
        self.viewport().update()

    def set_document(self, text: str, tokens: Sequence[Token], spans: Sequence[Span]) -> None:
        self._text = text
        self._tokens = list(tokens)
        self._tok_starts = [t.start for t in self._tokens]
        self._anchor = self._cursor = None
        self._explicit = False
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

    def span_rects(self, start: int, end: int) -> list[QRectF]:
        """Viewport rectangles of the text in [start, end), one per wrapped line (for overlays
        such as model suggestions, ui/annotate/suggestions.py)."""
        out: list[QRectF] = []
        if not len(self._doc):
            return out
        scroll = self.verticalScrollBar().value()
        for i in range(self._doc.line_of_char(start), len(self._doc)):
            info = self._doc[i]
            if info.start >= end and i > self._doc.line_of_char(start):
                break
            x0, x1 = self._doc.x_of(info, max(start, info.start)), self._doc.x_of(info, min(end, info.end))
            out.append(QRectF(MARGIN + x0, info.top - scroll, max(x1 - x0, 2.0), self._text_h + 2))
        return out

    # ---- painting -----------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self.viewport())
        p.fillRect(event.rect(), self.palette().base())
        if not len(self._doc):
            return
        scroll = self.verticalScrollBar().value()
        sel = self.selection_chars()
        current = self.selected_span()
        highlight = self.palette().highlight().color()
        fm_tag = QFontMetricsF(self._tag_font)
        text_pen = QPen(self.palette().text().color())
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for info in self._doc.visible(scroll + event.rect().top(), scroll + event.rect().bottom(), self._pitch):
            ls, le, y = info.start, info.end, info.top - scroll
            # Span boxes first, the text on top of them.
            tags: list[tuple[float, Span, QColor]] = []
            j = bisect.bisect_right(self._span_ends, ls)
            while j < len(self._spans) and self._spans[j].start < max(le, ls + 1):
                sp = self._spans[j]
                x0 = MARGIN + self._doc.x_of(info, sp.start)
                x1 = MARGIN + self._doc.x_of(info, sp.end)
                color = self._colors.get(sp.label, QColor("#cccccc"))
                p.setPen(QPen(color.darker(170), 2) if sp == current else Qt.PenStyle.NoPen)
                p.setBrush(color)
                p.drawRoundedRect(QRectF(x0 - 2, y, max(x1 - x0, 2) + 4, self._text_h + 2), 4, 4)
                if sp.start >= ls:
                    tags.append((x0, sp, color))
                j += 1
            # A cursor resting in a span is shown by the span's own border instead.
            if sel is not None and current is None and sel[0] < max(le, ls + 1) and sel[1] > ls:
                x0 = MARGIN + self._doc.x_of(info, sel[0])
                x1 = MARGIN + self._doc.x_of(info, sel[1])
                fill = QColor(highlight)
                fill.setAlpha(70)
                p.setBrush(fill)
                p.setPen(QPen(highlight, 1.5))
                p.drawRoundedRect(QRectF(x0 - 2, y - 1, max(x1 - x0, 2) + 4, self._text_h + 4), 4, 4)
            p.setPen(text_pen)
            info.line.draw(p, QPointF(MARGIN, y - info.line.y()))
            # Tags sit in the band under the text line, left-aligned with their span.
            p.setFont(self._tag_font)
            for x0, sp, color in tags:
                rect = QRectF(x0 - 2, y + self._text_h + 3, fm_tag.horizontalAdvance(sp.label) + 8, self._tag_h)
                back = color.darker(170) if sp == current else color.darker(125)
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(back)
                p.drawRoundedRect(rect, 3, 3)
                p.setPen(QColor("#ffffff") if back.lightnessF() < 0.55 else QColor("#202020"))
                p.drawText(rect, Qt.AlignmentFlag.AlignCenter, sp.label)
            p.setFont(self._text_font)
        p.end()

    # ---- mouse ----------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton or not self._tokens:
            return super().mousePressEvent(event)
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self._press_char = self.char_at(event.position())
        self._press_pos = event.position()
        self._dragging = False
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier and self._anchor is not None:
            self._drag_to(self._press_char)
            self._dragging = True

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._press_char is None or not event.buttons() & Qt.MouseButton.LeftButton:
            return
        if not self._dragging:
            if (event.position() - self._press_pos).manhattanLength() < QApplication.startDragDistance():
                return
            self._dragging = True
            self._anchor = self.token_at(self._press_char)
        # Dragging past the top or bottom edge scrolls, so a span can run off screen.
        y, bar = event.position().y(), self.verticalScrollBar()
        if y < 0 or y > self.viewport().height():
            bar.setValue(bar.value() + int(self._pitch if y > 0 else -self._pitch))
        self._drag_to(self.char_at(event.position()))

    def _drag_to(self, char: int) -> None:
        # Snap live, so the user sees the whole tokens the span will cover while dragging.
        anchor = self._anchor if self._anchor is not None else self.token_at(char)
        self.set_token_selection(anchor, self.token_at(char), explicit=True)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton or self._press_char is None:
            return super().mouseReleaseEvent(event)
        if not self._dragging:
            tok = self.token_at(self._press_char)
            self.set_token_selection(tok, tok)
        self._press_char = None
        self._dragging = False

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton or not self._tokens:
            return super().mouseDoubleClickEvent(event)
        tok = self.token_at(self.char_at(event.position()))
        # Double-click means "this word": an explicit one-token selection even inside a span.
        self._anchor = self._cursor = tok
        self._explicit = True
        self.viewport().update()
        self.selectionChanged.emit()

    # ---- keyboard ---------------------------------------------------------------------
    def event(self, event) -> bool:  # noqa: D401
        # Tab walks from span to span instead of moving focus out of the editor.
        if event.type() == event.Type.KeyPress and event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
            self._jump_span(-1 if event.key() == Qt.Key.Key_Backtab else 1)
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        key, mods = event.key(), event.modifiers()
        shift = bool(mods & Qt.KeyboardModifier.ShiftModifier)
        if mods & (Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ControlModifier) or not self._tokens:
            return super().keyPressEvent(event)
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            step = -1 if key == Qt.Key.Key_Left else 1
            self._move(step, shift)
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self._move_line(-1 if key == Qt.Key.Key_Up else 1, shift)
        elif key == Qt.Key.Key_Home:
            self._move_to(0, shift)
        elif key == Qt.Key.Key_End:
            self._move_to(len(self._tokens) - 1, shift)
        elif key == Qt.Key.Key_Escape:
            self.clear_selection()
        else:
            return super().keyPressEvent(event)
        event.accept()

    def _move(self, step: int, extend: bool) -> None:
        if self._cursor is None:
            start = 0 if step > 0 else len(self._tokens) - 1
            return self.set_token_selection(start, start)
        # Always one token at a time (also through spans), so a count of presses
        # always lands on the same word; landing in a span selects that span.
        if not extend and self._explicit and self._anchor != self._cursor:
            lo, hi = self.token_range() or (0, 0)
            target = lo if step < 0 else hi
            return self.set_token_selection(target, target)
        else:
            target = self._cursor + step
        self._move_to(target, extend)

    def _move_to(self, target: int, extend: bool) -> None:
        if extend and self._anchor is not None:
            self.set_token_selection(self._anchor, target, explicit=True)
        else:
            self.set_token_selection(target, target)

    def _move_line(self, step: int, extend: bool) -> None:
        if self._cursor is None:
            return self._move(step, extend)
        tok = self._tokens[self._cursor]
        i = self._doc.line_of_char(tok.start)
        if not 0 <= i + step < len(self._doc):
            return
        x = self._doc.x_of(self._doc[i], tok.start)
        target = self._doc[i + step]
        char = target.base + target.line.xToCursor(x)
        self._move_to(self.token_at(char), extend)

    def _jump_span(self, step: int) -> None:
        if not self._spans:
            return
        here = self._tokens[self._cursor].start if self._cursor is not None else -1
        if step > 0:
            nxt = next((s for s in self._spans if s.start > here), self._spans[0])
        else:
            current = self.selected_span()
            edge = current.start if current else here
            nxt = next((s for s in reversed(self._spans) if s.start < edge), self._spans[-1])
        # Collapsed on the span's last token: it is now "the selected span".
        last = self.token_at(nxt.end - 1)
        self.set_token_selection(last, last)

