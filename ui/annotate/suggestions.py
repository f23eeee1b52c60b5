"""Model suggestions on the Annotate screen (pre-annotations from a finished run).

After "Pre-annotate unlabeled" on the Review screen (or ``workbench-cli predict
--split unlabeled``), the run's cached predictions of the open document show as
dashed boxes with a "LABEL?" tag and their confidence, distinct from real spans.
They are not annotations until accepted:

- ``A`` accepts every suggestion of the document (one undo step),
- ``Y`` accepts the suggestion at the cursor (or the first), ``X`` rejects it.

Accepted suggestions go through the session like any span, so they are
ordinary draft annotations, undoable, saved at once.  The bar above the text also
holds the next-document order ("uncertain first").  A key a label already uses
falls back to Shift+key.  Self-contained: the screen only creates the layer.
UI thread only; numpy loads the first time a document has suggestions.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QRectF, Qt
from PySide6.QtGui import QAction, QColor, QFont, QFontMetricsF, QKeySequence, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QWidget

from workbench.inference.queue import ORDERS, SUGGESTIONS_SETTING, next_order, set_next_order

if TYPE_CHECKING:
    from ui.annotate.screen import AnnotateScreen


class _Overlay(QWidget):
    """Paints the suggestions over the NER view's viewport (mouse goes through)."""

    def __init__(self, layer: "SuggestionLayer") -> None:
        super().__init__(layer.view.viewport())
        self.layer = layer
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.parentWidget().installEventFilter(self)   # follow the viewport's size (dies with it)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Resize and obj is self.parentWidget():
            self.resize(obj.size())
        return False

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        layer = self.layer
        if not layer.spans:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        tag_font = QFont(layer.view.font())
        tag_font.setPointSizeF(max(6.5, tag_font.pointSizeF() * 0.62))
        tag_font.setItalic(True)
        fm = QFontMetricsF(tag_font)
        current = layer.current()
        for s in layer.spans:
            color = QColor(layer.colors.get(s.label, "#888888"))
            rects = layer.view.span_rects(s.start, s.end)
            width = 2.4 if s is current else 1.4
            fill = QColor(color)
            fill.setAlpha(60)
            for r in rects:
                p.setPen(QPen(color.darker(150), width, Qt.PenStyle.DashLine))
                p.setBrush(fill)
                p.drawRoundedRect(r.adjusted(-2, 0, 2, 2), 4, 4)
            if rects:
                r = rects[0]
                text = f"{s.label}? {s.confidence:.2f}"
                tag = QRectF(r.left() - 2, r.bottom() + 3, fm.horizontalAdvance(text) + 8, fm.height() + 2)
                p.setPen(QPen(color.darker(160), 1, Qt.PenStyle.DashLine))
                p.setBrush(QColor("#ffffff"))
                p.drawRoundedRect(tag, 3, 3)
                p.setFont(tag_font)
                p.setPen(color.darker(190))
                p.drawText(tag, Qt.AlignmentFlag.AlignCenter, text)
        p.end()


