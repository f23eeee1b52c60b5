"""Label all occurrences (Ctrl+L on a labeled span).

In the open document, every other place its text occurs as written and as whole words (not
already inside a span) gets the same label: one edit, one Ctrl+Z.  Then the unlabeled
documents of the project are searched on a worker (workbench.dictionaries.count_occurrences);
with a confirmation showing the count, the text becomes a term of the project's dictionary
(source "label all occurrences", case as written, whole words), so every document not yet
accepted shows it as a suggestion "LABEL? list".  That too is one undo step on the document
it was started from: Ctrl+Z takes the term away again.  UI thread only.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import QMessageBox, QWidget

from ui.annotate.ner_view import NerView
from ui.annotate.session import AnnotationSession
from ui.workers import JobHost
from workbench.dictionaries.matcher import find_occurrences
from workbench.dictionaries.project_terms import OCCURRENCES, OccurrenceCount, add_terms, count_occurrences, remove_terms
from workbench.spans import Span
from workbench.store import StoreError


class _AddTerm(QUndoCommand):
    """The labeled text as a dictionary term of its label; undo removes the row it added."""

    def __init__(self, session: AnnotationSession, term: str, label: str, done: Callable[[], None]) -> None:
        super().__init__(f"suggest {term!r} as {label} across the project")
        self.session, self.term, self.label, self.done = session, term, label, done
        self.ids: list[int] = []

    def redo(self) -> None:
        store = self.session.store
        try:
            self.ids = add_terms(store, [(self.term, self.label)], case_sensitive=True, whole_word=True,
                                 source=OCCURRENCES)
        except StoreError as exc:
            self.session.writeFailed.emit(str(exc))
            self.setObsolete(True)
            return
        self.done()

    def undo(self) -> None:
        try:
            remove_terms(self.session.store, self.ids)
        except StoreError as exc:
            self.session.writeFailed.emit(str(exc))
            self.setObsolete(True)
            return
        self.done()


class Occurrences(QObject):
    message = Signal(str)
    suggested = Signal()    # the project's terms changed: show the open document's suggestions again

    def __init__(self, session: AnnotationSession, view: NerView, parent: QWidget) -> None:
        super().__init__(parent)
        self.session, self.view, self.parent_widget = session, view, parent
        self.jobs = JobHost(self)
        self.confirm_box: QMessageBox | None = None
        self.last_count: OccurrenceCount | None = None

    def label_all(self) -> None:
        """Ctrl+L: the selected span's label on every other occurrence of its text."""
        s = self.session
        span = self.view.selected_span()
        if s.doc is None or s.store is None or span is None:
            self.message.emit("Put the cursor on a labeled span first: Ctrl+L labels every other occurrence of its text.")
            return
        term = s.doc.text[span.start:span.end]
        new = [Span(a, b, span.label) for a, b in find_occurrences(s.doc.text, s.tokens, term)
               if not any(x.start < b and x.end > a for x in s.spans)]
        if new:
            s.replace_spans(sorted(s.spans + new, key=lambda x: x.start),
                            f"label {len(new)} more occurrences of {term!r} {span.label}")
            if s.failed_write:
                return
        self.view.select_span_at(span.start, span.end)
        here = f"Labeled {len(new)} more occurrence{'s' if len(new) != 1 else ''} of “{term}” as {span.label} " \
               f"in this document{' (Ctrl+Z undoes it)' if new else ''}; looking in the unlabeled documents…"
        self.message.emit(here)
        self.jobs.start(count_occurrences, s.store.path, term, exclude_doc=s.doc.id,
                        on_done=lambda found: self._counted(found, span.label, s.doc_id),
                        on_failed=lambda exc: self.message.emit(f"Could not search the other documents: {exc}"))

    def _counted(self, found: OccurrenceCount, label: str, doc_id: int | None) -> None:
        self.last_count = found
        if self.session.doc_id != doc_id:   # the user has moved on: ask nothing
            return
        if not found.occurrences:
            self.message.emit(f"“{found.term}” occurs in no other unlabeled document.")
            return
        box = QMessageBox(QMessageBox.Icon.Question, "Label all occurrences",
                          f"Suggest {label} on {found.occurrences:,} occurrence{'s' if found.occurrences != 1 else ''}"
                          f" of “{found.term}” in {found.documents:,} unlabeled document"
                          f"{'s' if found.documents != 1 else ''}?\n\nThey show as suggestions “{label}? list”, "
                          "to accept or reject with the suggestion keys; Ctrl+Z takes them back.",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self.parent_widget)
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        box.finished.connect(lambda _r: self._answered(box, found, label))
        self.confirm_box = box
        box.open()

    def _answered(self, box: QMessageBox, found: OccurrenceCount, label: str) -> None:
        self.confirm_box = None
        yes = box.clickedButton() is box.button(QMessageBox.StandardButton.Yes)
        box.deleteLater()
        self.parent_widget.window().activateWindow()   # the keys go back to the text at once
        self.view.setFocus()
        if not yes or self.session.doc is None:
            return
        self.session.push(_AddTerm(self.session, found.term, label, self.suggested.emit))
        if not self.session.failed_write:
            self.message.emit(f"“{found.term}” is suggested as {label} in {found.documents:,} unlabeled documents.")
