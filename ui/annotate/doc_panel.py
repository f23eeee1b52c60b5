"""The left side of the Annotate screen: filters, search and the document table.

The table is never a keyboard stop: a labeling key must reach the text, so
the list is driven from the search box (Ctrl+F, type, ↑/↓ pick a result, Enter,
Esc or Tab go back to the text) or by a click, which also hands the keys back.
"""
from __future__ import annotations

import time

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QSizePolicy, QTableView, QVBoxLayout,
    QWidget,
)

from ui.annotate.doc_list import DocListModel
from workbench import tasks as task_registry
from workbench.store import SPLITS, DocFilter, Store

STATUS_FILTERS = (("All documents", None), ("Unlabeled", "unlabeled"), ("Draft", "draft"),
                  ("Labeled", "labeled"), ("Skipped", "skipped"))


class SearchBox(QLineEdit):
    """A line edit that keeps Enter, Delete and label keys to itself.

    The screen's shortcuts (Enter accepts, digits label, Delete removes a span)
    are window-wide; while the user types a query those keys must edit the query.
    ↑/↓ step through the results (:attr:`stepped`), Esc gives up (:attr:`escaped`).
    """

    stepped = Signal(int)
    escaped = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        plain = not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down) and plain:
            self.stepped.emit(-1 if event.key() == Qt.Key.Key_Up else 1)
        elif event.key() == Qt.Key.Key_Escape:
            self.escaped.emit()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def event(self, event) -> bool:  # noqa: D401
        if event.type() == event.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Delete, Qt.Key.Key_Backspace,
                               Qt.Key.Key_Home, Qt.Key.Key_End) or (event.text() and mods in
                                                                   (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier)):
                event.accept()
                return True
        return super().event(event)


