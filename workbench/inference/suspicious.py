"""Which gold labels are probably wrong: out-of-sample predictions that disagree with them.

A document's score is the *self-confidence* of its gold label: the probability
that a model which never trained on it gives the gold class (sentiment), or for
NER the lowest such probability over its words (the worst word decides).  Low
means suspicious.  Every labeled document is scored; only those the model disagrees with,
or whose gold label it gives less than :data:`LOW_GOLD_P`, are worth a person's look
(:func:`flagged`): a list of every document, most of them "O vs O, p = 0.99", hides the few
that matter.  Out-of-sample comes from either

- the dev split of a finished run (instant when its predictions are cached), or
- k-fold: k models, each trained (with the project's own training engine) on a
  copy of the project where one fold's labels are hidden, each predicting the
  fold it did not see.  Every labeled document gets a score.

Jobs take ``on_progress`` and ``cancelled`` and open their own Store: any thread.
"""
from __future__ import annotations

import dataclasses
import pathlib
import random
import shutil
import sqlite3
import tempfile
import types
from typing import Any, Callable, Mapping, Sequence

from workbench.inference import cache
from workbench.inference.batch import JobProgress, predict_into_cache
from workbench.inference.cache import Suspicion
from workbench.inference.records import NerPrediction, Prediction
from workbench.inference.review import build_review, gold_labels
from workbench.inference.run_model import RunModel, open_run
from workbench.spans import spans_to_bio
from workbench.store import Store
from workbench.training import config_fields
from workbench.training.config import TrainConfig

# Below this probability of the gold label the model thinks the label is more likely wrong than
# right: worth a look even where its own top choice is the gold one (a close call).
LOW_GOLD_P = 0.5


def score(pred: Prediction, gold: Any, source: str) -> Suspicion:
    """The self-confidence of the gold label(s), with what the model said instead."""
    if isinstance(pred, NerPrediction):
        gold_tags = spans_to_bio(pred.words, gold)
        p = pred.gold_probability(gold_tags)
        if not len(p):
            return Suspicion(pred.doc_id, 1.0, {"words": 0}, source)
        k = int(p.argmin())
        tags = pred.tags
        disagree = sum(1 for i, t in enumerate(tags) if pred.seen[i] and t != gold_tags[i])
        detail = {"word": pred.words[k].text, "start": pred.words[k].start, "end": pred.words[k].end,
                  "gold": gold_tags[k], "pred": tags[k], "pred_p": float(pred.confidences[k]), "disagree": disagree}
        return Suspicion(pred.doc_id, float(p[k]), detail, source)
    detail = {"gold": gold, "pred": pred.label, "pred_p": pred.confidence}  # type: ignore[union-attr]
    return Suspicion(pred.doc_id, pred.gold_probability(gold), detail, source)  # type: ignore[union-attr]


def rank(items: Sequence[Suspicion]) -> list[Suspicion]:
    """Most suspicious first (lowest gold self-confidence; ties by document id)."""
    return sorted(items, key=lambda s: (s.score, s.doc_id))


def looks_suspicious(item: Suspicion, low: float = LOW_GOLD_P) -> bool:
    """The model disagrees with the gold label (NER: on any word), or gives it less than ``low``."""
    d = item.detail
    # scores stored before "disagree" was kept: the worst word's (or the document's) verdict
    disagree = d["disagree"] > 0 if "disagree" in d else d.get("gold") != d.get("pred")
    return disagree or item.score < low


def flagged(items: Sequence[Suspicion], low: float = LOW_GOLD_P) -> list[Suspicion]:
    """The scored documents worth a person's look, most suspicious first."""
    return rank([s for s in items if looks_suspicious(s, low)])


def precision_at(ranked: Sequence[int], flipped: set[int], n: int | None = None) -> float:
    """Share of the top ``n`` (default: as many as were flipped) that really were flipped."""
    n = len(flipped) if n is None else n
    return len(set(ranked[:n]) & flipped) / n if n else 0.0


def from_run(store: Store, run: RunModel, split: str = "dev") -> list[Suspicion]:
    """Scores from a run's cached predictions on ``split`` (a split it did not train on)."""
    rs = build_review(store, run, split)
    return rank([score(rs.predictions[r.doc_id], rs.gold[r.doc_id], f"run {run.run_id} {split}")
                 for r in rs.reviews])


def dev_job(project: str | pathlib.Path, run_id: int | None, task: str | None = None, split: str = "dev", *,
            on_progress: Callable[[JobProgress], None] | None = None,
            cancelled: Callable[[], bool] | None = None) -> list[Suspicion]:
    """Predict ``split`` with the run where not cached, then rank it.  Any thread."""
    with Store(project) as store:
        run = open_run(store, run_id, task)
        gold, _ = gold_labels(store, run.task, split)
        predict_into_cache(store, run, sorted(gold), on_progress=on_progress, cancelled=cancelled)
        return from_run(store, run, split)


