"""Runs whose training process was killed become "interrupted" when the project is next opened,
instead of "running" forever; a half-written folder is removed only when the app wrote it inside
its runs folder.  Schema 5 records each run's process id and host."""
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

from runs_support import ROOT, cli, make_project, runs_table
from workbench.store import Store
from workbench.store import schema
from workbench.training import run_folders, runs
from workbench.training.processes import host_name
from tiny_bert import TOY_WORDS, make_tiny_bert


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def start(store: Store) -> int:
    return runs.start_run(store, "ner", "default", "cpu", {}, {})


def test_a_run_records_its_process_and_a_live_one_stays_running(tmp_path):
    with Store(make_project(tmp_path / "p.db")) as store:
        run_id = start(store)
        (row,) = runs.list_runs(store)
        assert (row.id, row.status, row.pid, row.host) == (run_id, "running", os.getpid(), host_name())


def test_a_run_whose_process_is_gone_is_interrupted_and_its_own_folder_removed(tmp_path, workbench_home):
    project = make_project(tmp_path / "p.db")
    with Store(project) as store:
        ours, outside, live = start(store), start(store), start(store)
        half = run_folders.create_folder(workbench_home / "runs", f"p-run{ours}-ner-20260101-000000", run_id=ours)
        (half / "model").mkdir()
        (half / "model" / "model.safetensors").write_bytes(b"half")
        user = tmp_path / "user-chosen-output" / f"p-run{outside}-ner"
        user.mkdir(parents=True)
        (user / "notes.txt").write_text("the user's")
        store.conn.execute("UPDATE runs SET pid = ?, model_dir = ? WHERE id = ?", (dead_pid(), str(half / "model"), ours))
        store.conn.execute("UPDATE runs SET pid = ?, model_dir = ? WHERE id = ?",
                           (dead_pid(), str(user / "model"), outside))
    with Store(project) as store:     # reopened, as the CLI or the app would
        by_id = {r.id: r for r in runs.list_runs(store)}
    assert by_id[live].status == "running"
    assert by_id[ours].status == "interrupted" and "has ended" in by_id[ours].error
    assert not half.exists() and f"removed its half-written folder {half}" in by_id[ours].error
    assert by_id[outside].status == "interrupted" and user.is_dir() and (user / "notes.txt").is_file()
    assert f"left its half-written folder {user}" in by_id[outside].error
    assert by_id[ours].model_dir == "" and by_id[ours].finished


def test_a_reused_process_id_does_not_keep_a_run_alive(tmp_path):
    """This very process is alive, but it started after the run did: not the run's process."""
    with Store(make_project(tmp_path / "p.db")) as store:
        run_id = start(store)
        store.conn.execute("UPDATE runs SET started = '2001-01-01T00:00:00+00:00' WHERE id = ?", (run_id,))
        (row,) = runs.list_runs(store)
    assert row.status == "interrupted"


def test_a_run_on_another_host_is_left_alone(tmp_path):
    with Store(make_project(tmp_path / "p.db")) as store:
        run_id = start(store)
        store.conn.execute("UPDATE runs SET pid = ?, host = 'the-gpu-server' WHERE id = ?", (dead_pid(), run_id))
        (row,) = runs.list_runs(store)
    assert row.status == "running"


def make_v4(path: pathlib.Path) -> None:
    """A project as the previous version wrote it, with a run stuck at 'running' and its data."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    for version, migration in enumerate(schema.MIGRATIONS[:4]):
        migration(conn)
        conn.execute(f"PRAGMA user_version = {version + 1}")
    conn.execute("""INSERT INTO settings VALUES ('tasks', '["ner"]'), ('name', '"old"')""")
    conn.execute("INSERT INTO documents (id, text, hash, created) VALUES (1, 'Mary visited Rome .', 'h', 'now')")
    conn.execute("INSERT INTO annotations (doc_id, task) VALUES (1, 'ner')")
    for run_id, status in ((1, "done"), (2, "running")):
        conn.execute("INSERT INTO runs (id, task, status, base_model, started) VALUES (?, 'ner', ?, 'default', ?)",
                     (run_id, status, "2026-01-01T00:00:00+00:00"))
        conn.execute("INSERT INTO run_points VALUES (?, 'train_loss', 1, 0.5, 0.7)", (run_id,))
        conn.execute("INSERT INTO predictions (run_id, doc_id, text_hash, probs, confidence, margin, created)"
                     " VALUES (?, 1, 'h', x'00', 0.5, 0.1, 'now')", (run_id,))
    conn.close()


def test_schema_5_admits_interrupted_and_keeps_every_run_points_and_prediction(tmp_path):
    path = tmp_path / "old.db"
    make_v4(path)
    with Store(path) as store:
        conn = store.conn
        assert schema.user_version(conn) == schema.LATEST     # 5 and every later version
        assert conn.execute("SELECT count(*) FROM run_points").fetchone() == (2,)
        assert conn.execute("SELECT count(*) FROM predictions").fetchone() == (2,)
        by_id = {r.id: r for r in runs.list_runs(store)}      # the stuck run predates process ids
        assert by_id[1].status == "done" and by_id[2].status == "interrupted"
        assert "earlier version" in by_id[2].error
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("UPDATE runs SET status = 'bogus' WHERE id = 1")
        runs.delete_run(store, 1)      # foreign keys still cascade into the cached predictions
        assert conn.execute("SELECT count(*) FROM predictions").fetchone() == (1,)
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert (tmp_path / "old.db.bak-v4").is_file()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_kill_9_during_training_leaves_an_interrupted_run_and_a_sound_project(tmp_path, workbench_home):
    project = make_project(tmp_path / "p.db")
    tiny = make_tiny_bert(tmp_path / "tiny", TOY_WORDS)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "WORKBENCH_HOME": str(workbench_home)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "workbench.cli", "train", str(project), "--task", "ner", "--base-model", str(tiny),
         "--epochs", "5000", "--batch-size", "2", "--embeddings", "full", "--device", "cpu", "--patience", "0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    seen = []
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            seen.append(line)
            if line.startswith("step ") or line.startswith("epoch"):
                break
        assert proc.poll() is None, "".join(seen)[-3000:]
        (run_id, _, status, _, _), = runs_table(project)
        assert status == "running"
        os.kill(proc.pid, signal.SIGKILL)           # mid-run: it is still taking steps
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    out = cli("runs", project, "--json")             # the next open of the project
    assert out.returncode == 0, out.stderr
    (run,) = json.loads(out.stdout)["runs"]
    assert run["id"] == run_id and run["status"] == "interrupted"
    assert f"its process ({proc.pid}) has ended" in run["reason"]
    with sqlite3.connect(project) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()
    root = workbench_home / "runs"
    assert not root.exists() or not any(root.iterdir()), "killed before saving: no run folder"
