"""The terms kept in the project file (table ``dictionary_terms``, schema 8) and the jobs over them.

Terms belong to the project's span task through their label; deleting a label deletes its
terms.  Every write is one transaction (a list is stored whole or not at all).  The jobs
follow workbench/jobs.py: they open their own Store (a connection stays on its thread),
report Progress and stop with Cancelled, keeping nothing.
"""
from __future__ import annotations

import dataclasses
import pathlib
import time
from typing import Iterable, Sequence

from workbench.dictionaries.matcher import Matcher, TermRule, find_occurrences
from workbench.dictionaries.terms_file import read_term_list
from workbench.errors import UserError
from workbench.formats.errors import display_path
from workbench.jobs import CancelFn, Cancelled, Progress, ProgressFn, check_cancelled, never, no_progress
from workbench.spans import tokenize
from workbench.store import Store
from workbench.store.values import now

OCCURRENCES = "label all occurrences"   # the source of terms added from the Annotate screen
_CHUNK = 2000


@dataclasses.dataclass(frozen=True)
class TermList:
    """One row of ``dictionary list``: the terms of one source, label and set of options."""

    source: str
    label: str
    terms: int
    case_sensitive: bool
    whole_word: bool


@dataclasses.dataclass(frozen=True)
class MatchSummary:
    matches: int
    documents: int             # documents with at least one match
    searched: int              # documents looked at (those not yet accepted)
    by_label: dict[str, int]
    seconds: float

    def summary(self) -> str:
        labels = ", ".join(f"{n:,} {lab}" for lab, n in sorted(self.by_label.items()))
        return (f"{self.matches:,} match{'es' if self.matches != 1 else ''} in {self.documents:,} of "
                f"{self.searched:,} documents not yet accepted" + (f" ({labels})" if labels else ""))


@dataclasses.dataclass(frozen=True)
class OccurrenceCount:
    term: str
    occurrences: int
    documents: int


@dataclasses.dataclass(frozen=True)
class AddedList:
    """What adding a list did: its name, its terms, how many were new, and what every list
    matches now."""

    source: str
    terms: int
    added: list[int]
    matched: MatchSummary

    def summary(self) -> str:
        already = self.terms - len(self.added)
        return (f"added {len(self.added):,} terms from {self.source}"
                + (f" ({already:,} already there)" if already else "")
                + f"; every list now: {self.matched.summary()}")


def _span_task(store: Store) -> str:
    spec = store.span_task
    if spec is None:
        raise UserError("this project has no span-labeling task: dictionaries suggest spans")
    return spec.name


def add_terms(store: Store, pairs: Iterable[tuple[str, str]], *, case_sensitive: bool = False,
              whole_word: bool = True, source: str = "") -> list[int]:
    """Store ``(term, label)`` pairs in one transaction; the ids of the new rows (a term already
    there with the same label and options is left as it is)."""
    task = _span_task(store)
    ids = {lab.name: lab.id for lab in store.labels(task)}
    rows = []
    for term, label in pairs:
        if label not in ids:
            raise UserError(f"unknown label {label!r} (the project's labels: {', '.join(ids) or 'none'})")
        if not term.strip():
            raise UserError("a dictionary term cannot be empty")
        rows.append((ids[label], term, int(case_sensitive), int(whole_word), source, now()))
    with store.transaction():
        # AUTOINCREMENT: the new rows are exactly those above the largest id ever used before
        before = store.conn.execute("SELECT coalesce(max(seq), 0) FROM sqlite_sequence "
                                    "WHERE name = 'dictionary_terms'").fetchone()[0]
        store.conn.executemany("INSERT OR IGNORE INTO dictionary_terms (label_id, term, case_sensitive, whole_word,"
                               " source, added) VALUES (?, ?, ?, ?, ?, ?)", rows)
        return [r[0] for r in store.conn.execute("SELECT id FROM dictionary_terms WHERE id > ? ORDER BY id",
                                                 (before,))]


def remove_terms(store: Store, ids: Sequence[int]) -> int:
    """Delete terms by id (undoing an add); how many there were."""
    with store.transaction():
        return sum(store.conn.execute("DELETE FROM dictionary_terms WHERE id = ?", (i,)).rowcount for i in ids)


def clear_terms(store: Store, *, label: str | None = None, source: str | None = None) -> int:
    """Delete the terms of a label and/or a source (both None: every term); how many."""
    where, args = [], []
    if label is not None:
        where.append("label_id = (SELECT id FROM labels WHERE task = ? AND name = ?)")
        args += [_span_task(store), label]
    if source is not None:
        where.append("source = ?")
        args.append(source)
    with store.transaction():
        return store.conn.execute("DELETE FROM dictionary_terms" + (" WHERE " + " AND ".join(where) if where else ""),
                                  args).rowcount


def term_lists(store: Store) -> list[TermList]:
    rows = store.conn.execute(
        "SELECT t.source, l.name, count(*), t.case_sensitive, t.whole_word FROM dictionary_terms t"
        " JOIN labels l ON l.id = t.label_id GROUP BY t.source, l.name, t.case_sensitive, t.whole_word"
        " ORDER BY min(t.id)").fetchall()
    return [TermList(s, lab, n, bool(cs), bool(ww)) for s, lab, n, cs, ww in rows]


