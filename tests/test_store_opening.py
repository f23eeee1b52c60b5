"""Opening: only init / Store.create make a project; a file that is not one is refused with a
clear message and left byte for byte as it was; projects from earlier versions still open."""
from __future__ import annotations

import pathlib
import sqlite3

import pytest

from store_support import file_state, make_schema3_project
from workbench import cli
from workbench.spans import Span
from workbench.store import Store, StoreError, schema


def sqlite_file(path: pathlib.Path, *statements: str) -> pathlib.Path:
    conn = sqlite3.connect(path)
    for sql in statements:
        conn.execute(sql)
    conn.commit()
    conn.close()
    return path


def foreign_files(tmp: pathlib.Path) -> list[tuple[pathlib.Path, str]]:
    """(file, what the refusal says) for everything a user might point the app at by mistake."""
    (tmp / "empty.db").write_bytes(b"")
    (tmp / "notes.txt").write_text("my thesis, chapter 1\n" * 50, encoding="utf-8")
    (tmp / "folder.db").mkdir()
    return [
        (sqlite_file(tmp / "other.db", "CREATE TABLE notes (x)", "INSERT INTO notes VALUES (1)"),
         "not a workbench project (an SQLite database whose tables are not a project's: notes)"),
        (tmp / "empty.db", "the file is empty (0 bytes), not a workbench project"),
        (sqlite_file(tmp / "docs.db", "CREATE TABLE documents (id INTEGER PRIMARY KEY, text TEXT)",
                     "INSERT INTO documents VALUES (1, 'mine')"), "not a workbench project"),
        (sqlite_file(tmp / "versioned.db", "CREATE TABLE documents (id, text)", "CREATE TABLE settings (k, v)",
                     "PRAGMA user_version = 2"), "not a workbench project"),
        (sqlite_file(tmp / "empty_sqlite.db", "PRAGMA user_version = 0"), "not a workbench project"),
        (tmp / "notes.txt", "not a workbench project (it is not an SQLite database)"),
        (tmp / "folder.db", "is a folder, not a project file"),
    ]


def test_files_that_are_not_projects_are_refused_and_left_byte_for_byte(tmp_path: pathlib.Path, capsys) -> None:
    for path, says in foreign_files(tmp_path):
        before = file_state(path)
        with pytest.raises(StoreError) as refused:
            Store.open(path)
        assert says in str(refused.value) and str(path) in str(refused.value)
        assert file_state(path) == before, path                      # same bytes, no -wal/-shm beside it
        assert cli.main(["stats", str(path)]) == 1                     # the CLI's stats on it: a message
        assert says in capsys.readouterr().err
        assert file_state(path) == before, path
        if path.is_file() and path.stat().st_size:
            with open(path, "rb") as fh:
                head = fh.read(100)
            assert not head.startswith(b"SQLite") or head[18:20] == b"\x01\x01"    # never switched to WAL


def test_a_database_of_another_program_is_refused_even_with_our_tables(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "p.db"
    Store.create(path, ["ner"], ["PER"]).close()
    sqlite_file(path, "PRAGMA application_id = 1234")
    before = file_state(path)
    with pytest.raises(StoreError, match="another program"):
        Store.open(path)
    assert file_state(path) == before


def test_only_create_makes_a_project_and_a_failed_one_leaves_no_file(tmp_path: pathlib.Path) -> None:
    other = sqlite_file(tmp_path / "other.db", "CREATE TABLE notes (x)")
    before = file_state(other)
    with pytest.raises(StoreError, match="a file is already there"):
        Store.create(other, ["ner"], ["PER"])
    assert file_state(other) == before
    with pytest.raises(StoreError, match="no spaces"):
        Store.create(tmp_path / "bad.db", ["ner"], ["PER", "has space"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]     # no half-made project left
    with Store.create(tmp_path / "new.db", ["ner"], ["PER"]) as store:
        assert schema.application_id(store.conn) == schema.APPLICATION_ID
        assert schema.user_version(store.conn) == schema.LATEST


def test_a_schema_3_project_from_an_earlier_version_opens_upgraded(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "old.db"
    make_schema3_project(path)
    with Store.open(path) as store:
        assert schema.user_version(store.conn) == schema.LATEST
        assert schema.application_id(store.conn) == schema.APPLICATION_ID     # marked as ours from now on
        assert store.name == "old project" and store.label_names("ner") == ["PER"]
        assert store.annotation(1, "ner").spans == (Span(0, 12, "PER"),)
        assert store.annotation(1, "sentiment").choice == "good"
        assert store.document_count() == 2
    with sqlite3.connect(tmp_path / "old.db.bak-v3") as conn:                 # the copy made before upgrading
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
        assert conn.execute("SELECT count(*) FROM documents").fetchone()[0] == 2


def test_a_latest_version_project_without_the_id_still_opens_and_gets_it(tmp_path: pathlib.Path) -> None:
    """Projects made by the previous release are at the latest schema but carry no application id."""
    path = tmp_path / "p.db"
    Store.create(path, ["ner"], ["PER"]).close()
    sqlite_file(path, "PRAGMA application_id = 0")
    with Store.open(path) as store:
        assert schema.application_id(store.conn) == schema.APPLICATION_ID
    assert not list(tmp_path.glob("*.bak-v*"))                                # nothing to upgrade: no copy


def test_an_upgrade_is_all_or_nothing(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "p.db"
    Store.create(path, ["ner"], ["PER"]).close()

    def adds_a_table(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE extra (x INTEGER)")

    def fails(conn: sqlite3.Connection) -> None:
        raise RuntimeError("a migration bug")

    monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS + [adds_a_table, fails])
    with pytest.raises(RuntimeError, match="a migration bug"):
        Store.open(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.LATEST       # not half way
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'extra'").fetchone()[0] == 0
