"""Mouse and keys of the NER view: presses become token selections.

A mixin of :class:`ui.annotate.ner_view.NerView` (it uses the view's tokens,
layout and ``set_token_selection``), kept apart so the view holds what it shows
and this holds how the user moves over it.  The keys are the Annotate key table's
``TEXT_KEYS`` (ui/annotate/keys.py), the same rows the shortcuts help lists; the
word stops skip punctuation-only tokens (ui/annotate/word_cursor.py).  UI thread only.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QApplication

from ui.annotate.keys import TEXT_KEYS, combo_of, dispatch_table, invoke

_KEYS = dispatch_table(TEXT_KEYS)


class NerInput:
    """Mouse presses, drags, double-clicks and the word-cursor keys."""

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
            # A click on "." means the word beside it, as the arrows would.
            tok = self._words.nearest(self.token_at(self._press_char))
            self.set_token_selection(tok, tok)
        self._press_char = None
        self._dragging = False

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton or not self._tokens:
            return super().mouseDoubleClickEvent(event)
        tok = self._words.nearest(self.token_at(self.char_at(event.position())))
        # Double-click means "this word": an explicit one-token selection even inside a span.
        self._anchor = self._cursor = tok
        self._explicit = True
        self.viewport().update()
        self.selectionChanged.emit()

    # ---- keyboard (the keys are in ui/annotate/keys.py, TEXT_KEYS) ---------------------------
    def event(self, event: QEvent) -> bool:  # noqa: D401
        # Tab walks from span to span instead of moving focus out of the editor.
        if event.type() == QEvent.Type.KeyPress and event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab) \
                and combo_of(event) in _KEYS:
            self.keyPressEvent(event)
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        binding = _KEYS.get(combo_of(event))
        if binding is None or not self._tokens:
            # Not the scroll area's own arrow and page keys either: the view reacts only to
            # what the key table (and so the shortcuts help) lists.
            event.ignore()
            return
        invoke(self, binding)
        event.accept()

    def move_words(self, n: int, extend: bool = False) -> None:
        """``n`` words on (back when negative), skipping punctuation; ``extend`` grows the selection."""
        if self._cursor is None:
            start = self._words.first() if n > 0 else self._words.last()
            return self.set_token_selection(start, start)
        if not extend and self._explicit and self._anchor != self._cursor and abs(n) == 1:
            # An arrow collapses a dragged range to its edge, as in a text editor.
            lo, hi = self.token_range() or (0, 0)
            target = lo if n < 0 else hi
            return self.set_token_selection(target, target)
        # Always whole words (also through spans), so a count of presses always lands on
        # the same word; landing in a span selects that span.
        self._move_to(self._words.step(self._cursor, n), extend)

    def move_edge(self, direction: int, extend: bool = False) -> None:
        """To the first (``direction`` < 0) or last word of the document."""
        self._move_to(self._words.first() if direction < 0 else self._words.last(), extend)

    def _move_to(self, target: int, extend: bool) -> None:
        if extend and self._anchor is not None:
            self.set_token_selection(self._anchor, target, explicit=True)
        else:
            self.set_token_selection(target, target)

    def move_lines(self, n: int, extend: bool = False) -> None:
        """To the word under the cursor's x, ``n`` lines down (up when negative)."""
        if self._cursor is None:
            return self.move_words(n, extend)
        tok = self._tokens[self._cursor]
        i = self._doc.line_of_char(tok.start)
        if not 0 <= i + n < len(self._doc):
            return
        x = self._doc.x_of(self._doc[i], tok.start)
        target = self._doc[i + n]
        char = target.base + target.line.xToCursor(x)
        self._move_to(self._words.nearest(self.token_at(char)), extend)

    def jump_span(self, step: int) -> None:
        """To the next (``step`` > 0) or previous span, wrapping, and select it."""
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
