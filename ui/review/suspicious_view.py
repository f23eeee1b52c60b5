"""Suspicious labels: labeled documents whose gold labels an out-of-sample model doubts most.

Shows the stored k-fold scores of the task, or the chosen run's dev split when there are
none, and lists only the documents worth a look (``suspicious.flagged``: the model
disagrees, or gives the label less than even odds), saying how many were checked.
"Check every label" runs the k-fold job (k models; minutes on CPU) on a worker thread
(``ui.workers.JobHost``) with progress and cancel.  Tags are shown in plain words ("PER",
"no entity"); the B-/I-/O tags are in the tooltips.  Double-click or Enter on a row (or
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

from ui.review.styles import plain_pair, tag_tip
from ui.review.tables import table_item
from ui.task_views import views_for
from ui.workers import JobHost, stopped_text
from workbench.inference import cache
from workbench.inference.cache import Suspicion
from workbench.inference.suspicious import LOW_GOLD_P, KFoldSettings, flagged, from_run, kfold_job
from workbench.jobs import Cancelled, Progress
from workbench.store import Store

COLUMN_TIPS = {
    "label's chance": "p(gold): the probability that a model which never trained on this document gives your "
                      "label (entities: the lowest over the document's words).  Low: probably a wrong label.",
    "your label": "The gold label (entities: the tag of that word, e.g. B-PER = first word of a PER name)",
    "model says": "What the out-of-sample model predicts there",
    "word": "The word whose label the model doubts most",
}


class SuspiciousView(QWidget):
    fixRequested = Signal(int)      # doc id

    COLUMNS = ("#", "doc", "label's chance", "your label", "model says", "word", "text")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project: pathlib.Path | None = None
        self.task: str | None = None
        self.items: list[Suspicion] = []
        self.jobs = JobHost(self)
        self.jobs.ended.connect(self._ended)
        self.checked = 0                # documents scored, flagged or not
        self.caption = QLabel("")
        self.caption.setWordWrap(True)
        self.folds = QSpinBox()
        self.folds.setRange(2, 10)
        self.folds.setValue(3)
        self.folds.setPrefix("in ")
        self.folds.setSuffix(" parts")
        kfold_tip = ("k-fold cross-validation: the labeled documents are cut into k parts; k models each train "
                     "without one part and score the part they did not see, so every label is checked by a model "
                     "that never learned it.  Minutes on a CPU.")
        self.folds.setToolTip(kfold_tip)
        self.kfold_button = QPushButton("Check every label")
        self.kfold_button.setToolTip(kfold_tip)
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
        for c, name in enumerate(self.COLUMNS):
            self.table.horizontalHeaderItem(c).setToolTip(COLUMN_TIPS.get(name, ""))
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
        top.addWidget(self.kfold_button)
        top.addWidget(self.folds)
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
        """Stored k-fold scores of ``task``, else the scores of ``run`` on its dev split (cached):
        the documents worth a look, and how many were checked."""
        self.project, self.task = project, task
        items = cache.load_suspicion(store, task)
        if items:
            how = f"checked by {items[0].source} cross-training"
        elif run is not None and run.task == task:
            items = from_run(store, run, "dev")
            how = f"checked with run #{run.run_id} on the dev split; \"Check every label\" checks them all"
        else:
            self.checked = 0
            self.caption.setText(f"No checks yet for {task}: train a run, or check every label.")
            self.set_items([], {})
            return
        shown = flagged(items)
        self.checked = len(items)
        self.table.setColumnHidden(self.COLUMNS.index("word"), not views_for(task).word_level)
        if shown:
            caption = (f"<b>{len(shown)} of {len(items)} checked documents look suspicious</b> ({how}): the model "
                       f"disagrees with the label, or gives it less than {LOW_GOLD_P:.0%}.  Lowest chance first.")
        else:
            caption = (f"<b>None of the {len(items)} checked documents looks suspicious</b> ({how}): the model "
                       f"agrees with every label.")
        self.caption.setText(caption)
        texts = {s.doc_id: store.document(s.doc_id).text for s in shown[:500]}
        self.set_items(shown[:500], texts)

    def set_items(self, items: Sequence[Suspicion], texts: dict[int, str]) -> None:
        self.items = list(items)
        self.table.setRowCount(len(items))
        for r, s in enumerate(items):
            d = s.detail
            gold, pred = str(d.get("gold", "")), str(d.get("pred", ""))
            gold_text, pred_text = plain_pair(gold, pred)
            cells = [table_item(str(r + 1), True), table_item(str(s.doc_id), True), table_item(f"{s.score:.0%}", True),
                     table_item(gold_text), table_item(pred_text), table_item(str(d.get("word", ""))),
                     table_item(" ".join(texts.get(s.doc_id, "").split())[:160])]
            cells[2].setToolTip(f"p(gold) = {s.score:.3f}")
            cells[3].setToolTip(tag_tip(gold))
            cells[4].setToolTip(tag_tip(pred) + (f" (p = {float(d['pred_p']):.2f})" if "pred_p" in d else ""))
            cells[6].setToolTip(texts.get(s.doc_id, ""))
            for c, it in enumerate(cells):
                self.table.setItem(r, c, it)
        if items:
            self.table.selectRow(0)

    # ---- k-fold ------------------------------------------------------------------------------
    def run_kfold(self, settings: KFoldSettings | None = None) -> None:
        if self.project is None or self.task is None or self.jobs.busy:
            return
        settings = settings or KFoldSettings(k=self.folds.value())
        self.jobs.start(kfold_job, self.project, self.task, settings, on_progress=self._progress,
                        on_done=self._kfold_done, on_failed=self._kfold_failed, on_cancelled=self._kfold_cancelled)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)
        self.kfold_button.setEnabled(False)
        self.caption.setText(f"Training {settings.k} models, each without one part of the labels…")

    def cancel(self) -> None:
        self.jobs.cancel()

    def _progress(self, p: Progress) -> None:
        self.progress.setRange(0, p.total)    # 0: a busy bar
        self.progress.setValue(p.done)
        self.progress.setFormat(p.message)

    def _kfold_cancelled(self, stop: Cancelled) -> None:
        self.caption.setText(stopped_text(stop))

    def _kfold_done(self, items: list[Suspicion]) -> None:
        with Store(self.project) as store:
            self.show_for(store, self.project, self.task)

    def _kfold_failed(self, exc: BaseException) -> None:
        self.caption.setText(f"The check failed: {exc}")

    def _ended(self) -> None:
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        self.kfold_button.setEnabled(True)

    def wait(self, ms: int = 600000) -> None:
        self.jobs.wait(ms)

    def shutdown(self, ms: int = 600000) -> None:
        """Cancel the check and wait for it to end (another project, closing); nothing is shown."""
        self.jobs.shutdown(ms)
        self._ended()

    # ---- fixing ------------------------------------------------------------------------------
    def _fix_current(self) -> None:
        rows = {i.row() for i in self.table.selectedIndexes()}
        if rows:
            self._fix_row(rows.pop())

    def _fix_row(self, row: int) -> None:
        if 0 <= row < len(self.items):
            self.fixRequested.emit(self.items[row].doc_id)
