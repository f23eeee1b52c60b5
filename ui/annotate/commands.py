"""Undoable edits.  Each command writes to the store in ``redo``/``undo`` itself
(through the session), so an edit, an undo and a redo are each committed before
the key handler returns (DESIGN rule 4).

A command remembers the task status from before the edit as well as the labels:
undoing the only edit on an accepted document gives back an accepted document,
not a draft.  Commands know the session only as a :class:`Writer`, so this
module does not import the session.  A write the store refuses makes the command
obsolete: QUndoStack then drops it, so the stack never holds an edit the file lacks.
"""
from __future__ import annotations

import dataclasses
from typing import Protocol, Sequence

from PySide6.QtGui import QUndoCommand

from workbench.spans import Span


@dataclasses.dataclass(frozen=True)
class DocState:
    """What accepting changes: the span task's spans and status, and each classification task's
    class and status.  A status of None, or a task left out of ``classes``, is left alone."""

    spans: tuple[Span, ...]
    span_status: str | None                               # None: no span task, or left as it is
    classes: tuple[tuple[str, str | None, str], ...] = ()  # (task, class, status)


class Writer(Protocol):
    """Each write returns False when the store refused it (nothing changed)."""

    def write_spans(self, doc_id: int, spans: list[Span], status: str) -> bool: ...
    def write_class(self, doc_id: int, task: str, name: str | None, status: str) -> bool: ...
    def write_state(self, doc_id: int, state: DocState) -> bool: ...


class SpansEdit(QUndoCommand):
    """Replace a document's spans (create, delete, relabel all go through here)."""

    def __init__(self, session: Writer, doc_id: int, before: Sequence[Span], before_status: str,
                 after: Sequence[Span], text: str) -> None:
        super().__init__(text)
        self.session, self.doc_id = session, doc_id
        self.before, self.before_status = list(before), before_status
        self.after = list(after)

    def redo(self) -> None:
        if not self.session.write_spans(self.doc_id, self.after, "draft"):
            self.setObsolete(True)

    def undo(self) -> None:
        if not self.session.write_spans(self.doc_id, self.before, self.before_status):
            self.setObsolete(True)


class ClassEdit(QUndoCommand):
    """Choose (or clear, with None) the document's class for one classification task."""

    def __init__(self, session: Writer, doc_id: int, task: str, before: str | None, before_status: str,
                 after: str | None) -> None:
        super().__init__(f"{task} {after or 'cleared'}")
        self.session, self.doc_id, self.task = session, doc_id, task
        self.before, self.before_status, self.after = before, before_status, after

    def redo(self) -> None:
        status = "draft" if self.after is not None else "unlabeled"
        if not self.session.write_class(self.doc_id, self.task, self.after, status):
            self.setObsolete(True)

    def undo(self) -> None:
        if not self.session.write_class(self.doc_id, self.task, self.before, self.before_status):
            self.setObsolete(True)


class AcceptEdit(QUndoCommand):
    """Accept the document (both tasks in one transaction), undoable like any edit, so
    going back and pressing Ctrl+Z gives back the draft and the suggestions on it."""

    def __init__(self, session: Writer, doc_id: int, before: DocState, after: DocState, text: str) -> None:
        super().__init__(text)
        self.session, self.doc_id, self.before, self.after = session, doc_id, before, after

    def redo(self) -> None:
        if not self.session.write_state(self.doc_id, self.after):
            self.setObsolete(True)

    def undo(self) -> None:
        if not self.session.write_state(self.doc_id, self.before):
            self.setObsolete(True)
