"""File → Export: the project as JSONL, CoNLL, CSV or a Hugging Face dataset folder.
Runs on a worker thread (with its own connection) so a large project does not
freeze the window; writers replace the target only when they finish."""
from __future__ import annotations

import pathlib
from typing import Any, Callable

from PySide6.QtWidgets import (
    QComboBox, QDialog, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QMessageBox, QProgressBar,
    QPushButton, QVBoxLayout, QWidget,
)

from ui.workers import Worker, start
from workbench.formats import EXPORT_FORMATS, export_file
from workbench.store import Store

SUFFIX = {"jsonl": ".jsonl", "conll": ".conll", "csv": ".csv", "hf": ""}
NAMES = {"jsonl": "JSON lines (spans and class per document)", "conll": "CoNLL (IOB2, accepted entities)",
         "csv": "CSV (text and class)", "hf": "Hugging Face dataset folder (train/dev/test)"}


def export_job(project: str, path: str, fmt: str, *, on_progress: Callable[..., None],
               cancelled: Callable[[], bool]) -> int:
    with Store(project) as store:
        return export_file(store, path, fmt)


class ExportDialog(QDialog):
    def __init__(self, project: pathlib.Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export project")
        self.resize(560, 0)
        self.project = project
        self.written: int | None = None
        self.error_box: QMessageBox | None = None
        self.fmt = QComboBox()
        for f in EXPORT_FORMATS:
            self.fmt.addItem(NAMES.get(f, f), f)
        self.path = QLineEdit()
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form = QFormLayout()
        form.addRow("Format", self.fmt)
        form.addRow("Save to", row)
        self.status = QLabel("Only accepted labels are exported; every document is.")
        self.status.setObjectName("muted")
        self.status.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.hide()
        self.export_button = QPushButton("Export")
        self.export_button.setObjectName("primary")
        self.export_button.clicked.connect(self.start_export)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress, 1)
        buttons.addStretch(1)
        buttons.addWidget(close)
        buttons.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.fmt.currentIndexChanged.connect(lambda _i: self._suggest())
        self._suggest()

    def _suggest(self) -> None:
        # Next to the project file, named after it; the format decides the ending.
        fmt = self.fmt.currentData()
        base = str(self.project.with_name(self.project.stem + "_export"))
        self.path.setText(base + ("_hf" if fmt == "hf" else SUFFIX[fmt]))

    def _browse(self) -> None:
        if self.fmt.currentData() == "hf":
            path = QFileDialog.getExistingDirectory(self, "Export to folder", str(self.project.parent))
        else:
            path, _ = QFileDialog.getSaveFileName(self, "Export to", self.path.text())
        if path:
            self.path.setText(path)

    def start_export(self) -> None:
        target = self.path.text().strip()
        if not target:
            return
        self.export_button.setEnabled(False)
        self.progress.show()
        worker = Worker(export_job, str(self.project), target, self.fmt.currentData())
        worker.done.connect(self._on_done)
        worker.failed.connect(self._on_failed)
        start(worker)  # no parent: closing the dialog must not destroy a running thread

    def _on_done(self, n: Any) -> None:
        self.progress.hide()
        self.export_button.setEnabled(True)
        self.written = int(n)
        self.status.setObjectName("")
        self.status.setText(f"Wrote {self.written:,} documents to {self.path.text()}")

    def _on_failed(self, exc: BaseException) -> None:
        self.progress.hide()
        self.export_button.setEnabled(True)
        self.error_box = QMessageBox(QMessageBox.Icon.Critical, "Export failed", str(exc),
                                     QMessageBox.StandardButton.Ok, self)
        self.error_box.open()
