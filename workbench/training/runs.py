"""Run history in the project file: one row per run, its curve points, its metrics.

Tables ``runs`` and ``run_points`` come from schema migration 2.  Every write is
one short transaction.  Call from any thread with a Store opened on that thread.
"""
from __future__ import annotations

import dataclasses
import json
from typing import Any, Iterable, Sequence

import numpy as np

from workbench.store import Store
from workbench.store.project import now

STATUSES = ("running", "done", "cancelled", "failed")


@dataclasses.dataclass(frozen=True)
class RunRow:
    id: int
    task: str
    status: str
    base_model: str
    device: str
    config: dict[str, Any]
    counts: dict[str, Any]
    metrics: dict[str, Any]
    model_dir: str
    error: str
    started: str
    finished: str | None
    seconds: float | None

    @property
    def dev_score(self) -> float | None:
        dev = self.metrics.get("dev") or {}
        return dev.get("score")

    def title(self) -> str:
        score = self.dev_score
        shown = f"{score:.3f}" if score is not None else "-"
        return f"#{self.id} {self.task} {self.status} dev {shown} ({self.started[:16].replace('T', ' ')})"


def start_run(store: Store, task: str, base_model: str, device: str, config: dict[str, Any],
              counts: dict[str, Any]) -> int:
    with store.transaction():
        cur = store.conn.execute(
            "INSERT INTO runs (task, status, base_model, device, config, counts, started) VALUES (?, 'running', ?, ?, ?, ?, ?)",
            (task, base_model, device, json.dumps(config), json.dumps(counts), now()),
        )
    return int(cur.lastrowid)


def add_points(store: Store, run_id: int, points: Iterable[tuple[str, int, float, float]]) -> None:
    """Append curve points ``(series, step, epoch, value)``; non-finite values are skipped."""
    rows = [(run_id, s, int(st), float(ep), float(v)) for s, st, ep, v in points if np.isfinite(v)]
    if not rows:
        return
    with store.transaction():
        store.conn.executemany("INSERT INTO run_points (run_id, series, step, epoch, value) VALUES (?, ?, ?, ?, ?)", rows)


def finish_run(store: Store, run_id: int, status: str, *, metrics: dict[str, Any] | None = None,
               counts: dict[str, Any] | None = None, model_dir: str = "", error: str = "",
               seconds: float | None = None) -> None:
    if status not in STATUSES:
        raise ValueError(f"unknown run status {status!r}")
    with store.transaction():
        store.conn.execute(
            "UPDATE runs SET status = ?, metrics = ?, model_dir = ?, error = ?, finished = ?, seconds = ?"
            + (", counts = ?" if counts is not None else "") + " WHERE id = ?",
            (status, json.dumps(metrics or {}), model_dir, error, now(), seconds,
             *([json.dumps(counts)] if counts is not None else []), run_id),
        )


def _row(r: Sequence[Any]) -> RunRow:
    return RunRow(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), json.loads(r[6]), json.loads(r[7]),
                  r[8], r[9], r[10], r[11], r[12])


_COLS = "id, task, status, base_model, device, config, counts, metrics, model_dir, error, started, finished, seconds"


def list_runs(store: Store, task: str | None = None) -> list[RunRow]:
    """Every run, newest first."""
    sql = f"SELECT {_COLS} FROM runs" + (" WHERE task = ?" if task else "") + " ORDER BY id DESC"
    return [_row(r) for r in store.conn.execute(sql, (task,) if task else ())]


def get_run(store: Store, run_id: int) -> RunRow | None:
    r = store.conn.execute(f"SELECT {_COLS} FROM runs WHERE id = ?", (run_id,)).fetchone()
    return _row(r) if r else None


def run_points(store: Store, run_id: int) -> dict[str, dict[str, np.ndarray]]:
    """``{series: {"step": array, "epoch": array, "value": array}}`` in step order."""
    out: dict[str, dict[str, list[float]]] = {}
    for series, step, epoch, value in store.conn.execute(
        "SELECT series, step, epoch, value FROM run_points WHERE run_id = ? ORDER BY series, step", (run_id,)
    ):
        s = out.setdefault(series, {"step": [], "epoch": [], "value": []})
        s["step"].append(step)
        s["epoch"].append(epoch)
        s["value"].append(value)
    return {k: {c: np.asarray(v, dtype=float) for c, v in cols.items()} for k, cols in out.items()}


def delete_run(store: Store, run_id: int) -> None:
    """Forget a run (its points go with it); its model folder is left for the caller."""
    with store.transaction():
        store.conn.execute("DELETE FROM run_points WHERE run_id = ?", (run_id,))
        store.conn.execute("DELETE FROM runs WHERE id = ?", (run_id,))


def labeled_counts(store: Store, task: str) -> dict[str, int]:
    """Accepted documents for ``task`` per split (what a run would train and score on)."""
    rows = store.conn.execute(
        "SELECT d.split, count(*) FROM annotations a JOIN documents d ON d.id = a.doc_id"
        " WHERE a.task = ? AND a.status = 'accepted' GROUP BY d.split", (task,)
    ).fetchall()
    out = {s: 0 for s in ("train", "dev", "test", "unassigned")}
    out.update(dict(rows))
    return out
