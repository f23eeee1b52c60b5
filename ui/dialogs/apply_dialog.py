"""File → Apply model to a file: a finished run's predictions for a CSV, JSON Lines or text file.

The same core job as ``workbench-cli apply`` (workbench/inference/apply_job.py), run by a
``JobHost``: pick a run and a file, preview the first rows' predictions, apply it to the
whole file with a progress bar (rows/s, time left; Stop writes nothing), then open the
output's folder.  The model loaded for the preview is handed to the run, so it loads once.
Where the output may go is the core's rule (``output_paths``, checked before the job starts):
never the input, the project or a folder; an existing file only after the user says yes.
UI thread only.
"""
from __future__ import annotations

import pathlib
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QDialog, QFileDialog, QFormLayout, QHBoxLayout, QHeaderView, QLabel,
    QLineEdit, QMessageBox, QProgressBar, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from ui.workers import JobHost
from workbench.errors import UserError
from workbench.inference.apply_files import INPUT_FORMATS, OUTPUT_FORMATS
from workbench.inference.apply_job import ApplyPreview, ApplySummary, Engine, apply_job, check_output, preview_job
from workbench.inference.run_model import run_choices
from workbench.jobs import Progress
from workbench.output_paths import NeedsOverwrite
from workbench.store import Store

INPUT_FILTER = "Texts (" + " ".join(f"*{e}" for e in INPUT_FORMATS) + ");;All files (*)"
PREVIEW_ROWS = 10


