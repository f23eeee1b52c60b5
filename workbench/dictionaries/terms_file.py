"""Reading a term list: one term a line (all of one label), or CSV rows ``term,label``.

All or nothing: the first bad line (not UTF-8, an empty term, an unknown label, a row that
is not two fields, a term longer than :data:`MAX_TERM_CHARS`) refuses the whole list with
``file:line: problem``, and nothing is stored.  Pure Python: safe on any thread.
"""
from __future__ import annotations

import csv
import pathlib
from typing import Iterable, Iterator

from workbench.formats.errors import FormatError
from workbench.formats.lines import read_lines

MAX_TERM_CHARS = 1000
MAX_LINE_BYTES = 64 << 10
HEADER = ("term", "label")


def _lines(path: pathlib.Path) -> Iterator[tuple[int, str]]:
    if path.is_dir():
        raise FormatError(path, 0, "is a folder; give a text or CSV file with one term a line")
    if not path.is_file():
        raise FormatError(path, 0, "no such file" if not path.exists() else "not a regular file")
    try:
        yield from read_lines(path, max_bytes=MAX_LINE_BYTES, hint=": a term list holds one short term a line")
    except OSError as exc:
        raise FormatError(path, 0, f"cannot be read ({exc.strerror or exc})") from None
    except FormatError as exc:
        if exc.line and "encoding" in exc.problem:   # the importer's advice; a list has no such choice
            raise FormatError(path, exc.line, exc.problem.split(";")[0] + "; save the list as UTF-8") from None
        raise


def _term(path: pathlib.Path, number: int, raw: str) -> str:
    term = raw.strip()
    if not term:
        raise FormatError(path, number, "empty term")
    if len(term) > MAX_TERM_CHARS:
        raise FormatError(path, number, f"the term is longer than {MAX_TERM_CHARS:,} characters")
    return term


def _label(path: pathlib.Path, number: int, label: str, labels: Iterable[str]) -> str:
    known = list(labels)
    if label not in known:
        raise FormatError(path, number, f"unknown label {label!r} (the project's labels: {', '.join(known) or 'none'})")
    return label


def read_term_list(path: str | pathlib.Path, labels: Iterable[str], *, label: str | None = None,
                   csv_rows: bool = False) -> list[tuple[str, str]]:
    """``(term, label)`` pairs of the list, duplicates dropped, in file order.

    One term a line needs ``label`` (one of ``labels``); ``csv_rows`` reads ``term,label``
    rows (quoted as CSV: a term may hold a comma), with an optional ``term,label`` header.
    """
    path = pathlib.Path(path)
    labels = list(labels)
    if csv_rows == (label is not None):
        raise FormatError(path, 0, "give either the label of the list's terms or CSV rows term,label")
    if label is not None:
        _label(path, 0, label, labels)
    out: dict[tuple[str, str], None] = {}
    if not csv_rows:
        for number, line in _lines(path):
            out[(_term(path, number, line), str(label))] = None
        return list(out)
    for number, line in _lines(path):
        try:
            rows = list(csv.reader([line], strict=True))
        except csv.Error as exc:
            raise FormatError(path, number, f"not a CSV row term,label ({exc})") from None
        row = rows[0] if rows else []
        if number == 1 and tuple(c.strip().lower() for c in row) == HEADER:
            continue
        if len(row) != 2:
            raise FormatError(path, number, f"expected 2 fields term,label, found {len(row)}"
                              + ("" if row else " (an empty line)"))
        out[(_term(path, number, row[0]), _label(path, number, row[1].strip(), labels))] = None
    return list(out)
