"""The Train screen's "Will more labels help?" box: a learning curve (workbench/training/
learning_curve.py) run as a job, drawn as dev score against labels, with its conclusion.

It trains with the screen's settings (task, base model, knobs) on 25/50/75/100% of the labels
and keeps nothing.  Its own JobHost: Stop stops it; the screen's Start is disabled meanwhile
(:attr:`busyChanged`), so a run and a curve never share the CPU.  UI thread only.
"""
from __future__ import annotations

from typing import Callable

import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ui.workers import JobHost, stopped_text
from workbench.jobs import Cancelled, Progress
from workbench.training.config import TrainConfig
from workbench.training.learning_curve import LearningCurve, learning_curve_job


class LearningCurveBox(QWidget):
    busyChanged = Signal(bool)

    def __init__(self, config: Callable[[], TrainConfig], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._config = config
        self.jobs = JobHost(self)
        self.curve: LearningCurve | None = None
        self.start_button = QPushButton("Will more labels help?")
        self.start_button.setToolTip("Train on 25%, 50%, 75% and 100% of the labels (half the epochs, the same "
                                     "seed) and plot the dev score against the number of labels.  Nothing is kept.")
        self.start_button.clicked.connect(self.start)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.jobs.cancel)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMinimumHeight(150)
        self.plot.setMaximumHeight(190)
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.plot.setLabel("bottom", "labels")
        self.plot.setLabel("left", "dev score")
        self.plot.setMouseEnabled(False, False)
        self.plot.setYRange(0, 1, padding=0.02)   # scores are 0..1: a flat curve looks flat
        self.line = self.plot.plot([], [], pen=pg.mkPen("#31a354", width=2), symbol="o", symbolSize=7,
                                   symbolBrush="#31a354")
        self.plot.hide()
        self.verdict = QLabel("")
        self.verdict.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button, 1)
        buttons.addWidget(self.stop_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.plot)
        layout.addWidget(self.verdict)

    @property
    def busy(self) -> bool:
        return self.jobs.busy

    def start(self) -> None:
        if self.busy:
            return
        try:
            config = self._config()
            config.check()
        except Exception as exc:  # noqa: BLE001 - a bad knob value is shown, not raised
            self.verdict.setText(f"Cannot start: {exc}")
            return
        self.curve = None
        self.line.setData([], [])
        self.plot.show()
        self.verdict.setText("Starting…")
        self._busy(True)
        self.jobs.start(learning_curve_job, config, low_priority=True, on_progress=self._progress, on_done=self._done,
                        on_failed=self._failed, on_cancelled=self._cancelled)

    def show_curve(self, curve: LearningCurve) -> None:
        self.curve = curve
        self.plot.show()
        self.plot.setLabel("left", f"dev {curve.score_name}")
        self.line.setData([p.labels for p in curve.points], [p.score for p in curve.points])

    def _progress(self, p: Progress) -> None:
        if isinstance(p.detail, LearningCurve):
            self.show_curve(p.detail)
        if p.message:
            self.verdict.setText(f"{p.done} of {p.total} parts. {p.message}" if p.total else p.message)

    def _done(self, curve: LearningCurve) -> None:
        self._busy(False)
        self.show_curve(curve)
        text = curve.conclusion()
        self.verdict.setText(f"<b>{text.split(':')[0].capitalize()}</b>:{text.split(':', 1)[1]}"
                             f" &nbsp;({curve.seconds:.0f} s)")

    def _failed(self, exc: BaseException) -> None:
        self._busy(False)
        self.verdict.setText(f"The learning curve failed: {exc}")

    def _cancelled(self, stop: Cancelled) -> None:
        self._busy(False)
        self.verdict.setText(stopped_text(stop))

    def _busy(self, busy: bool) -> None:
        self.start_button.setEnabled(not busy)
        self.stop_button.setEnabled(busy)
        self.busyChanged.emit(busy)

    def shutdown(self, timeout_ms: int = 10000) -> None:
        self.jobs.shutdown(timeout_ms)