class ApplyDialog(QDialog):
    def __init__(self, project: pathlib.Path, parent: QWidget | None = None, input_path: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Apply a model to a file")
        self.resize(860, 560)
        self.project = pathlib.Path(project)
        self.engine: Engine | None = None
        self.summary: ApplySummary | None = None
        self.preview: ApplyPreview | None = None
        self.message_box: QMessageBox | None = None
        self.jobs = JobHost(self)
        self.jobs.ended.connect(self._ended)
        self._build()
        self._load_runs()
        if input_path:
            self.set_input(input_path)

    # ---- layout -------------------------------------------------------------------------------
    def _build(self) -> None:
        self.run_box = QComboBox()
        self.input = QLineEdit()
        self.input.setPlaceholderText("a .csv or .tsv (with a text column), .jsonl or .txt (one text per line)")
        self.input.editingFinished.connect(lambda: self.set_input(self.input.text()))
        self.text_column = QLineEdit()
        self.text_column.setPlaceholderText("text")
        self.text_column.setToolTip("The CSV column or JSON key that holds the text")
        self.output = QLineEdit()
        self.all_scores = QCheckBox("Every class's probability")
        self.skip_bad = QCheckBox("Skip bad rows (empty, not UTF-8, broken JSON) and count them")
        form = QFormLayout()
        form.addRow("Run", self.run_box)
        form.addRow("Texts", self._with_browse(self.input, self._browse_input))
        form.addRow("Text column", self.text_column)
        form.addRow("Write to", self._with_browse(self.output, self._browse_output))
        options = QHBoxLayout()
        options.addWidget(self.all_scores)
        options.addWidget(self.skip_bad)
        options.addStretch(1)
        form.addRow("", options)
        self.table = QTableWidget(0, 0)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.status = QLabel("Preview shows the first rows' predictions; Apply writes every row.")
        self.status.setObjectName("muted")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.hide()
        self.preview_button = QPushButton("Preview")
        self.preview_button.clicked.connect(self.start_preview)
        self.apply_button = QPushButton("Apply")
        self.apply_button.setObjectName("primary")
        self.apply_button.clicked.connect(self.start_apply)
        self.stop_button = QPushButton("Stop")
        self.stop_button.clicked.connect(self.jobs.cancel)
        self.stop_button.hide()
        self.folder_button = QPushButton("Open folder")
        self.folder_button.setEnabled(False)
        self.folder_button.clicked.connect(self.open_folder)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress, 1)
        buttons.addStretch(0)
        for b in (self.stop_button, self.folder_button, close, self.preview_button, self.apply_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)

    def _with_browse(self, edit: QLineEdit, slot: Any) -> QHBoxLayout:
        button = QPushButton("Browse…")
        button.clicked.connect(slot)
        row = QHBoxLayout()
        row.addWidget(edit, 1)
        row.addWidget(button)
        return row

    def _load_runs(self) -> None:
        with Store(self.project) as store:
            choices = run_choices(store)
        for c in choices:    # a broken run is listed, greyed out, with the reason
            self.run_box.addItem(c.model.title if c.model else f"{c.row.title()} · broken: {c.short_problem}",
                                 c.row.id)
            if c.model is None:
                self.run_box.model().item(self.run_box.count() - 1).setEnabled(False)
        usable = [c.row.id for c in choices if c.model is not None]
        if usable:
            self.run_box.setCurrentIndex(self.run_box.findData(usable[0]))
        else:
            self.status.setText("No finished run with a saved model in this project: train one first "
                                "(the Train screen).")
        self.preview_button.setEnabled(bool(usable))
        self.apply_button.setEnabled(bool(usable))

    # ---- choosing files -------------------------------------------------------------------------
    def set_input(self, path: str) -> None:
        """Take ``path`` as the texts, and suggest an output beside it (``<name>_predictions.csv``)."""
        self.input.setText(path)
        src = pathlib.Path(path)
        if path and not self.output.text():
            ext = src.suffix.lower() if src.suffix.lower() in OUTPUT_FORMATS else ".csv"
            self.output.setText(str(src.with_name(f"{src.stem}_predictions{ext}")))

    def _browse_input(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Texts to apply the model to", str(self.project.parent),
                                              INPUT_FILTER)
        if path:
            self.output.clear()
            self.set_input(path)
            self.start_preview()

    def _browse_output(self) -> None:
        # no native "replace?" question: start_apply asks, after the core's checks
        path, _ = QFileDialog.getSaveFileName(self, "Write the predictions to", self.output.text(),
                                              "CSV (*.csv);;TSV (*.tsv);;JSON Lines (*.jsonl)",
                                              options=QFileDialog.Option.DontConfirmOverwrite)
        if path:
            self.output.setText(path)

    def _options(self) -> dict[str, Any]:
        return {"text_column": self.text_column.text().strip() or None, "all_scores": self.all_scores.isChecked()}

    def _engine(self) -> Engine | None:
        run_id = self.run_box.currentData()
        return self.engine if self.engine is not None and self.engine.run.run_id == run_id else None

    # ---- preview --------------------------------------------------------------------------------
    def start_preview(self) -> None:
        if not self.input.text().strip() or self.run_box.currentData() is None:
            return
        self._busy("Loading the model…")
        self.jobs.start(preview_job, self.project, self.run_box.currentData(), self.input.text().strip(),
                        rows=PREVIEW_ROWS, engine=self._engine(), **self._options(),
                        on_done=self._previewed, on_failed=self._failed, on_progress=self._progress)

    def _previewed(self, preview: ApplyPreview) -> None:
        self.preview, self.engine = preview, preview.engine
        self.table.clear()
        self.table.setColumnCount(len(preview.columns))
        self.table.setRowCount(len(preview.rows))
        self.table.setHorizontalHeaderLabels(preview.columns)
        for r, row in enumerate(preview.rows):
            for c, value in enumerate(row):
                item = QTableWidgetItem(_shown(value))
                item.setToolTip(str(value))
                self.table.setItem(r, c, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.resizeColumnsToContents()
        for c in range(self.table.columnCount()):
            header.resizeSection(c, min(header.sectionSize(c), 300))
        note = f"The first {len(preview.rows)} rows, predicted by run #{preview.engine.run.run_id} " \
               f"({preview.engine.name})."
        if preview.problems:
            note += f" Bad rows among them: {'; '.join(preview.problems[:3])}"
        self.status.setText(note)

    # ---- the whole file ---------------------------------------------------------------------------
    def start_apply(self) -> None:
        src, out = self.input.text().strip(), self.output.text().strip()
        if not src or not out or self.run_box.currentData() is None:
            self._show("Apply", "Choose the texts and where to write the predictions.")
            return
        try:
            check_output(out, pathlib.Path(src), self.project, overwrite=True)   # refused whatever the answer
            check_output(out, pathlib.Path(src), self.project, overwrite=False)
        except NeedsOverwrite:
            self._ask_to_replace(out)
            return
        except UserError as exc:
            self._show("Cannot write there", str(exc))
            return
        self._run(overwrite=False)

    def _ask_to_replace(self, out: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Question, "Replace?", f"{out} already exists.\n\nReplace it with the "
                          "predictions?", QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Yes).setText("Replace")
        box.finished.connect(lambda _r: box.clickedButton() is box.button(QMessageBox.StandardButton.Yes)
                             and self._run(overwrite=True))
        self.message_box = box
        box.open()

    def _run(self, *, overwrite: bool) -> None:
        self.summary = None
        self.folder_button.setEnabled(False)
        self._busy("Starting…")
        self.stop_button.show()
        self.jobs.start(apply_job, self.project, self.run_box.currentData(), self.input.text().strip(),
                        self.output.text().strip(), skip_bad=self.skip_bad.isChecked(), overwrite=overwrite,
                        engine=self._engine(), **self._options(),
                        on_done=self._applied, on_failed=self._failed, on_progress=self._progress,
                        on_cancelled=lambda exc: self.status.setText(str(exc)))

    def _applied(self, s: ApplySummary) -> None:
        self.summary = s
        self.folder_button.setEnabled(True)
        text = (f"Wrote {s.rows:,} rows with run #{s.run_id}'s predictions to {s.output} "
                f"in {s.seconds:.1f} s ({s.per_second:,.0f} rows/s).")
        if s.skipped:
            text += f" Skipped {s.skipped:,} bad rows: {'; '.join(s.problems[:3])}" + \
                    (" …" if s.skipped > 3 else "")
        self.status.setText(text)

    def open_folder(self) -> None:
        if self.summary is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(pathlib.Path(self.summary.output).resolve().parent)))

    # ---- job state ----------------------------------------------------------------------------
    def _busy(self, text: str) -> None:
        self.status.setText(text)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.preview_button.setEnabled(False)
        self.apply_button.setEnabled(False)

    def _progress(self, p: Progress) -> None:
        if p.known:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(p.fraction * 1000))
        if p.message:
            self.status.setText(p.message)

    def _ended(self) -> None:
        self.progress.hide()
        self.stop_button.hide()
        self.preview_button.setEnabled(True)
        self.apply_button.setEnabled(True)

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(str(exc))
        if not isinstance(exc, UserError):
            self._show("Apply failed", f"{type(exc).__name__}: {exc}")

    def _show(self, title: str, text: str) -> None:
        self.message_box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        self.message_box.open()

    def done(self, result: int) -> None:       # Close, Escape, the window's X: stop the job and wait
        self.jobs.shutdown()
        super().done(result)


def _shown(value: Any) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= 120 else text[:119] + "…"
