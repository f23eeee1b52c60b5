"""Several processes, one project file: nothing a writer does is lost, an import lands whole
or not at all, two processes upgrading an old project at once both succeed, and kill -9 in
the middle of an import leaves nothing of it.  Real processes (tests/store_procs.py)."""
from __future__ import annotations

import json
import os
import pathlib
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from store_support import env, make_schema3_project, proc, write_corpus
from workbench.spans import Span
from workbench.store import NewDocument, Store, schema

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes and signals")


def lines(p: subprocess.Popen, timeout: float = 120) -> list[dict]:
    out, err = p.communicate(timeout=timeout)
    assert p.returncode == 0, err[-3000:]
    return [json.loads(ln) for ln in out.splitlines() if ln.strip()]


def wait_for(p: subprocess.Popen, key: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = p.stdout.readline()
        if not line:
            raise AssertionError(f"process ended before {key!r}: {p.stderr.read()[-3000:]}")
        record = json.loads(line)
        if key in record:
            return record
    raise AssertionError(f"no {key!r} within {timeout} s")


def project_with_documents(path: pathlib.Path, n: int = 100) -> None:
    with Store.create(path, ["ner", "sentiment"], ["PER"], ["bad", "good"]) as store:
        store.add_documents([NewDocument(f"Ada wrote review {i}.") for i in range(n)])


def integrity(path: pathlib.Path) -> tuple[str, int]:
    conn = sqlite3.connect(path)
    try:
        verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
        conn.execute("INSERT INTO documents_fts (documents_fts) VALUES ('integrity-check')")   # raises if not
        return verdict, conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    finally:
        conn.close()


def test_short_writers_wait_for_a_lock_held_longer_than_ten_seconds(tmp_path: pathlib.Path) -> None:
    """Another program holds the write lock for 12 s (as a long import's publish, or a tool left
    in a transaction, would): a label, a curve point and a run's finish all wait and land."""
    from workbench.training import runs

    db = tmp_path / "p.db"
    project_with_documents(db, 3)
    with Store(db) as store:
        run = runs.start_run(store, "ner", "tiny", "cpu", {}, {})
    holder = proc("hold", db, 12)
    try:
        wait_for(holder, "held")
        t = time.monotonic()
        with Store(db) as store:
            store.set_spans(1, [Span(0, 3, "PER")], annotator="person")
            runs.add_points(store, run, [("train_loss", 1, 0.1, 0.5)])
            runs.finish_run(store, run, "done", seconds=1.0)
        waited = time.monotonic() - t
    finally:
        lines(holder)
    assert waited > 10
    with Store(db) as store:
        assert store.annotation(1, "ner").spans == (Span(0, 3, "PER"),)
        assert runs.get_run(store, run).status == "done"
        assert len(runs.run_points(store, run)["train_loss"]["value"]) == 1


def test_two_slow_imports_and_a_busy_writer_all_land(tmp_path: pathlib.Path) -> None:
    """Two imports that take over 10 s each to read their files, while another process writes
    a span and a training curve point every few ms: no write fails, each import lands whole,
    in one piece of consecutive ids, and the run finishes."""
    db = tmp_path / "p.db"
    project_with_documents(db, 100)
    files = []
    for tag in ("a", "b"):
        write_corpus(tmp_path / f"{tag}.jsonl", 30_000, seed=len(files), tag=tag)
        files.append(tmp_path / f"{tag}.jsonl")
    stop = tmp_path / "stop"
    writer = proc("write", db, stop)
    importers = [proc("import", db, f, 2.0) for f in files]   # 6 chunks x 2 s: over 10 s of reading each
    try:
        reports = [lines(p, timeout=300)[-1] for p in importers]
    finally:
        stop.touch()
        written = lines(writer)[-1]
    assert written["failed"] == 0, written["failures"]
    assert written["writes"] > 100 and written["points"] == written["writes"]
    assert [r["documents"] for r in reports] == [30_000, 30_000]
    spans = sorted((r["first"], r["last"]) for r in reports)
    assert spans[0][0] == 101 and spans[0][1] - spans[0][0] == 29_999 and spans[1][0] == spans[0][1] + 1
    assert integrity(db) == ("ok", 60_100)
    from workbench.training import runs

    with Store(db) as store:
        by_file = {store.document(r["first"]).external_id[0]: r for r in reports}
        for tag, report in by_file.items():                    # each range is one whole file, in order
            assert store.document(report["last"]).external_id == f"{tag}29999"
            assert store.annotation(report["first"], "ner").spans == (Span(0, 4, "PER"),)
        for doc, (start, end) in written["last"].items():      # every label the person made is there
            assert store.annotation(int(doc), "ner").spans == (Span(start, end, "PER"),)
        run = runs.get_run(store, written["run"])
        assert run.status == "done"
        assert len(runs.run_points(store, run.id)["train_loss"]["value"]) == written["points"]


def test_processes_opening_an_old_project_at_once_upgrade_it_once(tmp_path: pathlib.Path) -> None:
    """Four processes open a schema-3 project at the same moment, in three trials: all open it,
    it ends at the latest version, and exactly one of them made the pre-upgrade copy."""
    for trial in range(3):
        db = tmp_path / f"old{trial}.db"
        make_schema3_project(db)
        go = time.time() + 2.0
        openers = [proc("open", db, go) for _ in range(4)]
        said = [lines(p) for p in openers]
        errors = [r for out in said for r in out if "error" in r]
        assert errors == [], errors[0]
        assert sorted(r["opened"] for out in said for r in out if "opened" in r) == [schema.LATEST] * 4
        assert sum(1 for out in said for r in out if "backup" in r) == 1
        backup = db.with_name(f"{db.name}.bak-v3")
        with sqlite3.connect(backup) as conn:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
        with Store(db) as store:
            assert store.annotation(1, "ner").spans == (Span(0, 12, "PER"),)


@pytest.mark.parametrize("when", ["reading", "publishing"])
def test_kill_9_during_an_import_leaves_nothing_of_it(tmp_path: pathlib.Path, when: str) -> None:
    """kill -9 while the file is read, or while it is being published: the project opens,
    passes integrity checks (the table and the full-text index), holds none of the import,
    takes writes again at once, and the staging left no file behind."""
    db = tmp_path / "p.db"
    project_with_documents(db, 100)
    corpus = tmp_path / "big.jsonl"
    write_corpus(corpus, 60_000, tag="new", label="NEWLABEL")
    staging = tmp_path / "tmp"
    staging.mkdir()
    for delay in (0.0, 0.05, 0.15):
        importer = proc("import", db, corpus, 0.0 if when == "publishing" else 0.3,
                        env=env(TMPDIR=str(staging), SQLITE_TMPDIR=str(staging)))
        try:
            wait_for(importer, "publishing" if when == "publishing" else "progress")
            time.sleep(delay)
            os.kill(importer.pid, signal.SIGKILL)
        finally:
            importer.communicate(timeout=60)
        assert importer.returncode == -signal.SIGKILL, "the import ended before it was killed"
        assert integrity(db) == ("ok", 100)
        with Store(db) as store:
            assert store.label_names("ner") == ["PER"]          # not even the import's new label
            assert store.conn.execute("SELECT max(id) FROM documents").fetchone()[0] == 100
            store.set_spans(1, [Span(0, 3, "PER")])
        assert list(staging.iterdir()) == []
