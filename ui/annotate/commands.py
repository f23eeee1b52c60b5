"""Undoable edits.  Each command writes to the store in ``redo``/``undo`` itself
(through the session), so an edit, an undo and a redo are each committed before
the key handler returns (DESIGN rule 4).

A command remembers the task status from before the edit as well as the labels:
undoing the only edit on an accepted document gives back an accepted document,
not a draft.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from PySide6.QtGui import QUndoCommand

from workbench.spans import Span

if TYPE_CHECKING:
    from ui.annotate.session import AnnotationSession


class SpansEdit(QUndoCommand):
    """Replace a document's spans (create, delete, relabel all go through here)."""

    def __init__(self, session: "AnnotationSession", doc_id: int, before: Sequence[Span], before_status: str,
                 after: Sequence[Span], text: str) -> None:
        super().__init__(text)
        self.session, self.doc_id = session, doc_id
        self.before, self.before_status = list(before), before_status
        self.after = list(after)

    def redo(self) -> None:
        self.session.write_spans(self.doc_id, self.after, "draft")

    def undo(self) -> None:
        self.session.write_spans(self.doc_id, self.before, self.before_status)


class SentimentEdit(QUndoCommand):
    """Choose (or clear, with None) the document's sentiment class."""

    def __init__(self, session: "AnnotationSession", doc_id: int, before: str | None, before_status: str,
                 after: str | None) -> None:
        super().__init__(f"sentiment {after or 'cleared'}")
        self.session, self.doc_id = session, doc_id
        self.before, self.before_status, self.after = before, before_status, after

    def redo(self) -> None:
        self.session.write_sentiment(self.doc_id, self.after, "draft" if self.after is not None else "unlabeled")

    def undo(self) -> None:
        self.session.write_sentiment(self.doc_id, self.before, self.before_status)
