"""The Train screen: pick a task and a base model, click Start, watch the curves, compare runs.

The run itself is ``workbench.training.jobs.train_job`` on a worker thread (a
``ui.workers.JobHost``); this widget only turns its reports (a ``workbench.jobs.Progress``
whose detail is the run's ``RunEvent``) into curves, a progress bar and the per-label
table, and reads the run history from the project.  UI thread only: torch is imported
by the worker thread, never here, so the screen opens at once.
"""
from __future__ import annotations

import dataclasses
import pathlib
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox, QFormLayout, QHBoxLayout, QLabel, QProgressBar, QPushButton, QSplitter, QVBoxLayout, QWidget,
)

from ui.project_events import DOCUMENTS, LABELS, RUNS, ProjectEvents
from ui.train.base_model_box import BaseModelBox
from ui.train.curves import CurvesWidget
from ui.train.knobs import Knobs
from ui.train.learning_curve_box import LearningCurveBox
from ui.train.tables import HistoryTable, LabelTable
from ui.task_views import views_for
from ui.workers import JobHost, stopped_text
from workbench import tasks as task_registry
from workbench.errors import UserError
from workbench.jobs import Cancelled, Progress
from workbench.store import Store, StoreError
from workbench.training import runs as run_store
from workbench.training.config import TrainConfig
from workbench.training.jobs import device_job, train_job
from workbench.training.runs import RunRow



