"""Model suggestions on the Annotate screen (pre-annotations from a finished run).

After "Pre-annotate unlabeled" on the Review screen (or ``workbench-cli predict
--split unlabeled``), the run's cached predictions of the open document show as
dashed boxes tagged "LABEL? 0.93" in the text, and a suggested class as
"positive? 0.93" on its button.  They are not annotations until decided:

- ``A`` accepts every suggestion of the document and its class (one undo step),
- ``Y`` accepts the suggestion at the cursor (or the first), ``X`` rejects it,
- accepting the document (Enter, the button) accepts what is shown, suggestions
  included, as Prodigy's "correct" mode does (:meth:`SuggestionLayer.pending`).

The project's dictionaries (workbench/dictionaries/) suggest spans the same way, tagged
"LABEL? list", wherever no model suggestion covers the text; they are decided with the
same keys.

Every decision is an edit on the document's undo stack, and what is shown is
always worked out from the same three things: the model's predictions (and list matches), the
document's labels, and the suggestions rejected on it.  So Ctrl+Z of an accept
or a reject brings the suggestion back, and leaving the document and coming back
shows exactly what undo would.  A span on the text hides the suggestions it
overlaps; an accepted document shows none.  UI thread only; numpy loads the
first time a document has suggestions.
"""
from __future__ import annotations

import bisect
import dataclasses
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QWidget

from ui.annotate.list_matcher import ListMatcher
from ui.annotate.ner_view import NerView
from ui.annotate.session import AnnotationSession
from workbench.dictionaries.matcher import ListMatch
from workbench.inference.queue import ORDERS, SUGGESTIONS_SETTING, next_order, set_next_order
from workbench.spans import Span

CLASS = "class"   # the rejected-set key of a document's suggested class: (CLASS, task, name)


@dataclasses.dataclass(frozen=True)
class Pending:
    """What the document shows and nobody has decided yet."""

    spans: list[Span]
    classes: dict[str, str]     # classification task -> suggested class


class _Reject(QUndoCommand):
    """Rejecting a suggestion is an edit of the document like any other (undo brings it back)."""

    def __init__(self, layer: "SuggestionLayer", doc_id: int, key: tuple[Any, Any, str]) -> None:
        super().__init__(f"reject suggestion {key[2]}")
        self.layer, self.doc_id, self.key = layer, doc_id, key

    def redo(self) -> None:
        self.layer.set_rejected(self.doc_id, self.key, True)

    def undo(self) -> None:
        self.layer.set_rejected(self.doc_id, self.key, False)


