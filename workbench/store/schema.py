"""The project file's schema and its forward migrations.

``PRAGMA user_version`` holds the schema version and ``PRAGMA application_id``
marks the file as a workbench project.  Each migration takes the file from
version ``n`` to ``n + 1``; an upgrade runs them all in one transaction under the
write lock, after copying the file next to itself (``name.db.bak-v<n>``), so a
failed upgrade loses nothing and two processes opening an old project at once
upgrade it once.
"""
from __future__ import annotations

import pathlib
import sqlite3
from typing import Callable

from workbench.store import tallies
from workbench.store.errors import StoreError
from workbench.store.locking import begin_immediate

# "TWB1" in the file header (offset 68): tells a project from any other SQLite file.
APPLICATION_ID = 0x54574231

# Version 1: settings, labels, documents (+ FTS), annotations, spans.
_V1 = """
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL            -- JSON
);
CREATE TABLE labels (
    id INTEGER PRIMARY KEY,
    task TEXT NOT NULL CHECK (task IN ('ner', 'sentiment')),
    name TEXT NOT NULL,
    color TEXT NOT NULL,
    shortcut TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL,
    UNIQUE (task, name)
);
CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    text TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    external_id TEXT NOT NULL DEFAULT '',
    split TEXT NOT NULL DEFAULT 'unassigned'
        CHECK (split IN ('train', 'dev', 'test', 'unassigned')),
    meta TEXT NOT NULL DEFAULT '{}',   -- JSON object
    pretokenized INTEGER NOT NULL DEFAULT 0,
    hash TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE INDEX documents_split ON documents (split, id);
-- One row per document and enabled task, created with the document, so
-- "next unlabeled" and the counts are index look-ups, not scans.
CREATE TABLE annotations (
    doc_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    task TEXT NOT NULL CHECK (task IN ('ner', 'sentiment')),
    status TEXT NOT NULL DEFAULT 'unlabeled'
        CHECK (status IN ('unlabeled', 'draft', 'accepted', 'skipped')),
    class_id INTEGER REFERENCES labels (id),   -- sentiment only
    annotator TEXT NOT NULL DEFAULT '',
    created TEXT,
    updated TEXT,
    PRIMARY KEY (doc_id, task)
) WITHOUT ROWID;
CREATE INDEX annotations_queue ON annotations (task, status, doc_id);
CREATE INDEX annotations_class ON annotations (class_id);
CREATE TABLE spans (
    id INTEGER PRIMARY KEY,
    doc_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    label_id INTEGER NOT NULL REFERENCES labels (id),
    CHECK (start < "end")
);
CREATE INDEX spans_doc ON spans (doc_id, start);
CREATE INDEX spans_label ON spans (label_id, doc_id);
CREATE VIRTUAL TABLE documents_fts USING fts5 (text, content='documents', content_rowid='id');
-- No insert trigger: Store.add_documents indexes new rows in one statement,
-- five times faster than a trigger firing per row on a big import.
CREATE TRIGGER documents_ad AFTER DELETE ON documents BEGIN
    INSERT INTO documents_fts (documents_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER documents_au AFTER UPDATE OF text ON documents BEGIN
    INSERT INTO documents_fts (documents_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO documents_fts (rowid, text) VALUES (new.id, new.text);
END;
"""


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run several statements inside the caller's transaction.

    (``executescript`` would commit first, which breaks the all-or-nothing
    promise of a migration.)
    """
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            conn.execute(pending)
            pending = ""
    if pending.strip():
        raise ValueError(f"incomplete SQL statement: {pending[:80]!r}")


def _migrate_to_1(conn: sqlite3.Connection) -> None:
    run_script(conn, _V1)


# Version 2: training runs and their curve points (owned by workbench/training/runs.py).
_V2 = """
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    task TEXT NOT NULL CHECK (task IN ('ner', 'sentiment')),
    status TEXT NOT NULL DEFAULT 'running'
        CHECK (status IN ('running', 'done', 'cancelled', 'failed')),
    base_model TEXT NOT NULL,
    device TEXT NOT NULL DEFAULT '',
    config TEXT NOT NULL DEFAULT '{}',     -- JSON: the resolved training settings
    counts TEXT NOT NULL DEFAULT '{}',     -- JSON: documents per split, tokens
    metrics TEXT NOT NULL DEFAULT '{}',    -- JSON: dev (best epoch) and test reports
    model_dir TEXT NOT NULL DEFAULT '',
    error TEXT NOT NULL DEFAULT '',
    started TEXT NOT NULL,
    finished TEXT,
    seconds REAL
);
CREATE INDEX runs_task ON runs (task, id);
CREATE TABLE run_points (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    series TEXT NOT NULL,                  -- train_loss, lr, dev_loss, dev_f1, dev_accuracy
    step INTEGER NOT NULL,
    epoch REAL NOT NULL,
    value REAL NOT NULL
);
CREATE INDEX run_points_run ON run_points (run_id, series, step);
"""


def _migrate_to_2(conn: sqlite3.Connection) -> None:
    run_script(conn, _V2)


# Version 3: predictions cached per run, and out-of-sample suspicion scores
# (owned by workbench/inference/cache.py).
_V3 = """
CREATE TABLE predictions (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    doc_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    text_hash TEXT NOT NULL,               -- the text predicted on; a changed text is predicted again
    probs BLOB NOT NULL,                   -- float16: words x labels (NER; NaN rows: unseen words), or classes
    label TEXT,                            -- sentiment: the predicted class
    confidence REAL NOT NULL,              -- least confident word (NER) or top class probability
    margin REAL NOT NULL,                  -- smallest top-1 minus top-2 gap
    created TEXT NOT NULL,
    PRIMARY KEY (run_id, doc_id)
) WITHOUT ROWID;
CREATE INDEX predictions_confidence ON predictions (run_id, confidence);
CREATE INDEX predictions_margin ON predictions (run_id, margin);
CREATE TABLE suspicion (
    task TEXT NOT NULL CHECK (task IN ('ner', 'sentiment')),
    doc_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    score REAL NOT NULL,                   -- probability the out-of-sample model gives the gold label (worst word)
    detail TEXT NOT NULL DEFAULT '{}',     -- JSON: predicted label, worst word, ...
    source TEXT NOT NULL,                  -- e.g. "3-fold"
    created TEXT NOT NULL,
    PRIMARY KEY (task, doc_id)
) WITHOUT ROWID;
CREATE INDEX suspicion_score ON suspicion (task, score);
"""


def _migrate_to_3(conn: sqlite3.Connection) -> None:
    run_script(conn, _V3)


# Version 4: whether a cached prediction came from the full-precision model (1) or from the
# int8 copy that serves pre-annotation (0); labeled splits are only scored from exact ones.
def _migrate_to_4(conn: sqlite3.Connection) -> None:
    run_script(conn, "ALTER TABLE predictions ADD COLUMN exact INTEGER NOT NULL DEFAULT 1;")


# Version 5: a run killed with its process stays "running" no more.  The row records the process
# id and host name of the training process, so that opening the project can tell a dead run from a
# live one and mark it 'interrupted' (owned by workbench/training/runs.py).  SQLite cannot alter a
# CHECK constraint, and rebuilding ``runs`` the usual way is unsafe here: with foreign keys on (the
# Store turns them on before migrating, and PRAGMA foreign_keys cannot change inside the migrating
# transaction) dropping the old table cascades into run_points and predictions, and renaming it
# rewrites their REFERENCES to the old name.  Widening a CHECK changes no stored row, so the table's
# definition is rewritten in place: the procedure SQLite documents for such changes
# (https://sqlite.org/lang_altertable.html#otheralter), with the schema version bumped so every
# open connection reloads the schema.
_RUNS_CHECK_V2 = "CHECK (status IN ('running', 'done', 'cancelled', 'failed'))"
_RUNS_CHECK_V5 = "CHECK (status IN ('running', 'done', 'cancelled', 'failed', 'interrupted'))"


def _rewrite_table_sql(conn: sqlite3.Connection, tables: dict[str, tuple[str, str]]) -> None:
    """Change CHECK constraints in place: ``tables`` maps a table to (old text, new text), which
    must occur exactly once in its definition.  Only for changes that no stored row can violate
    (see version 5 for why a rebuild is unsafe here); the schema version is bumped so every open
    connection reloads the schema."""
    found = {}
    for table, (old, new) in tables.items():
        row = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()
        if row is None or row[0].count(old) != 1:
            raise StoreError(f"the {table} table is not the one this app made (its check {old!r} is missing)")
        found[table] = row[0].replace(old, new)
    version = conn.execute("PRAGMA schema_version").fetchone()[0]
    conn.execute("PRAGMA writable_schema = ON")
    try:
        for table, sql in found.items():
            conn.execute("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", (sql, table))
        conn.execute(f"PRAGMA schema_version = {int(version) + 1}")
    finally:
        conn.execute("PRAGMA writable_schema = OFF")


def _migrate_to_5(conn: sqlite3.Connection) -> None:
    run_script(conn, "ALTER TABLE runs ADD COLUMN pid INTEGER;\n"
                     "ALTER TABLE runs ADD COLUMN host TEXT NOT NULL DEFAULT '';")
    _rewrite_table_sql(conn, {"runs": (_RUNS_CHECK_V2, _RUNS_CHECK_V5)})


# Version 6: tasks are plug-ins (workbench/tasks/): which task names exist is the registry's to
# say, not the file's, so the four tables that name a task keep only "a task is named".  A task
# the running app does not know (a plug-in that is not installed) is refused where it is used.
_TASK_CHECK_V1 = "CHECK (task IN ('ner', 'sentiment'))"
_TASK_CHECK_V6 = "CHECK (task <> '')"


def _migrate_to_6(conn: sqlite3.Connection) -> None:
    _rewrite_table_sql(conn, {t: (_TASK_CHECK_V1, _TASK_CHECK_V6)
                              for t in ("labels", "annotations", "runs", "suspicion")})


# Version 7: counts kept as the data changes (per split, per task and status, per label), by
# triggers that write in the same transaction as each change; the migration counts what the
# file holds (see tallies.py).
def _migrate_to_7(conn: sqlite3.Connection) -> None:
    tallies.create(conn, run_script)


# Version 8: the terms of the user's dictionaries (owned by workbench/dictionaries.py), shown as
# suggestions on every document.  AUTOINCREMENT: ids are never reused, so (count, max id) tells
# a reader whether the list changed since it built its matcher.
_V8 = """
CREATE TABLE dictionary_terms (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    label_id INTEGER NOT NULL REFERENCES labels (id) ON DELETE CASCADE,
    term TEXT NOT NULL CHECK (term <> ''),
    case_sensitive INTEGER NOT NULL DEFAULT 0,
    whole_word INTEGER NOT NULL DEFAULT 1,
    source TEXT NOT NULL DEFAULT '',       -- the list's file name, or how the term was added
    added TEXT NOT NULL,
    UNIQUE (label_id, term, case_sensitive, whole_word)
);
CREATE INDEX dictionary_terms_source ON dictionary_terms (source);
"""


def _migrate_to_8(conn: sqlite3.Connection) -> None:
    run_script(conn, _V8)


# Index i takes the file from version i to i + 1.  Later issues append here
# (training runs, prediction caches); never edit a migration that has shipped.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_migrate_to_1, _migrate_to_2, _migrate_to_3,
                                                          _migrate_to_4, _migrate_to_5, _migrate_to_6, _migrate_to_7,
                                                          _migrate_to_8]
LATEST = len(MIGRATIONS)


def register(migration: Callable[[sqlite3.Connection], None]) -> None:
    """Append a migration (used by modules that own their tables)."""
    global LATEST
    MIGRATIONS.append(migration)
    LATEST = len(MIGRATIONS)


def user_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def application_id(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA application_id").fetchone()[0]


def create(conn: sqlite3.Connection) -> None:
    """Build the latest schema in a new, empty file (inside the caller's transaction)."""
    for migration in MIGRATIONS:
        migration(conn)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")


def newer_version(path: pathlib.Path | None, version: int) -> StoreError:
    return StoreError(f"{path}: this project was written by a newer version of the app "
                      f"(schema {version}, this app knows up to {len(MIGRATIONS)}); update the app to open it")


def migrate(conn: sqlite3.Connection, path: pathlib.Path | None,
            backup: Callable[[pathlib.Path, pathlib.Path], None] | None = None) -> int:
    """Bring the file to the latest version; returns the version it had before.  ``backup``
    (source, target) copies the file first (``name.db.bak-v<n>``; the caller passes the
    store's copying function, which lives above this module).

    The version is read again once the write lock is held: another process may have
    upgraded the file between our first look and the lock (it then has nothing left
    to do, and no second backup is made).
    """
    before = user_version(conn)
    if before > len(MIGRATIONS):
        raise newer_version(path, before)
    if before == len(MIGRATIONS) and application_id(conn) == APPLICATION_ID:
        return before
    begin_immediate(conn, path)
    try:
        before = user_version(conn)
        if before > len(MIGRATIONS):
            raise newer_version(path, before)
        if 0 < before < len(MIGRATIONS) and path is not None and path.exists() and backup is not None:
            # Made under the lock, from a snapshot no one can change until we commit.
            backup(path, path.with_name(f"{path.name}.bak-v{before}"))
        for version in range(before, len(MIGRATIONS)):
            MIGRATIONS[version](conn)
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return before
