"""File → Import: pick a file, see what it holds, import it.

Parsing (for the preview) and importing both run on a worker thread, with the
import's progress shown and cancellable; the core checks the whole file before
writing anything, so a bad line leaves the project untouched.  The core's error
text ("file:line: problem") is shown exactly as it comes.
"""
from __future__ import annotations

import pathlib
from typing import Any, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QDialog, QFileDialog, QFormLayout, QHBoxLayout, QHeaderView, QLabel,
    QLineEdit, QMessageBox, QProgressBar, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from ui.workers import Worker, start
from workbench.formats import IMPORT_FORMATS, ImportCancelled, ImportReport, guess_format, import_file, parse_file
from workbench.store import SPLITS, Store

PREVIEW_ROWS = 20


def preview_job(path: str, fmt: str, gen: int, *, on_progress: Callable[..., None], cancelled: Callable[[], bool],
                **options: Any) -> dict[str, Any]:
    """How many records the file holds and the first few (the whole file is checked).
    A bad file is a result here, not a failure: the preview shows the core's message."""
    try:
        docs = parse_file(path, fmt, **options)
    except Exception as exc:  # noqa: BLE001 - FormatError or an OS error, shown as text
        return {"gen": gen, "error": str(exc)}
    return {"gen": gen, "total": len(docs), "docs": docs[:PREVIEW_ROWS]}


def import_job(project: str, path: str, fmt: str, *, on_progress: Callable[..., None],
               cancelled: Callable[[], bool], **options: Any) -> ImportReport:
    # A worker thread needs its own connection to the project.
    with Store(project) as store:
        return import_file(store, path, fmt, on_progress=on_progress, cancelled=cancelled, **options)


