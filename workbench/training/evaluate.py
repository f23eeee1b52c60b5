"""Score a model on an encoded split: loss, predictions, and the metrics report.

The task's spec (workbench/tasks/) sums the loss of each batch and turns what it kept
into the report: entities are scored per word (the labeling screen's words), decoded
as the app's predictions are, a classification task per document.  Runs on the
training thread.
"""
from __future__ import annotations

import contextlib
import random
from typing import Any, Sequence

import datasets
import torch

from workbench import tasks as task_registry
from workbench.modeling.device import DeviceInfo
from workbench.training.batching import Batcher


def autocast(device: DeviceInfo) -> contextlib.AbstractContextManager:
    if device.amp_dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.kind, dtype=device.amp_dtype)


@torch.inference_mode()
def evaluate(model: torch.nn.Module, batcher: Batcher, ds: datasets.Dataset, task: str, label_names: Sequence[str],
             device: DeviceInfo, batch_size: int, indices: Sequence[int] | None = None,
             cancelled: Any = None) -> dict[str, Any] | None:
    """The metrics report of ``model`` on ``ds`` (or the rows ``indices``), with ``loss`` added.

    Returns None when ``cancelled()`` turns true midway.
    """
    spec = task_registry.get(task)
    was_training = model.training
    model.eval()
    rows = list(indices) if indices is not None else list(range(len(batcher)))
    loss_sum, loss_n = 0.0, 0
    kept: dict[int, Any] = {}
    try:
        for batch in batcher.eval_batches(batch_size, rows):
            if cancelled is not None and cancelled():
                return None
            inputs = batcher.collate(batch, device.torch_device)
            labels = inputs.pop("labels")
            with autocast(device):
                logits = model(**inputs).logits
            loss, n, per_row = spec.batch_loss(logits.float(), labels)
            loss_sum += loss
            loss_n += n
            for r, i in enumerate(batch):
                kept[i] = per_row[r]
    finally:
        model.train(was_training)
    sub = ds.select(rows) if indices is not None else ds
    cols = sub[:] if len(sub) else {}
    report = spec.report([kept[i] for i in rows], cols, label_names, [batcher.labels[i] for i in rows])
    report["loss"] = loss_sum / loss_n if loss_n else float("nan")
    return report


# A dev-loss improvement smaller than this (mean cross-entropy per scored word or document)
# is no progress when the dev score ties: on small projects the score saturates (F1 1.000 on
# the demo by epoch 5) while the loss creeps toward zero, and counting that creep as progress
# kept a flat run going for all 38 planned epochs.
LOSS_MARGIN = 0.01
SCORE_TIE = 1e-9


def better_report(report: dict[str, Any], best: dict[str, Any] | None) -> bool:
    """Which checkpoint to keep: a higher dev score wins; on a tie (small data often gives
    F1 = 1.0 twice), any lower dev loss."""
    if best is None:
        return True
    if abs(report["score"] - best["score"]) > SCORE_TIE:
        return report["score"] > best["score"]
    return report["loss"] < best["loss"]


def made_progress(report: dict[str, Any], since: dict[str, Any] | None, loss_margin: float = LOSS_MARGIN) -> bool:
    """Whether training still gets anywhere, for early stopping: the dev score rose since the
    report ``since`` (the last one that made progress), or it tied and the dev loss fell by at
    least ``loss_margin``.  Kept apart from :func:`better_report` on purpose: a checkpoint can be
    the best one to keep without being a reason to go on."""
    if since is None:
        return True
    if abs(report["score"] - since["score"]) > SCORE_TIE:
        return report["score"] > since["score"]
    return since["loss"] - report["loss"] >= loss_margin


class Patience:
    """Early stopping over a run's dev reports, epoch by epoch.  :meth:`update` says whether a
    report is the new best checkpoint; :attr:`bad_epochs` counts epochs without progress
    (:func:`made_progress`) and :attr:`exhausted` says when to stop (never with ``patience`` 0)."""

    def __init__(self, patience: int, loss_margin: float = LOSS_MARGIN) -> None:
        self.patience, self.loss_margin = patience, loss_margin
        self.best: dict[str, Any] | None = None
        self.since: dict[str, Any] | None = None
        self.bad_epochs = 0

    def update(self, report: dict[str, Any]) -> bool:
        is_best = better_report(report, self.best)
        if is_best:
            self.best = report
        if made_progress(report, self.since, self.loss_margin):
            self.since, self.bad_epochs = report, 0
        else:
            self.bad_epochs += 1
        return is_best

    @property
    def exhausted(self) -> bool:
        return bool(self.patience) and self.bad_epochs >= self.patience


def dev_sample(n: int, cap: int | None, seed: int) -> list[int] | None:
    """The dev rows scored after each epoch: all (None) or a fixed seeded sample of ``cap``."""
    if not cap or n <= cap:
        return None
    return sorted(random.Random(seed).sample(range(n), cap))
