"""The files ``workbench-cli apply`` (and the app's Apply dialog) reads and writes, row by row.

Input: CSV or TSV with a header and a text column, JSON Lines with a text key, or plain
text with one text per line (blank lines are not rows).  Lines are read with
``formats.lines`` (UTF-8 checked per line, LF/CRLF/CR, a cap on a line's length) and CSV
with ``formats.readers``' strict parser, so a row's problem names its file and line.  A bad
row (not UTF-8, not JSON, no text, too long, the wrong number of fields) comes back with
its problem instead of ending the file: the job either stops on it or skips it.  A broken
file structure (a CSV quote never closed, a line over 16 MiB) ends the file.

Output: CSV/TSV (the input's columns, then the prediction's cells) or JSON Lines (the
input's record, then the prediction's fields), by the output's extension; written through
``workbench.output_paths`` by the job.  Pure Python; any thread.
"""
from __future__ import annotations

import csv
import dataclasses
import itertools
import json
import pathlib
from typing import Any, Iterator, Sequence, TextIO

from workbench.errors import UserError
from workbench.formats.errors import FormatError, display_path
from workbench.formats.json_values import parse_record, short
from workbench.formats.lines import MAX_FIELD_CHARS, lines_or_problems
from workbench.formats.readers import _rows as csv_rows   # the strict CSV parser's errors, as file:line
from workbench.inference.limits import MAX_DOC_CHARS

INPUT_FORMATS = {".csv": "csv", ".tsv": "csv", ".jsonl": "jsonl", ".json": "jsonl", ".ndjson": "jsonl",
                 ".txt": "txt", ".text": "txt"}
OUTPUT_FORMATS = {".csv": "csv", ".tsv": "csv", ".jsonl": "jsonl", ".json": "jsonl", ".ndjson": "jsonl"}
LINE_KEY = "_line"      # sharded outputs: the input line of each row, so shards merge back in input order


@dataclasses.dataclass
class Row:
    """One input row: where it starts, its fields as read, its text, or what is wrong with it."""

    line: int
    fields: list[tuple[str, Any]]     # (column or key, value) in input order
    text: str = ""
    problem: FormatError | None = None


def input_format(path: pathlib.Path) -> str:
    """csv, jsonl or txt, by the file's extension; UserError for another."""
    return _by_extension(path, INPUT_FORMATS, "the input must end in .csv, .tsv, .jsonl or .txt (one text per line)")


def output_format(path: pathlib.Path) -> str:
    """csv or jsonl, by the file's extension; UserError for another."""
    return _by_extension(path, OUTPUT_FORMATS, "the output must end in .csv, .tsv or .jsonl (it says which "
                                               "format to write)")


def _by_extension(path: pathlib.Path, formats: dict[str, str], rule: str) -> str:
    fmt = formats.get(path.suffix.lower())
    if fmt is None:
        raise UserError(f"{display_path(path)}: {rule}; got {path.suffix or 'no extension'!r}")
    return fmt


class RowReader:
    """Iterates an input file's rows; ``bytes_read`` says how far it got (for progress)."""

    def __init__(self, path: pathlib.Path, text_field: str | None = None) -> None:
        self.path = pathlib.Path(path)
        self.format = input_format(self.path)
        self.text_field = text_field or "text"
        self.bytes_read = 0
        self.columns: list[str] = []      # CSV: the header (known after the first row)
        if self.format == "txt" and text_field not in (None, "text"):
            raise UserError("--text-column is for CSV and JSONL input; a .txt file holds one text per line")

    def __iter__(self) -> Iterator[Row]:
        return {"csv": self._csv, "jsonl": self._jsonl, "txt": self._txt}[self.format]()

    def _lines(self, universal: bool = True, hint: str = "") -> Iterator[tuple[int, str, str, FormatError | None]]:
        for number, text, ending, problem in lines_or_problems(self.path, universal=universal, hint=hint):
            self.bytes_read += len(text.encode("utf-8", "replace")) + len(ending)
            yield number, text, ending, problem

    def _checked(self, row: Row) -> Row:
        if row.problem is None and not row.text.strip():
            row.problem = FormatError(self.path, row.line, "the text is empty")
        elif row.problem is None and len(row.text) > MAX_DOC_CHARS:
            row.problem = FormatError(self.path, row.line, f"the text is {len(row.text):,} characters long; the "
                                                           f"limit is {MAX_DOC_CHARS:,} (split it into shorter texts)")
        return row

    def _txt(self) -> Iterator[Row]:
        for number, text, _, problem in self._lines():
            if problem is not None or text.strip():
                yield self._checked(Row(number, [("text", text)], text, problem))

    def _jsonl(self) -> Iterator[Row]:
        key = self.text_field
        for number, line, _, problem in self._lines(universal=False, hint=" (one JSON record)"):
            if problem is None and not line.strip():
                continue
            row = Row(number, [], problem=problem)
            if problem is None:
                try:
                    record = parse_record(self.path, number, line)
                except FormatError as exc:
                    row.problem = exc
                else:
                    if not isinstance(record, dict):
                        row.problem = FormatError(self.path, number, "each line must be a JSON object")
                    elif not isinstance(record.get(key), str):
                        row.problem = FormatError(self.path, number, f"no {key!r} key holding a string"
                                                  + ("" if key in record else f" (keys: {', '.join(map(short, record))})"))
                    else:
                        row.fields, row.text = list(record.items()), record[key]
            yield self._checked(row)

    def _csv(self) -> Iterator[Row]:
        bad: dict[int, FormatError] = {}   # lines that are not UTF-8: the row that holds one is bad

        def feed() -> Iterator[str]:
            for number, text, ending, problem in self._lines():
                if problem is not None:
                    bad[number] = problem
                yield text + ending

        lines = feed()
        head = list(itertools.islice(lines, 1))
        delimiter = "\t" if self.path.suffix.lower() == ".tsv" or (
            head and "\t" in head[0] and "," not in head[0]) else ","
        if csv.field_size_limit() < MAX_FIELD_CHARS + 1:
            csv.field_size_limit(MAX_FIELD_CHARS + 1)
        reader = csv.reader(itertools.chain(head, lines), delimiter=delimiter, strict=True)
        kind = "TSV" if delimiter == "\t" else "CSV"
        text_idx = -1
        parsed = csv_rows(reader, self.path, kind)
        while True:
            start = reader.line_num + 1
            row = next(parsed, None)
            if row is None:
                return
            problems = [bad.pop(n) for n in range(start, reader.line_num + 1) if n in bad]
            if not any(cell.strip() for cell in row) and not problems:
                continue
            if not self.columns:
                if problems:
                    raise problems[0]
                self.columns = [c.strip() for c in row]
                if self.text_field not in self.columns:
                    raise FormatError(self.path, start, f"no text column {self.text_field!r}; the columns are "
                                                        f"{', '.join(map(repr, self.columns))} (choose one with "
                                                        "--text-column)")
                if self.columns.count(self.text_field) > 1:
                    raise FormatError(self.path, start, f"two columns are named {self.text_field!r}; rename one")
                text_idx = self.columns.index(self.text_field)
                continue
            out = Row(start, list(zip(self.columns, row)), problem=problems[0] if problems else None)
            if out.problem is None and len(row) != len(self.columns):
                out.problem = FormatError(self.path, start, f"expected {len(self.columns)} fields, found {len(row)}")
            elif out.problem is None:
                out.text = row[text_idx]
            yield self._checked(out)


