"""Suspicious labels: flip 5% of the gold labels on purpose; k-fold must rank them on top.

Small scale (tiny models trained by the project's engine, seconds); the full-scale
experiment on SST-2 with the default base model is tests/benchmarks/bench_suspicious.py.
"""
from __future__ import annotations

import random

import pytest

from inference_support import (
    CLASSES, NER_LABELS, TINY_OVERRIDES, ner_sentence, one_cpu, sentiment_sentence, tiny_base,
)
from workbench.inference import cache
from workbench.inference.suspicious import KFoldSettings, folds, kfold_job, precision_at
from workbench.spans import Span
from workbench.store import NewDocument, Store


def _flip_project(path, task, n=120, rate=0.05, seed=1):
    rng = random.Random(seed)
    flipped_rows = set(rng.sample(range(n), round(n * rate)))
    docs = []
    for i in range(n):
        if task == "sentiment":
            text, cls = sentiment_sentence(rng)
            if i in flipped_rows:
                cls = CLASSES[1 - CLASSES.index(cls)]
            docs.append(NewDocument(text, sentiment=cls, split="train"))
        else:
            text, spans = ner_sentence(rng)
            if i in flipped_rows:   # the organisation is labeled as a place
                spans = [Span(s.start, s.end, "LOC") if s.label == "ORG" else s for s in spans]
            docs.append(NewDocument(text, spans=spans, split="train"))
    with Store.create(path, [task], NER_LABELS if task == "ner" else [], CLASSES if task == "sentiment" else []) as st:
        ids = st.add_documents(docs)
    return {ids[i] for i in flipped_rows}


@pytest.mark.parametrize("task,n", [("sentiment", 200), ("ner", 200)])
def test_flipped_labels_rank_on_top(tmp_path, task, n):
    project = tmp_path / "flip.db"
    flipped = _flip_project(project, task, n=n)
    base = tiny_base(tmp_path / "base")
    settings = KFoldSettings(k=3, base_model=str(base), epochs=12, lr=3e-3, batch_size=16, device="cpu",
                             embeddings="full", patience=0, train_overrides=TINY_OVERRIDES)
    seen = []
    with one_cpu():
        ranked = kfold_job(project, task, settings, on_progress=seen.append)
    assert len(ranked) == n and seen[-1].done == seen[-1].total
    ids = [s.doc_id for s in ranked]
    p = precision_at(ids, flipped)
    recall = len(set(ids[: 2 * len(flipped)]) & flipped) / len(flipped)
    # most flipped documents rank on top (random order would give precision 0.05)
    assert p >= 0.5 and recall >= 0.8, (p, recall, ids[:12], sorted(flipped))
    # stored in the user's project; the folds left no runs there
    with Store(project) as store:
        assert [s.doc_id for s in cache.load_suspicion(store, task)] == ids
        assert store.conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 0
    top = ranked[0].detail
    assert top["gold"] != top["pred"]


def test_folds_partition_the_documents():
    parts = folds(range(10), 3, seed=0)
    assert sorted(sum(parts, [])) == list(range(10)) and {len(p) for p in parts} == {3, 4}
    assert precision_at([1, 2, 3, 4], {2, 9}) == 0.5


def test_kfold_cancel_returns_nothing(tmp_path):
    project = tmp_path / "flip.db"
    _flip_project(project, "sentiment", n=30)
    assert kfold_job(project, "sentiment", KFoldSettings(base_model=str(tmp_path)), cancelled=lambda: True) == []
