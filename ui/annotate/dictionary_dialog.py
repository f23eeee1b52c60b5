"""Edit → Dictionaries…: the project's term lists, adding one from a file, removing one.

A list is one term a line (all of the label chosen) or CSV rows ``term,label``; a bad line
refuses the whole list, and the dialog says which line and why.  Adding runs as a job (a list
of 100,000 names is read, stored and matched on a worker); when it lands, the open document
shows the new suggestions.  UI thread only.
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout,
    QHeaderView, QLabel, QLineEdit, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from ui.workers import JobHost
from workbench.dictionaries.project_terms import AddedList, add_term_list, clear_terms, term_lists
from workbench.store import Store, StoreError

CSV_ROWS = "from the file (CSV rows term,label)"


class DictionaryDialog(QDialog):
    changed = Signal()    # terms were added or removed

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Dictionaries")
        self.resize(640, 460)
        self.store = store
        self.jobs = JobHost(self)
        intro = QLabel("Terms of a list are suggested wherever they occur in a document not yet accepted, "
                       "tagged “LABEL? list”; accept or reject them with the suggestion keys.")
        intro.setWordWrap(True)
        intro.setObjectName("muted")
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["List", "Label", "Terms", "Matching"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.remove_button = QPushButton("Remove list")
        self.remove_button.clicked.connect(self.remove_selected)

        self.file = QLineEdit()
        self.file.setPlaceholderText("a UTF-8 text file: one term a line, or CSV term,label")
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._choose)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file, 1)
        file_row.addWidget(browse)
        self.label = QComboBox()
        span = store.span_task
        self.label.addItems((store.label_names(span.name) if span else []) + [CSV_ROWS])
        self.case = QCheckBox("Match case")
        self.whole = QCheckBox("Whole words only (each Chinese or Japanese character is a word)")
        self.whole.setChecked(True)
        self.add_button = QPushButton("Add list")
        self.add_button.setObjectName("primary")
        self.add_button.clicked.connect(self.add_list)
        form = QFormLayout()
        form.addRow("File", file_row)
        form.addRow("Label", self.label)
        form.addRow("", self.case)
        form.addRow("", self.whole)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        buttons.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(close)
        self.fill()

    def fill(self) -> None:
        lists = term_lists(self.store)
        self.table.setRowCount(len(lists))
        for row, t in enumerate(lists):
            matching = ("case as written" if t.case_sensitive else "any case") + \
                       (", whole words" if t.whole_word else ", inside words too")
            for col, text in enumerate((t.source or "(no name)", t.label, f"{t.terms:,}", matching)):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self.remove_button.setEnabled(bool(lists))

    def _choose(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "A term list", "", "Term lists (*.txt *.csv *.tsv);;All files (*)")
        if name:
            self.file.setText(name)
            if name.lower().endswith(".csv"):
                self.label.setCurrentText(CSV_ROWS)

    def add_list(self) -> None:
        path = self.file.text().strip()
        if not path:
            self._say("Choose a file first.", error=True)
            return
        csv_rows = self.label.currentText() == CSV_ROWS
        self.add_button.setEnabled(False)
        self._say("Adding the list…")
        self.jobs.start(add_term_list, self.store.path, path, label=None if csv_rows else self.label.currentText(),
                        csv_rows=csv_rows, case_sensitive=self.case.isChecked(), whole_word=self.whole.isChecked(),
                        on_done=self._added, on_failed=self._failed, on_cancelled=self._failed,
                        on_progress=lambda p: self._say(p.message))

    def _added(self, done: AddedList) -> None:
        self.add_button.setEnabled(True)
        self._say(done.summary()[0].upper() + done.summary()[1:] + ".")
        self.fill()
        self.changed.emit()

    def _failed(self, exc: BaseException) -> None:
        self.add_button.setEnabled(True)
        self._say(f"Not added: {exc}", error=True)
        self.fill()
        self.changed.emit()   # a cancel after storing still changed the lists

    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()}) or [0]
        removed = 0
        try:
            for row in rows:
                source, label = self.table.item(row, 0).text(), self.table.item(row, 1).text()
                removed += clear_terms(self.store, label=label, source="" if source == "(no name)" else source)
        except StoreError as exc:
            self._say(f"Not removed: {exc}", error=True)
            return
        self._say(f"Removed {removed:,} term{'s' if removed != 1 else ''}.")
        self.fill()
        self.changed.emit()

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setObjectName("error" if error else "muted")
        self.status.setStyleSheet("")   # the object name picks the style
        self.status.setText(text)
