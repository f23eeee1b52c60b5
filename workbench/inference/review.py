"""A run's predictions on a labeled split, compared with the gold labels.

:func:`review_job` is what the Review screen runs on a worker thread: predict
what is not cached yet, then build a :class:`ReviewSet` (plain data, safe to
hand to the UI thread): one :class:`DocReview` per labeled document, the
metrics report (the very functions training scores with) and the confusion
matrix.  :func:`build_review` alone touches only the cache (any thread).
"""
from __future__ import annotations

import dataclasses
import pathlib
from typing import Any

import numpy as np

from workbench import tasks as task_registry
from workbench.inference import cache
from workbench.inference.batch import predict_into_cache
from workbench.inference.errors import DocReview, confusion, review
from workbench.inference.records import Prediction
from workbench.inference.run_model import RunModel, open_run
from workbench.jobs import CancelFn, Cancelled, ProgressFn, no_progress
from workbench.store import Store
from workbench.store import queries


@dataclasses.dataclass
class ReviewSet:
    run: RunModel
    split: str
    reviews: list[DocReview]                      # labeled documents of the split, in id order
    predictions: dict[int, Prediction]
    gold: dict[int, Any]                          # doc id -> spans or class (the task's gold value)
    texts: dict[int, str]
    report: dict[str, Any]                        # training's metrics on this split
    matrix_names: list[str]
    matrix: np.ndarray                            # rows gold, columns predicted
    cells: dict[tuple[str, str], list[int]]       # the documents behind each cell

    @property
    def task(self) -> str:
        return self.run.task

    def by_id(self) -> dict[int, DocReview]:
        return {r.doc_id: r for r in self.reviews}


def gold_labels(store: Store, task: str, split: str | None) -> tuple[dict[int, Any], dict[int, str]]:
    """Accepted gold labels of ``task`` (spans or a class, as the task compares them) and the
    texts, by document id."""
    spec = task_registry.get(task)
    gold: dict[int, Any] = {}
    texts: dict[int, str] = {}
    for doc, ann in queries.iter_documents(store, split=split, task=task):
        value = ann[task]
        if value is not None:
            gold[doc.id] = spec.gold_value(value)
            texts[doc.id] = doc.text
    return gold, texts


def metrics(run: RunModel, preds: dict[int, Prediction], gold: dict[int, Any]) -> dict[str, Any]:
    """The training report (the task's: entity F1 per word, or a classifier's accuracy and macro F1)."""
    return run.spec.metrics(preds, gold, run.label_names)


def build_review(store: Store, run: RunModel, split: str) -> ReviewSet:
    """From the cache only: documents without a cached prediction are left out."""
    spec = run.spec
    gold, texts = gold_labels(store, run.task, split)
    preds = cache.load(store, run.run_id, run.task, run.label_names, list(gold))
    reviews = [review(spec, preds[d], gold[d]) for d in sorted(gold) if d in preds]
    names, counts, cells = confusion(reviews, run.entity_labels, spec)
    report = metrics(run, preds, gold)
    return ReviewSet(run, split, reviews, preds, gold, texts, report, names, counts, cells)


def review_job(project: str | pathlib.Path, run_id: int, split: str = "dev", *,
               progress: ProgressFn = no_progress, cancelled: CancelFn | None = None) -> ReviewSet:
    """Predict the split's labeled documents that are not cached, then review them.  Any thread
    (opens its own Store).  A cancel raises Cancelled: no review (the predictions made are cached)."""
    with Store(project) as store:
        run = open_run(store, run_id)
        gold, _ = gold_labels(store, run.task, split)
        try:
            predict_into_cache(store, run, sorted(gold), progress=progress, cancelled=cancelled)
        except Cancelled:
            raise Cancelled("review cancelled") from None
        return build_review(store, run, split)

