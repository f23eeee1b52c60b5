"""File → Import: pick a file, see what it holds, import it.

Parsing (for the preview) and importing are jobs of the core (workbench/formats/jobs.py)
run on a worker thread (``ui.workers.JobHost``), with the import's progress shown and
cancellable; the core checks the whole file before writing anything, so a bad line
leaves the project untouched.  The core's error
text ("file:line: problem") is shown exactly as it comes.

Keyboard: Enter imports (Import is the default button).  The preview follows
the path as it is typed (debounced), and for CSV the text and label columns
are offered from the file's header, with the dialog's guesses selected.
"""
from __future__ import annotations

import pathlib
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QDialog, QFileDialog, QFormLayout, QHBoxLayout, QHeaderView, QLabel,
    QLineEdit, QMessageBox, QProgressBar, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from ui.workers import JobHost, stopped_text
from workbench.formats import IMPORT_FORMATS, ImportReport, guess_format
from workbench.formats.encodings import ENCODINGS
from workbench.formats.jobs import import_job, preview_job
from workbench.jobs import Cancelled, Progress
from workbench.store import SPLITS

PREVIEW_DELAY_MS = 300      # after the last key typed in the path field
ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with a byte-order mark", "gb18030": "GB18030 (simplified Chinese)",
                  "big5": "Big5 (traditional Chinese)", "utf-16": "UTF-16", "latin-1": "Latin-1 (Western European)"}


