"""The document being labeled and every change to it.

The session is the one place the Annotate screen writes through: widgets send
intents (label these characters, delete that span, choose this class, accept),
the session turns them into undo commands whose ``redo`` writes to the store at
once, then tells the widgets what changed.  One undo stack per document, kept in
a QUndoGroup, so going back to a document brings its history back too.

A write the store refuses (a read-only project, a full disk, a lock held past the
store's wait) changes nothing on screen: the command is dropped from the stack and
``writeFailed`` says why, so what the user sees is always what the file holds.
"""
from __future__ import annotations

import collections
import contextlib
import sqlite3
from typing import Any, Callable, Iterator, Sequence

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoGroup, QUndoStack

from ui.annotate.commands import AcceptEdit, DocState, SentimentEdit, SpansEdit
from workbench.spans import Span, Token, place_span, tokenize
from workbench.store import Document, Store, StoreError
from workbench.store.errors import read_only as read_only_error

MAX_STACKS = 200  # documents whose undo history is kept


class AnnotationSession(QObject):
    documentOpened = Signal(int)
    spansChanged = Signal()
    sentimentChanged = Signal()
    statusChanged = Signal(int)     # a document's labels or status changed in the store
    writeFailed = Signal(str)       # the store refused a write; nothing changed

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
        self.failed_write = ""          # why the last intent's write was refused ("" when it landed)

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
            self.replace_spans(new, f"label {self.doc.text[start:end]!r} {label}")

    def relabel(self, span: Span, label: str) -> None:
        if span.label != label and span in self.spans:
            new = [Span(s.start, s.end, label) if s == span else s for s in self.spans]
            self.replace_spans(new, f"relabel {span.label} as {label}")

    def delete_spans(self, spans: list[Span]) -> None:
        """Remove these spans in one undo step."""
        gone = [s for s in spans if s in self.spans]
        if gone:
            self.replace_spans([s for s in self.spans if s not in gone], f"delete {', '.join(s.label for s in gone)}")

    def choose_sentiment(self, name: str | None) -> None:
        if self.doc is None or "sentiment" not in self.tasks or name == self.sentiment:
            return
        cmd = SentimentEdit(self, self.doc.id, self.sentiment, self.status.get("sentiment", "unlabeled"), name)
        self._push(cmd)

    def replace_spans(self, new: Sequence[Span], text: str) -> None:
        """The open document's spans become ``new``, as one undo step."""
        assert self.doc is not None
        cmd = SpansEdit(self, self.doc.id, self.spans, self.status.get("ner", "unlabeled"), new, text)
        self._push(cmd)

    def push(self, command: QUndoCommand) -> None:
        """Run ``command`` and put it on the open document's undo stack (for edits that are not
        labels, such as rejecting a model suggestion)."""
        assert self.doc is not None
        self._push(command)

    def _push(self, command: QUndoCommand) -> None:
        """Run ``command`` on the open document's stack; a read-only project is refused up front
        (no command that cannot be undone lands on the stack)."""
        assert self.doc is not None
        self.failed_write = ""
        if self.store is not None and self.store.read_only:
            self._refused(read_only_error(self.store.path, self.store.read_only_reason))
            return
        self._stack(self.doc.id).push(command)

    def _refused(self, exc: BaseException) -> None:
        self.failed_write = str(exc)
        self.writeFailed.emit(self.failed_write)

    def _saved(self, write: Callable[[], Any]) -> bool:
        """Run a store write; False (and ``writeFailed``) when the store refuses it."""
        try:
            write()
        except (StoreError, sqlite3.Error) as exc:
            self._refused(exc)
            return False
        return True

    @contextlib.contextmanager
    def group(self, text: str) -> Iterator[None]:
        """Every edit made inside is one undo step."""
        assert self.doc is not None
        stack = self._stack(self.doc.id)
        stack.beginMacro(text)
        try:
            yield
        finally:
            stack.endMacro()

    def accept(self, add_spans: Sequence[Span] = (), suggested_class: str | None = None) -> bool:
        """Accept the document as shown: its spans plus ``add_spans`` (pending suggestions; one
        that overlaps a span is left out), and its class, or ``suggested_class`` when none is
        chosen.  Both tasks in one transaction and one undo step.  False when there is nothing
        to accept (a sentiment-only project with no class chosen or suggested)."""
        if self.doc is None or self.store is None:
            return False
        has_ner, has_class = "ner" in self.tasks, "sentiment" in self.tasks
        sentiment = self.sentiment if self.sentiment is not None else suggested_class if has_class else None
        if not has_ner and sentiment is None:
            return False
        spans = list(self.spans)
        for extra in add_spans if has_ner else ():
            if not any(s.start < extra.end and s.end > extra.start for s in spans):
                spans.append(extra)
        take_class = has_class and sentiment is not None
        before = DocState(tuple(self.spans), self.status.get("ner") if has_ner else None,
                          self.sentiment, self.status.get("sentiment") if take_class else None)
        after = DocState(tuple(sorted(spans, key=lambda s: s.start)), "accepted" if has_ner else None,
                         sentiment, "accepted" if take_class else None)
        if after != before:
            self._push(AcceptEdit(self, self.doc.id, before, after, "accept the document"))
        return True

    def skip(self) -> None:
        if self.doc is None or self.store is None:
            return
        doc_id, store = self.doc.id, self.store
        self.failed_write = ""

        def write() -> None:
            with store.transaction():
                for task in self.tasks:
                    store.set_status(doc_id, task, "skipped", annotator=self.annotator)

        if self._saved(write):
            self.status.update({task: "skipped" for task in self.tasks})
            self.statusChanged.emit(doc_id)

    # ---- writes (only undo commands call these) ---------------------------------------
    def write_spans(self, doc_id: int, spans: list[Span], status: str) -> bool:
        assert self.store is not None
        store, out = self.store, []
        if not self._saved(lambda: out.extend(store.set_spans(doc_id, spans, status=status, annotator=self.annotator))):
            return False
        clean = out
        if self.doc is not None and doc_id == self.doc.id:
            self.spans = list(clean)
            self.status["ner"] = status
            self.spansChanged.emit()
        self.statusChanged.emit(doc_id)
        return True

    def write_sentiment(self, doc_id: int, name: str | None, status: str) -> bool:
        assert self.store is not None
        store = self.store
        if not self._saved(lambda: store.set_sentiment(doc_id, name, status=status, annotator=self.annotator)):
            return False
        if self.doc is not None and doc_id == self.doc.id:
            self.sentiment = name
            self.status["sentiment"] = status
            self.sentimentChanged.emit()
        self.statusChanged.emit(doc_id)
        return True

    def write_state(self, doc_id: int, state: DocState) -> bool:
        """Both tasks at once (accepting, and undoing it); a task whose status is None is left alone."""
        assert self.store is not None
        store, clean = self.store, []

        def write() -> None:
            with store.transaction():
                if state.ner_status is not None:
                    clean.extend(store.set_spans(doc_id, state.spans, status=state.ner_status,
                                                 annotator=self.annotator))
                if state.sentiment_status is not None:
                    store.set_sentiment(doc_id, state.sentiment, status=state.sentiment_status,
                                        annotator=self.annotator)

        if not self._saved(write):
            return False
        if self.doc is not None and doc_id == self.doc.id:
            if state.ner_status is not None:
                self.spans, self.status["ner"] = list(clean), state.ner_status
                self.spansChanged.emit()
            if state.sentiment_status is not None:
                self.sentiment, self.status["sentiment"] = state.sentiment, state.sentiment_status
                self.sentimentChanged.emit()
        self.statusChanged.emit(doc_id)
        return True