class TrainPanel(QWidget):
    runFinished = Signal(object)    # the RunResult of a run that ended (done or cancelled)

    def __init__(self, store_path: pathlib.Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store: Store | None = None
        self.store_path: pathlib.Path | None = None
        self.jobs = JobHost(self)           # the run
        self.device_jobs = JobHost(self)    # finding the device (and loading the training code)
        self.last_result: Any = None
        self.last_error = ""
        self.events: ProjectEvents | None = None
        self._build()
        self.set_project(store_path)
        self._detect_device()

    # ---- layout ------------------------------------------------------------------------
    def _build(self) -> None:
        self.task_box = QComboBox()
        self.task_box.currentIndexChanged.connect(self._refresh_counts)
        self.base_chooser = BaseModelBox()
        self.base_box = self.base_chooser.box
        self.knobs = Knobs()
        self.knobs.device_box.currentIndexChanged.connect(self._detect_device)
        self.device_label = QLabel("Device: checking…")
        self.device_label.setWordWrap(True)
        self.counts_label = QLabel()
        self.counts_label.setWordWrap(True)
        self.start_button = QPushButton("Start training")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button, 1)
        buttons.addWidget(self.stop_button)

        form = QFormLayout()
        form.addRow("Task", self.task_box)
        form.addRow("Base model", self.base_chooser)
        left = QVBoxLayout()
        left.addLayout(form)
        left.addWidget(self.counts_label)
        left.addWidget(self.knobs)
        left.addWidget(self.device_label)
        left.addLayout(buttons)
        # "Will more labels help?": a learning curve with these settings (learning_curve_box.py)
        self.curve_box = LearningCurveBox(self.config)
        self.curve_box.busyChanged.connect(lambda busy: self.start_button.setEnabled(not busy and not self.running))
        left.addWidget(self.curve_box)
        left.addStretch(1)
        left_w = QWidget()
        left_w.setLayout(left)
        left_w.setMinimumWidth(300)
        left_w.setMaximumWidth(400)

        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setTextVisible(False)
        self.status_label = QLabel("Ready.")
        self.status_label.setWordWrap(True)     # a long reason wraps; it never widens the window
        # which training method the run takes and why (training/fewshot_choice.py), in plain words
        self.method_label = QLabel()
        self.method_label.setObjectName("method")
        self.method_label.setWordWrap(True)
        self.method_label.hide()
        self.error_label = QLabel()
        self.error_label.setObjectName("error")
        self.error_label.setStyleSheet("color: #b00020; font-weight: bold;")
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()
        self.curves = CurvesWidget()
        self.label_caption = QLabel("Per-label scores appear after the first epoch.")
        self.label_table = LabelTable()
        self.history = HistoryTable()
        self.history.selectionChangedRuns.connect(self._on_history_selection)
        self.history.runsDeleted.connect(lambda _ids: self._refresh_counts())   # the base-model list names runs
        self.history_caption = QLabel("Run history: select one run to see it, two to compare them.")
        self.label_caption.setWordWrap(True)
        self.history_caption.setWordWrap(True)

        tables = QSplitter(Qt.Orientation.Horizontal)
        tables.addWidget(_boxed(self.label_caption, self.label_table))
        tables.addWidget(_boxed(self.history_caption, self.history))
        tables.setSizes([450, 550])        # the per-label table's five columns fit at 1280 px
        right_split = QSplitter(Qt.Orientation.Vertical)
        right_split.addWidget(self.curves)
        right_split.addWidget(tables)
        right_split.setSizes([420, 300])
        right = QVBoxLayout()
        right.addWidget(self.progress)
        right.addWidget(self.method_label)
        right.addWidget(self.status_label)
        right.addWidget(self.error_label)
        right.addWidget(right_split, 1)
        right_w = QWidget()
        right_w.setLayout(right)

        outer = QHBoxLayout(self)
        outer.addWidget(left_w)
        outer.addWidget(right_w, 1)

    # ---- project -----------------------------------------------------------------------
    def set_project(self, store_path: pathlib.Path) -> None:
        """Show another project (a run in progress goes on with its own)."""
        if self.store is not None:
            self.store.close()
            self.store = None
        self.store_path = pathlib.Path(store_path)
        try:
            self.store = Store(self.store_path)
        except (StoreError, RuntimeError) as exc:
            self._show_error(str(exc))
            return
        current = self.task_box.currentData()
        self.task_box.blockSignals(True)
        self.task_box.clear()
        for task in self.store.tasks:
            self.task_box.addItem(task_registry.get(task).title if task_registry.is_task(task) else task, task)
        idx = self.task_box.findData(current)
        self.task_box.setCurrentIndex(max(0, idx))
        self.task_box.blockSignals(False)
        self._refresh_counts()
        self.refresh_history()

    def _refresh_counts(self) -> None:
        task = self.task_box.currentData()
        if self.store is None or task is None:
            self.counts_label.setText("This project has no task to train.")
            self.start_button.setEnabled(False)
            return
        c = run_store.labeled_counts(self.store, task)
        train = c["train"] + c["unassigned"]
        dev = f"{c['dev']} to check progress (dev)" if c["dev"] else "none set aside to check progress (10% of " \
                                                                     "the training documents will be)"
        self.counts_label.setText(f"Labeled: {train} to train on · {dev} · {c['test']} for the final test")
        self.counts_label.setToolTip("Accepted documents per split.  The model learns from the train split, is "
                                     "scored on the dev split after every epoch (early stopping and the best "
                                     "checkpoint follow it), and on the test split once, at the end.")
        self.start_button.setEnabled(not self.running and not self.curve_box.busy)
        self._fill_base_models()

    def _fill_base_models(self) -> None:
        self.base_chooser.fill(self.store, self.task_box.currentData())

    def base_model(self) -> str:
        return self.base_chooser.base_model()

    def refresh_history(self) -> None:
        if self.store is not None:
            self.history.show_project(self.store)

    # ---- device ------------------------------------------------------------------------
    def _detect_device(self) -> None:
        self.device_jobs.start(device_job, self.knobs.device(), on_done=self._on_device,
                               on_failed=self._on_device_failed)

    @Slot(object)
    def _on_device(self, description: str) -> None:
        self.device_label.setText(f"Device: {description}")

    @Slot(object)
    def _on_device_failed(self, exc: BaseException) -> None:
        self.device_label.setText(f"Device: {exc}")

    # ---- a run -------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.jobs.busy

    def config(self) -> TrainConfig:
        config = self.knobs.config(self.store_path, self.task_box.currentData(), self.base_model())
        return dataclasses.replace(config, from_run=self.base_chooser.from_run())

    def start(self) -> None:
        if self.running or self.store_path is None or self.task_box.currentData() is None:
            return
        try:
            config = self.config()
            config.check()
        except Exception as exc:  # noqa: BLE001 - a bad knob value is shown, not raised
            self._show_error(str(exc))
            return
        self.error_label.hide()
        self.last_error = ""
        self.last_result = None
        self.curves.reset()
        self.label_table.show_report(None)
        self.label_caption.setText("Per-label scores appear after the first epoch.")
        self.progress.setValue(0)
        self.status_label.setText("Starting…")
        self._show_method("")
        self.jobs.start(train_job, config, on_progress=self._on_progress, on_done=self._on_done,
                        on_failed=self._on_failed, on_cancelled=self._on_cancelled)
        self._set_running(True)

    def stop(self) -> None:
        if self.running:
            self.jobs.cancel()
            self.stop_button.setEnabled(False)
            self.status_label.setText("Stopping after this step…")

    def shutdown(self, timeout_ms: int = 10000) -> None:
        """Stop a run and wait for its thread (closing the window, switching off); nothing it
        still sends is shown."""
        self.jobs.shutdown(timeout_ms)
        self.device_jobs.shutdown(timeout_ms)
        self.curve_box.shutdown(timeout_ms)

    def _set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running and not self.curve_box.busy)
        self.curve_box.start_button.setEnabled(not running and not self.curve_box.busy)
        self.stop_button.setEnabled(running)
        self.task_box.setEnabled(not running)
        self.base_box.setEnabled(not running)
        self.knobs.setEnabled(not running)

    @Slot(object)
    def _on_progress(self, report: Progress) -> None:
        p = report.detail    # the run's RunEvent: its kind and figures
        if p.kind == "step":
            self.progress.setValue(int(p.fraction * 1000))
            eta = _clock(p.eta_s) if p.eta_s is not None else "?"
            self.status_label.setText(
                f"Epoch {p.epoch:.1f} of {p.epochs} · step {p.step}/{p.total_steps} · train loss {p.loss:.3f} · "
                f"{p.tokens_per_s:,.0f} tokens/s · about {eta} left")
            self.status_label.setToolTip(f"learning rate {p.lr:.2e}; train loss: {self.curves.train_loss_words()} "
                                         "of the last steps (lower is better)")
            if p.loss is not None:
                self.curves.add_train_loss(p.epoch, p.loss)
        elif p.kind == "epoch" and p.report is not None:
            r = p.report
            shows_accuracy = task_registry.is_task(r.get("task")) and views_for(r["task"]).dev_accuracy
            self.curves.add_epoch(p.epoch, r["loss"], r["f1"], r["accuracy"] if shows_accuracy else None)
            self.label_table.show_report(r)
            self.label_caption.setText(f"Dev scores after epoch {p.epoch:.2f} (dev loss {r['loss']:.4f})")
            self.refresh_history()
        elif p.kind == "method":
            self._show_method(p.message)
            self.curves.show_method(p.method)
        elif p.kind == "status":
            self.status_label.setText(p.message)
            if p.run_id is not None:
                self.refresh_history()

    @Slot(object)
    def _on_done(self, result: Any) -> None:
        self.last_result = result
        self._finish()
        self.progress.setValue(1000 if result.status == "done" else self.progress.value())
        dev = result.dev
        accuracy = task_registry.is_task(result.task) and views_for(result.task).dev_accuracy
        score = (f"dev F1 {dev['f1']:.3f}" + (f", accuracy {dev['accuracy']:.3f}" if accuracy
                 else "")) if dev else "no dev score"
        # why it stopped first: a flat curve that ends early is the plan working, not the app failing
        # a few-shot run has no epochs to pick from: its passes over the labels train one model
        by_epoch = result.best_epoch is not None and result.counts.get("method") != "fewshot"
        best = f"Best: epoch {result.best_epoch}, {score}" if by_epoch else score[:1].upper() + score[1:]
        self.status_label.setText(f"Run #{result.run_id} — {result.message or result.status}. {best} · "
                                  f"{result.wall_seconds:.0f} s")
        self.status_label.setToolTip(f"Model saved in {result.model_dir}" if result.model_dir else "No model saved")
        self._show_method(result.counts.get("method_why", ""))
        if dev:
            self.label_table.show_report(dev)
            self.label_caption.setText(f"Dev scores of the best checkpoint (epoch {result.best_epoch}, all of dev)"
                                       if by_epoch else "Dev scores of the model (all of dev)")
        self.runFinished.emit(result)

    @Slot(object)
    def _on_cancelled(self, stop: Cancelled) -> None:
        """A stopped run is still a run (its row, curves and best checkpoint so far): shown as one."""
        if stop.partial is not None:
            self._on_done(stop.partial)
        else:
            self._finish()
            self.status_label.setText(stopped_text(stop))

    @Slot(object)
    def _on_failed(self, exc: BaseException) -> None:
        self._finish()
        text = str(exc) if isinstance(exc, UserError) else f"{type(exc).__name__}: {exc}"
        self._show_error(f"Training could not run: {text}")
        self.status_label.setText("Failed.")

    def _show_method(self, why: str) -> None:
        self.method_label.setText(f"Method: {why}" if why else "")
        self.method_label.setVisible(bool(why))

    def _finish(self) -> None:
        self._set_running(False)
        self._refresh_counts()
        self.refresh_history()
        if self.events is not None:
            self.events.notify(RUNS)     # the Review screen's run list follows

    # ---- following the project ---------------------------------------------------------
    def follow_project(self, events: ProjectEvents) -> None:
        """Keep the labeled counts, base models and run history current as the project changes
        (ui/project_events.py), whichever screen or process changed it."""
        self.events = events
        events.changed.connect(self._on_project_changed)

    def _on_project_changed(self, what: str) -> None:
        if self.store is None:
            return
        if what in (LABELS, DOCUMENTS):
            self._refresh_counts()
        elif what == RUNS and not self.running:   # while a run goes on, its own reports refresh the history
            self.refresh_history()
            self._fill_base_models()

    def _show_error(self, text: str) -> None:
        self.last_error = text
        self.error_label.setText(text)
        self.error_label.show()

    # ---- history -----------------------------------------------------------------------
    @Slot(list)
    def _on_history_selection(self, selected: list[RunRow]) -> None:
        if self.running or self.store is None or not selected:
            return
        if len(selected) == 1:
            run = selected[0]
            self.curves.show_run(run_store.run_points(self.store, run.id), run.task)
            dev = (run.metrics or {}).get("dev")
            self.label_table.show_report(dev)
            self.label_caption.setText(f"Run #{run.id}: dev scores of its best checkpoint" if dev
                                       else f"Run #{run.id}: {run.error or run.status}")
            return
        a, b = selected[:2]
        self.curves.overlay([(f"#{a.id}", run_store.run_points(self.store, a.id)),
                             (f"#{b.id}", run_store.run_points(self.store, b.id))])
        sa, sb = a.dev_score, b.dev_score
        self.label_table.show_report((a.metrics or {}).get("dev"))
        self.label_caption.setText(f"Comparing #{a.id} (blue, dev {_fmt(sa)}) with #{b.id} (red, dev {_fmt(sb)}); "
                                   f"table: #{a.id}")


def _boxed(caption: QLabel, widget: QWidget) -> QWidget:
    w = QWidget()
    lay = QVBoxLayout(w)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.addWidget(caption)
    lay.addWidget(widget, 1)
    return w


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def _fmt(score: float | None) -> str:
    return f"{score:.3f}" if score is not None else "-"