@dataclasses.dataclass(frozen=True, init=False)
class KFoldSettings:
    """How many folds, which documents, and the training settings every fold uses.

    ``train`` holds any setting that k-fold offers (config_fields.names("k-fold"): the same
    ones ``suspicious --method kfold`` has flags for), given as keywords; the rest keep
    TrainConfig's defaults.  Fold i trains with seed + i."""

    k: int = 3
    max_docs: int | None = None            # score only the first N labeled documents (id order)
    train: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def __init__(self, k: int = 3, max_docs: int | None = None, **train: Any) -> None:
        unknown = sorted(set(train) - set(config_fields.names("k-fold")))
        if unknown:
            raise TypeError(f"KFoldSettings: not a k-fold training setting: {', '.join(unknown)}")
        object.__setattr__(self, "k", k)
        object.__setattr__(self, "max_docs", max_docs)
        object.__setattr__(self, "train", types.MappingProxyType(dict(train)))

    @property
    def seed(self) -> int:
        return int(self.train.get("seed", TrainConfig.seed))   # the class attribute: the default

    def fold_config(self, project: pathlib.Path, task: str, fold: int, output_dir: pathlib.Path) -> TrainConfig:
        """The training config of fold ``fold`` (0-based) on the project copy ``project``."""
        return TrainConfig(project, task, **{**self.train, "seed": self.seed + fold}, output_dir=output_dir)


def folds(doc_ids: Sequence[int], k: int, seed: int) -> list[list[int]]:
    ids = list(doc_ids)
    random.Random(seed).shuffle(ids)
    return [sorted(ids[i::k]) for i in range(k)]


def _copy_project(src: pathlib.Path, dst: pathlib.Path) -> None:
    """A consistent copy of a live project (WAL included), through SQLite's backup API."""
    with sqlite3.connect(str(src)) as a, sqlite3.connect(str(dst)) as b:
        a.backup(b)
    b.close()
    a.close()


def kfold_job(project: str | pathlib.Path, task: str, settings: KFoldSettings = KFoldSettings(), *,
              save: bool = True, on_progress: Callable[[JobProgress], None] | None = None,
              cancelled: Callable[[], bool] | None = None) -> list[Suspicion]:
    """Score every labeled document of ``task`` out of sample with k-fold training.

    Each fold trains on a private copy of the project (the user's file only gets the
    final scores, when ``save``), so runs and models of the folds leave no trace.
    Returns [] when cancelled.  Any thread; minutes on CPU for the default base model.
    """
    from workbench.training import train   # torch loads here

    if settings.k < 2:
        raise ValueError("k-fold needs k >= 2")
    report = on_progress or (lambda p: None)
    project = pathlib.Path(project)
    with Store(project) as store:
        gold, _ = gold_labels(store, task, None)
    ids = sorted(gold)[: settings.max_docs] if settings.max_docs else sorted(gold)
    parts = folds(ids, settings.k, settings.seed)
    scale = 1000
    out: list[Suspicion] = []
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="workbench-kfold-"))
    try:
        for i, held in enumerate(parts):
            if cancelled is not None and cancelled():
                return []
            copy = tmp / f"fold{i}.db"
            _copy_project(project, copy)
            with Store(copy) as fold_store:
                with fold_store.transaction():
                    keep = set(ids) - set(held)
                    # hide the held-out fold's labels (and, with max_docs, the ones beyond it)
                    hide = [d for d in gold if d not in keep]
                    fold_store.conn.executemany("UPDATE annotations SET status = 'draft' WHERE doc_id = ? AND task = ?",
                                                [(d, task) for d in hide])

            def fold_progress(p: Any, i: int = i) -> None:
                report(JobProgress(int((i + 0.9 * getattr(p, "fraction", 0.0)) * scale), settings.k * scale,
                                   f"fold {i + 1} of {settings.k}: {p.message or 'training'}"))

            cfg = settings.fold_config(copy, task, i, tmp / f"runs{i}")
            result = train(cfg, on_progress=fold_progress, cancelled=cancelled)
            if result.status != "done" or not result.model_dir:
                return []
            with Store(copy) as fold_store:
                run = open_run(fold_store, result.run_id)
                predict_into_cache(fold_store, run, held, cancelled=cancelled)
                preds = cache.load(fold_store, run.run_id, task, run.label_names, held)
            if len(preds) != len(held):
                return []
            out += [score(preds[d], gold[d], f"{settings.k}-fold") for d in held]
            report(JobProgress((i + 1) * scale, settings.k * scale, f"fold {i + 1} of {settings.k} scored"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    ranked = rank(out)
    if save:
        with Store(project) as store:
            cache.save_suspicion(store, task, ranked)
    return ranked
