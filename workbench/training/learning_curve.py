"""Will more labels help?  A learning curve, as Prodigy's ``train-curve``.

The labeled train split is shuffled once (the run's seed) and trained on its first 25%, 50%,
75% and 100% (each part holds the one before it), every time with the same quick schedule
and the same seed, each scored on the same dev set.  The last step decides the sentence:
when adding the last quarter of the labels still raised the dev score by at least
:data:`RISING` (one point), more labels will help; otherwise the curve is flat and the
labels' quality is the place to look.  Every part starts from the base model (never from
an earlier run, whose labels would count too).  No run is recorded in the project and no model is
kept: the four models go to a temporary folder this job makes and removes.

A job (workbench/jobs.py): any thread, opens its own Store, reports a
:class:`LearningCurve` with the points so far as each part ends, stops with Cancelled.
"""
from __future__ import annotations

import dataclasses
import math
import random
import shutil
import tempfile
import time
from typing import Any

from workbench import tasks as task_registry
from workbench.jobs import CancelFn, Cancelled, Progress, ProgressFn, check_cancelled, never, no_progress
from workbench.store import Store
from workbench.training.config import TrainConfig
from workbench.training.data import load_splits

FRACTIONS = (0.25, 0.5, 0.75, 1.0)
RISING = 0.01          # a score gain over the last quarter of the labels that counts as still rising
MIN_QUICK_EPOCHS = 2


@dataclasses.dataclass(frozen=True)
class CurvePoint:
    fraction: float
    documents: int         # train documents used
    labels: int            # the labels in them (entities, or documents with a class)
    score: float           # dev score (the task's score_name)
    seconds: float


@dataclasses.dataclass(frozen=True)
class LearningCurve:
    task: str
    score_name: str
    dev_documents: int
    dev_source: str
    points: tuple[CurvePoint, ...]
    seconds: float = 0.0

    @property
    def rising(self) -> bool | None:
        """Whether the last step still raised the score (None with fewer than two points)."""
        if len(self.points) < 2:
            return None
        return self.points[-1].score - self.points[-2].score >= RISING

    def conclusion(self) -> str:
        """The plain sentence the curve comes to."""
        if self.rising is None:
            return "not enough points to tell yet"
        a, b = self.points[-2], self.points[-1]
        change = f"{self.score_name} {a.score:.3f} → {b.score:.3f} from {a.labels:,} to {b.labels:,} labels"
        if self.rising:
            return f"still rising: more labels will help ({change})"
        return f"flat: look at label quality instead ({change})"

    def to_json(self) -> dict[str, Any]:
        return {"task": self.task, "score_name": self.score_name, "dev_documents": self.dev_documents,
                "dev_source": self.dev_source, "points": [dataclasses.asdict(p) for p in self.points],
                "rising": self.rising, "conclusion": self.conclusion(), "seconds": round(self.seconds, 1)}


def _quick(config: TrainConfig, device_kind: str, documents: int) -> TrainConfig:
    """The quick schedule: the epochs asked for, else half the default schedule's (at least 2)."""
    if config.epochs is not None or config.time_budget_s:
        return config
    epochs = config.resolved(device_kind, documents).epochs or MIN_QUICK_EPOCHS
    return dataclasses.replace(config, epochs=max(MIN_QUICK_EPOCHS, math.ceil(epochs / 2)))


def learning_curve_job(config: TrainConfig, fractions: tuple[float, ...] = FRACTIONS, *, low_priority: bool = False,
                       progress: ProgressFn = no_progress, cancelled: CancelFn = never) -> LearningCurve:
    """Train on growing parts of the labeled train split; see the module.  ``low_priority``:
    below the other threads of the process, as the Train screen's runs (the window stays quick)."""
    from workbench.modeling.device import pick_device
    from workbench.training.loop import train_splits
    from workbench.training.recorder import CardRecorder

    if low_priority:
        from workbench.training.jobs import lower_thread_priority

        lower_thread_priority()
    began = time.perf_counter()
    # from the base model: continuing a run would measure that run's labels too
    config = dataclasses.replace(config, from_run=None)
    config.check()
    device = pick_device(config.device)
    spec = task_registry.get(config.task)
    progress(Progress(0, len(fractions), "Reading labeled documents"))
    with Store(config.store_path) as store:
        splits = load_splits(store, config.task, max_train_docs=config.max_train_docs,
                             dev_fraction=config.dev_fraction, seed=config.seed, min_docs=config.min_docs)
    order = list(range(len(splits.train)))
    random.Random(config.seed).shuffle(order)
    points: list[CurvePoint] = []
    scratch = tempfile.mkdtemp(prefix="workbench-curve-")   # ours alone: removed whole at the end

    def curve() -> LearningCurve:
        return LearningCurve(config.task, spec.score_name, len(splits.dev), splits.dev_source, tuple(points),
                             time.perf_counter() - began)

    try:
        for i, fraction in enumerate(fractions):
            k = max(1, round(len(order) * fraction))
            part = [splits.train[j] for j in sorted(order[:k])]
            labels = sum(spec.label_counts(part).values())
            head = f"{fraction:.0%} of the labels ({k:,} documents, {labels:,} labels)"

            def inner(p: Progress, head: str = head, i: int = i) -> None:
                # no detail: the throttle may drop these; the points below carry the curve
                progress(Progress(i, len(fractions), f"Training on {head}: {p.message}" if p.message else
                                  f"Training on {head}"))

            cfg = dataclasses.replace(_quick(config, device.kind, k), output_dir=scratch)
            t = time.perf_counter()
            try:
                result = train_splits(cfg, dataclasses.replace(splits, train=part, test=[]), CardRecorder("curve"),
                                      progress=inner, cancelled=cancelled)
            except Cancelled:
                raise Cancelled("learning curve cancelled; nothing was kept") from None
            points.append(CurvePoint(fraction, k, labels, float((result.dev or {}).get("score", 0.0)),
                                     time.perf_counter() - t))
            progress(Progress(i + 1, len(fractions), f"{head}: dev {spec.score_name} {points[-1].score:.3f}",
                              curve()))
            check_cancelled(cancelled, "learning curve cancelled; nothing was kept")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return curve()
