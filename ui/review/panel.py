"""The Review screen: a finished run's mistakes, on the text, and why the model made them.

Top: the run and the split (dev by default), the scores, "Pre-annotate unlabeled".
Errors tab: the error list over the split (sort by loss or confidence, filter by
error kind and label) and the confusion matrix (a click lists that cell's
documents); the chosen document with gold and predicted spans in one view, a
legend, the attention / attribution controls and the token table.  Suspicious
tab: labels an out-of-sample model doubts.  "Fix in Annotate" (or Ctrl+Enter)
opens the document on the labeling screen.

Predicting and reviewing are jobs (workbench/jobs.py) run by a ``ui.workers.JobHost``;
this widget keeps its own Store connection on the UI thread for reads.  UI thread only.
"""
from __future__ import annotations

import pathlib
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QComboBox, QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy, QSplitter, QTabWidget, QVBoxLayout,
    QWidget,
)

from ui.project_events import LABELS, PREDICTIONS, RUNS, ProjectEvents
from ui.review.doc_view import Legend, ReviewTextView
from ui.review.error_pane import ErrorPane
from ui.review.explain_panel import ExplainPanel, legend_text
from ui.review.suspicious_view import SuspiciousView
from ui.review.tables import TokenTable
from ui.task_views import views_for
from ui.workers import JobHost, stopped_text
from workbench.inference.batch import predict_job
from workbench.inference.review import ReviewSet, review_job
from workbench.inference.run_model import RunModel, run_choices
from workbench.jobs import Cancelled, Progress
from workbench.spans import tokenize
from workbench.store import Store, StoreError

SPLITS = ("dev", "test", "train")