class ImportDialog(QDialog):
    imported = Signal(object)    # ImportReport

    def __init__(self, project: pathlib.Path, parent: QWidget | None = None, path: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Import documents")
        self.resize(760, 560)
        self.project = project
        self.report: ImportReport | None = None
        self.error_box: QMessageBox | None = None
        self.previews = JobHost(self)      # a newer preview replaces the one still reading
        self.imports = JobHost(self)
        self._guess_columns = True    # a new file: the next preview picks the columns
        self._shown_columns: tuple[str | None, str | None] = (None, None)
        self._typing = QTimer(self)
        self._typing.setSingleShot(True)
        self._typing.setInterval(PREVIEW_DELAY_MS)
        self._typing.timeout.connect(self._file_changed)

        self.file = QLineEdit(path)
        self.file.setPlaceholderText("Type or paste a path, or Browse…")
        browse = QPushButton("Browse…")
        browse.setAutoDefault(False)   # Enter in the path field imports; it never opens the browser
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
        self.text_column = _column_box("text")
        self.label_column = _column_box("(none)")
        self.add_labels = QCheckBox("Add labels and classes the project does not have yet")
        self.encoding = QComboBox()
        for enc in ENCODINGS:
            self.encoding.addItem(ENCODING_NAMES.get(enc, enc), enc)
        self.repair = QCheckBox("Repair what cannot be read")
        self.repair.setToolTip("Emoji saved as two UTF-8 halves are put back together; other bytes that cannot be "
                               "read become \ufffd. The lines changed are counted. Off: the import stops at the "
                               "first such line.")
        encoding_row = QHBoxLayout()
        encoding_row.addWidget(self.encoding, 1)
        encoding_row.addWidget(self.repair)
        form = QFormLayout()
        form.addRow("File", row)
        form.addRow("Format", self.fmt)
        form.addRow("Encoding", encoding_row)
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
        self.import_button.setDefault(True)
        self.import_button.clicked.connect(self.start_import)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAutoDefault(False)
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

        self.file.textChanged.connect(lambda _t: self._typing.start())
        self.file.editingFinished.connect(self._flush_typing)
        self.fmt.currentIndexChanged.connect(self._format_changed)
        for box in (self.split, self.unit, self.encoding):
            box.currentIndexChanged.connect(lambda _i: self.refresh_preview())
        self.repair.toggled.connect(lambda _on: self.refresh_preview())
        for box in (self.text_column, self.label_column):
            box.currentIndexChanged.connect(self._column_chosen)
            box.lineEdit().editingFinished.connect(self._column_chosen)
        self._show_options()
        if path:
            self._file_changed()

    # ---- options -----------------------------------------------------------------------
    def options(self) -> dict[str, Any]:
        fmt = self.fmt.currentData()
        opts: dict[str, Any] = {"split": self.split.currentData(), "encoding": self.encoding.currentData(),
                                "repair_encoding": self.repair.isChecked()}
        if fmt == "conll":
            opts["unit"] = self.unit.currentData()
        if fmt == "csv":
            opts["text_column"] = self.text_column.currentText().strip() or None
            opts["label_column"] = self.label_column.currentText().strip() or None
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

    def _flush_typing(self) -> None:
        """Enter or leaving the field: preview now what was typed, without the delay."""
        if self._typing.isActive():
            self._file_changed()

    def _file_changed(self) -> None:
        self._typing.stop()
        self._guess_columns = True
        path = self.file.text().strip()
        if path and pathlib.Path(path).is_file():
            i = self.fmt.findData(guess_format(pathlib.Path(path)))
            if i >= 0 and i != self.fmt.currentIndex():
                self.fmt.setCurrentIndex(i)  # refreshes the preview through its signal
                return
        self.refresh_preview()

    def _format_changed(self) -> None:
        self._guess_columns = True
        self.refresh_preview()

    def _column_chosen(self, *_args: object) -> None:
        """The user picked or typed a column: use it from now on."""
        chosen = (self.text_column.currentText().strip() or None, self.label_column.currentText().strip() or None)
        if chosen != self._shown_columns:
            self._guess_columns = False
            self.refresh_preview()

    # ---- preview -------------------------------------------------------------------------
    def refresh_preview(self) -> None:
        self._show_options()
        path = self.file.text().strip()
        self.table.setRowCount(0)
        self.previews.drop()    # whatever is still on its way is out of date
        if not path or not pathlib.Path(path).is_file():
            where = pathlib.Path(path)
            self._set_status("Choose a file." if not path else f"{path} is a folder: choose a file in it."
                             if where.is_dir() else f"No file at {path}.", error=bool(path))
            return
        self._set_status("Reading the file…")
        self.previews.start(preview_job, path, self.fmt.currentData(), self._guess_columns, **self.options(),
                            on_done=self._show_preview, on_failed=lambda exc: self._set_status(str(exc), error=True))

    def _show_preview(self, result: dict[str, Any]) -> None:
        if result["columns"]:
            self._fill_columns(result)
        if "error" in result:
            self._set_status(result["error"], error=True)
            return
        total, docs = result["total"], result["docs"]
        self.table.setRowCount(len(docs))
        for r, doc in enumerate(docs):
            ents = "" if doc.spans is None else ", ".join(f"{doc.text[s.start:s.end]} ({s.label})" for s in doc.spans)
            classes = ", ".join(doc.classes.values())
            for c, value in enumerate((" ".join(doc.text.split()), ents, classes, doc.split or "")):
                self.table.setItem(r, c, QTableWidgetItem(value))
        shown = f"; the first {len(docs)} are shown" if total > len(docs) else ""
        repaired = result.get("repaired_lines", 0)
        mended = f" {repaired:,} line{'s' if repaired != 1 else ''} will be repaired." if repaired else ""
        self._set_status(f"{total:,} documents in the file{shown}.{mended}")

    def _fill_columns(self, result: dict[str, Any]) -> None:
        """The header's names as the choices, the columns the preview used selected."""
        self._guess_columns = False
        self._shown_columns = (result["text_column"], result["label_column"])
        for box, used, extra in ((self.text_column, result["text_column"], []),
                                 (self.label_column, result["label_column"], [""])):
            box.blockSignals(True)
            box.clear()
            box.addItems(extra + result["columns"])
            i = box.findText(used or "", Qt.MatchFlag.MatchExactly)
            if i >= 0:
                box.setCurrentIndex(i)
            else:
                box.setEditText(used or "")
            box.blockSignals(False)

    def _set_status(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setProperty("error", error)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)

    # ---- import ----------------------------------------------------------------------------
    def start_import(self) -> None:
        path = self.file.text().strip()
        if not path or self.imports.busy:
            return
        self.import_button.setEnabled(False)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.status.setText("Importing…")
        self.imports.start(import_job, str(self.project), path, self.fmt.currentData(), self._guess_columns,
                           add_labels=self.add_labels.isChecked(), **self.options(), on_progress=self._on_progress,
                           on_done=self._on_done, on_failed=self._on_failed, on_cancelled=self._on_cancelled)

    def _on_progress(self, p: Progress) -> None:
        self.progress.setRange(0, p.total)    # 0: a busy bar
        self.progress.setValue(p.done)

    def _on_done(self, report: ImportReport) -> None:
        self.report = report
        self.progress.hide()
        self.imported.emit(report)
        self.accept()

    def _on_cancelled(self, stop: Cancelled) -> None:
        self.progress.hide()
        self.import_button.setEnabled(True)
        self.status.setText(stopped_text(stop))

    def _on_failed(self, exc: BaseException) -> None:
        self.progress.hide()
        self.import_button.setEnabled(True)
        self.status.setText("Nothing was imported.")
        # Exactly the core's message: it names the file and line to fix.
        self.error_box = QMessageBox(QMessageBox.Icon.Critical, "Import failed", str(exc),
                                     QMessageBox.StandardButton.Ok, self)
        self.error_box.open()

    def _cancel(self) -> None:
        if self.imports.busy:
            self.imports.cancel()
        else:
            self.reject()


def _column_box(placeholder: str) -> QComboBox:
    """An editable choice of column: the header's names, or any name typed."""
    box = QComboBox()
    box.setEditable(True)
    box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    box.lineEdit().setPlaceholderText(placeholder)
    box.setMinimumContentsLength(16)
    return box


def summary(report: ImportReport) -> str:
    return f"Imported {report.documents:,} documents; {report.summary()}."

