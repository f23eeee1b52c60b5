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

Jobs take ``progress`` and ``cancelled`` (workbench/jobs.py) and open their own Store: any
thread.  A cancel raises Cancelled and stores nothing.
"""
from __future__ import annotations

import dataclasses
import pathlib
import random
import shutil
import sqlite3
import tempfile
import types
from typing import Any, Mapping, Sequence

from workbench.inference import cache
from workbench.inference.batch import predict_into_cache
from workbench.inference.cache import Suspicion
from workbench.inference.review import build_review, gold_labels
from workbench.errors import UserError
from workbench.inference.run_model import RunModel, open_run
from workbench.jobs import CancelFn, Cancelled, Progress, ProgressFn, check_cancelled, no_progress
from workbench.store import Store
from workbench.training import config_fields
from workbench.training.config import TrainConfig

# Below this probability of the gold label the model thinks the label is more likely wrong than
# right: worth a look even where its own top choice is the gold one (a close call).
LOW_GOLD_P = 0.5
CANCELLED = "check cancelled; nothing was stored"


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
    return rank([run.spec.suspicion(rs.predictions[r.doc_id], rs.gold[r.doc_id], f"run {run.run_id} {split}")
                 for r in rs.reviews])


def dev_job(project: str | pathlib.Path, run_id: int | None, task: str | None = None, split: str = "dev", *,
            progress: ProgressFn = no_progress, cancelled: CancelFn | None = None) -> list[Suspicion]:
    """Predict ``split`` with the run where not cached, then rank it.  Any thread."""
    with Store(project) as store:
        run = open_run(store, run_id, task)
        gold, _ = gold_labels(store, run.task, split)
        try:
            predict_into_cache(store, run, sorted(gold), progress=progress, cancelled=cancelled)
        except Cancelled:
            raise Cancelled(CANCELLED) from None
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
              save: bool = True, progress: ProgressFn = no_progress,
              cancelled: CancelFn | None = None) -> list[Suspicion]:
    """Score every labeled document of ``task`` out of sample with k-fold training.

    Each fold trains on a private copy of the project (the user's file only gets the
    final scores, when ``save``), so runs and models of the folds leave no trace.
    A cancel raises Cancelled and stores nothing.  Any thread; minutes on CPU for the default
    base model.
    """
    from workbench.training import train   # torch loads here

    if settings.k < 2:
        raise ValueError("k-fold needs k >= 2")
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
            check_cancelled(cancelled, CANCELLED)
            copy = tmp / f"fold{i}.db"
            _copy_project(project, copy)
            with Store(copy) as fold_store:
                with fold_store.transaction():
                    keep = set(ids) - set(held)
                    # hide the held-out fold's labels (and, with max_docs, the ones beyond it)
                    hide = [d for d in gold if d not in keep]
                    fold_store.conn.executemany("UPDATE annotations SET status = 'draft' WHERE doc_id = ? AND task = ?",
                                                [(d, task) for d in hide])

            def fold_progress(p: Progress, i: int = i) -> None:
                progress(Progress(int((i + 0.9 * p.fraction) * scale), settings.k * scale,
                                  f"fold {i + 1} of {settings.k}: {p.message or 'training'}"))

            cfg = settings.fold_config(copy, task, i, tmp / f"runs{i}")
            try:
                result = train(cfg, progress=fold_progress, cancelled=cancelled)
                if not result.model_dir:
                    raise UserError(f"fold {i + 1} of {settings.k} saved no model ({result.message}); "
                                    "nothing was stored")
                with Store(copy) as fold_store:
                    run = open_run(fold_store, result.run_id)
                    predict_into_cache(fold_store, run, held, cancelled=cancelled)
                    preds = cache.load(fold_store, run.run_id, task, run.label_names, held)
            except Cancelled:   # the fold's run and predictions live in the copy, which goes
                raise Cancelled(CANCELLED) from None
            # a document too long to predict (limits.MAX_DOC_CHARS) has no score
            out += [run.spec.suspicion(preds[d], gold[d], f"{settings.k}-fold") for d in held if d in preds]
            progress(Progress((i + 1) * scale, settings.k * scale, f"fold {i + 1} of {settings.k} scored"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    ranked = rank(out)
    if save:
        with Store(project) as store:
            cache.save_suspicion(store, task, ranked)
    return ranked
