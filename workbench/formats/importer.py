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
import time
from typing import Iterator

from workbench import tasks as task_registry
from workbench.formats.encodings import Decoding
from workbench.formats.errors import FormatError
from workbench.formats.readers import READERS, guess_format
from workbench.jobs import CancelFn, Progress, ProgressFn, check_cancelled
from workbench.store import SPLITS, NewDocument, Store, StoreError
from workbench.store.staging import ImportStage, UnstorableDocument

@dataclasses.dataclass(frozen=True)
class ImportReport:
    path: str
    format: str
    documents: int
    labeled: dict[str, int]                  # documents that came labeled, per task
    new_labels: dict[str, tuple[str, ...]]   # labels the import added, per task
    first_id: int | None
    last_id: int | None
    repaired_lines: int = 0                  # lines an encoding repair changed (--repair-encoding)

    def summary(self) -> str:
        """In words, for the CLI and the app: "30 with entities label, 2 with a sentiment class; new labels: X"."""
        parts = [f"{n:,} labeled for {task_registry.get(task).title}" for task, n in self.labeled.items()
                 if n and task_registry.is_task(task)]
        added = [name for names in self.new_labels.values() for name in names]
        text = ", ".join(parts) or "none labeled"
        if self.repaired_lines:
            text += f"; {self.repaired_lines:,} line{'s' if self.repaired_lines != 1 else ''} repaired (encoding)"
        return text + (f"; new labels: {', '.join(added)}" if added else "")


CHUNK = 5000   # records staged per step: between steps the import can be cancelled
CANCELLED = "import cancelled; nothing was written"


def read_records(path: str | pathlib.Path, fmt: str | None = None, **options: object) -> Iterator[NewDocument]:
    """The file's records one by one (FormatError at the first bad line).  ``encoding`` and
    ``repair_encoding`` (or a ``decoding`` that counts the repairs) say how its bytes are read."""
    path = pathlib.Path(path)
    decoding = options.pop("decoding", None) or decoding_for(path, options)
    fmt = fmt or guess_format(path)
    if fmt not in READERS:
        raise FormatError(path, 0, f"unknown format {fmt!r}; use one of {', '.join(READERS)}")
    if not path.is_file():
        raise FormatError(path, 0, "no such file")
    split = options.get("split")
    if split is not None and split not in SPLITS:
        raise FormatError(path, 0, f"unknown split {split!r}; use one of {', '.join(SPLITS)}")
    accepted = {"conll": {"split", "unit"}, "jsonl": {"split", "label_task"}, "txt": {"split"},
                "csv": {"split", "text_column", "label_column", "label_task", "header", "label_map"}}[fmt]
    kwargs = {k: v for k, v in options.items() if k in accepted and v is not None}
    return iter(READERS[fmt](path, decoding=decoding, **kwargs))


