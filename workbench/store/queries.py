"""Read-only queries the screens, exporters and training need.

All of them are served by indexes (see schema.py): "next unlabeled" is one
index seek, the list is an id list plus rows fetched only for what is visible.
"""
from __future__ import annotations

import json
from typing import Any, Iterator, Sequence

from workbench.spans import Span
from workbench.store import listing, tallies
from workbench.store.models import DocFilter, DocRow, Document
from workbench.store.project import Store, StoreError

LABELED = ("accepted",)


def next_document(store: Store, task: str, after_id: int = 0, statuses: Sequence[str] = ("unlabeled",)) -> int | None:
    """The first document after ``after_id`` whose ``task`` status is one of ``statuses``
    (wrapping round to the start), or None when there is none."""
    marks = ",".join("?" * len(statuses))
    sql = f"SELECT doc_id FROM annotations WHERE task = ? AND status IN ({marks}) AND doc_id > ? ORDER BY doc_id LIMIT 1"
    row = store.conn.execute(sql, (task, *statuses, after_id)).fetchone()
    if row is None and after_id:
        row = store.conn.execute(sql, (task, *statuses, 0)).fetchone()
    return row[0] if row else None


def neighbour(store: Store, doc_id: int, step: int, flt: DocFilter | None = None) -> int | None:
    """The document before (step < 0) or after (step > 0) ``doc_id`` in id order."""
    if step > 0:
        row = store.conn.execute("SELECT id FROM documents WHERE id > ? ORDER BY id LIMIT 1", (doc_id,)).fetchone()
    else:
        row = store.conn.execute("SELECT id FROM documents WHERE id < ? ORDER BY id DESC LIMIT 1", (doc_id,)).fetchone()
    return row[0] if row else None


def counts(store: Store) -> dict[str, Any]:
    """Totals for the progress bar and ``stats``: per task and status, per label, per split.
    Read from the counts the store keeps as it is written (tallies.py): a tiny table, not a scan."""
    tasks = store.tasks
    return tallies.read(store.conn, tasks, {t: store.label_names(t) for t in tasks})


def document_ids(store: Store, flt: DocFilter = DocFilter()) -> list[int]:
    """Ids of the documents that pass ``flt``, in list order (all of them: the list itself
    reads them a page at a time, listing.ids_after)."""
    return [i for page in listing.iter_ids(store, flt) for i in page]


def doc_rows(store: Store, ids: Sequence[int], preview_chars: int = 120) -> list[DocRow]:
    """The list's columns for just these documents (the visible ones)."""
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = store.conn.execute(
        f"""SELECT d.id, d.split, substr(d.text, 1, ?), (SELECT count(*) FROM spans sp WHERE sp.doc_id = d.id)
            FROM documents d WHERE d.id IN ({marks})""",
        (preview_chars, *ids),
    ).fetchall()
    statuses: dict[int, dict[str, str]] = {}
    classes: dict[int, dict[str, str]] = {}
    for doc_id, task, status, name in store.conn.execute(
        f"SELECT a.doc_id, a.task, a.status, l.name FROM annotations a LEFT JOIN labels l ON l.id = a.class_id"
        f" WHERE a.doc_id IN ({marks})", tuple(ids)
    ):
        statuses.setdefault(doc_id, {})[task] = status
        if name is not None:
            classes.setdefault(doc_id, {})[task] = name
    by_id = {r[0]: DocRow(r[0], r[1], " ".join(r[2].split()), statuses.get(r[0], {}), classes.get(r[0], {}), r[3])
             for r in rows}
    return [by_id[i] for i in ids if i in by_id]


def search(store: Store, text: str, limit: int = 100) -> list[int]:
    """The documents that match ``text`` best, best first (at most ``limit``)."""
    return listing.best_matches(store, text, limit)


def documents_with_label(store: Store, label: str) -> list[int]:
    return document_ids(store, DocFilter(label=label))


def iter_documents(
    store: Store, *, split: str | None = None, task: str | None = None, statuses: Sequence[str] | None = None
) -> Iterator[tuple[Document, dict[str, Any]]]:
    """Documents in id order with their annotations, for exporters and training.

    Yields ``(document, {task: value | None, ..., "status": {task: status}})`` for every
    task of the project: the span task's value is its list of spans, a classification
    task's its class name; a task's value is None unless its status is in ``statuses``
    (default: accepted).
    """
    statuses = tuple(statuses or LABELED)
    where, args = [], []
    if split:
        where.append("d.split = ?")
        args.append(split)
    if task:
        marks = ",".join("?" * len(statuses))
        where.append(f"d.id IN (SELECT doc_id FROM annotations WHERE task = ? AND status IN ({marks}))")
        args += [task, *statuses]
    sql = "SELECT id, text, source, external_id, split, meta, pretokenized FROM documents d"
    if where:
        sql += " WHERE " + " AND ".join(where)
    tasks = store.tasks
    span = store.span_task
    names = {lab.id: lab.name for t in tasks for lab in store.labels(t)}
    cur = store.conn.execute(sql + " ORDER BY id", args)
    while True:
        batch = cur.fetchmany(2000)
        if not batch:
            return
        ids = [r[0] for r in batch]
        marks = ",".join("?" * len(ids))
        status: dict[int, dict[str, tuple[str, int | None]]] = {}
        for doc_id, t, st, class_id in store.conn.execute(
            f"SELECT doc_id, task, status, class_id FROM annotations WHERE doc_id IN ({marks})", ids
        ):
            status.setdefault(doc_id, {})[t] = (st, class_id)
        spans: dict[int, list[Span]] = {}
        for doc_id, s, e, lab in store.conn.execute(
            f'SELECT doc_id, start, "end", label_id FROM spans WHERE doc_id IN ({marks}) ORDER BY doc_id, start', ids
        ):
            spans.setdefault(doc_id, []).append(Span(s, e, names[lab]))
        for r in batch:
            doc = Document(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), bool(r[6]))
            st = status.get(doc.id, {})
            values: dict[str, Any] = {}
            for t in tasks:
                got = st.get(t)
                if got is None or got[0] not in statuses:
                    values[t] = None
                elif span is not None and t == span.name:
                    values[t] = spans.get(doc.id, [])
                else:
                    values[t] = names.get(got[1]) if got[1] else None
            values["status"] = {t: v[0] for t, v in st.items()}
            yield doc, values


def require_task(store: Store, task: str) -> None:
    if task not in store.tasks:
        raise StoreError(f"this project has no {task} task (tasks: {', '.join(store.tasks)})")