class ImportDialog(QDialog):
    imported = Signal(object)    # ImportReport

    def __init__(self, project: pathlib.Path, parent: QWidget | None = None, path: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Import documents")
        self.resize(760, 560)
        self.project = project
        self.report: ImportReport | None = None
        self.error_box: QMessageBox | None = None
        self._preview_gen = 0
        self._worker: Worker | None = None

        self.file = QLineEdit(path)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.file, 1)
        row.addWidget(browse)
        self.fmt = QComboBox()
        for f in IMPORT_FORMATS:
            self.fmt.addItem({"conll": "CoNLL (token per line, IOB tags)", "jsonl": "JSON lines",
                              "csv": "CSV / TSV", "txt": "Plain text (one document per line)"}.get(f, f), f)
        self.split = QComboBox()
        self.split.addItem("From the file, else by content hash (80/10/10)", None)
        for s in SPLITS:
            self.split.addItem(s, s)
        self.unit = QComboBox()
        self.unit.addItem("one document per sentence", "sentence")
        self.unit.addItem("one document per -DOCSTART- document", "document")
        self.text_column = QLineEdit()
        self.text_column.setPlaceholderText("text")
        self.label_column = QLineEdit()
        self.label_column.setPlaceholderText("(none)")
        self.add_labels = QCheckBox("Add labels and classes the project does not have yet")
        form = QFormLayout()
        form.addRow("File", row)
        form.addRow("Format", self.fmt)
        form.addRow("Split", self.split)
        form.addRow("CoNLL unit", self.unit)
        form.addRow("Text column", self.text_column)
        form.addRow("Label column", self.label_column)
        form.addRow("", self.add_labels)
        self._form = form

        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Text", "Entities", "Sentiment", "Split"])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(1, 260)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.status = QLabel("Choose a file.")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = QProgressBar()
        self.progress.hide()
        self.import_button = QPushButton("Import")
        self.import_button.setObjectName("primary")
        self.import_button.clicked.connect(self.start_import)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self._cancel)
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress, 1)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.import_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Preview"))
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)

        self.file.editingFinished.connect(self._file_changed)
        for box in (self.fmt, self.split, self.unit):
            box.currentIndexChanged.connect(lambda _i: self.refresh_preview())
        for edit in (self.text_column, self.label_column):
            edit.editingFinished.connect(self.refresh_preview)
        self._show_options()
        if path:
            self._file_changed()

    # ---- options -----------------------------------------------------------------------
    def options(self) -> dict[str, Any]:
        fmt = self.fmt.currentData()
        opts: dict[str, Any] = {"split": self.split.currentData()}
        if fmt == "conll":
            opts["unit"] = self.unit.currentData()
        if fmt == "csv":
            opts["text_column"] = self.text_column.text().strip() or None
            opts["label_column"] = self.label_column.text().strip() or None
        return opts

    def _show_options(self) -> None:
        fmt = self.fmt.currentData()
        for widget, visible in ((self.unit, fmt == "conll"), (self.text_column, fmt == "csv"),
                                (self.label_column, fmt == "csv")):
            self._form.setRowVisible(widget, visible)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import file", self.file.text(),
                                              "Data files (*.conll *.iob *.bio *.jsonl *.json *.csv *.tsv *.txt);;All files (*)")
        if path:
            self.file.setText(path)
            self._file_changed()

    def _file_changed(self) -> None:
        path = self.file.text().strip()
        if path:
            i = self.fmt.findData(guess_format(pathlib.Path(path)))
            if i >= 0 and i != self.fmt.currentIndex():
                self.fmt.setCurrentIndex(i)  # refreshes the preview through its signal
                return
        self.refresh_preview()

    # ---- preview -------------------------------------------------------------------------
    def refresh_preview(self) -> None:
        self._show_options()
        path = self.file.text().strip()
        self.table.setRowCount(0)
        if not path:
            return
        self._preview_gen += 1
        gen = self._preview_gen
        self.status.setText("Reading the file…")
        worker = Worker(preview_job, path, self.fmt.currentData(), gen, **self.options())
        # Bound methods of this dialog (not lambdas): Qt then delivers the result on
        # the UI thread, where widgets may be touched.
        worker.done.connect(self._show_preview)
        start(worker)  # no parent: closing the dialog must not destroy a running thread

    def _show_preview(self, result: dict[str, Any]) -> None:
        if result["gen"] != self._preview_gen:
            return  # an older file or option set; a newer preview is on its way
        if "error" in result:
            self.status.setText(result["error"])
            self.status.setProperty("error", True)
            self._repolish(self.status)
            return
        total, docs = result["total"], result["docs"]
        self.table.setRowCount(len(docs))
        for r, doc in enumerate(docs):
            ents = "" if doc.spans is None else ", ".join(f"{doc.text[s.start:s.end]} ({s.label})" for s in doc.spans)
            for c, value in enumerate((" ".join(doc.text.split()), ents, doc.sentiment or "", doc.split or "")):
                self.table.setItem(r, c, QTableWidgetItem(value))
        shown = f"; the first {len(docs)} are shown" if total > len(docs) else ""
        self.status.setText(f"{total:,} documents in the file{shown}.")
        self.status.setProperty("error", False)
        self._repolish(self.status)

    @staticmethod
    def _repolish(widget: QWidget) -> None:
        widget.style().unpolish(widget)
        widget.style().polish(widget)

    # ---- import ----------------------------------------------------------------------------
    def start_import(self) -> None:
        path = self.file.text().strip()
        if not path or self._worker is not None:
            return
        self.import_button.setEnabled(False)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.status.setText("Importing…")
        worker = Worker(import_job, str(self.project), path, self.fmt.currentData(),
                        add_labels=self.add_labels.isChecked(), **self.options())
        worker.progress.connect(self._on_progress)
        worker.done.connect(self._on_done)
        worker.failed.connect(self._on_failed)
        self._worker = worker
        start(worker)  # no parent: closing the dialog must not destroy a running thread

    def _on_progress(self, value: tuple[int, int]) -> None:
        done, total = value
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _on_done(self, report: ImportReport) -> None:
        self._worker = None
        self.report = report
        self.progress.hide()
        self.imported.emit(report)
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        self._worker = None
        self.progress.hide()
        self.import_button.setEnabled(True)
        if isinstance(exc, ImportCancelled):
            self.status.setText(str(exc))
            return
        self.status.setText("Nothing was imported.")
        # Exactly the core's message: it names the file and line to fix.
        self.error_box = QMessageBox(QMessageBox.Icon.Critical, "Import failed", str(exc),
                                     QMessageBox.StandardButton.Ok, self)
        self.error_box.open()

    def _cancel(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
        else:
            self.reject()


def summary(report: ImportReport) -> str:
    parts = [f"Imported {report.documents:,} documents"]
    if report.ner_labeled:
        parts.append(f"{report.ner_labeled:,} with entities")
    if report.sentiment_labeled:
        parts.append(f"{report.sentiment_labeled:,} with a sentiment class")
    if report.new_labels or report.new_classes:
        parts.append("new labels: " + ", ".join(report.new_labels + report.new_classes))
    return "; ".join(parts) + "."
