"""Predictions cached per run in the project file, so the review screen opens at once.

Table ``predictions`` (schema migration 3): one row per (run, document) with the
probabilities as the run's task packs them (``TaskSpec.pack``: float16, words x tags
for entities, one row of classes for a classifier), plus the document's confidence and
margin so "uncertain first" is an index scan.  Table ``suspicion`` holds the
out-of-sample scores of a k-fold check.  Every write is one short transaction.

Any thread, with a Store opened on that thread.  numpy only (no torch).
"""
from __future__ import annotations

import json
from typing import Any, Iterable, Sequence

from workbench import tasks as task_registry
from workbench.inference.records import Prediction, uncertainty
from workbench.tasks.base import Suspicion
from workbench.store import Store, StoreError, text_hash
from workbench.store.values import now


def save(store: Store, run_id: int, preds: Sequence[Prediction], texts: dict[int, str], exact: bool = True) -> None:
    """Write (or replace) these predictions; ``texts`` maps doc id to the text predicted on;
    ``exact`` is False for predictions of the int8 copy (suggestions)."""
    rows = []
    stamp = now()
    spec = _spec_of_run(store, run_id)
    for p in preds:
        conf, margin = uncertainty(p)
        rows.append((run_id, p.doc_id, text_hash(texts[p.doc_id]), spec.pack(p), spec.predicted_class(p), conf,
                     margin, stamp, int(exact)))
    with store.transaction():
        store.conn.executemany(
            "INSERT OR REPLACE INTO predictions"
            " (run_id, doc_id, text_hash, probs, label, confidence, margin, created, exact)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def _spec_of_run(store: Store, run_id: int) -> task_registry.TaskSpec:
    row = store.conn.execute("SELECT task FROM runs WHERE id = ?", (run_id,)).fetchone()
    if row is None:
        raise StoreError(f"no run {run_id} in this project")
    return task_registry.get(row[0])


def load(store: Store, run_id: int, task: str, names: list[str],
         doc_ids: Sequence[int] | None = None) -> dict[int, Prediction]:
    """Cached predictions of ``run_id`` whose text has not changed since, by document id."""
    spec = task_registry.get(task)
    sql = ("SELECT p.doc_id, p.probs, d.text, d.pretokenized, p.text_hash, d.hash FROM predictions p"
           " JOIN documents d ON d.id = p.doc_id WHERE p.run_id = ?")
    out: dict[int, Prediction] = {}
    chunks: Iterable[Sequence[int] | None] = [None]
    if doc_ids is not None:
        ids = list(doc_ids)
        chunks = [ids[i:i + 500] for i in range(0, len(ids), 500)]
    for chunk in chunks:
        args: list[Any] = [run_id]
        q = sql
        if chunk is not None:
            q += f" AND p.doc_id IN ({','.join('?' * len(chunk))})"
            args += list(chunk)
        for doc_id, blob, text, pretok, h, dh in store.conn.execute(q, args):
            if h == dh:
                out[doc_id] = spec.unpack(doc_id, blob, names, text, bool(pretok))
    return out


def missing(store: Store, run_id: int, doc_ids: Sequence[int], exact: bool = False) -> list[int]:
    """Which of ``doc_ids`` have no up-to-date cached prediction for ``run_id`` (with ``exact``:
    none from the full-precision model; an int8 suggestion then counts as missing)."""
    have = {d for d, in store.conn.execute(
        "SELECT p.doc_id FROM predictions p JOIN documents d ON d.id = p.doc_id"
        " WHERE p.run_id = ? AND p.text_hash = d.hash AND p.exact >= ?", (run_id, int(exact)))}
    return [d for d in doc_ids if d not in have]


def clear(store: Store, run_id: int) -> None:
    with store.transaction():
        store.conn.execute("DELETE FROM predictions WHERE run_id = ?", (run_id,))


def uncertain_unlabeled(store: Store, run_id: int, task: str, strategy: str = "least_confidence",
                        limit: int | None = None) -> list[int]:
    """Unlabeled documents (for ``task``) that ``run_id`` has predicted, most uncertain first:
    lowest confidence (``least_confidence``) or smallest margin (``margin``)."""
    column = {"least_confidence": "confidence", "margin": "margin"}.get(strategy)
    if column is None:
        raise ValueError(f"unknown strategy {strategy!r}; use least_confidence or margin")
    # CROSS JOIN: walk the predictions in confidence order (see queue.next_uncertain)
    sql = (f"SELECT p.doc_id FROM predictions p CROSS JOIN annotations a ON a.doc_id = p.doc_id AND a.task = ?"
           f" WHERE p.run_id = ? AND a.status = 'unlabeled' ORDER BY p.{column}, p.doc_id")
    if limit:
        sql += f" LIMIT {int(limit)}"
    return [r[0] for r in store.conn.execute(sql, (task, run_id))]


# ---- out-of-sample suspicion (k-fold) ---------------------------------------------------
def save_suspicion(store: Store, task: str, items: Iterable[Suspicion], *, replace_all: bool = True) -> None:
    rows = [(task, s.doc_id, float(s.score), json.dumps(s.detail), s.source, now()) for s in items]
    with store.transaction():
        if replace_all:
            store.conn.execute("DELETE FROM suspicion WHERE task = ?", (task,))
        store.conn.executemany(
            "INSERT OR REPLACE INTO suspicion (task, doc_id, score, detail, source, created) VALUES (?, ?, ?, ?, ?, ?)",
            rows)


def load_suspicion(store: Store, task: str, limit: int | None = None) -> list[Suspicion]:
    """Stored out-of-sample scores, most suspicious first."""
    sql = "SELECT doc_id, score, detail, source FROM suspicion WHERE task = ? ORDER BY score, doc_id"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return [Suspicion(d, s, json.loads(det), src) for d, s, det, src in store.conn.execute(sql, (task,))]