class SuggestionLayer(QObject):
    """The suggestions of the open document, the decisions on them, and the bar above the text
    (what is suggested, and the next-document order).  The screen puts :attr:`bar` on screen,
    calls the decisions from its keys and shows :attr:`classes` on the class buttons."""

    changed = Signal()   # what is suggested changed (another document, a decision, an edit)

    def __init__(self, session: AnnotationSession, view: NerView, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session, self.view = session, view
        self.spans: list[Any] = []                      # ScoredSpan shown, not yet decided
        self.classes: dict[str, tuple[str, float]] = {}  # per classification task: the class shown, its confidence
        self.run_id: dict[str, int] = {}
        self.keys = {"accept_all_suggestions": "A", "accept_suggestion": "Y", "reject_suggestion": "X"}
        self._predicted: list[Any] = []
        self._predicted_classes: dict[str, tuple[str, float]] = {}
        self._names: dict[int, list[str]] = {}
        self.lists = ListMatcher(self)                  # the dictionaries' matcher
        self.lists.ready.connect(self.load)
        self._rejected: dict[int, set[tuple[Any, Any, str]]] = {}
        self.bar = QWidget()
        self.info = QLabel("")
        self.info.setObjectName("muted")
        self.info.setWordWrap(True)
        # a long hint wraps instead of widening the right pane or running under the drop-down
        self.info.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.order_box = QComboBox()
        for key, text in ORDERS.items():
            self.order_box.addItem(f"Next: {text}", key)
        self.order_box.setToolTip("Which unlabeled document Enter and Skip go to next")
        self.order_box.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        row = QHBoxLayout(self.bar)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(12)
        row.addWidget(self.info, 1)
        row.addWidget(self.order_box)
        self.order_box.currentIndexChanged.connect(self._order_changed)
        session.documentOpened.connect(lambda _id: self.load())
        session.spansChanged.connect(self.refresh)
        session.classChanged.connect(lambda _task: self.refresh())

    def reset(self) -> None:
        """Another project: forget its runs' label names and the rejections (document ids repeat)."""
        self._names.clear()
        self._rejected.clear()
        self._predicted, self._predicted_classes = [], {}
        self.lists.reset()

    def set_keys(self, keys: dict[str, str]) -> None:
        """The keys the screen gave its accept-all / accept / reject actions (shown in the hint)."""
        self.keys = dict(keys)
        self.refresh()

    # ---- loading ---------------------------------------------------------------------------
    def load(self) -> None:
        """The model's predictions for the document just opened."""
        store, doc = self.session.store, self.session.doc
        self._predicted, self._predicted_classes = [], {}
        if store is not None and doc is not None:
            self.order_box.blockSignals(True)
            self.order_box.setCurrentIndex(max(0, self.order_box.findData(next_order(store))))
            self.order_box.blockSignals(False)
            runs = store.setting(SUGGESTIONS_SETTING, {}) or {}
            self.run_id = {t: int(r) for t, r in runs.items() if t in store.tasks}
            span_task = self.session.span_task
            known = {lab.name for lab in store.labels(span_task)} if span_task else set()
            for task, run_id in self.run_id.items():
                pred = self._prediction(store, task, run_id, doc.id)
                if pred is None:
                    continue
                if task == span_task:
                    self._predicted = [s for s in pred.spans if s.label in known]
                else:   # a classification task's prediction names its class
                    self._predicted_classes[task] = (pred.label, pred.confidence)
            if span_task is not None:
                self._predicted = _with_list_matches(self._predicted, self.lists.matches(store, doc), known)
        self.refresh()

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

    # ---- what is shown ---------------------------------------------------------------------
    def refresh(self) -> None:
        """Work out what is shown from the predictions, the labels and the rejections."""
        s = self.session
        doc_id = s.doc_id
        rejected = self._rejected.get(doc_id, set()) if doc_id is not None else set()
        self.spans = []
        if doc_id is not None and s.span_task is not None and s.status.get(s.span_task) not in (None, "accepted"):
            ends = [sp.end for sp in s.spans]   # spans are sorted and never overlap
            for p in self._predicted:
                i = bisect.bisect_right(ends, p.start)
                if (p.start, p.end, p.label) not in rejected and not (i < len(s.spans) and s.spans[i].start < p.end):
                    self.spans.append(p)
        self.classes = {}
        for task, c in self._predicted_classes.items():
            if doc_id is not None and s.choices.get(task) is None and s.status.get(task) not in (None, "accepted") \
                    and (CLASS, task, c[0]) not in rejected:
                self.classes[task] = c
        self.view.set_suggestions(self.spans)
        self._show()
        self.changed.emit()

    def pending(self) -> Pending:
        """The suggestions on screen, as accepting the document would take them."""
        return Pending([p.span for p in self.spans], {task: c[0] for task, c in self.classes.items()})

    def _show(self) -> None:
        listed = sum(isinstance(p, ListMatch) for p in self.spans)
        parts = []
        if len(self.spans) > listed:
            parts.append(_entities(len(self.spans) - listed))
        parts += [f"the class {c} ({p:.2f})" for c, p in self.classes.values()]
        if not parts and not listed:
            self.info.setText("")
            return
        runs = ", ".join(f"#{r}" for r in sorted(set(self.run_id.values())))
        said = [f"Suggested by model {runs}: {' and '.join(parts)}"] if parts else []
        if listed:
            said.append(f"{'by' if parts else 'Suggested by'} your lists: {_entities(listed)}")
        k = self.keys
        keys = [f"{k['accept_suggestion']} accept", f"{k['reject_suggestion']} reject",
                f"{k['accept_all_suggestions']} accept all", "Enter accepts what is shown"]
        # non-breaking spaces: a wrapped line never parts a key from what it does
        self.info.setText("; ".join(said) + ".  " +
                          " · ".join(k.replace(" ", "\u00a0", 1) for k in keys))

    # ---- decisions (each one undo step) -----------------------------------------------------
    def current(self) -> Any:
        """The suggestion at the view's cursor or selection, else the first one."""
        return self.view.current_suggestion()

    def accept_all(self) -> None:
        if self.session.doc is None or not (self.spans or self.classes):
            return
        classes = dict(self.classes)
        with self.session.group("accept the suggestions"):
            if self.spans:
                new = sorted(list(self.session.spans) + [p.span for p in self.spans], key=lambda sp: sp.start)
                self.session.replace_spans(new, f"accept {len(self.spans)} suggestions")
            for task, (name, _p) in classes.items():
                self.session.choose_class(task, name)

    def accept_one(self) -> None:
        p = self.current()
        if p is not None:
            self.session.label_range(p.start, p.end, p.label)
        elif self.classes:
            task, (name, _p) = next(iter(self.classes.items()))
            self.session.choose_class(task, name)

    def reject_one(self) -> None:
        p = self.current()
        if self.session.doc is None:
            return
        if p is not None:
            self.session.push(_Reject(self, self.session.doc.id, (p.start, p.end, p.label)))
        elif self.classes:
            task, (name, _p) = next(iter(self.classes.items()))
            self.session.push(_Reject(self, self.session.doc.id, (CLASS, task, name)))

    def set_rejected(self, doc_id: int, key: tuple[Any, Any, str], rejected: bool) -> None:
        """Only the reject command calls this (its redo and undo)."""
        keys = self._rejected.setdefault(doc_id, set())
        if rejected:
            keys.add(key)
        else:
            keys.discard(key)
        if doc_id == self.session.doc_id:
            self.refresh()

    def _order_changed(self) -> None:
        if self.session.store is not None:
            set_next_order(self.session.store, self.order_box.currentData())


def _entities(n: int) -> str:
    return f"{n} entit{'ies' if n != 1 else 'y'}"


def _with_list_matches(predicted: list[Any], listed: list[ListMatch], known: set[str]) -> list[Any]:
    """The model's suggestions, and the list matches no model suggestion overlaps (the model,
    which reads the context, has the last word where both speak), in text order."""
    ends = [p.end for p in predicted]
    out = list(predicted)
    for m in listed:
        i = bisect.bisect_right(ends, m.start)
        if m.label in known and not (i < len(predicted) and predicted[i].start < m.end):
            out.append(m)
    return sorted(out, key=lambda p: p.start)
