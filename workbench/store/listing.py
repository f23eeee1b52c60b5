"""The document list's ids, a page at a time, in id order, for any filter.

A page is ``limit`` ids after a given id (keyset paging), so the first page of a million-document
project costs what a page of a hundred does: each filter has an index that yields its ids in
order (the FTS index for a search, a label's spans and classes, a task's status, a split, the
documents themselves), the most selective one present drives the query, and the others are
checked per id by a primary-key look-up.  The list (ui/annotate/doc_list.py) shows the first page
at once and reads the rest in steps.  Any thread that owns the Store may call these.
"""
from __future__ import annotations

import heapq
import itertools
import sqlite3
from typing import Any, Iterator

from workbench.store.models import DocFilter
from workbench.store.project import Store


def fts_query(text: str) -> str:
    """Turn what a user typed into a safe FTS5 query: every word must appear (prefix match)."""
    words = [w.replace('"', '""') for w in text.split() if w.strip()]
    return " ".join(f'"{w}"*' for w in words) or '""'


class _Part:
    """One condition of a filter: its id sources, each ``(id column, "table WHERE ...", whether
    an id may come twice)`` read through an index that gives the ids in order (the table is
    named ``src``, which the checks of the other conditions do not use), and its check of one
    id ``{id}``."""

    def __init__(self, sources: list[tuple], check: str, args: dict[str, Any]) -> None:
        self.sources = [(src + (False,))[:3] for src in sources]
        self.check, self.args = check, args


def _parts(store: Store, flt: DocFilter) -> list[_Part]:
    """The filter's conditions, the most selective first (the first one drives the query)."""
    parts: list[_Part] = []
    if flt.search:
        parts.append(_Part(
            [("src.rowid", "documents_fts AS src WHERE documents_fts MATCH :q")],
            "EXISTS (SELECT 1 FROM documents_fts WHERE documents_fts MATCH :q AND rowid = {id})",
            {"q": fts_query(flt.search)}))
    if flt.label:
        ids = [r[0] for r in store.conn.execute("SELECT id FROM labels WHERE name = ?", (flt.label,))]
        marks = ",".join(f":label{i}" for i in range(len(ids))) or "NULL"
        parts.append(_Part(
            [("src.doc_id", f"spans AS src WHERE src.label_id = :label{i}", True) for i in range(len(ids))] +
            [("src.doc_id", f"annotations AS src WHERE src.class_id = :label{i}") for i in range(len(ids))],
            f"(EXISTS (SELECT 1 FROM spans WHERE doc_id = {{id}} AND label_id IN ({marks}))"
            f" OR EXISTS (SELECT 1 FROM annotations WHERE doc_id = {{id}} AND class_id IN ({marks})))",
            {f"label{i}": label_id for i, label_id in enumerate(ids)}))
    if flt.status:
        tasks = [flt.task] if flt.task else store.tasks
        status = "accepted" if flt.status == "labeled" else flt.status
        marks = ",".join(f":task{i}" for i in range(len(tasks))) or "NULL"
        parts.append(_Part(
            [("src.doc_id", f"annotations AS src WHERE src.task = :task{i} AND src.status = :status")
             for i in range(len(tasks))],
            f"EXISTS (SELECT 1 FROM annotations WHERE doc_id = {{id}} AND task IN ({marks}) AND status = :status)",
            {"status": status, **{f"task{i}": t for i, t in enumerate(tasks)}}))
    if flt.split:
        parts.append(_Part([("src.id", "documents AS src WHERE src.split = :split")],
                           "(SELECT split FROM documents WHERE id = {id}) = :split", {"split": flt.split}))
    return parts or [_ALL]


_ALL = _Part([("src.id", "documents AS src WHERE 1")], "1", {})    # every document


def _branches(store: Store, flt: DocFilter) -> tuple[list[str], dict[str, Any]]:
    """One query per id source of the filter's driving condition (the others checked per id),
    each giving its ids greater than ``:after`` in order, at most ``:limit`` (-1: all)."""
    driver, *others = _parts(store, flt)
    args: dict[str, Any] = {}
    for part in (driver, *others):
        args.update(part.args)
    # DISTINCT only where needed (a document with two spans of the label: its index gives them
    # side by side); on the documents themselves it would cost five times the read.
    return [f"SELECT {'DISTINCT ' if twice else ''}{col} FROM {source} AND {col} > :after"
            + "".join(f" AND {p.check.format(id=col)}" for p in others) + f" ORDER BY {col} LIMIT :limit"
            for col, source, twice in driver.sources], args


def ids_after(store: Store, flt: DocFilter, after: int = 0, limit: int = 1000) -> list[int]:
    """The first ``limit`` ids greater than ``after`` that pass ``flt``, ascending."""
    branches, args = _branches(store, flt)
    if not branches:       # a label no task has
        return []
    # Each source is limited on its own (a page of a union is within the union of each branch's
    # page), so no branch is read past the page.
    sql = (" UNION ".join(f"SELECT * FROM ({b})" for b in branches) + " ORDER BY 1 LIMIT :limit"
           if len(branches) > 1 else branches[0])
    return [r[0] for r in store.conn.execute(sql, {**args, "after": after, "limit": limit})]


class IdStream:
    """Every id greater than ``after`` that passes ``flt``, ascending, read as it is asked for:
    one open query per id source, merged (a union in SQL would be sorted whole before its first
    row).  ``conn`` may be another connection to the same project (the list's own, so that the
    open queries' snapshot is not the one labels are written through).  Close it when done."""

    def __init__(self, store: Store, flt: DocFilter, after: int = 0, conn: sqlite3.Connection | None = None) -> None:
        branches, args = _branches(store, flt)
        conn = conn or store.conn
        self._cursors = [conn.execute(sql, {**args, "after": after, "limit": -1}) for sql in branches]
        ordered = [(row[0] for row in cursor) for cursor in self._cursors]
        # one source: its own order; several (or none: a label no task has): merged
        self._ids = ordered[0] if len(ordered) == 1 else _unique(heapq.merge(*ordered))

    def take(self, n: int) -> list[int]:
        """The next ``n`` ids (fewer at the end)."""
        return list(itertools.islice(self._ids, n))

    def close(self) -> None:
        for cursor in self._cursors:
            cursor.close()       # ends the query and its snapshot
        self._cursors = []
        self._ids = iter(())


def _unique(ids: Iterator[int]) -> Iterator[int]:
    last = None
    for i in ids:
        if i != last:
            yield i
            last = i


def iter_ids(store: Store, flt: DocFilter, page: int = 20_000) -> Iterator[list[int]]:
    """Every id that passes ``flt``, a page at a time."""
    stream = IdStream(store, flt)
    try:
        while ids := stream.take(page):
            yield ids
    finally:
        stream.close()


def best_matches(store: Store, text: str, limit: int = 100) -> list[int]:
    """The ``limit`` documents that match ``text`` best (FTS5's bm25 rank), best first."""
    return [r[0] for r in store.conn.execute(
        "SELECT rowid FROM documents_fts WHERE documents_fts MATCH ? ORDER BY rank LIMIT ?", (fts_query(text), limit))]
