"""Test-only programs for the store's real-process tests (tests/test_store_*.py).

    python tests/store_procs.py hold DB SECONDS          another program holding the write lock
    python tests/store_procs.py write DB STOPFILE        a person labeling and a training run's progress
    python tests/store_procs.py import DB FILE PAUSE     an import whose reading takes PAUSE s per chunk
    python tests/store_procs.py open DB GO               open the project at wall-clock time GO

Each prints what it did as JSON lines on stdout, flushed, so the parent knows how far it got.
"""
from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
import traceback

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))


def say(**what: object) -> None:
    print(json.dumps(what), flush=True)


def hold(db: str, seconds: str) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO settings (key, value) VALUES ('holder', '1') "
                 "ON CONFLICT (key) DO UPDATE SET value = excluded.value")
    say(held=True)
    time.sleep(float(seconds))
    conn.execute("COMMIT")
    say(released=True)


def write(db: str, stopfile: str) -> None:
    """Every few ms: a span on one of the first 50 documents (what a person labeling does) and a
    curve point (what training does), until STOPFILE appears; then the run's finish."""
    from workbench.spans import Span
    from workbench.store import Store
    from workbench.training import runs

    store = Store(db)
    run = runs.start_run(store, "ner", "tiny", "cpu", {}, {})
    last: dict[int, list[int]] = {}
    failures: list[str] = []
    writes = points = 0
    slowest = 0.0
    step = 0
    while not os.path.exists(stopfile):
        step += 1
        doc = 1 + step % 50
        end = 1 + step % 3
        t = time.monotonic()
        try:
            store.set_spans(doc, [Span(0, end, "PER")], annotator="person")
            last[doc] = [0, end]
            writes += 1
            runs.add_points(store, run, [("train_loss", step, step / 100, 1.0 / step)])
            points += 1
        except Exception as exc:  # noqa: BLE001 - every failure is what the test counts
            failures.append(f"{type(exc).__name__}: {exc}")
        slowest = max(slowest, time.monotonic() - t)
        time.sleep(0.003)
    try:
        runs.finish_run(store, run, "done", seconds=1.0)
    except Exception as exc:  # noqa: BLE001
        failures.append(f"finish_run: {type(exc).__name__}: {exc}")
    store.close()
    say(run=run, writes=writes, points=points, failures=failures[:5], failed=len(failures), slowest=slowest,
        last={str(k): v for k, v in last.items()})


def do_import(db: str, path: str, pause: str) -> None:
    from workbench.formats import import_file
    from workbench.store import Store

    try:
        from workbench.store import staging
    except ImportError:   # the code before staging.py wrote as it read: no publish step to announce
        staging = None
    if staging is not None:
        publish = staging.ImportStage.publish

        def announced(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
            say(publishing=True)
            return publish(self, *args, **kwargs)

        staging.ImportStage.publish = announced

    def progress(p) -> None:  # noqa: ANN001 - a workbench.jobs.Progress
        say(progress=p.done)
        time.sleep(float(pause))     # a slow disk or network share: the file takes long to read

    with Store(db) as store:
        report = import_file(store, path, "jsonl", add_labels=True, progress=progress)
    say(documents=report.documents, first=report.first_id, last=report.last_id)


def open_at(db: str, go: str) -> None:
    from workbench.store import Store

    try:
        from workbench.store import backups
    except ImportError:   # the code before backups.py: nothing to count
        backups = None
    if backups is not None:
        copy = backups.copy_database

        def counted(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            say(backup=True)
            return copy(*args, **kwargs)

        backups.copy_database = counted
    while time.time() < float(go):
        time.sleep(0.001)
    try:
        with Store(db) as store:
            say(opened=store.conn.execute("PRAGMA user_version").fetchone()[0])
    except Exception as exc:  # noqa: BLE001
        say(error=f"{type(exc).__name__}: {exc}", trace=traceback.format_exc()[-800:])


if __name__ == "__main__":
    mode, *rest = sys.argv[1:]
    {"hold": hold, "write": write, "import": do_import, "open": open_at}[mode](*rest)
