"""Automatic backups: a whole, consistent copy made while others write; one a day; the newest
few kept; a damaged project never pushes good copies out; `workbench-cli backup` on demand."""
from __future__ import annotations

import datetime as dt
import os
import pathlib
import sqlite3
import threading

import pytest

from workbench import cli
from workbench.spans import Span
from workbench.store import NewDocument, Store, StoreError


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch):
    """The backups' clock, moved by hand."""
    from workbench.store import backups

    now = [dt.datetime(2025, 3, 1, 9, 0, 0)]
    monkeypatch.setattr(backups, "_clock", lambda: now[0])
    return now


def labeled_project(path: pathlib.Path, n: int = 2000) -> pathlib.Path:
    with Store.create(path, ["ner"], ["PER"]) as store:
        store.add_documents([NewDocument(f"Ada wrote long review number {i}. " * 8) for i in range(n)])
    return path


def test_a_backup_is_a_whole_project_made_while_another_connection_writes(tmp_path: pathlib.Path,
                                                                           workbench_home: pathlib.Path) -> None:
    from workbench.store import backups

    project = labeled_project(tmp_path / "p.db")
    stop = threading.Event()
    written: list[int] = []

    def label() -> None:                       # someone labeling while the copy is made
        with Store(project) as store:
            while not stop.is_set():
                doc = 1 + len(written) % 50
                store.set_spans(doc, [Span(0, 3, "PER")])
                written.append(doc)

    worker = threading.Thread(target=label)
    worker.start()
    try:
        while len(written) < 20:
            pass
        steps: list[tuple[int, int]] = []
        made = backups.backup_project(project, progress=lambda p: steps.append((p.done, p.total)))
    finally:
        stop.set()
        worker.join()
    assert made.parent.parent == workbench_home / "backups" and made.parent.name.startswith("p-")
    assert steps and steps[-1][0] == steps[-1][1] and [d for d, _ in steps] == sorted(d for d, _ in steps)
    with sqlite3.connect(made) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"     # one self-contained file
    with Store.open(made) as copy:
        assert copy.document_count() == 2000 and copy.label_names("ner") == ["PER"]
    assert backups.newest_backup(project) == made


def test_one_automatic_backup_a_day_and_the_newest_five_kept(tmp_path: pathlib.Path, clock) -> None:
    from workbench.store import backups

    project = labeled_project(tmp_path / "p.db", 10)
    first = backups.auto_backup(project)
    assert first is not None
    clock[0] += dt.timedelta(hours=5)
    assert backups.auto_backup(project) is None                    # the same day: no second copy
    made = [first]
    for day in range(1, 7):
        clock[0] = dt.datetime(2025, 3, 1 + day, 8, 30, 0)
        made.append(backups.auto_backup(project))
    kept = backups.list_backups(project)
    assert kept == made[::-1][: backups.KEEP] and backups.KEEP == 5
    assert not first.exists()
    assert backups.made_at(kept[0]) == "2025-03-07 08:30"


def test_a_damaged_project_is_not_backed_up_over_good_copies(tmp_path: pathlib.Path, clock) -> None:
    from workbench.store import backups

    project = labeled_project(tmp_path / "p.db")
    good = backups.backup_project(project)
    with open(project, "r+b") as fh:                          # scribble over pages in the middle
        fh.seek(project.stat().st_size // 2)
        fh.write(os.urandom(3 * 4096))
    clock[0] += dt.timedelta(days=1)
    with pytest.raises(StoreError, match="damaged") as refused:
        backups.auto_backup(project)
    assert f"The newest automatic backup is {good}" in str(refused.value)
    assert backups.list_backups(project) == [good]
    assert sorted(p.name for p in good.parent.iterdir()) == sorted([good.name, "project.txt"])   # no partial copy


def test_backup_command_copies_on_demand(tmp_path: pathlib.Path, capsys) -> None:
    from workbench.store import backups

    project = labeled_project(tmp_path / "p.db", 5)
    assert cli.main(["backup", str(project)]) == 0
    made = backups.newest_backup(project)
    assert capsys.readouterr().out.startswith(f"backed up {project} to {made}")
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (x)")
    assert cli.main(["backup", str(other)]) == 1
    assert "not a workbench project" in capsys.readouterr().err
