"""Documents on their way in: staged first, then published in one short transaction.

An import of a large file must not hold the project's write lock while the file
is read: the app's label writes and a training run's progress would wait behind
it.  So the documents go first into TEMP tables of the importing connection (a
private temporary file that SQLite deletes when the connection closes, even after
``kill -9``; writing it takes no lock on the project), chunk by chunk, with
bounded memory.  :meth:`ImportStage.publish` then moves them into the project in
one transaction of plain ``INSERT ... SELECT`` statements: all or nothing, and the
write lock is held only for that copy: a label written by another process during
an import of 100,000 documents waited at most 1.6-2.0 s on the development
machine, against 4.3-5.0 s when the import wrote as it read.  Nothing is visible
to other connections until that transaction commits.

The thread that owns the :class:`Store` (and its connection) runs all of it.
"""
from __future__ import annotations

import json
import sqlite3
from typing import Any, Iterable, Mapping, Protocol, Sequence

from workbench.store import tallies
from workbench.store.errors import StoreError, is_environmental
from workbench.store.tempdir import temp_folder
from workbench.store.values import assign_split, now, text_hash
from workbench.store.models import NewDocument



class _Store(Protocol):
    """What staging uses of the project's Store (which creates the stage: project.py)."""

    conn: sqlite3.Connection
    tasks: list[str]
    span_task: Any

    def transaction(self) -> Any: ...
    def label_names(self, task: str) -> list[str]: ...
    def add_label(self, task: str, name: str) -> Any: ...

_DOCS = "temp.workbench_stage_documents"
_SPANS = "temp.workbench_stage_spans"
_CLASSES = "temp.workbench_stage_classes"


class UnstorableDocument(StoreError):
    """A document holds text SQLite cannot store (a lone surrogate such as ``\\ud800``)."""

    def __init__(self, doc: NewDocument, problem: str) -> None:
        self.doc = doc
        self.problem = problem
        super().__init__(problem)


def _unstorable(docs: Sequence[NewDocument]) -> UnstorableDocument | None:
    """The first document whose strings are not valid Unicode (so cannot be UTF-8 encoded)."""
    for doc in docs:
        fields = [("text", doc.text), ("source", doc.source), ("id", doc.external_id),
                  *(("class", name) for name in doc.classes.values()),
                  ("metadata", json.dumps(doc.meta, ensure_ascii=False) if doc.meta else "")]
        fields += [("entity label", s.label) for s in doc.spans or ()]
        for what, value in fields:
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as exc:
                bad = value[exc.start]
                return UnstorableDocument(doc, f"the {what} holds {bad!r} (U+{ord(bad):04X}), half of a surrogate "
                                               "pair that is not a character; fix the file's encoding")
    return None


