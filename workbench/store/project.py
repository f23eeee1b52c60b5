"""One project = one SQLite file.  :class:`Store` is the only door to it.

Each thread opens its own :class:`Store` (a SQLite connection must stay on the
thread that made it).  Every write is one short transaction, committed before
the call returns, so nothing a user did is lost if the app dies a moment later.
"""
from __future__ import annotations

import contextlib
import json
import pathlib
import sqlite3
from typing import Any, Iterable, Iterator, Mapping, Sequence

from workbench import tasks as task_registry
from workbench.errors import UserError
from workbench.spans import Span, SpanError, validate_spans
from workbench.store import backups, opening, schema
from workbench.store.errors import StoreError, describe, is_environmental
from workbench.store.errors import read_only as read_only_error
from workbench.store.locking import begin_immediate
from workbench.store.staging import ImportStage
from workbench.store.values import now
from workbench.store.models import PALETTE, STATUSES, Annotation, Document, Label, NewDocument


class Store:
    """A project file opened on the current thread.

    ``Store(path)`` opens an existing project (see opening.py: a file that is not
    one is refused and left untouched); only :meth:`create` makes one.  A project
    whose file or folder cannot be written opens read-only: :attr:`read_only` is
    set, :attr:`read_only_reason` says why, and every write raises StoreError.
    """

    def __init__(self, path: str | pathlib.Path, *, _create: bool = False) -> None:
        self.path = pathlib.Path(path)
        self.read_only = False
        self.read_only_reason = ""
        if _create:
            conn = opening.create_new(self.path)
        else:
            opened = opening.open_existing(self.path)
            conn, self.read_only, self.read_only_reason = opened.conn, opened.read_only, opened.reason
            try:
                if not self.read_only:
                    schema.migrate(conn, self.path, backup=backups.copy_database)
                elif opened.version < len(schema.MIGRATIONS):
                    raise StoreError(
                        f"{self.path}: this project must be upgraded for this version of the app, but it is "
                        f"read-only ({self.read_only_reason}); copy it to a folder you can write to and open the copy")
            except sqlite3.Error as exc:
                conn.close()
                raise describe(self.path, exc) from exc
            except BaseException:
                conn.close()
                raise
        self.conn = conn
        self._db = None
        self._depth = 0

    @property
    def db(self):  # -> sqlite_utils.Database
        """A sqlite-utils view of the same connection, for table-level work
        (introspection, row counts, ad-hoc queries in scripts).

        Imported on first use: sqlite_utils imports pandas and numpy eagerly,
        about a second that app start-up should not pay.
        """
        if self._db is None:
            import sqlite_utils

            self._db = sqlite_utils.Database(self.conn)
        return self._db

    # ---- life cycle -------------------------------------------------------------
    @classmethod
    def create(
        cls,
        path: str | pathlib.Path,
        tasks: Sequence[str],
        entity_labels: Sequence[str] = (),
        classes: Sequence[str] = (),
        name: str | None = None,
        labels: Mapping[str, Sequence[str]] | None = None,
    ) -> "Store":
        """A new project with ``tasks`` (registered task names).  ``entity_labels`` go to its span
        task, ``classes`` to its first classification task; ``labels`` gives any task's labels
        by name."""
        path = pathlib.Path(path)
        try:
            tasks = task_registry.check_project_tasks(tasks)
        except UserError as exc:
            raise StoreError(str(exc)) from None
        by_task = {t: list(v) for t, v in (labels or {}).items()}
        span = task_registry.span_task(tasks)
        first_class = next(iter(task_registry.class_tasks(tasks)), None)
        for spec, given in ((span, entity_labels), (first_class, classes)):
            if given and spec is None:
                raise StoreError(f"labels {', '.join(given)} were given, but no task of the project takes them")
            if given:
                by_task.setdefault(spec.name, []).extend(given)
        path.parent.mkdir(parents=True, exist_ok=True)
        store = cls(path, _create=True)
        try:
            # One transaction: a creation cut short leaves an empty file that opening refuses,
            # never a half-made project.
            with store.transaction():
                schema.create(store.conn)
                store._set("tasks", list(tasks))
                store._set("name", name or path.stem)
                for task in tasks:
                    for lab in by_task.get(task, ()):
                        store.add_label(task, lab)
        except BaseException:
            store.close()
            for made in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                made.unlink(missing_ok=True)   # this call made the file (O_EXCL), so it may remove it
            raise
        return store

    @classmethod
    def open(cls, path: str | pathlib.Path) -> "Store":
        return cls(path)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing; nested calls join the outer transaction.

        Waits for the write lock while another writer holds it (see locking.py) rather
        than fail: a label the user typed during an import is saved, late, not lost.
        """
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        if self.read_only:
            raise read_only_error(self.path, self.read_only_reason)
        begin_immediate(self.conn, self.path)
        self._depth = 1
        try:
            yield
        except BaseException as exc:
            self._depth = 0
            if self.conn.in_transaction:   # SQLite may have rolled back already (a full disk)
                self.conn.execute("ROLLBACK")
            if is_environmental(exc):
                raise describe(self.path, exc) from exc
            raise
        self._depth = 0
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise describe(self.path, exc) from exc

    # ---- settings ---------------------------------------------------------------
    def _set(self, key: str, value: Any) -> None:
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, json.dumps(value)),
        )

    def setting(self, key: str, default: Any = None) -> Any:
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_setting(self, key: str, value: Any) -> None:
        with self.transaction():
            self._set(key, value)

    @property
    def name(self) -> str:
        return self.setting("name", self.path.stem)

    @property
    def tasks(self) -> list[str]:
        return list(self.setting("tasks", []))

    @property
    def span_task(self) -> task_registry.TaskSpec | None:
        """The project's span-labeling task, if it has one."""
        return task_registry.span_task(self.tasks)

    @property
    def class_tasks(self) -> list[task_registry.TaskSpec]:
        """The project's classification tasks, in the project's order."""
        return task_registry.class_tasks(self.tasks)

    def enable_task(self, task: str) -> None:
        """Turn a task on; every existing document gets an unlabeled row for it."""
        try:
            task_registry.check_project_tasks(list(dict.fromkeys(self.tasks + [task])))
        except UserError as exc:
            raise StoreError(str(exc)) from None
        with self.transaction():
            if task not in self.tasks:
                self._set("tasks", self.tasks + [task])
            self.conn.execute(
                "INSERT OR IGNORE INTO annotations (doc_id, task) SELECT id, ? FROM documents", (task,)
            )

    # ---- labels -----------------------------------------------------------------
    def labels(self, task: str) -> list[Label]:
        rows = self.conn.execute(
            "SELECT id, task, name, color, shortcut, position FROM labels WHERE task = ? ORDER BY position, id",
            (task,),
        ).fetchall()
        return [Label(*r) for r in rows]

    def label_names(self, task: str) -> list[str]:
        return [lab.name for lab in self.labels(task)]

    def _label_id(self, task: str, name: str) -> int:
        row = self.conn.execute("SELECT id FROM labels WHERE task = ? AND name = ?", (task, name)).fetchone()
        if row is None:
            noun = task_registry.get(task).noun if task_registry.is_task(task) else "label"
            raise StoreError(f"unknown {noun} {name!r}")
        return row[0]

    def add_label(self, task: str, name: str, color: str | None = None, shortcut: str | None = None) -> Label:
        name = name.strip()
        if not task_registry.is_task(task):
            raise StoreError(f"unknown task {task!r}")
        if not name or any(c.isspace() for c in name):
            raise StoreError(f"label name {name!r} must be non-empty and contain no spaces")
        existing = self.labels(task)
        if any(lab.name == name for lab in existing):
            raise StoreError(f"label {name!r} already exists")
        pos = len(existing)
        if shortcut is None:
            # Each task hands out keys from its own pool (entity labels 1-9, sentiment classes
            # so both rows of keys work on the same document.
            used = {r[0] for r in self.conn.execute("SELECT shortcut FROM labels")}
            pool = task_registry.get(task).shortcut_pool
            shortcut = next((k for k in pool if k not in used), "")
        with self.transaction():
            cur = self.conn.execute(
                "INSERT INTO labels (task, name, color, shortcut, position) VALUES (?, ?, ?, ?, ?)",
                (task, name, color or PALETTE[pos % len(PALETTE)], shortcut, pos),
            )
        return Label(cur.lastrowid, task, name, color or PALETTE[pos % len(PALETTE)], shortcut, pos)

    def update_label(
        self, task: str, name: str, *, new_name: str | None = None, color: str | None = None, shortcut: str | None = None
    ) -> None:
        """Rename, recolor or re-key a label.  A rename reaches every existing annotation at once
        (annotations point at the label row, not at its name)."""
        label_id = self._label_id(task, name)
        with self.transaction():
            if new_name is not None and new_name != name:
                if not new_name.strip() or any(c.isspace() for c in new_name):
                    raise StoreError(f"label name {new_name!r} must be non-empty and contain no spaces")
                if new_name in self.label_names(task):
                    raise StoreError(f"label {new_name!r} already exists")
                self.conn.execute("UPDATE labels SET name = ? WHERE id = ?", (new_name, label_id))
            if color is not None:
                self.conn.execute("UPDATE labels SET color = ? WHERE id = ?", (color, label_id))
            if shortcut is not None:
                self.conn.execute("UPDATE labels SET shortcut = ? WHERE id = ?", (shortcut, label_id))

    def reorder_labels(self, task: str, names: Sequence[str]) -> None:
        if sorted(names) != sorted(self.label_names(task)):
            raise StoreError("reorder must name every label exactly once")
        with self.transaction():
            for pos, name in enumerate(names):
                self.conn.execute("UPDATE labels SET position = ? WHERE task = ? AND name = ?", (pos, task, name))

    def merge_label(self, task: str, name: str, into: str) -> None:
        """Give every span and class of label ``name`` the label ``into``, then delete ``name``."""
        source, target = self._label_id(task, name), self._label_id(task, into)
        if source == target:
            raise StoreError(f"label {name!r} cannot be merged into itself")
        with self.transaction():
            self.conn.execute("UPDATE spans SET label_id = ? WHERE label_id = ?", (target, source))
            self.conn.execute("UPDATE annotations SET class_id = ? WHERE class_id = ?", (target, source))
            # dictionary terms follow too (one the target has already goes with the deleted label)
            self.conn.execute("UPDATE OR IGNORE dictionary_terms SET label_id = ? WHERE label_id = ?", (target, source))
            self.conn.execute("DELETE FROM labels WHERE id = ?", (source,))

    def delete_label(self, task: str, name: str) -> None:
        """Delete a label that no annotation uses."""
        label_id = self._label_id(task, name)
        used = self.conn.execute(
            "SELECT (SELECT count(*) FROM spans WHERE label_id = ?) + (SELECT count(*) FROM annotations WHERE class_id = ?)",
            (label_id, label_id),
        ).fetchone()[0]
        if used:
            raise StoreError(f"label {name!r} is used by {used} annotation(s); relabel them first")
        with self.transaction():
            self.conn.execute("DELETE FROM labels WHERE id = ?", (label_id,))

    # ---- documents --------------------------------------------------------------
    def add_documents(self, docs: Iterable[NewDocument], *, annotator: str = "", split_seed: int = 0) -> list[int]:
        """Insert documents and their labels in one transaction; their new ids.  Labels must
        exist (callers that add new labels do so first, inside the same transaction).
        Large imports stage chunk by chunk instead (see staging.py, formats/importer.py)."""
        with ImportStage(self, annotator=annotator, split_seed=split_seed) as stage:
            stage.add(list(docs))
            return list(stage.publish())

    def document(self, doc_id: int) -> Document:
        row = self.conn.execute(
            "SELECT id, text, source, external_id, split, meta, pretokenized FROM documents WHERE id = ?", (doc_id,)
        ).fetchone()
        if row is None:
            raise StoreError(f"no document {doc_id}")
        return Document(row[0], row[1], row[2], row[3], row[4], json.loads(row[5]), bool(row[6]))

    def document_count(self) -> int:
        """From the kept counts (tallies.py), not a scan."""
        return self.conn.execute("SELECT coalesce(sum(n), 0) FROM tallies WHERE what = 'split'").fetchone()[0]

    def delete_documents(self, doc_ids: Sequence[int]) -> int:
        """Delete documents with their annotations, spans and predictions; how many there were."""
        with self.transaction():
            return sum(self.conn.execute("DELETE FROM documents WHERE id = ?", (i,)).rowcount for i in doc_ids)

    def set_split(self, doc_ids: Sequence[int], split: str) -> None:
        with self.transaction():
            self.conn.executemany("UPDATE documents SET split = ? WHERE id = ?", [(split, i) for i in doc_ids])

    # ---- annotations ------------------------------------------------------------
    def annotation(self, doc_id: int, task: str) -> Annotation:
        row = self.conn.execute(
            "SELECT a.status, l.name, a.annotator, a.updated FROM annotations a"
            " LEFT JOIN labels l ON l.id = a.class_id WHERE a.doc_id = ? AND a.task = ?",
            (doc_id, task),
        ).fetchone()
        if row is None:
            raise StoreError(f"document {doc_id} has no {task} task")
        # spans belong to a task through their labels: a classification task has none
        spans = tuple(
            Span(*r)
            for r in self.conn.execute(
                'SELECT s.start, s."end", l.name FROM spans s JOIN labels l ON l.id = s.label_id'
                " WHERE s.doc_id = ? AND l.task = ? ORDER BY s.start",
                (doc_id, task),
            )
        )
        return Annotation(doc_id, task, row[0], spans, row[1], row[2], row[3])

    def _touch(self, doc_id: int, task: str, status: str, annotator: str, class_id: int | None = None,
               set_class: bool = False) -> None:
        if status not in STATUSES:
            raise StoreError(f"unknown status {status!r}")
        sql = "UPDATE annotations SET status = ?, annotator = ?, updated = ?, created = coalesce(created, ?)"
        args: list[Any] = [status, annotator, now(), now()]
        if set_class:
            sql += ", class_id = ?"
            args.append(class_id)
        cur = self.conn.execute(sql + " WHERE doc_id = ? AND task = ?", (*args, doc_id, task))
        if cur.rowcount != 1:
            raise StoreError(f"document {doc_id} has no {task} task")

    def set_spans(self, doc_id: int, spans: Iterable[Span], *, status: str = "draft", annotator: str = "") -> list[Span]:
        """Replace the document's spans for the project's span task (validated) and set its
        status, in one transaction."""
        spec = self.span_task
        if spec is None:
            raise StoreError("this project has no span-labeling task")
        text = self.document(doc_id).text
        try:
            clean = validate_spans(text, spans, self.label_names(spec.name))
        except SpanError as exc:
            raise StoreError(f"document {doc_id}: {exc}") from exc
        ids = {lab.name: lab.id for lab in self.labels(spec.name)}
        with self.transaction():
            self._touch(doc_id, spec.name, status, annotator)
            self.conn.execute("DELETE FROM spans WHERE doc_id = ?", (doc_id,))
            self.conn.executemany(
                'INSERT INTO spans (doc_id, start, "end", label_id) VALUES (?, ?, ?, ?)',
                [(doc_id, s.start, s.end, ids[s.label]) for s in clean],
            )
        return clean

    def set_class(self, doc_id: int, task: str, class_name: str | None, *, status: str = "draft",
                  annotator: str = "") -> None:
        """Choose (or clear, with None) the document's class for a classification ``task``."""
        class_id = self._label_id(task, class_name) if class_name is not None else None
        with self.transaction():
            self._touch(doc_id, task, status, annotator, class_id, set_class=True)

    def set_status(self, doc_id: int, task: str, status: str, *, annotator: str = "") -> None:
        with self.transaction():
            self._touch(doc_id, task, status, annotator)
