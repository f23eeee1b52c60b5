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

from ui.annotate.commands import AcceptEdit, ClassEdit, DocState, SpansEdit
from workbench.spans import Span, Token, place_span, tokenize
from workbench.store import Document, Store, StoreError
from workbench.store.errors import read_only as read_only_error

MAX_STACKS = 200  # documents whose undo history is kept


class AnnotationSession(QObject):
    documentOpened = Signal(int)
    spansChanged = Signal()
    classChanged = Signal(str)      # a classification task's class of the open document (the task)
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
        self.spans: list[Span] = []                  # the span task's, on the open document
        self.choices: dict[str, str | None] = {}     # each classification task's class
        self.status: dict[str, str] = {}
        self.failed_write = ""          # why the last intent's write was refused ("" when it landed)

    # ---- project and document ---------------------------------------------------
    def set_store(self, store: Store | None) -> None:
        for stack in self._stacks.values():
            self.undo_group.removeStack(stack)
            stack.deleteLater()
        self._stacks.clear()
        self.store, self.doc = store, None
        self.tokens, self.spans, self.choices, self.status = [], [], {}, {}

    @property
    def tasks(self) -> list[str]:
        return self.store.tasks if self.store is not None else []

    @property
    def span_task(self) -> str | None:
        """The project's span-labeling task, if it has one."""
        spec = self.store.span_task if self.store is not None else None
        return spec.name if spec is not None else None

    @property
    def class_tasks(self) -> list[str]:
        return [spec.name for spec in self.store.class_tasks] if self.store is not None else []

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
            for task in self.class_tasks:
                self.classChanged.emit(task)

    def _load_annotations(self) -> None:
        assert self.store is not None and self.doc is not None
        self.status = {}
        self.spans, self.choices = [], {}
        span_task = self.span_task
        for task in self.tasks:
            ann = self.store.annotation(self.doc.id, task)
            self.status[task] = ann.status
            if task == span_task:
                self.spans = list(ann.spans)
            else:
                self.choices[task] = ann.choice

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

    def choose_class(self, task: str, name: str | None) -> None:
        """Choose (or clear, with None) the open document's class for a classification task."""
        if self.doc is None or task not in self.choices or name == self.choices[task]:
            return
        self._push(ClassEdit(self, self.doc.id, task, self.choices[task], self.status.get(task, "unlabeled"), name))

    def replace_spans(self, new: Sequence[Span], text: str) -> None:
        """The open document's spans become ``new``, as one undo step."""
        assert self.doc is not None
        assert self.span_task is not None
        cmd = SpansEdit(self, self.doc.id, self.spans, self.status.get(self.span_task, "unlabeled"), new, text)
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

    def accept(self, add_spans: Sequence[Span] = (), suggested: dict[str, str] | None = None) -> bool:
        """Accept the document as shown: its spans plus ``add_spans`` (pending suggestions; one
        that overlaps a span is left out), and each classification task's class, or its
        ``suggested`` class when none is chosen (a task with neither is left as it is).  All
        tasks in one transaction and one undo step.  False when there is nothing to accept (no
        span task and no class chosen or suggested)."""
        if self.doc is None or self.store is None:
            return False
        span_task, suggested = self.span_task, suggested or {}
        chosen = {t: c if c is not None else suggested.get(t) for t, c in self.choices.items()}
        taken = {t: c for t, c in chosen.items() if c is not None}
        if span_task is None and not taken:
            return False
        spans = list(self.spans)
        for extra in add_spans if span_task is not None else ():
            if not any(s.start < extra.end and s.end > extra.start for s in spans):
                spans.append(extra)
        before = DocState(tuple(self.spans), self.status.get(span_task) if span_task else None,
                          tuple((t, self.choices[t], self.status.get(t, "unlabeled")) for t in taken))
        after = DocState(tuple(sorted(spans, key=lambda s: s.start)), "accepted" if span_task else None,
                         tuple((t, c, "accepted") for t, c in taken.items()))
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
        if self.doc is not None and doc_id == self.doc.id:
            self.spans = list(out)
            self.status[self.span_task or ""] = status
            self.spansChanged.emit()
        self.statusChanged.emit(doc_id)
        return True

    def write_class(self, doc_id: int, task: str, name: str | None, status: str) -> bool:
        assert self.store is not None
        store = self.store
        if not self._saved(lambda: store.set_class(doc_id, task, name, status=status, annotator=self.annotator)):
            return False
        if self.doc is not None and doc_id == self.doc.id:
            self.choices[task] = name
            self.status[task] = status
            self.classChanged.emit(task)
        self.statusChanged.emit(doc_id)
        return True

    def write_state(self, doc_id: int, state: DocState) -> bool:
        """Several tasks at once (accepting, and undoing it); a task whose status is None, or that
        is not in ``state.classes``, is left alone."""
        assert self.store is not None
        store, clean = self.store, []

        def write() -> None:
            with store.transaction():
                if state.span_status is not None:
                    clean.extend(store.set_spans(doc_id, state.spans, status=state.span_status,
                                                 annotator=self.annotator))
                for task, name, status in state.classes:
                    store.set_class(doc_id, task, name, status=status, annotator=self.annotator)

        if not self._saved(write):
            return False
        if self.doc is not None and doc_id == self.doc.id:
            if state.span_status is not None:
                self.spans, self.status[self.span_task or ""] = list(clean), state.span_status
                self.spansChanged.emit()
            for task, name, status in state.classes:
                self.choices[task], self.status[task] = name, status
                self.classChanged.emit(task)
        self.statusChanged.emit(doc_id)
        return True
