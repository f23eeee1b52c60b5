"""Run history in the project file: one row per run, its curve points, its metrics.

Tables ``runs`` and ``run_points`` come from schema migration 2; the process id
and host of a run's training process from migration 5.  Every write is one short
transaction.  Call from any thread with a Store opened on that thread.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import os
import sqlite3
from typing import Any, Iterable, Sequence

import numpy as np

from workbench.errors import UserError
from workbench.store import Store, StoreError
from workbench.store.values import now
from workbench.training import run_folders
from workbench.training.processes import host_name, run_process_gone

STATUSES = ("running", "done", "cancelled", "failed", "interrupted")


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
    pid: int | None = None
    host: str = ""

    @property
    def dev_score(self) -> float | None:
        dev = self.metrics.get("dev") or {}
        return dev.get("score")

    @property
    def parent_run(self) -> int | None:
        """The run this one continued (``--from-run``), or None for a run from a base model."""
        value = self.config.get("from_run")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def title(self) -> str:
        score = self.dev_score
        shown = f"{score:.3f}" if score is not None else "-"
        return f"#{self.id} {self.task} {self.status} dev {shown} ({self.started[:16].replace('T', ' ')})"


def start_run(store: Store, task: str, base_model: str, device: str, config: dict[str, Any],
              counts: dict[str, Any]) -> int:
    """A new 'running' row, owned by this process (its id and host tell a killed run later)."""
    with store.transaction():
        cur = store.conn.execute(
            "INSERT INTO runs (task, status, base_model, device, config, counts, started, pid, host)"
            " VALUES (?, 'running', ?, ?, ?, ?, ?, ?, ?)",
            (task, base_model, device, json.dumps(config), json.dumps(counts), now(), os.getpid(), host_name()),
        )
    return int(cur.lastrowid)


def set_model_dir(store: Store, run_id: int, model_dir: str) -> None:
    """Where a running run is writing its model (so a run killed while saving is cleaned up)."""
    with store.transaction():
        store.conn.execute("UPDATE runs SET model_dir = ? WHERE id = ? AND status = 'running'", (model_dir, run_id))


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


def _json_object(text: Any) -> dict[str, Any]:
    """A JSON column as a dict; a damaged one reads as empty rather than breaking every screen."""
    try:
        value = json.loads(text) if isinstance(text, str) else None
    except (ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def _row(r: Sequence[Any]) -> RunRow:
    return RunRow(r[0], r[1], r[2], r[3], r[4], _json_object(r[5]), _json_object(r[6]), _json_object(r[7]),
                  r[8], r[9], r[10], r[11], r[12], r[13], r[14] or "")


_COLS = ("id, task, status, base_model, device, config, counts, metrics, model_dir, error, started, finished, seconds,"
         " pid, host")


def lineage(run: RunRow, rows: Sequence[RunRow]) -> str:
    """Where a run's model comes from: "#7 ← #4 ← #2 ← default" (a parent deleted since:
    "#7 ← #4 (deleted) ← default"; every continued run records its line's base model)."""
    by_id = {r.id: r for r in rows}
    chain, cur = [f"#{run.id}"], run
    while cur.parent_run is not None and len(chain) <= len(by_id):
        parent = by_id.get(cur.parent_run)
        if parent is None:
            chain.append(f"#{cur.parent_run} (deleted)")
            break
        chain.append(f"#{parent.id}")
        cur = parent
    return " ← ".join(chain + [run.base_model or "default"])


def list_runs(store: Store, task: str | None = None) -> list[RunRow]:
    """Every run, newest first (runs whose process was killed are marked 'interrupted' first)."""
    mark_interrupted(store)
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


def _epoch(iso: str) -> float:
    try:
        stamp = _dt.datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return 0.0
    return (stamp if stamp.tzinfo else stamp.replace(tzinfo=_dt.timezone.utc)).timestamp()


def mark_interrupted(store: Store) -> list[str]:
    """Mark 'interrupted' every 'running' run whose training process is gone (killed, crashed,
    the machine restarted); a model folder it was writing is removed when the app wrote it
    inside its runs folder, else left and named in the run's error.  Returns one line per run
    marked.  Cheap when nothing runs; a read-only project is left as it is."""
    if getattr(store, "read_only", False):
        return []
    rows = store.conn.execute("SELECT id, task, pid, host, started, model_dir FROM runs WHERE status = 'running'"
                              ).fetchall()
    said = []
    for run_id, task, pid, host, started, model_dir in rows:
        why = run_process_gone(pid, host or "", _epoch(started))
        if not why:
            continue
        error = why
        try:
            with store.transaction():
                marked = store.conn.execute(
                    "UPDATE runs SET status = 'interrupted', error = ?, finished = ?, model_dir = ''"
                    " WHERE id = ? AND status = 'running'", (error, now(), run_id)).rowcount
        except (sqlite3.OperationalError, StoreError):   # cannot write now (read-only, full disk): touch nothing
            return said
        folder = run_folders.run_folder_of(model_dir)
        if marked and folder is not None:    # (another process that marked it first cleans up)
            done = run_folders.remove_folder(folder, run_id, task).replace("its folder", "its half-written folder")
            error += f"; {done}"
            with store.transaction():
                store.conn.execute("UPDATE runs SET error = ? WHERE id = ?", (error, run_id))
        if marked:
            said.append(f"run {run_id}: {error}")
    return said


def remove_run(store: Store, run_id: int) -> list[str]:
    """Delete a run: its row, curve points and cached predictions, and its folder when the app
    wrote it inside its runs folder (never anything else).  Returns what was done, in words.
    UserError for an unknown run or one still training."""
    mark_interrupted(store)
    row = get_run(store, run_id)
    if row is None:
        raise UserError(f"no run {run_id} in this project")
    if row.status == "running":
        raise UserError(f"run {run_id} is still training (process {row.pid} on {row.host}); stop it first")
    said = [f"deleted run {run_id} ({row.task}, {row.status}) from the project"]
    from workbench.inference.queue import SUGGESTIONS_SETTING   # no torch, no numpy: a setting's name

    with store.transaction():
        shown = dict(store.setting(SUGGESTIONS_SETTING, {}) or {})
        if any(v == run_id for v in shown.values()):
            store.set_setting(SUGGESTIONS_SETTING, {k: v for k, v in shown.items() if v != run_id})
            said.append("the Annotate screen no longer shows its suggestions")
        delete_run(store, run_id)
    folder = run_folders.run_folder_of(row.model_dir)
    if folder is not None:
        said.append(run_folders.remove_folder(folder, row.id, row.task))
    return said


def labeled_counts(store: Store, task: str) -> dict[str, int]:
    """Accepted documents for ``task`` per split (what a run would train and score on)."""
    from workbench.store import tallies

    return tallies.accepted_per_split(store.conn, task)     # kept as labels are written, not a scan
