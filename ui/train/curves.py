"""Live training curves (pyqtgraph): train loss raw and smoothed, dev loss, dev F1 / accuracy.

The pattern of pyqtgraph's ``scrollingPlots`` example: one PlotDataItem per
series, points appended to growing numpy buffers, ``setData`` from a timer only
when something changed, never a new item per point.  UI thread only.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QWidget

from ui.task_views import views_for
from workbench import tasks as task_registry

SMOOTHING = 0.9          # exponential moving average of the train loss (TensorBoard's default look)
REDRAW_MS = 200
OVERLAY_COLORS = ("#1f77b4", "#d62728")


class Series:
    """A growing (x, y) buffer: amortized O(1) appends, views without copies."""

    def __init__(self, capacity: int = 1024) -> None:
        self._x = np.empty(capacity)
        self._y = np.empty(capacity)
        self.n = 0

    def append(self, x: float, y: float) -> None:
        if self.n == len(self._x):
            self._x = np.concatenate([self._x, np.empty_like(self._x)])
            self._y = np.concatenate([self._y, np.empty_like(self._y)])
        self._x[self.n] = x
        self._y[self.n] = y
        self.n += 1

    def set(self, xs: Sequence[float], ys: Sequence[float]) -> None:
        self.clear()
        for x, y in zip(xs, ys):
            self.append(x, y)

    def clear(self) -> None:
        self.n = 0

    @property
    def x(self) -> np.ndarray:
        return self._x[: self.n]

    @property
    def y(self) -> np.ndarray:
        return self._y[: self.n]


def smooth(values: np.ndarray, weight: float = SMOOTHING) -> np.ndarray:
    """Debiased exponential moving average (starts at the first value, not at zero)."""
    out = np.empty_like(values)
    acc = 0.0
    for i, v in enumerate(values):
        acc = weight * acc + (1 - weight) * v
        out[i] = acc / (1 - weight ** (i + 1))
    return out


class CurvesWidget(pg.GraphicsLayoutWidget):
    """Two plots over epochs: losses (left) and the dev score (right)."""

    SERIES = ("train_loss", "train_smooth", "dev_loss", "dev_f1", "dev_accuracy")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setBackground("w")
        self.setMinimumHeight(220)
        # short titles and series names (each plot's title says what is plotted): a narrow plot's
        # legend must not cover the axis ("rain loss") nor its title push the next plot off
        self.loss_plot = self.addPlot(row=0, col=0, title="Loss")
        self.score_plot = self.addPlot(row=0, col=1, title="Dev score")
        self.method = "finetune"
        self.setToolTip(self._tooltip())
        for plot in (self.loss_plot, self.score_plot):
            plot.showGrid(x=True, y=True, alpha=0.25)
            plot.setLabel("bottom", "epoch")
            plot.addLegend(offset=(-10, 10), brush=pg.mkBrush(255, 255, 255, 210))   # readable over curves
        self.score_plot.setYRange(0, 1, padding=0.02)
        self.data = {name: Series() for name in self.SERIES}
        self._ema = 0.0
        self._ema_n = 0
        self.items = {
            "train_loss": self.loss_plot.plot(name="train", pen=pg.mkPen("#9ecae1", width=1)),
            "train_smooth": self.loss_plot.plot(name="train, smoothed", pen=pg.mkPen("#08519c", width=2)),
            "dev_loss": self.loss_plot.plot(name="dev", pen=pg.mkPen("#e6550d", width=2), symbol="o",
                                            symbolSize=7, symbolBrush="#e6550d"),
            "dev_f1": self.score_plot.plot(name="F1", pen=pg.mkPen("#31a354", width=2), symbol="o",
                                           symbolSize=7, symbolBrush="#31a354"),
            "dev_accuracy": self.score_plot.plot(name="accuracy", symbol="t", symbolSize=7,
                                                 pen=pg.mkPen("#756bb1", width=1, style=Qt.PenStyle.DashLine),
                                                 symbolBrush="#756bb1"),
        }
        self._overlay: list[tuple[pg.PlotItem, pg.PlotDataItem]] = []
        self._dirty = False
        self.timer = QTimer(self)
        self.timer.setInterval(REDRAW_MS)
        self.timer.timeout.connect(self.redraw)
        self.timer.start()

    def _tooltip(self) -> str:
        score = "\nDev score: F1 (and accuracy) on the dev documents{}; higher is better."
        if self.method == "fewshot":
            return ("Loss (few-shot): the contrastive loss on the training batches, which pulls texts with the same "
                    "label together and pushes the others apart; lower is better.  The classifier is fitted "
                    "afterwards, so there is no dev loss on this scale." + score.format(""))
        return ("Loss: how far the model's probabilities are from your labels, on the training batches (train) "
                "and on the dev documents (dev); lower is better." + score.format(" after each epoch"))

    def show_method(self, method: str) -> None:
        """Say which loss the train line is: cross-entropy when fine-tuning, the contrastive loss
        of a few-shot run (training/fewshot.py), whose dev loss (the fitted classifier's
        cross-entropy) is another quantity and is left off the loss plot."""
        self.method = method or "finetune"
        self.setToolTip(self._tooltip())
        self.loss_plot.setTitle("Loss (contrastive)" if self.method == "fewshot" else "Loss")
        legend, dev = self.loss_plot.legend, self.items["dev_loss"]
        listed = any(sample.item is dev for sample, _label in legend.items)
        if self.method == "fewshot" and listed:
            legend.removeItem(dev)          # no dev line is drawn: the legend does not promise one
        elif self.method != "fewshot" and not listed:
            legend.addItem(dev, "dev")

    def train_loss_words(self) -> str:
        """What the train loss is, in words for a tooltip."""
        return "the contrastive loss" if self.method == "fewshot" else "mean cross-entropy"

    # ---- live -------------------------------------------------------------------------
    def reset(self) -> None:
        """Empty every series.  (Not ``clear``: GraphicsLayoutWidget binds that name on the
        instance to the layout's clear, which would remove the plots themselves.)"""
        self.show_method("finetune")
        for s in self.data.values():
            s.clear()
        self._ema, self._ema_n = 0.0, 0
        self._clear_overlay()
        self._dirty = True
        self.redraw()

    def add_train_loss(self, epoch: float, loss: float) -> None:
        if not np.isfinite(loss):
            return
        self.data["train_loss"].append(epoch, loss)
        self._ema = SMOOTHING * self._ema + (1 - SMOOTHING) * loss
        self._ema_n += 1
        self.data["train_smooth"].append(epoch, self._ema / (1 - SMOOTHING ** self._ema_n))
        self._dirty = True

    def add_epoch(self, epoch: float, dev_loss: float, f1: float, accuracy: float | None) -> None:
        if np.isfinite(dev_loss) and self.method != "fewshot":
            self.data["dev_loss"].append(epoch, dev_loss)
        self.data["dev_f1"].append(epoch, f1)
        if accuracy is not None:
            self.data["dev_accuracy"].append(epoch, accuracy)
        self._dirty = True

    def redraw(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        for name, item in self.items.items():
            s = self.data[name]
            if s.n:
                item.setData(s.x, s.y)
            else:
                item.clear()

    @property
    def point_count(self) -> int:
        return self.data["train_loss"].n

    # ---- a past run, or two overlaid ---------------------------------------------------
    def show_run(self, points: dict[str, dict[str, np.ndarray]], task: str) -> None:
        """Fill the live series from a stored run's points."""
        self.reset()
        loss = points.get("train_loss")
        if loss is not None:
            self.data["train_loss"].set(loss["epoch"], loss["value"])
            self.data["train_smooth"].set(loss["epoch"], smooth(loss["value"]))
        for name in ("dev_loss", "dev_f1", "dev_accuracy"):
            p = points.get(name)
            if p is not None and (name != "dev_accuracy" or (task_registry.is_task(task) and views_for(task).dev_accuracy)):
                self.data[name].set(p["epoch"], p["value"])
        self._dirty = True
        self.redraw()

    def overlay(self, runs: list[tuple[str, dict[str, dict[str, np.ndarray]]]]) -> None:
        """Compare runs: smoothed train loss and dev loss left, dev F1 right, one color per run."""
        self.reset()
        for (label, points), color in zip(runs, OVERLAY_COLORS):
            loss = points.get("train_loss")
            if loss is not None and len(loss["value"]):
                self._add(self.loss_plot, loss["epoch"], smooth(loss["value"]), pen=pg.mkPen(color, width=2),
                          name=f"{label} train")
            dev = points.get("dev_loss")
            if dev is not None:
                self._add(self.loss_plot, dev["epoch"], dev["value"], name=f"{label} dev", symbol="o",
                          pen=pg.mkPen(color, width=1, style=Qt.PenStyle.DashLine), symbolSize=6, symbolBrush=color)
            f1 = points.get("dev_f1")
            if f1 is not None:
                self._add(self.score_plot, f1["epoch"], f1["value"], pen=pg.mkPen(color, width=2), symbol="o",
                          symbolSize=7, symbolBrush=color, name=f"{label} F1")

    def _add(self, plot: pg.PlotItem, x: np.ndarray, y: np.ndarray, **style: object) -> None:
        self._overlay.append((plot, plot.plot(x, y, **style)))

    def _clear_overlay(self) -> None:
        for plot, item in self._overlay:
            plot.removeItem(item)   # also takes it out of the legend
        self._overlay = []
