"""The File menu's long work as jobs (workbench/jobs.py): preview a file, import it, export.

Each job opens what it needs itself (a Store belongs to the thread that made it), so any
thread may run it: the import and export dialogs run them through ``ui/workers.py``.
The CSV column guesses live here too, so that an import started before its preview
(Enter at once) uses the columns the preview would have shown.
"""
from __future__ import annotations

import pathlib
from typing import Any

from workbench.formats.errors import FormatError
from workbench.formats.importer import ImportReport, decoding_for, import_file, read_records
from workbench.formats.readers import read_csv
from workbench.formats.writers import export_file
from workbench.jobs import CancelFn, Cancelled, Progress, ProgressFn, check_cancelled, no_progress
from workbench.store import NewDocument, Store

PREVIEW_ROWS = 20
PREVIEW_CHECK_EVERY = 2000    # records read between two cancel checks of a preview
# Header names picked by themselves (case-insensitive), first match wins.
TEXT_NAMES = ("text", "review", "sentence", "content", "body", "comment", "document", "message", "tweet")
LABEL_NAMES = ("label", "sentiment", "class", "polarity", "labels")


def csv_header(path: str | pathlib.Path, encoding: str = "utf-8") -> list[str]:
    """The names in a CSV/TSV file's first row, read by the core's own reader (its
    delimiter and quoting rules) as a headerless row; ``[]`` if it cannot be read."""
    options = {"encoding": encoding}
    # Read as the text of column 0 with the others as metadata, or, when the first
    # name is empty (a pandas index column), as the last column's text.
    for text_column in ("0", None):
        try:
            decoding = decoding_for(pathlib.Path(path), options)
            first = next(read_csv(pathlib.Path(path), header=False, text_column=text_column, decoding=decoding), None)
        except (FormatError, OSError):
            continue
        if first is None:
            return []
        values = list(first.meta.values())
        cells = [first.text, *values] if text_column == "0" else [*values, first.text]
        return [c.strip() for c in cells]
    return []


def _pick(columns: list[str], names: tuple[str, ...]) -> str | None:
    lowered = {c.lower(): c for c in reversed(columns)}
    return next((lowered[n] for n in names if n in lowered), None)


def resolve_columns(path: str | pathlib.Path, fmt: str, guess: bool,
                    options: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """The CSV header and the options with the guessed text and label columns filled in
    (when ``guess``: a new file, nothing chosen yet)."""
    if fmt != "csv":
        return [], options
    columns = csv_header(path, options.get("encoding") or "utf-8")
    if guess:
        text = _pick(columns, TEXT_NAMES)
        options = {**options, "text_column": text,
                   "label_column": _pick([c for c in columns if c != text], LABEL_NAMES)}
    return columns, options


def preview_job(path: str, fmt: str, guess: bool, *, progress: ProgressFn = no_progress,
                cancelled: CancelFn | None = None, **options: Any) -> dict[str, Any]:
    """How many records the file holds and the first few (the whole file is checked), how many
    lines an encoding repair changes, and for CSV the header and the columns used.  A bad file is a result here, not a
    failure: the preview shows the core's message ("file:line: problem")."""
    columns, options = resolve_columns(path, fmt, guess, options)
    result: dict[str, Any] = {"columns": columns, "text_column": options.get("text_column"),
                              "label_column": options.get("label_column")}
    progress(Progress(0, 0, "Reading the file"))
    docs: list[NewDocument] = []
    total = 0
    try:
        decoding = decoding_for(pathlib.Path(path), options)   # counts what a repair changes
        for doc in read_records(path, fmt, decoding=decoding, **options):
            total += 1
            if len(docs) < PREVIEW_ROWS:
                docs.append(doc)
            if total % PREVIEW_CHECK_EVERY == 0:
                check_cancelled(cancelled, "preview cancelled")
                progress(Progress(0, 0, f"{total:,} documents read"))
    except Cancelled:
        raise
    except Exception as exc:  # noqa: BLE001 - FormatError or an OS error, shown as text
        return {**result, "error": str(exc)}
    return {**result, "total": total, "docs": docs, "repaired_lines": decoding.repaired_lines}


def import_job(project: str | pathlib.Path, path: str, fmt: str, guess: bool, *, progress: ProgressFn = no_progress,
               cancelled: CancelFn | None = None, **options: Any) -> ImportReport:
    """Import ``path`` into ``project`` (see importer.import_file); a cancel writes nothing."""
    # Enter may come before the preview: the same guesses it would have shown.
    _, options = resolve_columns(path, fmt, guess, options)
    with Store(project) as store:
        return import_file(store, path, fmt, progress=progress, cancelled=cancelled, **options)


def export_job(project: str | pathlib.Path, path: str, fmt: str, overwrite: bool = False, *,
               progress: ProgressFn = no_progress, cancelled: CancelFn | None = None) -> int:
    """Export ``project`` to ``path`` (see writers.export_file); how many documents were written.
    The writers replace the target only when they finish, so it is cancelled only before it starts."""
    check_cancelled(cancelled, "export cancelled; nothing was written")
    progress(Progress(0, 0, f"Writing {pathlib.Path(path).name}"))
    with Store(project) as store:
        written = export_file(store, path, fmt, overwrite=overwrite)
    progress(Progress(written, written, f"Wrote {written:,} documents"))
    return written
