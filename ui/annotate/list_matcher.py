"""The project's dictionaries, ready to match the open document (ui side of workbench/dictionaries).

The matcher is built from the project's terms and kept until the terms change (their
signature: a count and the largest id, one cheap query per document opened).  A small list
(up to :data:`INLINE_TERMS` terms, such as the terms "label all occurrences" adds) is built at
once; a big one (100,000 names) on a worker through a JobHost, and :attr:`ready` says when
it is in place, until then the previous matcher (or none) answers.  UI thread only.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from ui.workers import JobHost
from workbench.dictionaries.matcher import ListMatch, Matcher
from workbench.dictionaries.project_terms import load_matcher, signature, term_rules
from workbench.store import Document, Store

INLINE_TERMS = 5000   # about 20 ms to build: not worth a thread


class ListMatcher(QObject):
    ready = Signal()     # a matcher built on a worker is in place (show the document again)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.jobs = JobHost(self)
        self._matcher: Matcher | None = None
        self._signature: tuple[int, int] | None = None
        self._building: tuple[int, int] | None = None

    def reset(self) -> None:
        """Another project (or labels renamed): build again on the next document."""
        self.jobs.cancel()
        self._matcher, self._signature, self._building = None, None, None

    def matches(self, store: Store, doc: Document) -> list[ListMatch]:
        """The dictionary matches of ``doc`` (none while the first big matcher is being built)."""
        sig = signature(store)
        if sig != self._signature:
            if sig[0] <= INLINE_TERMS:
                self.jobs.cancel()
                self._matcher, self._signature, self._building = Matcher(term_rules(store)), sig, None
            elif sig != self._building:
                self._building = sig
                self.jobs.start(load_matcher, store.path, on_done=self._built,
                                on_failed=lambda exc: self.failed.emit(f"The dictionaries could not be read: {exc}"))
        return self._matcher.match(doc.text, doc.pretokenized) if self._matcher is not None else []

    @property
    def terms(self) -> int:
        return len(self._matcher) if self._matcher is not None else 0

    def _built(self, result: tuple[tuple[int, int], Matcher]) -> None:
        self._signature, self._matcher = result
        self._building = None
        self.ready.emit()
