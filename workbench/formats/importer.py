"""Import a file into a project: read and check it all, then publish it in one transaction.

The file is read as a stream: each record is checked against the project's tasks
and label sets and staged (see workbench/store/staging.py) chunk by chunk, so
memory does not grow with the file and the project's write lock is not held
while it is read.  A bad line anywhere means nothing is written: the project is
left exactly as it was.  May run on any thread that owns its :class:`Store`.
"""
from __future__ import annotations

import dataclasses
import pathlib
from typing import Callable, Iterator

from workbench.formats.errors import FormatError
from workbench.formats.readers import READERS, guess_format
from workbench.store import SPLITS, NewDocument, Store, StoreError
from workbench.store.staging import ImportStage, UnstorableDocument

Progress = Callable[[int, int], None]


@dataclasses.dataclass(frozen=True)
class ImportReport:
    path: str
    format: str
    documents: int
    ner_labeled: int
    sentiment_labeled: int
    new_labels: tuple[str, ...]
    new_classes: tuple[str, ...]
    first_id: int | None
    last_id: int | None


class ImportCancelled(Exception):
    """The user stopped the import; nothing was written."""


CHUNK = 5000   # records staged per step: between steps the import can be cancelled


def read_records(path: str | pathlib.Path, fmt: str | None = None, **options: object) -> Iterator[NewDocument]:
    """The file's records one by one (FormatError at the first bad line)."""
    path = pathlib.Path(path)
    fmt = fmt or guess_format(path)
    if fmt not in READERS:
        raise FormatError(path, 0, f"unknown format {fmt!r}; use one of {', '.join(READERS)}")
    if not path.is_file():
        raise FormatError(path, 0, "no such file")
    split = options.get("split")
    if split is not None and split not in SPLITS:
        raise FormatError(path, 0, f"unknown split {split!r}; use one of {', '.join(SPLITS)}")
    accepted = {"conll": {"split", "unit"}, "jsonl": {"split"}, "txt": {"split"},
                "csv": {"split", "text_column", "label_column", "header", "label_map"}}[fmt]
    kwargs = {k: v for k, v in options.items() if k in accepted and v is not None}
    return iter(READERS[fmt](path, **kwargs))


def parse_file(path: str | pathlib.Path, fmt: str | None = None, **options: object) -> list[NewDocument]:
    """Every record of the file, or FormatError for the first bad line."""
    return list(read_records(path, fmt, **options))


def preview_file(path: str | pathlib.Path, fmt: str | None = None, limit: int = 20, **options: object) -> list[NewDocument]:
    """The first ``limit`` records, for an import dialog's preview (the whole file is still checked)."""
    return parse_file(path, fmt, **options)[:limit]


class _LabelCheck:
    """Checks each record against the project's tasks and label sets; collects new labels."""

    def __init__(self, store: Store, path: pathlib.Path, add_labels: bool) -> None:
        self.path = path
        self.tasks = store.tasks
        self.known = {"ner": set(store.label_names("ner")), "sentiment": set(store.label_names("sentiment"))}
        self.add_labels = add_labels
        self.new: dict[str, list[str]] = {"ner": [], "sentiment": []}

    def __call__(self, doc: NewDocument) -> None:
        if doc.spans and "ner" not in self.tasks:
            raise FormatError(self.path, doc.line, "this record has entity spans but the project has no NER task")
        if doc.sentiment is not None and "sentiment" not in self.tasks:
            raise FormatError(self.path, doc.line,
                              "this record has a sentiment class but the project has no sentiment task")
        for span in doc.spans or ():
            self._label("ner", span.label, doc.line)
        if doc.sentiment is not None:
            self._label("sentiment", doc.sentiment, doc.line)

    def _label(self, task: str, name: str, line: int) -> None:
        if name in self.known[task]:
            return
        what, kind = ("entity label", "labels") if task == "ner" else ("sentiment class", "classes")
        if not self.add_labels:
            raise FormatError(self.path, line, f"unknown {what} {name!r} "
                              f"(project {kind}: {', '.join(sorted(self.known[task])) or 'none'}; "
                              "allow adding new labels to import it)")
        if not name.strip() or any(c.isspace() for c in name):
            raise FormatError(self.path, line, f"label {name!r} cannot be added: names must be non-empty with no spaces")
        try:
            name.encode("utf-8")
        except UnicodeEncodeError:
            raise FormatError(self.path, line, f"label {name!r} cannot be added: it holds half of a surrogate pair, "
                              "which is not a character") from None
        self.known[task].add(name)
        self.new[task].append(name)


def _count_lines(path: pathlib.Path) -> int:
    """For the progress bar: lines in the file (a fast byte count, no decoding)."""
    lines = 0
    last = b"\n"
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            lines += block.count(b"\n")
            last = block[-1:]
    return lines + (last != b"\n")


def import_file(
    store: Store,
    path: str | pathlib.Path,
    fmt: str | None = None,
    *,
    add_labels: bool = False,
    annotator: str = "",
    on_progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    **options: object,
) -> ImportReport:
    """Read, validate against the project's tasks and label sets, and write all at once.

    Unknown entity labels or sentiment classes abort the import (naming the
    first line that uses one) unless ``add_labels`` is set.  ``on_progress(line,
    lines)`` follows the reading; it is never called while the write lock is held.
    """
    path = pathlib.Path(path)
    fmt = fmt or guess_format(path)
    if store.read_only:
        raise StoreError(f"{store.path}: the project is read-only ({store.read_only_reason}); nothing can be imported into it")
    records = read_records(path, fmt, **options)
    total = _count_lines(path) if on_progress is not None else 0
    check = _LabelCheck(store, path, add_labels)
    with ImportStage(store, annotator=annotator) as stage:
        chunk: list[NewDocument] = []
        done = False
        while not done:
            if cancelled is not None and cancelled():
                raise ImportCancelled("import cancelled; nothing was written")
            chunk.clear()
            for doc in records:
                check(doc)
                chunk.append(doc)
                if len(chunk) >= CHUNK:
                    break
            else:
                done = True
            try:
                stage.add(chunk)
            except UnstorableDocument as exc:
                raise FormatError(path, exc.doc.line, exc.problem) from None
            if on_progress is not None and chunk:
                on_progress(min(chunk[-1].line, total), total)
        if not stage.count:
            raise FormatError(path, 0, "the file holds no documents")
        if cancelled is not None and cancelled():
            raise ImportCancelled("import cancelled; nothing was written")
        ids = stage.publish(check.new["ner"], check.new["sentiment"])
    if on_progress is not None:
        on_progress(total, total)
    tasks = check.tasks
    return ImportReport(
        path=str(path), format=fmt, documents=len(ids),
        ner_labeled=stage.ner_labeled if "ner" in tasks else 0,
        sentiment_labeled=stage.sentiment_labeled if "sentiment" in tasks else 0,
        new_labels=tuple(check.new["ner"]), new_classes=tuple(check.new["sentiment"]),
        first_id=ids[0] if ids else None, last_id=ids[-1] if ids else None,
    )