class DocPanel(QWidget):
    documentActivated = Signal(int)   # the user picked a row
    documentChosen = Signal()         # done choosing (Enter or Esc in the search box, a click): back to the text
    filterChanged = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store: Store | None = None
        self.model = DocListModel(self)
        self.model.loaded.connect(self._on_loaded)
        self._quiet = False
        self._wanted: int | None = None    # a document to show as current once the list has read its id
        self._counted = 0.0                # when the count's text last changed

        self.status_box = QComboBox()
        for text, value in STATUS_FILTERS:
            self.status_box.addItem(text, value)
        self.label_box = QComboBox()
        self.split_box = QComboBox()
        self.split_box.addItem("Any split", None)
        for split in SPLITS:
            self.split_box.addItem(split, split)
        self.search = SearchBox()
        self.search.setPlaceholderText("Search text…  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.count_label = QLabel()
        self.count_label.setObjectName("muted")
        self.count_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Not a Tab stop and never focused by a click: its cell keys (Tab, arrows, PgDn, letters)
        # would swallow the labeling keys.  The search box steps through it instead.
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setTabKeyNavigation(False)
        # Fixed row heights and column widths: nothing ever measures all 100,000 rows.
        vh = self.table.verticalHeader()
        vh.setVisible(False)
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(24)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        hh.setStretchLastSection(True)
        hh.setHighlightSections(False)
        for col, width in enumerate((48, 40, 44, 70, 42, 50)):
            self.table.setColumnWidth(col, width)
        self.table.selectionModel().currentRowChanged.connect(self._on_current)

        filters = QHBoxLayout()
        filters.setSpacing(6)
        filters.addWidget(self.status_box, 2)
        filters.addWidget(self.label_box, 2)
        filters.addWidget(self.split_box, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(filters)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)

        # Typing in the search box filters after a short pause, not on every key.
        self._search_timer = QTimer(self, singleShot=True, interval=250)
        self._search_timer.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.search.returnPressed.connect(self._search_done)
        self.search.escaped.connect(self.documentChosen)
        self.search.stepped.connect(self.step_result)
        self.table.clicked.connect(lambda _index: self.documentChosen.emit())
        for box in (self.status_box, self.label_box, self.split_box):
            box.currentIndexChanged.connect(lambda _i: self.apply_filter())

    # ---- project ------------------------------------------------------------------
    def set_store(self, store: Store | None) -> None:
        self.store = store
        self._quiet = True
        self.status_box.setCurrentIndex(0)
        self.split_box.setCurrentIndex(0)
        self.search.clear()
        self._search_timer.stop()
        self.refresh_labels()
        self._quiet = False
        self.model.set_store(store)
        has_spans, has_classes = self.model.span_task is not None, self.model.class_task is not None
        for col, shown in ((1, has_spans), (4, has_spans), (2, has_classes), (3, has_classes)):
            self.table.setColumnHidden(col, not shown)
        self._update_count()

    def refresh_labels(self) -> None:
        """Refill the label filter (after the label set changed); keeps the choice if it still exists."""
        keep = self.label_box.currentData()
        quiet, self._quiet = self._quiet, True
        self.label_box.clear()
        self.label_box.addItem("Any label", None)
        if self.store is not None:
            for spec in task_registry.specs(self.store.tasks):
                for lab in self.store.labels(spec.name):
                    self.label_box.addItem(f"{spec.title}: {lab.name}", lab.name)
        i = self.label_box.findData(keep)
        self.label_box.setCurrentIndex(max(i, 0))
        self._quiet = quiet

    # ---- filtering ------------------------------------------------------------------
    def current_filter(self) -> DocFilter:
        return DocFilter(status=self.status_box.currentData(), label=self.label_box.currentData(),
                         split=self.split_box.currentData(), search=self.search.text().strip() or None)

    def is_filtered(self) -> bool:
        return self.current_filter() != DocFilter()

    def apply_filter(self) -> None:
        if self._quiet or self.store is None:
            return
        self._search_timer.stop()
        current = self.current_doc_id()
        self.model.set_filter(self.current_filter())
        self._update_count()
        if current is not None:
            self.select_doc(current)
        self.filterChanged.emit()

    def _update_count(self) -> None:
        """"N of M documents"; while a filtered list is still being read, "N+ ... counting" (the
        project's total, and so the unfiltered list's length, is a kept count, known at once)."""
        n = self.model.rowCount()
        total = self.store.document_count() if self.store is not None else 0
        if self.model.filter == DocFilter():
            self.count_label.setText(f"{total:,} documents")
        elif not self.model.complete and n < total:
            self.count_label.setText(f"{n:,}+ of {total:,} documents (counting…)")
        else:
            self.count_label.setText(f"{n:,} of {total:,} documents" if n != total else f"{total:,} documents")

    def _on_loaded(self) -> None:
        # The count's text changes only a few times a second while ids are read: a new text
        # lays out the panel, and every few milliseconds that would be most of the work.
        now = time.monotonic()
        if self.model.complete or now - self._counted >= 0.5:
            self._counted = now
            self._update_count()
        if self._wanted is not None and self.model.row_of(self._wanted) is not None:
            self.select_doc(self._wanted)

    # ---- selection ------------------------------------------------------------------
    def current_doc_id(self) -> int | None:
        index = self.table.currentIndex()
        return self.model.id_at(index.row()) if index.isValid() else None

    def select_doc(self, doc_id: int) -> None:
        """Show ``doc_id`` as the current row without re-opening it."""
        row = self.model.row_of(doc_id)
        # not read yet: selected when its page of ids comes in
        self._wanted = doc_id if row is None and not self.model.complete else None
        self._quiet = True
        try:
            if row is None:
                self.table.selectionModel().clearSelection()
                self.table.selectionModel().setCurrentIndex(QModelIndex(), QItemSelectionModel.SelectionFlag.NoUpdate)
            else:
                index = self.model.index(row, 0)
                self.table.selectionModel().setCurrentIndex(
                    index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
                self.table.scrollTo(index)
        finally:
            self._quiet = False

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not self._quiet and current.isValid():
            self.documentActivated.emit(self.model.id_at(current.row()))

    def _search_done(self) -> None:
        self.apply_filter()
        self.documentChosen.emit()

    def step_result(self, delta: int) -> None:
        """Make the row ``delta`` away the current one (which opens it); from the search box."""
        if self._search_timer.isActive():
            self.apply_filter()
        n = self.model.rowCount()
        if not n:
            return
        index = self.table.currentIndex()
        row = max(0, min(n - 1, index.row() + delta)) if index.isValid() else (0 if delta > 0 else n - 1)
        self.table.selectionModel().setCurrentIndex(
            self.model.index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.table.scrollTo(self.model.index(row, 0))

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()