class RowWriter:
    """Writes rows with their predictions to an open text file, as CSV or JSON Lines.

    ``prefix`` goes before every prediction column or key; a name the input already uses is
    refused (the prediction would hide the input's value).  ``line_column``: sharded output,
    each row led by its input line (:data:`LINE_KEY`)."""

    def __init__(self, fh: TextIO, fmt: str, *, input_columns: Sequence[str] = (), delimiter: str = ",",
                 prefix: str = "", line_column: bool = False, source: str = "the input") -> None:
        self.fh, self.format, self.prefix, self.line_column, self.source = fh, fmt, prefix, line_column, source
        self.input_columns = list(input_columns)
        self.csv = csv.writer(fh, delimiter=delimiter, lineterminator="\n") if fmt == "csv" else None
        self.header: list[str] | None = None
        self.names: list[str] = []
        self.rows = 0

    def _names(self, cells: dict[str, Any]) -> dict[str, Any]:
        return {self.prefix + k: v for k, v in cells.items()}

    def _clash(self, names: Sequence[str], present: Sequence[str], where: str) -> None:
        clash = [n for n in names if n in present]
        if clash:
            raise UserError(f"{where} already has {'a column' if self.csv else 'a key'} {clash[0]!r}, which the "
                            f"prediction would replace; add --prefix pred_ (the prediction's "
                            f"{'columns' if self.csv else 'keys'} become pred_{clash[0][len(self.prefix):]}, ...) "
                            "or rename it")

    def write(self, row: Row, prediction: dict[str, Any]) -> None:
        """``prediction``: the task's cells (CSV) or record (JSON Lines) for the row's text."""
        pred = self._names(prediction)
        if self.csv is not None:
            if self.header is None:
                # CSV input: its header; JSON Lines: the first record's keys name the columns
                self.names = self.input_columns or [n for n, _ in row.fields]
                self._clash(list(pred), self.names, self.source)
                self.header = ([LINE_KEY] if self.line_column else []) + self.names + list(pred)
                self.csv.writerow(self.header)
            if self.input_columns:
                values = [v for _, v in row.fields]
            else:
                fields = dict(row.fields)
                extra = [k for k in fields if k not in self.names]
                if extra:
                    raise UserError(f"{self.source}:{row.line}: the key {extra[0]!r} is not among the first "
                                    "record's keys, which name the CSV columns; write .jsonl output to keep "
                                    "every key")
                values = [_cell(fields.get(n, "")) for n in self.names]
            self.csv.writerow(([row.line] if self.line_column else []) + values + list(pred.values()))
        else:
            keys = [k for k, _ in row.fields]
            self._clash(list(pred), keys, f"{self.source}:{row.line}")
            record = {LINE_KEY: row.line} if self.line_column else {}
            record.update(row.fields)
            record.update(pred)
            self.fh.write(json.dumps(record, ensure_ascii=False, allow_nan=False) + "\n")
        self.rows += 1

    def finish(self) -> None:
        """A CSV output with no row still gets its header (the input's columns)."""
        if self.csv is not None and self.header is None and self.input_columns:
            self.csv.writerow(([LINE_KEY] if self.line_column else []) + self.input_columns)


def _cell(value: Any) -> Any:
    """A JSON value as a CSV cell: text and numbers as they are, anything else as JSON."""
    return value if isinstance(value, str) or (isinstance(value, (int, float)) and not isinstance(value, bool)) \
        else json.dumps(value, ensure_ascii=False)


def delimiter_for(path: pathlib.Path) -> str:
    return "\t" if path.suffix.lower() == ".tsv" else ","