def signature(store: Store) -> tuple[int, int]:
    """Changes whenever a term is added or removed (ids are never reused): whether a matcher
    built earlier is still the project's."""
    return tuple(store.conn.execute("SELECT count(*), coalesce(max(id), 0) FROM dictionary_terms").fetchone())


def term_rules(store: Store) -> list[TermRule]:
    """Every term, in the order it was added (the first added wins a tie)."""
    rows = store.conn.execute("SELECT t.term, l.name, t.case_sensitive, t.whole_word FROM dictionary_terms t"
                              " JOIN labels l ON l.id = t.label_id ORDER BY t.id")
    return [TermRule(term, label, bool(cs), bool(ww)) for term, label, cs, ww in rows]


def load_matcher(project: str | pathlib.Path, *, progress: ProgressFn = no_progress,
                 cancelled: CancelFn = never) -> tuple[tuple[int, int], Matcher]:
    """Job: the project's matcher and the :func:`signature` it was built at.  Any thread."""
    progress(Progress(0, 0, "Reading the dictionaries"))
    with Store(project) as store:
        sig, rules = signature(store), term_rules(store)
    check_cancelled(cancelled)
    progress(Progress(0, 0, f"Building the matcher of {len(rules):,} terms"))
    return sig, Matcher(rules)


def _open_documents(store: Store, task: str, statuses: str, extra: str = "", args: Sequence[object] = ()):
    return store.conn.execute(
        "SELECT d.id, d.text, d.pretokenized FROM documents d JOIN annotations a ON a.doc_id = d.id"
        f" WHERE a.task = ? AND a.status {statuses}{extra} ORDER BY d.id", (task, *args))


def match_project(store: Store, matcher: Matcher, *, progress: ProgressFn = no_progress,
                  cancelled: CancelFn = never) -> MatchSummary:
    """Job: match every document not yet accepted (where suggestions show).  Any thread, with
    a Store opened on it."""
    task = _span_task(store)
    began = time.perf_counter()
    total = store.conn.execute("SELECT count(*) FROM annotations WHERE task = ? AND status <> 'accepted'",
                               (task,)).fetchone()[0]
    cur = _open_documents(store, task, "<> 'accepted'")
    matches = documents = searched = 0
    by_label: dict[str, int] = {}
    while batch := cur.fetchmany(_CHUNK):
        for _id, text, pretokenized in batch:
            found = matcher.match(text, bool(pretokenized))
            if found:
                documents += 1
                matches += len(found)
                for m in found:
                    by_label[m.label] = by_label.get(m.label, 0) + 1
        searched += len(batch)
        check_cancelled(cancelled, "matching cancelled; nothing was written")
        progress(Progress(searched, total, f"Matched {searched:,} of {total:,} documents"))
    return MatchSummary(matches, documents, searched, by_label, time.perf_counter() - began)


def count_occurrences(project: str | pathlib.Path, term: str, *, exclude_doc: int | None = None,
                      progress: ProgressFn = no_progress, cancelled: CancelFn = never) -> OccurrenceCount:
    """Job: where ``term`` occurs as written and as whole words in the unlabeled documents of the
    span task (``exclude_doc`` left out): what "label all occurrences" proposes across the project."""
    occurrences = documents = seen = 0
    with Store(project) as store:
        task = _span_task(store)
        progress(Progress(0, 0, f"Looking for {term!r} in the unlabeled documents"))
        # instr() finds the candidates inside SQLite; the whole-word check needs the tokens
        cur = _open_documents(store, task, "= 'unlabeled'", " AND d.id <> ? AND instr(d.text, ?) > 0",
                              (-1 if exclude_doc is None else exclude_doc, term))
        while batch := cur.fetchmany(_CHUNK):
            for _id, text, pretokenized in batch:
                n = len(find_occurrences(text, tokenize(text, bool(pretokenized)), term))
                occurrences += n
                documents += n > 0
            seen += len(batch)
            check_cancelled(cancelled, "counting cancelled")
            progress(Progress(seen, 0, f"{occurrences:,} occurrences in {documents:,} documents so far"))
    return OccurrenceCount(term, occurrences, documents)


def add_term_list(project: str | pathlib.Path, path: str | pathlib.Path, *, label: str | None = None,
                  csv_rows: bool = False, case_sensitive: bool = False, whole_word: bool = True,
                  progress: ProgressFn = no_progress, cancelled: CancelFn = never) -> AddedList:
    """Job: read a list (refused whole at its first bad line, see terms_file.py), store it in one
    transaction, then match every list on the documents not yet accepted.  Any thread."""
    progress(Progress(0, 0, "Reading the list"))
    with Store(project) as store:
        pairs = read_term_list(path, store.label_names(_span_task(store)), label=label, csv_rows=csv_rows)
        check_cancelled(cancelled, "adding the list cancelled; nothing was stored")
        source = display_path(pathlib.Path(path).name)
        added = add_terms(store, pairs, case_sensitive=case_sensitive, whole_word=whole_word, source=source)
        progress(Progress(0, 0, f"Building the matcher of {signature(store)[0]:,} terms"))
        matcher = Matcher(term_rules(store))
        try:
            matched = match_project(store, matcher, progress=progress, cancelled=cancelled)
        except Cancelled:
            raise Cancelled("the list was stored; counting its matches was cancelled") from None
    return AddedList(source, len(pairs), added, matched)