def decoding_for(path: pathlib.Path, options: dict) -> Decoding:
    """The :class:`Decoding` that the ``encoding`` and ``repair_encoding`` options ask for."""
    try:
        return Decoding(str(options.get("encoding") or "utf-8"), bool(options.get("repair_encoding")))
    except (ValueError, LookupError) as exc:
        raise FormatError(path, 0, str(exc)) from None


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
        self.span_task = store.span_task
        self.known = {task: set(store.label_names(task)) for task in self.tasks}
        self.add_labels = add_labels
        self.new: dict[str, list[str]] = {task: [] for task in self.tasks}

    def __call__(self, doc: NewDocument) -> None:
        if doc.spans and self.span_task is None:
            raise FormatError(self.path, doc.line, "this record has entity spans but the project has no "
                              "span-labeling task")
        for task in doc.classes:
            if task not in self.tasks:
                title = task_registry.get(task).title if task_registry.is_task(task) else task
                raise FormatError(self.path, doc.line, f"this record has a {title} class but the project has no "
                                  f"{title} task")
        for span in doc.spans or ():
            self._label(self.span_task, span.label, doc.line)
        for task, name in doc.classes.items():
            self._label(task_registry.get(task), name, doc.line)

    def _label(self, spec: task_registry.TaskSpec, name: str, line: int) -> None:
        task = spec.name
        if name in self.known[task]:
            return
        if not self.add_labels:
            raise FormatError(self.path, line, f"unknown {spec.noun} {name!r} "
                              f"(project {spec.set_name}: {', '.join(sorted(self.known[task])) or 'none'}; "
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


def _reading(line: int, total: int, records: int, seconds: float) -> str:
    """"120,000 of 1,000,000 lines read · 41,000 records/s · about 21 s left to read"."""
    text = f"{line:,} of {total:,} lines read"
    if seconds > 0.5 and records:
        rate = records / seconds
        text += f" · {rate:,.0f} records/s"
        if line < total:
            text += f" · about {max(1, round((total - line) * records / max(line, 1) / rate)):,} s left to read"
    return text


def import_file(
    store: Store,
    path: str | pathlib.Path,
    fmt: str | None = None,
    *,
    add_labels: bool = False,
    annotator: str = "",
    progress: ProgressFn | None = None,
    cancelled: CancelFn | None = None,
    **options: object,
) -> ImportReport:
    """Read, validate against the project's tasks and label sets, and write all at once.

    Unknown entity labels or sentiment classes abort the import (naming the
    first line that uses one) unless ``add_labels`` is set.  ``progress`` follows the
    reading (lines read of the file's lines); it is never called while the write lock is
    held.  A cancel (workbench/jobs.py) raises Cancelled before the publishing
    transaction: nothing is written.
    """
    path = pathlib.Path(path)
    fmt = fmt or guess_format(path)
    if store.read_only:
        raise StoreError(f"{store.path}: the project is read-only ({store.read_only_reason}); nothing can be imported into it")
    if fmt == "csv" and options.get("label_column") and not options.get("label_task"):
        options["label_task"] = _label_task(store, path)
    if fmt == "jsonl" and not options.get("label_task") and len(store.class_tasks) == 1:
        options["label_task"] = store.class_tasks[0].name     # where doccano's class "label" goes
    decoding = decoding_for(path, options)
    records = read_records(path, fmt, decoding=decoding, **options)
    total = _count_lines(path) if progress is not None else 0
    check = _LabelCheck(store, path, add_labels)
    started = time.monotonic()
    with ImportStage(store, annotator=annotator) as stage:
        chunk: list[NewDocument] = []
        done = False
        while not done:
            check_cancelled(cancelled, CANCELLED)
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
            if progress is not None and chunk:
                line = min(chunk[-1].line, total)
                progress(Progress(line, total, _reading(line, total, stage.count, time.monotonic() - started)))
        if not stage.count:
            raise FormatError(path, 0, "the file holds no documents")
        check_cancelled(cancelled, CANCELLED)
        if progress is not None:     # one transaction, not cancellable: a busy bar while it runs
            progress(Progress(0, 0, f"Adding {stage.count:,} documents to the project"))
        ids = stage.publish(check.new)
    if progress is not None:
        progress(Progress(total, total, f"{len(ids):,} documents imported"))
    labeled = dict(stage.classes_labeled)
    if check.span_task is not None:
        labeled[check.span_task.name] = stage.spans_labeled
    return ImportReport(
        path=str(path), format=fmt, documents=len(ids),
        labeled={task: labeled.get(task, 0) for task in check.tasks},
        new_labels={task: tuple(names) for task, names in check.new.items() if names},
        first_id=ids[0] if ids else None, last_id=ids[-1] if ids else None, repaired_lines=decoding.repaired_lines,
    )


def _label_task(store: Store, path: pathlib.Path) -> str:
    """The classification task a CSV's label column feeds: the project's only one."""
    tasks = store.class_tasks
    if len(tasks) != 1:
        names = ", ".join(t.name for t in tasks) or "none"
        raise FormatError(path, 0, f"the label column needs a classification task to go to; this project has "
                          f"{len(tasks)} ({names}): say which with the label task option")
    return tasks[0].name
