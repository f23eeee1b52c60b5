"""File → Export: the project as JSONL, CoNLL, CSV or a Hugging Face dataset folder.
The export is a job of the core (workbench/formats/jobs.py) run on a worker thread
(``ui.workers.JobHost``; it opens its own connection) so a large project does not
freeze the window; writers replace the target only when they finish.

Where it may write is the core's rule (workbench.output_paths), checked before the
export starts: the project itself, SQLite files, devices and folders this program
did not write are refused with a message; an existing file, or an earlier export
in the folder, is replaced only after the user says yes."""
from __future__ import annotations

import pathlib
from typing import Any

from PySide6.QtWidgets import (
    QComboBox, QDialog, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QMessageBox, QProgressBar,
    QPushButton, QVBoxLayout, QWidget,
)

from ui.workers import JobHost
from workbench.errors import UserError
from workbench.formats import EXPORT_FORMATS
from workbench.formats.jobs import export_job
from workbench.output_paths import NeedsOverwrite, check_file, check_folder

SUFFIX = {"jsonl": ".jsonl", "conll": ".conll", "csv": ".csv", "hf": ""}
NAMES = {"jsonl": "JSON lines (spans and class per document)", "conll": "CoNLL (IOB2, accepted entities)",
         "csv": "CSV (text and class)", "hf": "Hugging Face dataset folder (train/dev/test)"}


class ExportDialog(QDialog):
    def __init__(self, project: pathlib.Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export project")
        self.resize(560, 0)
        self.project = project
        self.written: int | None = None
        self.error_box: QMessageBox | None = None
        self.confirm_box: QMessageBox | None = None
        self.jobs = JobHost(self)
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
            # no native "replace?" question: start_export asks, after the core's checks
            path, _ = QFileDialog.getSaveFileName(self, "Export to", self.path.text(),
                                                  options=QFileDialog.Option.DontConfirmOverwrite)
        if path:
            self.path.setText(path)

    def start_export(self) -> None:
        target = self.path.text().strip()
        if not target:
            return
        fmt = self.fmt.currentData()
        check = check_folder if fmt == "hf" else check_file
        try:
            # refused whatever the user would answer: say so, ask nothing
            check(target, overwrite=True, protect=[self.project])
            check(target, overwrite=False, protect=[self.project])
        except NeedsOverwrite:
            self._ask_to_replace(target, fmt)
            return
        except UserError as exc:
            self._show_error("Cannot export there", str(exc))
            return
        self._run(target, fmt, overwrite=False)

    def _ask_to_replace(self, target: str, fmt: str) -> None:
        if fmt == "hf":
            text = (f"{target} holds an earlier export.\n\nReplace it? Only the files that export wrote are "
                    f"replaced; anything else in the folder is kept.")
        else:
            text = f"{target} already exists.\n\nReplace it with this export?"
        self.confirm_box = QMessageBox(QMessageBox.Icon.Question, "Replace?", text,
                                       QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
        self.confirm_box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        self.confirm_box.button(QMessageBox.StandardButton.Yes).setText("Replace")
        self.confirm_box.finished.connect(lambda _result: self._replace_answered(target, fmt))
        self.confirm_box.open()

    def _replace_answered(self, target: str, fmt: str) -> None:
        box = self.confirm_box
        if box is not None and box.clickedButton() is box.button(QMessageBox.StandardButton.Yes):
            self._run(target, fmt, overwrite=True)

    def _run(self, target: str, fmt: str, *, overwrite: bool) -> None:
        self.export_button.setEnabled(False)
        self.progress.show()
        self.jobs.start(export_job, str(self.project), target, fmt, overwrite, on_done=self._on_done,
                        on_failed=self._on_failed)

    def _on_done(self, n: Any) -> None:
        self.progress.hide()
        self.export_button.setEnabled(True)
        self.written = int(n)
        self.status.setObjectName("")
        self.status.setText(f"Wrote {self.written:,} documents to {self.path.text()}")

    def _on_failed(self, exc: BaseException) -> None:
        self.progress.hide()
        self.export_button.setEnabled(True)
        self._show_error("Export failed", str(exc))

    def _show_error(self, title: str, text: str) -> None:
        self.error_box = QMessageBox(QMessageBox.Icon.Critical, title, text, QMessageBox.StandardButton.Ok, self)
        self.error_box.open()
