"""The document being labeled and every change to it.

The session is the one place the Annotate screen writes through: widgets send
intents (label these characters, delete that span, choose this class, accept),
the session turns them into undo commands whose ``redo`` writes to the store at
once, then tells the widgets what changed.  One undo stack per document, kept in
a QUndoGroup, so going back to a document brings its history back too.
"""
from __future__ import annotations

import collections

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoGroup, QUndoStack

from ui.annotate.commands import SentimentEdit, SpansEdit
from workbench.spans import Span, Token, place_span, tokenize
from workbench.store import Document, Store

MAX_STACKS = 200  # documents whose undo history is kept


class AnnotationSession(QObject):
    documentOpened = Signal(int)
    spansChanged = Signal()
    sentimentChanged = Signal()
    statusChanged = Signal(int)     # a document's labels or status changed in the store

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store: Store | None = None
        self.annotator = ""
        self.undo_group = QUndoGroup(self)
        self._stacks: collections.OrderedDict[int, QUndoStack] = collections.OrderedDict()
        self.doc: Document | None = None
        self.tokens: list[Token] = []
        self.spans: list[Span] = []
        self.sentiment: str | None = None
        self.status: dict[str, str] = {}

    # ---- project and document ---------------------------------------------------
    def set_store(self, store: Store | None) -> None:
        for stack in self._stacks.values():
            self.undo_group.removeStack(stack)
            stack.deleteLater()
        self._stacks.clear()
        self.store, self.doc = store, None
        self.tokens, self.spans, self.sentiment, self.status = [], [], None, {}

    @property
    def tasks(self) -> list[str]:
        return self.store.tasks if self.store is not None else []

    @property
    def doc_id(self) -> int | None:
        return self.doc.id if self.doc is not None else None

    def open(self, doc_id: int) -> None:
        assert self.store is not None
        self.doc = self.store.document(doc_id)
        self.tokens = tokenize(self.doc.text, self.doc.pretokenized)
        self._load_annotations()
        self.undo_group.setActiveStack(self._stack(doc_id))
        self.documentOpened.emit(doc_id)

    def reload(self) -> None:
        """Re-read the open document's labels (after a label rename elsewhere)."""
        if self.doc is not None:
            self._load_annotations()
            self.spansChanged.emit()
            self.sentimentChanged.emit()

    def _load_annotations(self) -> None:
        assert self.store is not None and self.doc is not None
        self.status = {}
        self.spans, self.sentiment = [], None
        for task in self.tasks:
            ann = self.store.annotation(self.doc.id, task)
            self.status[task] = ann.status
            if task == "ner":
                self.spans = list(ann.spans)
            else:
                self.sentiment = ann.sentiment

    def _stack(self, doc_id: int) -> QUndoStack:
        stack = self._stacks.get(doc_id)
        if stack is None:
            stack = QUndoStack(self)
            self.undo_group.addStack(stack)
            self._stacks[doc_id] = stack
            while len(self._stacks) > MAX_STACKS:
                _, old = self._stacks.popitem(last=False)
                self.undo_group.removeStack(old)
                old.deleteLater()
        self._stacks.move_to_end(doc_id)
        return stack

    # ---- intents (the screen calls these) -------------------------------------------
    def label_range(self, start: int, end: int, label: str) -> None:
        """A new span over [start, end); spans it overlaps are replaced."""
        new = place_span(self.spans, Span(start, end, label))
        if new != self.spans:
            self._push_spans(new, f"label {self.doc.text[start:end]!r} {label}")

    def relabel(self, span: Span, label: str) -> None:
        if span.label != label and span in self.spans:
            new = [Span(s.start, s.end, label) if s == span else s for s in self.spans]
            self._push_spans(new, f"relabel {span.label} as {label}")

    def delete_spans(self, spans: list[Span]) -> None:
        """Remove these spans in one undo step."""
        gone = [s for s in spans if s in self.spans]
        if gone:
            self._push_spans([s for s in self.spans if s not in gone], f"delete {', '.join(s.label for s in gone)}")

    def choose_sentiment(self, name: str | None) -> None:
        if self.doc is None or "sentiment" not in self.tasks or name == self.sentiment:
            return
        cmd = SentimentEdit(self, self.doc.id, self.sentiment, self.status.get("sentiment", "unlabeled"), name)
        self._stack(self.doc.id).push(cmd)

    def _push_spans(self, new: list[Span], text: str) -> None:
        assert self.doc is not None
        cmd = SpansEdit(self, self.doc.id, self.spans, self.status.get("ner", "unlabeled"), new, text)
        self._stack(self.doc.id).push(cmd)

    def accept(self) -> bool:
        """Mark both tasks' current labels accepted, in one transaction.  False when
        there is nothing to accept (a sentiment-only project with no class chosen)."""
        if self.doc is None or self.store is None:
            return False
        tasks = self.tasks
        if "ner" not in tasks and self.sentiment is None:
            return False
        with self.store.transaction():
            if "ner" in tasks:
                self.store.set_spans(self.doc.id, self.spans, status="accepted", annotator=self.annotator)
                self.status["ner"] = "accepted"
            if "sentiment" in tasks and self.sentiment is not None:
                self.store.set_sentiment(self.doc.id, self.sentiment, status="accepted", annotator=self.annotator)
                self.status["sentiment"] = "accepted"
        self.statusChanged.emit(self.doc.id)
        return True

    def skip(self) -> None:
        if self.doc is None or self.store is None:
            return
        with self.store.transaction():
            for task in self.tasks:
                self.store.set_status(self.doc.id, task, "skipped", annotator=self.annotator)
                self.status[task] = "skipped"
        self.statusChanged.emit(self.doc.id)

    # ---- writes (only undo commands call these) ---------------------------------------
    def write_spans(self, doc_id: int, spans: list[Span], status: str) -> None:
        assert self.store is not None
        clean = self.store.set_spans(doc_id, spans, status=status, annotator=self.annotator)
        if self.doc is not None and doc_id == self.doc.id:
            self.spans = list(clean)
            self.status["ner"] = status
            self.spansChanged.emit()
        self.statusChanged.emit(doc_id)

    def write_sentiment(self, doc_id: int, name: str | None, status: str) -> None:
        assert self.store is not None
        self.store.set_sentiment(doc_id, name, status=status, annotator=self.annotator)
        if self.doc is not None and doc_id == self.doc.id:
            self.sentiment = name
            self.status["sentiment"] = status
            self.sentimentChanged.emit()
        self.statusChanged.emit(doc_id)
