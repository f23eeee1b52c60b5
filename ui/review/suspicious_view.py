"""Suspicious labels: labeled documents whose gold labels an out-of-sample model doubts most.

Shows the stored k-fold scores of the task, or the chosen run's dev split
when there are none; "Check with k-fold" trains k models on a worker thread
(minutes on CPU) with progress and cancel.  Double-click or Enter on a row (or
the Fix button) sends the document to the Annotate screen.  UI thread only.
"""
from __future__ import annotations

import pathlib
from typing import Any, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QProgressBar, QPushButton, QSpinBox, QTableWidget,
    QVBoxLayout, QWidget,
)

from ui.review.tables import table_item
from ui.workers import Worker, start
from workbench.inference import cache
from workbench.inference.cache import Suspicion
from workbench.inference.suspicious import KFoldSettings, from_run, kfold_job
from workbench.store import Store


class SuspiciousView(QWidget):
    fixRequested = Signal(int)      # doc id

    COLUMNS = ("#", "doc", "p(gold)", "gold", "model says", "where", "text")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project: pathlib.Path | None = None
        self.task: str | None = None
        self.items: list[Suspicion] = []
        self.worker: Worker | None = None
        self.thread: Any = None
        self.caption = QLabel("")
        self.caption.setWordWrap(True)
        self.folds = QSpinBox()
        self.folds.setRange(2, 10)
        self.folds.setValue(3)
        self.kfold_button = QPushButton("Check with k-fold training")
        self.kfold_button.setToolTip("Train k models, each without one fold's labels, and score the fold it did not see")
        self.kfold_button.clicked.connect(self.run_kfold)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.fix_button = QPushButton("Fix in Annotate")
        self.fix_button.setObjectName("primary")
        self.fix_button.clicked.connect(self._fix_current)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.cellDoubleClicked.connect(lambda row, _c: self._fix_row(row))
        enter = QShortcut(QKeySequence("Return"), self.table, activated=self._fix_current)
        enter.setContext(Qt.ShortcutContext.WidgetShortcut)
        top = QHBoxLayout()
        top.addWidget(self.caption, 1)
        top.addWidget(QLabel("k"))
        top.addWidget(self.folds)
        top.addWidget(self.kfold_button)
        top.addWidget(self.cancel_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.progress, 1)
        bottom.addStretch(0)
        bottom.addWidget(self.fix_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

    # ---- data ----------------------------------------------------------------------------------
    def show_for(self, store: Store, project: pathlib.Path, task: str, run: Any = None) -> None:
        """Stored k-fold scores of ``task``, else the scores of ``run`` on its dev split (cached)."""
        self.project, self.task = project, task
        items = cache.load_suspicion(store, task)
        if items:
            caption = (f"{len(items)} labeled {task} documents scored by {items[0].source} training; "
                       "lowest probability of the gold label first.")
        elif run is not None and run.task == task:
            items = from_run(store, run, "dev")
            caption = (f"From run #{run.run_id}'s predictions on the dev split ({len(items)} documents). "
                       "k-fold scores every labeled document.")
        else:
            caption = f"No scores yet for {task}: train a run, or check with k-fold training."
        self.caption.setText(caption)
        texts = {s.doc_id: store.document(s.doc_id).text for s in items[:500]}
        self.set_items(items[:500], texts)

    def set_items(self, items: Sequence[Suspicion], texts: dict[int, str]) -> None:
        self.items = list(items)
        self.table.setRowCount(len(items))
        for r, s in enumerate(items):
            d = s.detail
            where = f"{d.get('word', '')!r}" if "word" in d else ""
            cells = [table_item(str(r + 1), True), table_item(str(s.doc_id), True), table_item(f"{s.score:.3f}", True),
                     table_item(str(d.get("gold", ""))), table_item(str(d.get("pred", ""))), table_item(where),
                     table_item(" ".join(texts.get(s.doc_id, "").split())[:160])]
            for c, it in enumerate(cells):
                self.table.setItem(r, c, it)
        if items:
            self.table.selectRow(0)

    # ---- k-fold ------------------------------------------------------------------------------
    def run_kfold(self, settings: KFoldSettings | None = None) -> None:
        if self.project is None or self.task is None or self.worker is not None:
            return
        settings = settings or KFoldSettings(k=self.folds.value())
        self.worker = Worker(kfold_job, self.project, self.task, settings)
        self.worker.progress.connect(self._progress)
        self.worker.done.connect(self._kfold_done)
        self.worker.failed.connect(self._kfold_failed)
        self.worker.finished.connect(self._ended)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)
        self.kfold_button.setEnabled(False)
        self.caption.setText(f"Training {settings.k} models, one per fold…")
        self.thread = start(self.worker)

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()

    def _progress(self, p: Any) -> None:
        self.progress.setRange(0, max(1, p.total))
        self.progress.setValue(p.done)
        self.progress.setFormat(p.message)

    def _kfold_done(self, items: list[Suspicion]) -> None:
        if not items:
            self.caption.setText("k-fold check cancelled; nothing was stored.")
            return
        with Store(self.project) as store:
            self.show_for(store, self.project, self.task)

    def _kfold_failed(self, exc: BaseException) -> None:
        self.caption.setText(f"k-fold check failed: {exc}")

    def _ended(self) -> None:
        self.worker = None
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        self.kfold_button.setEnabled(True)

    def wait(self, ms: int = 600000) -> None:
        try:
            if self.thread is not None:
                self.thread.wait(ms)
        except RuntimeError:   # already deleted: it had finished
            pass

    # ---- fixing ------------------------------------------------------------------------------
    def _fix_current(self) -> None:
        rows = {i.row() for i in self.table.selectedIndexes()}
        if rows:
            self._fix_row(rows.pop())

    def _fix_row(self, row: int) -> None:
        if 0 <= row < len(self.items):
            self.fixRequested.emit(self.items[row].doc_id)
