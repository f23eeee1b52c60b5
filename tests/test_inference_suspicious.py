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
            docs.append(NewDocument(text, classes={"sentiment": cls}, split="train"))
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
                             embeddings="full", patience=0, **TINY_OVERRIDES)
    seen = []
    with one_cpu():
        ranked = kfold_job(project, task, settings, progress=seen.append)
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
    from workbench.jobs import Cancelled

    project = tmp_path / "flip.db"
    _flip_project(project, "sentiment", n=30)
    with pytest.raises(Cancelled, match="nothing was stored") as stopped:
        kfold_job(project, "sentiment", KFoldSettings(base_model=str(tmp_path)), cancelled=lambda: True)
    assert stopped.value.partial is None
    with Store(project) as store:
        assert cache.load_suspicion(store, "sentiment") == []


def _ner_prediction(doc_id: int, text: str, rows: list[list[float]]):
    import numpy as np

    from workbench.tasks.entity_predictions import NerPrediction
    from workbench.spans import tokenize

    words = tokenize(text)
    return NerPrediction(doc_id, words, ["O", "B-PER", "I-PER"], np.array(rows, dtype=np.float32),
                         np.ones(len(words), dtype=bool))


def test_only_disagreements_and_doubted_labels_are_flagged_most_suspicious_first():
    """All four documents are scored, but "O vs O, p = 0.99" is nothing to look at."""
    import numpy as np

    from workbench.inference.cache import Suspicion
    from workbench.inference.suspicious import flagged, looks_suspicious
    from workbench.tasks import NER, SENTIMENT
    from workbench.tasks.class_predictions import ClassPrediction

    sure = [0.99, 0.005, 0.005]
    agree = NER.suspicion(_ner_prediction(1, "we met ann", [sure, sure, [0.003, 0.995, 0.002]]), [Span(7, 10, "PER")], "dev")
    # the model tags "bob" as a person, the gold says nothing: a disagreement on one word
    missed = NER.suspicion(_ner_prediction(2, "we met bob", [sure, sure, [0.2, 0.79, 0.01]]), [], "dev")
    # the model agrees with the gold "O" but only just: a doubted label
    close = NER.suspicion(_ner_prediction(3, "we met cy", [sure, sure, [0.45, 0.40, 0.15]]), [], "dev")
    names = ["negative", "positive"]
    calm = SENTIMENT.suspicion(ClassPrediction(4, names, np.array([0.03, 0.97], np.float32)), "positive", "dev")
    flip = SENTIMENT.suspicion(ClassPrediction(5, names, np.array([0.9, 0.1], np.float32)), "positive", "dev")
    items = [agree, missed, close, calm, flip]
    assert agree.detail["gold"] == "O" and agree.detail["pred"] == "O" and agree.score > 0.9   # O vs O
    assert [s.doc_id for s in flagged(items)] == [5, 2, 3]      # lowest probability of the gold label first
    assert missed.detail["disagree"] == 1 and missed.detail["word"] == "bob"
    # scores stored before "disagree" was recorded are judged by their worst word
    old = Suspicion(6, 0.97, {"word": "x", "gold": "B-PER", "pred": "O"}, "3-fold")
    assert looks_suspicious(old) and not looks_suspicious(Suspicion(7, 0.97, {"gold": "O", "pred": "O"}, "3-fold"))