class SuggestionLayer(QObject):
    """The suggestions of the open document, their keys and the bar above the text."""

    def __init__(self, screen: "AnnotateScreen") -> None:
        super().__init__(screen)
        self.screen, self.session, self.view = screen, screen.session, screen.view
        self.spans: list[Any] = []                    # ScoredSpan, not yet accepted or rejected
        self.sentiment: tuple[str, float] | None = None
        self.colors: dict[str, str] = {}
        self.run_id: dict[str, int] = {}
        self._names: dict[int, list[str]] = {}
        self._rejected: dict[int, set[tuple[int, int, str]]] = {}
        self.overlay = _Overlay(self)
        self.bar = QWidget()
        self.info = QLabel("")
        self.info.setObjectName("muted")
        # a long hint must not widen the right pane (the splitter would jump when it changes)
        self.info.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.order_box = QComboBox()
        for key, text in ORDERS.items():
            self.order_box.addItem(f"Next: {text}", key)
        self.order_box.setToolTip("Which unlabeled document Enter and Skip go to next")
        row = QHBoxLayout(self.bar)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.info, 1)
        row.addWidget(self.order_box)
        layout = self.view.parentWidget().layout()
        layout.insertWidget(layout.indexOf(self.view), self.bar)
        self.actions = {name: self._action(fn) for name, fn in
                        (("a", self.accept_all), ("y", self.accept_current), ("x", self.reject_current))}
        self.order_box.currentIndexChanged.connect(self._order_changed)
        self.session.documentOpened.connect(lambda _id: self.load())
        self.session.spansChanged.connect(self._prune)
        self.session.sentimentChanged.connect(self._prune)
        self.view.verticalScrollBar().valueChanged.connect(lambda _v: self.overlay.update())
        self.view.selectionChanged.connect(self.overlay.update)

    def _action(self, slot: Any) -> QAction:
        act = QAction(self.screen)
        act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        act.triggered.connect(slot)
        self.screen.addAction(act)
        return act

    # ---- loading ---------------------------------------------------------------------------
    def load(self) -> None:
        """The suggestions of the document just opened (none for an accepted one)."""
        store, doc = self.screen.store, self.session.doc
        self.spans, self.sentiment = [], None
        if store is None or doc is None:
            self._show()
            return
        self._keys(store)
        self.order_box.blockSignals(True)
        self.order_box.setCurrentIndex(max(0, self.order_box.findData(next_order(store))))
        self.order_box.blockSignals(False)
        self.run_id = {t: int(r) for t, r in (store.setting(SUGGESTIONS_SETTING, {}) or {}).items() if t in store.tasks}
        self.colors = {lab.name: lab.color for lab in store.labels("ner")}
        for task, run_id in self.run_id.items():
            if self.session.status.get(task) == "accepted":
                continue
            pred = self._prediction(store, task, run_id, doc.id)
            if pred is None:
                continue
            if task == "ner":
                rejected = self._rejected.get(doc.id, set())
                self.spans = [s for s in pred.spans if (s.start, s.end, s.label) not in rejected
                              and s.label in self.colors]
            elif self.session.sentiment is None:
                self.sentiment = (pred.label, pred.confidence)
        self._prune()

    def _prediction(self, store: Any, task: str, run_id: int, doc_id: int) -> Any:
        from workbench.inference import cache
        from workbench.inference.run_model import open_run

        if run_id not in self._names:
            try:
                self._names[run_id] = open_run(store, run_id).label_names
            except Exception:  # noqa: BLE001 - a deleted run or model folder: no suggestions, no error
                self._names[run_id] = []
        names = self._names[run_id]
        return cache.load(store, run_id, task, names, [doc_id]).get(doc_id) if names else None

    def _keys(self, store: Any) -> None:
        used = {lab.shortcut.lower() for t in store.tasks for lab in store.labels(t) if lab.shortcut}
        for key, act in self.actions.items():
            act.setShortcut(QKeySequence(f"Shift+{key.upper()}" if key in used else key.upper()))

    def _prune(self) -> None:
        """Drop suggestions that a real span now overlaps (accepted, or labeled by hand)."""
        spans = self.session.spans
        self.spans = [s for s in self.spans if not any(o.start < s.end and o.end > s.start for o in spans)]
        if self.session.sentiment is not None:
            self.sentiment = None
        self._show()

    def _show(self) -> None:
        keys = {k: a.shortcut().toString() for k, a in self.actions.items()}
        parts = []
        if self.spans:
            parts.append(f"{len(self.spans)} suggested span{'s' if len(self.spans) != 1 else ''}")
        if self.sentiment:
            parts.append(f"suggested sentiment: {self.sentiment[0]} ({self.sentiment[1]:.2f})")
        if parts:
            runs = ", ".join(f"#{r}" for r in sorted(set(self.run_id.values())))
            self.info.setText(f"Model {runs}: " + " · ".join(parts) +
                              f" — {keys['a']} accept all · {keys['y']} accept · {keys['x']} reject")
        else:
            self.info.setText("")
        self.overlay.resize(self.view.viewport().size())
        self.overlay.raise_()
        self.overlay.update()

    # ---- decisions -------------------------------------------------------------------------
    def current(self) -> Any:
        """The suggestion at the view's cursor or selection, else the first one."""
        sel = self.view.selection_chars()
        if sel is not None:
            for s in self.spans:
                if s.start < max(sel[1], sel[0] + 1) and s.end > sel[0]:
                    return s
        return self.spans[0] if self.spans else None

    def accept_all(self) -> None:
        if self.session.doc is None:
            return
        if self.spans:
            new = sorted(list(self.session.spans) + [s.span for s in self.spans], key=lambda s: s.start)
            self.session._push_spans(new, f"accept {len(self.spans)} suggestions")  # one undo step
        if self.sentiment is not None:
            self.session.choose_sentiment(self.sentiment[0])
            self.screen.sentiment_bar.set_current(self.session.sentiment)

    def accept_current(self) -> None:
        s = self.current()
        if s is not None:
            self.session.label_range(s.start, s.end, s.label)
        elif self.sentiment is not None:
            self.accept_all()

    def reject_current(self) -> None:
        s = self.current()
        if s is not None and self.session.doc is not None:
            self._rejected.setdefault(self.session.doc.id, set()).add((s.start, s.end, s.label))
            self.spans.remove(s)
        elif self.sentiment is not None:
            self.sentiment = None
        self._show()

    def _order_changed(self) -> None:
        if self.screen.store is not None:
            set_next_order(self.screen.store, self.order_box.currentData())