class ReviewPanel(QWidget):
    openDocument = Signal(int)      # "fix this one": the window shows it on the Annotate screen

    def __init__(self, store_path: pathlib.Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store: Store | None = None
        self.project: pathlib.Path | None = None
        self.runs: list[RunModel] = []
        self.review: ReviewSet | None = None
        self.doc_id: int | None = None
        self.jobs = JobHost(self)          # predicting, reviewing (one at a time)
        self.jobs.ended.connect(self._ended)
        self.events: ProjectEvents | None = None
        self._stale: set[str] = set()      # what changed while hidden or busy: runs, labels
        self._build()
        self.set_project(store_path)

    # ---- layout ---------------------------------------------------------------------------------
    def _build(self) -> None:
        self.run_box, self.split_box = QComboBox(), QComboBox()
        # room for a run's title at any window width: it shrinks with the window (its full text in
        # the tooltip and the open list), and never pushes the buttons off the row
        self.run_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.run_box.setMinimumContentsLength(24)
        self.run_box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.run_box.setMaximumWidth(self.run_box.fontMetrics().horizontalAdvance("M" * 40))
        self.run_box.currentIndexChanged.connect(self._run_tip)
        for s in SPLITS:
            self.split_box.addItem(s, s)
        self.split_box.setToolTip("dev: the documents set aside to check training after each epoch\n"
                                  "test: the documents kept for the final check\n"
                                  "train: the documents the model learned from (it looks better there than it is)")
        self.refresh_button = QPushButton("Refresh")
        self.preannotate_button = QPushButton("Pre-annotate unlabeled")
        self.preannotate_button.setToolTip("Predict every unlabeled document with this run; the Annotate screen "
                                           "shows the predictions as suggestions to accept or reject")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setVisible(False)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.summary = QLabel("")
        self.summary.setObjectName("docHeader")
        self.summary.setWordWrap(True)          # long messages wrap; they never widen the window
        top = QHBoxLayout()
        for w in (QLabel("Run"), self.run_box, QLabel("Split"), self.split_box, self.refresh_button):
            top.addWidget(w)
        top.addStretch(1)
        top.setStretchFactor(self.run_box, 3)     # the run's title gets the room first (up to its maximum)
        for w in (self.progress, self.cancel_button, self.preannotate_button):
            top.addWidget(w)

        self.errors = ErrorPane()
        # the pane's widgets, by the names the rest of the screen (and its tests) use
        self.kind_box, self.label_box = self.errors.kind_box, self.errors.label_box
        self.cell_label, self.clear_cell = self.errors.cell_label, self.errors.clear_cell
        self.errors_model, self.errors_proxy = self.errors.model, self.errors.proxy
        self.error_list, self.confusion = self.errors.table, self.errors.confusion
        left = self.errors

        self.doc_header = QLabel("")
        self.doc_header.setObjectName("docHeader")
        self.doc_header.setTextFormat(Qt.TextFormat.RichText)
        self.doc_header.setWordWrap(True)
        self.fix_button = QPushButton("Fix in Annotate  (Ctrl+Enter)")
        self.fix_button.setObjectName("primary")
        self.view = ReviewTextView()
        font = self.view.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.view.setFont(font)
        self.legend = Legend()
        self.explain = ExplainPanel()
        self.tokens = TokenTable()
        head = QHBoxLayout()
        head.addWidget(self.doc_header, 1)
        head.addWidget(self.fix_button)
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addLayout(head)
        rv.addWidget(self.view, 2)
        rv.addWidget(self.legend)
        rv.addWidget(self.explain)
        rv.addWidget(self.tokens, 3)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([520, 760])

        self.suspicious = SuspiciousView()
        self.tabs = QTabWidget()
        self.tabs.addTab(split, "Errors")
        self.tabs.addTab(self.suspicious, "Suspicious labels")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)
        outer.addLayout(top)
        outer.addWidget(self.summary)
        outer.addWidget(self.tabs, 1)

        self.run_box.currentIndexChanged.connect(self.refresh)
        self.split_box.currentIndexChanged.connect(self.refresh)
        self.refresh_button.clicked.connect(self.refresh)
        self.preannotate_button.clicked.connect(self.preannotate)
        self.cancel_button.clicked.connect(self.jobs.cancel)
        self.errors.documentChosen.connect(self.show_document)
        self.view.wordClicked.connect(self._word)
        self.tokens.wordSelected.connect(self._word)
        self.explain.explained.connect(self._explained)
        self.explain.cleared.connect(self._show_errors)
        self.fix_button.clicked.connect(lambda: self.fix(self.doc_id))
        self.suspicious.fixRequested.connect(self.fix)
        QShortcut(QKeySequence("Ctrl+Return"), self, activated=lambda: self.fix(self.doc_id))

    # ---- project and run --------------------------------------------------------------------------
    def set_project(self, path: pathlib.Path) -> None:
        self.shutdown()
        if self.store is not None:
            self.store.close()
        self.project = pathlib.Path(path)
        try:
            self.store = Store(self.project)
        except StoreError as exc:
            self.store = None
            self.summary.setText(str(exc))
            return
        self.reload_runs()

    def reload_runs(self) -> None:
        assert self.store is not None
        keep = self.run_box.currentData()
        choices = run_choices(self.store)
        self.runs = [c.model for c in choices if c.model is not None]
        self.run_box.blockSignals(True)
        self.run_box.clear()
        for c in choices:   # a broken run is listed, greyed out, with the reason
            self.run_box.addItem(c.model.title if c.model else f"{c.row.title()} · broken: {c.short_problem}",
                                 c.row.id)
            if c.model is None:
                self.run_box.model().item(self.run_box.count() - 1).setEnabled(False)
        i = self.run_box.findData(keep if any(r.run_id == keep for r in self.runs) else
                                  (self.runs[0].run_id if self.runs else None))
        self.run_box.setCurrentIndex(i if i >= 0 else 0)
        self.run_box.blockSignals(False)
        self.refresh()

    @property
    def run(self) -> RunModel | None:
        rid = self.run_box.currentData()
        return next((r for r in self.runs if r.run_id == rid), None)

    def refresh(self) -> None:
        """Review the chosen run on the chosen split (predicting what is not cached) on a worker."""
        run = self.run
        self._run_tip()
        if run is None or self.project is None:
            self.summary.setText("No run can be reviewed: the runs listed are broken (their reasons are in the list)"
                                 " — train again on the Train screen." if self.run_box.count() else
                                 "No finished run yet: train one on the Train screen, then come back.")
            self.preannotate_button.setEnabled(False)
            return
        self.preannotate_button.setEnabled(True)
        self.explain.set_run(str(run.model_dir), run.max_length)
        self._start(review_job, (self.project, run.run_id, self.split_box.currentData()), self._reviewed,
                    f"Predicting the {self.split_box.currentData()} split with run #{run.run_id}…")

    def preannotate(self) -> None:
        run = self.run
        if run is not None and self.project is not None:
            self._start(predict_job, (self.project, run.run_id, "unlabeled"), self._preannotated,
                        f"Pre-annotating unlabeled documents with run #{run.run_id}…")

    def _start(self, job: Any, args: tuple, on_done: Any, message: str) -> None:
        """Run ``job``; one still running is cancelled and its outcome never shown (ui.workers)."""
        self.jobs.start(job, *args, on_done=on_done, on_progress=self._progress, on_failed=self._failed,
                        on_cancelled=self._cancelled)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)
        self.summary.setText(message)

    def _progress(self, p: Progress) -> None:
        self.progress.setRange(0, p.total)    # 0: a busy bar
        self.progress.setValue(p.done)

    def _failed(self, exc: BaseException) -> None:
        self.summary.setText(f"Failed: {exc}")

    def _cancelled(self, stop: Cancelled) -> None:
        self.summary.setText(stopped_text(stop))
        if stop.partial is not None and self.events is not None:   # pre-annotating: what it kept is suggested
            self.events.notify(PREDICTIONS)

    def _ended(self) -> None:
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        if self._stale and self.isVisible():
            QTimer.singleShot(0, self, self._catch_up)   # what changed while this review ran

    def _preannotated(self, summary: Any) -> None:
        self.summary.setText(f"Pre-annotated {summary.documents} unlabeled documents with run #{summary.run_id} "
                             f"({summary.predicted} predicted now): the Annotate screen shows them as suggestions.")
        if self.events is not None:
            self.events.notify(PREDICTIONS)

    # ---- the review ------------------------------------------------------------------------------
    def _reviewed(self, rs: ReviewSet) -> None:
        self.review = rs
        rep = rs.report
        wrong = sum(bool(r.errors) for r in rs.reviews)
        spec = rs.run.spec
        score = f"{spec.score_name} {rep['f1']:.3f}"
        self.summary.setText(f"Run #{rs.run.run_id} ({rs.task}) on {rs.split}: {score} · accuracy "
                             f"{rep['accuracy']:.3f} · {wrong} of {len(rs.reviews)} documents with errors")
        self.errors.show_review(rs)
        self.legend.show_kinds(list(spec.legend_kinds))
        keep = self.doc_id if self.doc_id in rs.predictions else None
        if keep is None and not self.errors.rows() and rs.reviews:
            keep = max(rs.reviews, key=lambda r: r.loss).doc_id   # nothing to filter in: the hardest one
        self.show_document(keep) if keep is not None else self.errors.choose_row(0)
        if self.store is not None:
            self.suspicious.show_for(self.store, self.project, rs.task, rs.run)

    def _run_tip(self) -> None:
        """The chosen run's whole title in the tooltip, and an open list wide enough for every title."""
        self.run_box.setToolTip(self.run_box.currentText())
        fm = self.run_box.fontMetrics()
        widest = max((fm.horizontalAdvance(self.run_box.itemText(i)) for i in range(self.run_box.count())), default=0)
        self.run_box.view().setMinimumWidth(widest + 40)

    def show_document(self, doc_id: int) -> None:
        rs = self.review
        if rs is None or doc_id not in rs.predictions or self.store is None:
            return
        self.doc_id = doc_id
        doc = self.store.document(doc_id)
        pred, gold, r = rs.predictions[doc_id], rs.gold.get(doc_id), rs.by_id().get(doc_id)
        word_level = views_for(rs.run.spec).word_level
        words = getattr(pred, "words", None) or []
        if word_level:
            self.view.set_document(doc.text, words, r.verdicts if r else [])
            n = len(r.errors) if r else 0
            head = f"<b>Document {doc_id}</b> · {n} error{'' if n == 1 else 's'} · loss {r.loss:.3f}" if r else ""
        else:
            words = tokenize(doc.text, doc.pretokenized)
            self.view.set_document(doc.text, words, [])
            mark = "✓" if pred.label == gold else "✗"
            head = (f"<b>Document {doc_id}</b> · your label <b>{gold}</b> · model <b>{pred.label}</b> "
                    f"({pred.confidence:.0%} sure) {mark}")
        self.doc_header.setText(head)
        self.tokens.show_prediction(pred, gold, word_level)
        word = self.tokens.errors[0] if self.tokens.errors else (0 if words and word_level else None)
        self.view.set_selected(word)
        self.tokens.select_word(word)
        self.explain.set_document(doc, word)

    def _word(self, word: int) -> None:
        self.view.set_selected(word)
        self.tokens.select_word(word)
        if self.review is not None and views_for(self.review.run.spec).word_level:
            self.explain.set_word(word)

    def _explained(self, exp: Any) -> None:
        self.view.set_heat(exp.scores, exp.signed)
        self.legend.show_heat(exp.signed, self.view.heat_scale, *legend_text(exp))

    def _show_errors(self) -> None:
        self.view.set_heat(None)
        if self.review is not None:
            self.legend.show_kinds(list(self.review.run.spec.legend_kinds))

    # ---- fixing -------------------------------------------------------------------------------------
    def fix(self, doc_id: int | None) -> None:
        """Ask the window to open the document on the Annotate screen, to fix its gold labels."""
        if doc_id is not None:
            self.openDocument.emit(doc_id)

    # ---- following the project --------------------------------------------------------------------
    def follow_project(self, events: ProjectEvents) -> None:
        """Hear what changes in the project (ui/project_events.py) instead of re-reading it when shown."""
        self.events = events
        events.changed.connect(self._on_project_changed)

    def _on_project_changed(self, what: str) -> None:
        if what == RUNS:
            self._stale.add(RUNS)          # a run started or finished (here, on the Train screen, elsewhere)
        elif what == LABELS and self.review is not None:
            self._stale.add(LABELS)        # gold labels changed: the errors may have (predictions are cached)
        else:
            return
        if self.isVisible():
            self._catch_up()

    def _catch_up(self) -> None:
        if self.store is None or self.jobs.busy or not self._stale:
            return
        stale, self._stale = self._stale, set()
        if RUNS in stale:
            self.reload_runs()
        else:
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        self._catch_up()      # only what the project said changed while this screen was hidden

    # ---- teardown -------------------------------------------------------------------------------------
    def wait(self, ms: int = 60000) -> None:
        self.jobs.wait(ms)

    def shutdown(self) -> None:
        """Stop and wait for background work (before the project changes or the window closes);
        nothing it still sends is shown."""
        self.jobs.shutdown()
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        self.explain.shutdown()
        self.suspicious.shutdown()
