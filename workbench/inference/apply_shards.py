"""Merging the outputs of ``workbench-cli apply --shard i/K`` back into one file.

Each shard's output leads every row with its input line (``_line``, apply_files.LINE_KEY)
and lists its rows in input order, so the K parts merge like sorted runs: a streaming k-way
merge on ``_line`` (constant memory), the column dropped.  The result is the file one
unsharded ``apply`` would have written, byte for byte.  The output goes through
``output_paths`` like every other (temporary file, renamed at the end).  Any thread.
"""
from __future__ import annotations

import contextlib
import csv
import heapq
import json
import os
import pathlib
from typing import Any, Iterator

from workbench.errors import UserError
from workbench.formats.errors import FormatError, display_path
from workbench.formats.lines import MAX_FIELD_CHARS
from workbench.inference.apply_files import LINE_KEY, delimiter_for, output_format
from workbench.inference.apply_job import check_input
from workbench.jobs import CancelFn, Progress, ProgressFn, check_cancelled, no_progress
from workbench.output_paths import writing_text


def merge_shards(parts: list[str | os.PathLike[str]], output: str | os.PathLike[str], *, overwrite: bool = False,
                 protect: list[str | os.PathLike[str]] | None = None, progress: ProgressFn = no_progress,
                 cancelled: CancelFn | None = None) -> int:
    """Write ``output`` from the shard outputs ``parts`` (all CSV/TSV or all JSON Lines, as
    ``output``); returns the number of rows.  UserError for a part that is not a shard output,
    parts whose columns differ, or a line found in two parts (the same shard given twice)."""
    fmt = output_format(pathlib.Path(output))
    paths = [pathlib.Path(p) for p in parts]
    if not paths:
        raise UserError("no shard outputs to merge")
    for p in paths:
        check_input(p)
        if output_format(p) != fmt:
            raise UserError(f"{display_path(p)}: the parts and the output must be of one format ({fmt})")
        if os.path.exists(output) and os.path.samefile(p, output):
            raise UserError(f"{display_path(output)} is one of the parts; merge into a new file")
    rows = 0
    with contextlib.ExitStack() as stack:
        handles = [stack.enter_context(open(p, encoding="utf-8", newline="")) for p in paths]
        if fmt == "csv":
            streams, header = _csv_parts(paths, handles)
        else:
            streams, header = [_jsonl_part(p, fh) for p, fh in zip(paths, handles)], None
        with writing_text(output, overwrite=overwrite, protect=[*(protect or []), *paths]) as out:
            writer = csv.writer(out, delimiter=delimiter_for(pathlib.Path(output)), lineterminator="\n") \
                if fmt == "csv" else None
            if writer is not None and header is not None:
                writer.writerow(header)
            last = (0, "")
            for line, value, where in heapq.merge(*streams, key=lambda item: item[0]):
                if line == last[0]:
                    raise UserError(f"line {line} of the input is in two parts ({last[1]} and {where}): "
                                    "was one shard given twice?")
                last = (line, where)
                if writer is not None:
                    writer.writerow(value)
                else:
                    out.write(json.dumps(value, ensure_ascii=False, allow_nan=False) + "\n")
                rows += 1
                if rows % 10_000 == 0:
                    check_cancelled(cancelled, "merge cancelled; nothing was written")
                    progress(Progress(rows, 0, f"{rows:,} rows merged"))
    progress(Progress(rows, rows, f"{rows:,} rows merged"))
    return rows


def _line(path: pathlib.Path, at: int, value: Any) -> int:
    try:
        line = int(value)
    except (TypeError, ValueError):
        raise FormatError(path, at, f"{LINE_KEY} is {value!r}, not a line number: not a shard output") from None
    return line


def _csv_parts(paths: list[pathlib.Path], handles: list[Any]) -> tuple[list[Iterator[tuple[int, Any, str]]],
                                                                      list[str] | None]:
    """Each part's rows without ``_line``, and the header they share (a part with no rows may
    have fewer columns: the input's only)."""
    if csv.field_size_limit() < MAX_FIELD_CHARS + 1:
        csv.field_size_limit(MAX_FIELD_CHARS + 1)
    readers, headers = [], []
    for path, fh in zip(paths, handles):
        reader = csv.reader(fh, delimiter=delimiter_for(path), strict=True)
        head = next(reader, None)
        if head is None:        # an empty part: a shard of JSON Lines input with no rows
            continue
        if not head or head[0] != LINE_KEY:
            raise FormatError(path, 1, f"no {LINE_KEY} column first: not the output of apply --shard")
        readers.append((path, reader))
        headers.append(head[1:])
    header: list[str] | None = None
    streams = []
    for (path, reader), head in zip(readers, headers):
        rows = _csv_rows(path, reader)
        first = next(rows, None)
        if first is None:
            continue
        if header is not None and head != header:
            raise FormatError(path, 1, "its columns differ from another part's: merge the parts of one apply run")
        header = head
        streams.append(_chain(first, rows))
    if header is None and headers:      # no part has a row: the input's columns, as apply writes them
        header = headers[0]
    return streams, header


def _csv_rows(path: pathlib.Path, reader: Any) -> Iterator[tuple[int, Any, str]]:
    shown = display_path(path)
    try:
        for row in reader:
            yield _line(path, reader.line_num, row[0] if row else None), row[1:], shown
    except csv.Error as exc:
        raise FormatError(path, reader.line_num, f"not valid CSV ({exc})") from None
    except UnicodeDecodeError:
        raise FormatError(path, reader.line_num + 1, "not UTF-8 text: not the output of apply --shard") from None


def _jsonl_part(path: pathlib.Path, fh: Any) -> Iterator[tuple[int, Any, str]]:
    shown = display_path(path)
    number = 0
    while True:
        try:
            text = fh.readline()
        except UnicodeDecodeError:
            raise FormatError(path, number + 1, "not UTF-8 text: not the output of apply --shard") from None
        if not text:
            return
        number += 1
        if not text.strip():
            continue
        try:
            record = json.loads(text)
        except ValueError as exc:
            raise FormatError(path, number, f"not valid JSON ({exc})") from None
        if not isinstance(record, dict) or LINE_KEY not in record:
            raise FormatError(path, number, f"no {LINE_KEY} key: not the output of apply --shard")
        yield _line(path, number, record.pop(LINE_KEY)), record, shown


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest
