"""Counts kept as the data changes: documents per split, per task and status, per label.

The ``tallies`` table (schema version 7) holds one row per counted thing, and triggers on
``documents``, ``annotations`` and ``spans`` move its numbers in the same transaction as the
write that changes them, so reading every count of a project is a read of a table of a few
dozen rows (well under a millisecond at a million documents), never a scan.  A bulk insert of
new documents (an import) would pay the triggers row by row (about 3 µs a row, 10 s for a
million documents with two tasks); :func:`bulk_insert` drops them for the length of the
caller's transaction and adds the new rows' counts in one grouped query per table instead.
Any thread that owns the connection may call these.
"""
from __future__ import annotations

import contextlib
import sqlite3
from typing import Any, Iterator

from workbench.store.models import STATUSES

# Rows: ('split', '', split), ('status', task, status), ('label', '', label id), ('accepted',
# task, split).  A label's count is its spans plus the annotations that have it as their class.
TABLE = """
CREATE TABLE tallies (
    what TEXT NOT NULL,
    task TEXT NOT NULL,
    key NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (what, task, key)
) WITHOUT ROWID;
"""

_ADD = "INSERT INTO tallies (what, task, key, n) VALUES ({what}, {task}, {key}, 1) ON CONFLICT DO UPDATE SET n = n + 1;"
_SUB = "UPDATE tallies SET n = n - 1 WHERE what = {what} AND task = {task} AND key = {key};"


def _move(what: str, task: str, key: str) -> tuple[str, str]:
    """(remove the old row's count, add the new row's) for one tallied column."""
    old = _SUB.format(what=what, task=task.replace("new.", "old."), key=key.replace("new.", "old."))
    return old, _ADD.format(what=what, task=task, key=key)


_SPLIT = _move("'split'", "''", "new.split")
_STATUS = _move("'status'", "new.task", "new.status")
_CLASS = _move("'label'", "''", "new.class_id")
_SPAN = _move("'label'", "''", "new.label_id")
_CLASS_ADD = _CLASS[1].replace("VALUES ('label', '', new.class_id, 1)",
                               "SELECT 'label', '', new.class_id, 1 WHERE new.class_id IS NOT NULL")

# Accepted documents per task and split ('accepted', task, split: what a training run would
# use).  A document's split is looked up from its annotation's triggers; when a document is
# deleted its own BEFORE trigger takes its accepted annotations off (the cascade that deletes
# them runs after the document row is gone, when their triggers find no split).
_SPLIT_OF = "(SELECT split FROM documents WHERE id = {}.doc_id)"
_ACCEPTED_ADD = ("INSERT INTO tallies (what, task, key, n) SELECT 'accepted', new.task, "
                 f"{_SPLIT_OF.format('new')}, 1 WHERE new.status = 'accepted' ON CONFLICT DO UPDATE SET n = n + 1;")
_ACCEPTED_SUB = (f"UPDATE tallies SET n = n - 1 WHERE old.status = 'accepted' AND what = 'accepted' AND task = old.task"
                 f" AND key = {_SPLIT_OF.format('old')};")
_ACCEPTED_OF_DOC = "(SELECT task FROM annotations WHERE doc_id = {}.id AND status = 'accepted')"
_DOC_ACCEPTED_SUB = ("UPDATE tallies SET n = n - 1 WHERE what = 'accepted' AND key = old.split"
                     f" AND task IN {_ACCEPTED_OF_DOC.format('old')};")
_DOC_ACCEPTED_ADD = (f"INSERT INTO tallies (what, task, key, n) SELECT 'accepted', task, new.split, 1 FROM annotations"
                     " WHERE doc_id = new.id AND status = 'accepted' ON CONFLICT DO UPDATE SET n = n + 1;")

# The trigger names all start with "tally_": bulk_insert finds them by that prefix.  They are
# schema version 7's: change them only through a new migration.
TRIGGERS = f"""
CREATE TRIGGER tally_documents_ai AFTER INSERT ON documents BEGIN {_SPLIT[1]} END;
CREATE TRIGGER tally_documents_bd BEFORE DELETE ON documents BEGIN {_SPLIT[0]} {_DOC_ACCEPTED_SUB} END;
CREATE TRIGGER tally_documents_au AFTER UPDATE OF split ON documents WHEN old.split IS NOT new.split
BEGIN {_SPLIT[0]} {_SPLIT[1]} {_DOC_ACCEPTED_SUB} {_DOC_ACCEPTED_ADD} END;
CREATE TRIGGER tally_annotations_ai AFTER INSERT ON annotations BEGIN {_STATUS[1]} {_CLASS_ADD} {_ACCEPTED_ADD} END;
CREATE TRIGGER tally_annotations_ad AFTER DELETE ON annotations BEGIN {_STATUS[0]} {_CLASS[0]} {_ACCEPTED_SUB} END;
CREATE TRIGGER tally_annotations_au AFTER UPDATE OF task, status ON annotations
WHEN old.task IS NOT new.task OR old.status IS NOT new.status
BEGIN {_STATUS[0]} {_STATUS[1]} {_ACCEPTED_SUB} {_ACCEPTED_ADD} END;
CREATE TRIGGER tally_annotations_au_class AFTER UPDATE OF class_id ON annotations
WHEN old.class_id IS NOT new.class_id BEGIN {_CLASS[0]} {_CLASS_ADD} END;
CREATE TRIGGER tally_spans_ai AFTER INSERT ON spans BEGIN {_SPAN[1]} END;
CREATE TRIGGER tally_spans_ad AFTER DELETE ON spans BEGIN {_SPAN[0]} END;
CREATE TRIGGER tally_spans_au AFTER UPDATE OF label_id ON spans WHEN old.label_id IS NOT new.label_id
BEGIN {_SPAN[0]} {_SPAN[1]} END;
CREATE TRIGGER tally_labels_ad AFTER DELETE ON labels BEGIN
    DELETE FROM tallies WHERE what = 'label' AND key = old.id;
END;
"""

