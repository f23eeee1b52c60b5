"""Import a file into a project: parse everything, check everything, then write in one transaction.

A bad line anywhere means nothing is written: the store is left exactly as it was.
May run on any thread that owns its :class:`Store`.
"""
from __future__ import annotations

import dataclasses
import pathlib
from typing import Callable

from workbench.formats.errors import FormatError
from workbench.formats.readers import READERS, guess_format
from workbench.store import SPLITS, NewDocument, Store

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


def parse_file(path: str | pathlib.Path, fmt: str | None = None, **options: object) -> list[NewDocument]:
    """Every record of the file, or FormatError for the first bad line."""
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
    return list(READERS[fmt](path, **kwargs))


def preview_file(path: str | pathlib.Path, fmt: str | None = None, limit: int = 20, **options: object) -> list[NewDocument]:
    """The first ``limit`` records, for an import dialog's preview (the whole file is still checked)."""
    return parse_file(path, fmt, **options)[:limit]


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
    """Parse, validate against the project's tasks and label sets, and write all at once.

    Unknown entity labels or sentiment classes abort the import (naming the
    first line that uses one) unless ``add_labels`` is set.
    """
    path = pathlib.Path(path)
    fmt = fmt or guess_format(path)
    docs = parse_file(path, fmt, **options)
    if not docs:
        raise FormatError(path, 0, "the file holds no documents")
    tasks = store.tasks
    known_ner = set(store.label_names("ner"))
    known_cls = set(store.label_names("sentiment"))
    new_labels: list[str] = []
    new_classes: list[str] = []
    for doc in docs:
        if doc.spans and "ner" not in tasks:
            raise FormatError(path, doc.line, "this record has entity spans but the project has no NER task")
        if doc.sentiment is not None and "sentiment" not in tasks:
            raise FormatError(path, doc.line, "this record has a sentiment class but the project has no sentiment task")
        for span in doc.spans or ():
            if span.label not in known_ner and span.label not in new_labels:
                if not add_labels:
                    raise FormatError(path, doc.line, f"unknown entity label {span.label!r} "
                                      f"(project labels: {', '.join(sorted(known_ner)) or 'none'}; "
                                      "allow adding new labels to import it)")
                new_labels.append(span.label)
        if doc.sentiment is not None and doc.sentiment not in known_cls and doc.sentiment not in new_classes:
            if not add_labels:
                raise FormatError(path, doc.line, f"unknown sentiment class {doc.sentiment!r} "
                                  f"(project classes: {', '.join(sorted(known_cls)) or 'none'}; "
                                  "allow adding new labels to import it)")
            new_classes.append(doc.sentiment)
    for name in new_labels + new_classes:
        if not name.strip() or any(c.isspace() for c in name):
            raise FormatError(path, 0, f"label {name!r} cannot be added: names must be non-empty with no spaces")

    ids: list[int] = []
    chunk = 5000
    with store.transaction():
        for name in new_labels:
            store.add_label("ner", name)
        for name in new_classes:
            store.add_label("sentiment", name)
        for i in range(0, len(docs), chunk):
            if cancelled is not None and cancelled():
                raise ImportCancelled("import cancelled; nothing was written")
            ids += store.add_documents(docs[i:i + chunk], annotator=annotator)
            if on_progress is not None:
                on_progress(min(i + chunk, len(docs)), len(docs))
    return ImportReport(
        path=str(path), format=fmt, documents=len(ids),
        ner_labeled=sum(d.spans is not None for d in docs) if "ner" in tasks else 0,
        sentiment_labeled=sum(d.sentiment is not None for d in docs) if "sentiment" in tasks else 0,
        new_labels=tuple(new_labels), new_classes=tuple(new_classes),
        first_id=ids[0] if ids else None, last_id=ids[-1] if ids else None,
    )