class ImportStage:
    """Documents staged on ``store``'s connection.  Use as a context manager: leaving it
    drops what was staged (published or not)."""

    def __init__(self, store: _Store, *, annotator: str = "", split_seed: int = 0) -> None:
        self.store = store
        self.conn: sqlite3.Connection = store.conn
        self.annotator = annotator
        self.split_seed = split_seed
        self.count = 0
        self.spans_labeled = 0                  # documents labeled for the span task
        self.classes_labeled: dict[str, int] = {}   # documents with a class, per classification task
        self._drop()
        # A private temporary file, not memory: a million documents must not live in RAM.
        if self.conn.execute("PRAGMA temp_store").fetchone()[0] != 1:
            self.conn.execute("PRAGMA temp_store = FILE")
        self.conn.execute("PRAGMA temp.cache_size = -16384")
        self.conn.execute(
            f"CREATE TABLE {_DOCS} (seq INTEGER PRIMARY KEY, text TEXT, source TEXT, external_id TEXT, split TEXT,"
            " meta TEXT, pretokenized INTEGER, hash TEXT, has_spans INTEGER)")
        self.conn.execute(f'CREATE TABLE {_SPANS} (seq INTEGER, start INTEGER, "end" INTEGER, label TEXT)')
        self.conn.execute(f"CREATE TABLE {_CLASSES} (seq INTEGER, task TEXT, class TEXT, PRIMARY KEY (seq, task))")

    def __enter__(self) -> "ImportStage":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._drop()

    def _drop(self) -> None:
        for table in (_DOCS, _SPANS, _CLASSES):
            self.conn.execute(f"DROP TABLE IF EXISTS {table}")

    def add(self, docs: Sequence[NewDocument]) -> None:
        """Stage one chunk.  Takes no lock on the project; raises UnstorableDocument
        (naming the record) for text that cannot be stored."""
        doc_rows, span_rows, class_rows = [], [], []
        try:
            for doc in docs:
                seq = self.count + len(doc_rows)
                digest = text_hash(doc.text)
                doc_rows.append((seq, doc.text, doc.source, doc.external_id,
                                 doc.split or assign_split(digest, self.split_seed),
                                 json.dumps(doc.meta, ensure_ascii=False) if doc.meta else "{}",
                                 int(doc.pretokenized), digest, doc.spans is not None))
                span_rows += [(seq, s.start, s.end, s.label) for s in doc.spans or ()]
                class_rows += [(seq, task, name) for task, name in doc.classes.items()]
        except UnicodeEncodeError:
            raise _unstorable(docs) or StoreError("a document holds text that cannot be stored") from None
        own = not self.conn.in_transaction   # inside a caller's transaction, join it
        if own:
            self.conn.execute("BEGIN")       # deferred, and only TEMP tables are written: no project lock
        try:
            self.conn.executemany(f"INSERT INTO {_DOCS} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", doc_rows)
            self.conn.executemany(f'INSERT INTO {_SPANS} (seq, start, "end", label) VALUES (?, ?, ?, ?)', span_rows)
            self.conn.executemany(f"INSERT INTO {_CLASSES} (seq, task, class) VALUES (?, ?, ?)", class_rows)
            if own:
                self.conn.execute("COMMIT")
        except UnicodeEncodeError:
            if own:
                self.conn.execute("ROLLBACK")
            raise _unstorable(docs) or StoreError("a document holds text that cannot be stored") from None
        except BaseException as exc:
            if own and self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            if is_environmental(exc):
                raise StoreError(f"the import's working copy in {temp_folder()} could not be written ({exc}): "
                                 "free some space there, or set TMPDIR to a folder on a disk with more room; "
                                 "nothing was imported") from exc
            raise
        self.count += len(doc_rows)
        self.spans_labeled += sum(d.spans is not None for d in docs)
        for d in docs:
            for task in d.classes:
                self.classes_labeled[task] = self.classes_labeled.get(task, 0) + 1

    def publish(self, new_labels: Mapping[str, Iterable[str]] | None = None) -> range:
        """Add ``new_labels`` (per task) that the project does not have yet, then every staged
        document, in one transaction; the new ids."""
        store, conn = self.store, self.conn
        stamp = now()
        with store.transaction():
            for task, names in (new_labels or {}).items():
                have = set(store.label_names(task))   # read under the lock: another writer may have added one
                for name in names:
                    if name not in have:
                        store.add_label(task, name)
                        have.add(name)
            tasks = store.tasks
            span_task = store.span_task
            self._check_labels(tasks)
            first = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM documents").fetchone()[0]
            with tallies.bulk_insert(conn, first):   # counted in one go, not row by row
                self._insert(first, stamp, tasks, span_task)
            conn.execute("INSERT INTO documents_fts (rowid, text) SELECT id, text FROM documents WHERE id >= ?",
                         (first,))
        return range(first, first + self.count)

    def _insert(self, first: int, stamp: str, tasks: Sequence[str], span_task: Any) -> None:
        """The staged documents, their annotation rows and spans, with ids from ``first`` on."""
        conn = self.conn
        conn.execute(
            "INSERT INTO documents (id, text, source, external_id, split, meta, pretokenized, hash, created)"
            f" SELECT ? + seq, text, source, external_id, split, meta, pretokenized, hash, ? FROM {_DOCS}"
            " ORDER BY seq", (first, stamp))
        for task in tasks:
            if span_task is not None and task == span_task.name:
                done, class_id, join = "s.has_spans", "NULL", ""
            else:   # a classification task: labeled where a class was staged for it (one join, not a
                # look-up per column: a third of the time of publishing a million documents)
                done, class_id = "c.seq IS NOT NULL", "l.id"
                join = (f" LEFT JOIN {_CLASSES} c ON c.seq = s.seq AND c.task = :task"
                        " LEFT JOIN labels l ON l.task = c.task AND l.name = c.class")
            conn.execute(
                "INSERT INTO annotations (doc_id, task, status, class_id, annotator, created, updated)"
                f" SELECT :first + s.seq, :task, CASE WHEN {done} THEN 'accepted' ELSE 'unlabeled' END, {class_id},"
                f"  CASE WHEN {done} THEN :annotator ELSE '' END, CASE WHEN {done} THEN :stamp END,"
                f"  CASE WHEN {done} THEN :stamp END FROM {_DOCS} s{join} ORDER BY s.seq",
                {"first": first, "task": task, "annotator": self.annotator, "stamp": stamp})
        if span_task is not None:
            conn.execute(
                'INSERT INTO spans (doc_id, start, "end", label_id)'
                f" SELECT ? + s.seq, s.start, s.\"end\", l.id FROM {_SPANS} s"
                " JOIN labels l ON l.task = ? AND l.name = s.label", (first, span_task.name))

    def _check_labels(self, tasks: Sequence[str]) -> None:
        """Every staged label must exist now (one may have been deleted or renamed while the file was read)."""
        from workbench import tasks as task_registry

        span_task = task_registry.span_task(tasks)
        has_spans = self.conn.execute(f"SELECT 1 FROM {_SPANS} LIMIT 1").fetchone() is not None
        if has_spans and span_task is None:
            raise StoreError("the documents have entity spans but the project has no span-labeling task")
        for (task,) in self.conn.execute(f"SELECT DISTINCT task FROM {_CLASSES}").fetchall():
            if task not in tasks:
                raise StoreError(f"the documents have classes for {task!r}, a task this project does not have")
        checks = [(task_registry.get(task), f"SELECT DISTINCT class FROM {_CLASSES} WHERE task = ? AND class NOT IN"
                   " (SELECT name FROM labels WHERE task = ?)", (task, task)) for task in tasks
                  if span_task is None or task != span_task.name]
        if span_task is not None:
            checks.append((span_task, f"SELECT DISTINCT label FROM {_SPANS} WHERE label NOT IN"
                           " (SELECT name FROM labels WHERE task = ?)", (span_task.name,)))
        for spec, sql, args in checks:
            missing = [r[0] for r in self.conn.execute(sql + " LIMIT 6", args)]
            if missing:
                what = spec.nouns if len(missing) > 1 else spec.noun
                raise StoreError(f"unknown {what} {', '.join(map(repr, missing[:5]))}: the project does not have "
                                 f"{'them' if len(missing) > 1 else 'it'} (was it renamed or deleted meanwhile?)")
