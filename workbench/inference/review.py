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
from typing import Any, Callable

import numpy as np

from workbench.inference import cache
from workbench.inference.batch import JobProgress, predict_into_cache
from workbench.inference.errors import DocReview, confusion, review
from workbench.inference.records import NerPrediction, Prediction
from workbench.inference.run_model import RunModel, open_run
from workbench.spans import spans_to_bio
from workbench.store import Store
from workbench.store import queries
from workbench.training.metrics import ner_report, sentiment_report


@dataclasses.dataclass
class ReviewSet:
    run: RunModel
    split: str
    reviews: list[DocReview]                      # labeled documents of the split, in id order
    predictions: dict[int, Prediction]
    gold: dict[int, Any]                          # doc id -> spans (NER) or class (sentiment)
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
    """Accepted gold labels of ``task`` (spans or class) and the texts, by document id."""
    gold: dict[int, Any] = {}
    texts: dict[int, str] = {}
    for doc, ann in queries.iter_documents(store, split=split, task=task):
        value = ann[task]
        if value is not None:
            gold[doc.id] = list(value) if task == "ner" else value
            texts[doc.id] = doc.text
    return gold, texts


def metrics(run: RunModel, preds: dict[int, Prediction], gold: dict[int, Any]) -> dict[str, Any]:
    """The training report (seqeval entity F1 per word / sentiment accuracy and macro F1)."""
    ids = [d for d in gold if d in preds]
    if run.task == "ner" and not ids:
        zero = {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
        return {"task": "ner", "per_label": {}, "micro": zero, "macro": zero, "f1": 0.0, "score": 0.0,
                "accuracy": 0.0, "documents": 0, "words": 0}
    if run.task == "ner":
        gold_tags, pred_tags = [], []
        for d in ids:
            p = preds[d]
            assert isinstance(p, NerPrediction)
            gold_tags.append(spans_to_bio(p.words, gold[d]))
            pred_tags.append(p.tags)
        return ner_report(gold_tags, pred_tags)
    classes = run.label_names
    known = [d for d in ids if gold[d] in classes]
    return sentiment_report([classes.index(gold[d]) for d in known],
                            [classes.index(preds[d].label) for d in known], classes)  # type: ignore[union-attr]


def build_review(store: Store, run: RunModel, split: str) -> ReviewSet:
    """From the cache only: documents without a cached prediction are left out."""
    gold, texts = gold_labels(store, run.task, split)
    preds = cache.load(store, run.run_id, run.task, run.label_names, list(gold))
    reviews = [review(preds[d], gold[d]) for d in sorted(gold) if d in preds]
    names, counts, cells = confusion(reviews, run.entity_labels, run.task)
    report = metrics(run, preds, gold)
    return ReviewSet(run, split, reviews, preds, gold, texts, report, names, counts, cells)


def review_job(project: str | pathlib.Path, run_id: int, split: str = "dev", *,
               on_progress: Callable[[JobProgress], None] | None = None,
               cancelled: Callable[[], bool] | None = None) -> ReviewSet | None:
    """Predict the split's labeled documents that are not cached, then review them.  Any thread
    (opens its own Store); None when cancelled."""
    with Store(project) as store:
        run = open_run(store, run_id)
        gold, _ = gold_labels(store, run.task, split)
        summary = predict_into_cache(store, run, sorted(gold), on_progress=on_progress, cancelled=cancelled)
        if summary.cancelled:
            return None
        return build_review(store, run, split)