# What the tallies count, computed by scanning (``where`` limits each table to some rows:
# the documents from an id on, for a bulk insert).
_RECOUNT = (
    "SELECT 'split', '', split, count(*) FROM documents WHERE id >= :first GROUP BY split",
    "SELECT 'status', task, status, count(*) FROM annotations WHERE doc_id >= :first GROUP BY task, status",
    "SELECT 'label', '', class_id, count(*) FROM annotations WHERE doc_id >= :first AND class_id IS NOT NULL"
    " GROUP BY class_id",
    "SELECT 'label', '', label_id, count(*) FROM spans WHERE doc_id >= :first GROUP BY label_id",
    "SELECT 'accepted', a.task, d.split, count(*) FROM annotations a JOIN documents d ON d.id = a.doc_id"
    " WHERE a.doc_id >= :first AND a.status = 'accepted' GROUP BY a.task, d.split",
)


def recount(conn: sqlite3.Connection, first: int = 0) -> list[tuple[str, str, Any, int]]:
    """The counts by a full scan of the documents with ids from ``first`` on (tests compare
    this with the tallies; bulk_insert adds it up)."""
    return [tuple(r) for sql in _RECOUNT for r in conn.execute(sql, {"first": first})]


def add(conn: sqlite3.Connection, rows: list[tuple[str, str, Any, int]]) -> None:
    conn.executemany("INSERT INTO tallies (what, task, key, n) VALUES (?, ?, ?, ?)"
                     " ON CONFLICT DO UPDATE SET n = n + excluded.n", rows)


def create(conn: sqlite3.Connection, run_script: Any) -> None:
    """The table, its triggers and the counts of what the file holds (migration 7; in the
    migration's transaction)."""
    run_script(conn, TABLE + TRIGGERS)
    add(conn, recount(conn))


@contextlib.contextmanager
def bulk_insert(conn: sqlite3.Connection, first: int) -> Iterator[None]:
    """Inside the caller's transaction: insert documents with ids from ``first`` on (and their
    annotations and spans) with the count triggers off, then count what was added in one go
    and put the triggers back.  All of it commits or rolls back with the caller's transaction,
    so no other connection ever sees the triggers missing."""
    triggers = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                            " AND name LIKE 'tally\\_%' ESCAPE '\\'").fetchall()
    for name, _sql in triggers:
        conn.execute(f'DROP TRIGGER "{name}"')
    yield
    add(conn, recount(conn, first))
    for _name, sql in triggers:
        conn.execute(sql)


def accepted_per_split(conn: sqlite3.Connection, task: str) -> dict[str, int]:
    """Documents accepted for ``task``, per split."""
    out = dict.fromkeys(("train", "dev", "test", "unassigned"), 0)
    out.update(conn.execute("SELECT key, n FROM tallies WHERE what = 'accepted' AND task = ?", (task,)).fetchall())
    return out


def read(conn: sqlite3.Connection, tasks: list[str], labels: dict[str, list[str]]) -> dict[str, Any]:
    """Every count, from the tallies: ``{"documents": n, "tasks": {task: {status: n}},
    "labels": {task: {name: n}}, "splits": {split: n}}``."""
    out: dict[str, Any] = {"documents": 0, "tasks": {t: dict.fromkeys(STATUSES, 0) for t in tasks},
                           "labels": {t: dict.fromkeys(labels.get(t, ()), 0) for t in tasks}, "splits": {}}
    for what, task, key, n in conn.execute(
            "SELECT t.what, coalesce(l.task, t.task), coalesce(l.name, t.key), t.n FROM tallies t"
            " LEFT JOIN labels l ON t.what = 'label' AND l.id = t.key"):
        if what == "split" and n:
            out["splits"][key] = n
            out["documents"] += n
        elif what == "status" and task in out["tasks"]:
            out["tasks"][task][key] = n
        elif what == "label" and key in out["labels"].get(task, {}):
            out["labels"][task][key] += n
    return out
