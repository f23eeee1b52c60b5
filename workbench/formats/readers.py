"""Parsers: a file in, :class:`NewDocument` records out.  They never touch the store.

Every problem raises :class:`FormatError` with the file and line, so an import
can refuse the whole file before writing anything.
"""
from __future__ import annotations

import csv
import io
import json
import pathlib
from typing import Any, Iterator

from workbench.formats.errors import FormatError
from workbench.spans import Span, SpanError, bio_to_spans, tokenize, validate_spans
from workbench.store.models import SPLITS, NewDocument

_TAG_PREFIXES = ("B", "I", "E", "S")


def read_lines(path: pathlib.Path) -> Iterator[tuple[int, str]]:
    """(line number, text without its newline); decoding problems name their line."""
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise FormatError(path, number, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
            yield number, line.rstrip("\r\n")


def _rows(reader: Any, path: pathlib.Path, kind: str) -> Iterator[list[str]]:
    """The csv reader's rows; what it cannot parse (a stray carriage return in an unquoted
    field, ...) becomes a FormatError that names the line."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise FormatError(path, max(1, reader.line_num), f"not valid {kind}: {exc}") from None


# ---- CoNLL ---------------------------------------------------------------------------
def read_conll(path: pathlib.Path, *, unit: str = "sentence", split: str | None = None) -> Iterator[NewDocument]:
    """CoNLL-2003 style: token first, tag last, blank line between sentences,
    ``-DOCSTART-`` between documents; IOB1, IOB2 or BIOES tags.

    ``unit="sentence"`` makes one document per sentence (its CoNLL document
    number kept in metadata); ``unit="document"`` one per ``-DOCSTART-`` block,
    sentences on their own lines.
    """
    if unit not in ("sentence", "document"):
        raise FormatError(path, 0, f"unit must be 'sentence' or 'document', not {unit!r}")
    sentences: list[tuple[list[str], list[str]]] = []
    words: list[str] = []
    tags: list[str] = []
    first_line = doc_line = 0
    doc_no = 0

    def sentence_doc(ws: list[str], ts: list[str], line: int) -> NewDocument:
        text = " ".join(ws)
        try:
            spans = bio_to_spans(tokenize(text, pretokenized=True), ts)
        except SpanError as exc:
            raise FormatError(path, line, str(exc)) from None
        return NewDocument(text, source=path.name, split=split, meta={"conll_document": doc_no},
                           pretokenized=True, spans=spans, line=line)

    def document_doc() -> NewDocument:
        text = "\n".join(" ".join(ws) for ws, _ in sentences)
        all_tags = [t for _, ts in sentences for t in ts]
        try:
            spans = bio_to_spans(tokenize(text, pretokenized=True), all_tags)
        except SpanError as exc:
            raise FormatError(path, doc_line, str(exc)) from None
        return NewDocument(text, source=path.name, split=split, meta={"conll_document": doc_no}, pretokenized=True,
                           spans=spans, line=doc_line)

    for number, line in read_lines(path):
        stripped = line.strip()
        if not stripped or stripped.startswith("-DOCSTART-"):
            if words:
                if unit == "sentence":
                    yield sentence_doc(words, tags, first_line)
                else:
                    sentences.append((words, tags))
                words, tags = [], []
            if stripped.startswith("-DOCSTART-"):
                if unit == "document" and sentences:
                    yield document_doc()
                    sentences = []
                doc_no += 1
                doc_line = number
            continue
        cols = stripped.split()
        if len(cols) < 2:
            raise FormatError(path, number, f"expected a token and a tag separated by whitespace, got {stripped!r}")
        tag = cols[-1]
        prefix, dash, label = tag.partition("-")
        if tag != "O" and not (dash and label and prefix in _TAG_PREFIXES):
            raise FormatError(path, number, f"tag {tag!r} is not O or B-/I-/E-/S- followed by a label")
        if not words:
            first_line = number
            if unit == "document" and not sentences and not doc_line:
                doc_line = number
        words.append(cols[0])
        tags.append(tag)
    if words:
        if unit == "sentence":
            yield sentence_doc(words, tags, first_line)
        else:
            sentences.append((words, tags))
    if unit == "document" and sentences:
        yield document_doc()


# ---- JSONL ---------------------------------------------------------------------------
def _jsonl_spans(path: pathlib.Path, number: int, raw: Any, doccano: bool) -> list[Span]:
    if not isinstance(raw, list):
        raise FormatError(path, number, "spans must be a list")
    out = []
    for item in raw:
        try:
            if doccano:
                start, end, label = item
            else:
                start, end, label = item["start"], item["end"], item["label"]
        except (TypeError, ValueError, KeyError):
            want = "[start, end, label]" if doccano else '{"start": s, "end": e, "label": L}'
            raise FormatError(path, number, f"span {item!r} is not {want}") from None
        if not (isinstance(start, int) and isinstance(end, int) and isinstance(label, str)) or isinstance(start, bool):
            raise FormatError(path, number, f"span {item!r}: start and end must be integers, label a string")
        out.append(Span(start, end, label))
    return out


def read_jsonl(path: pathlib.Path, *, split: str | None = None) -> Iterator[NewDocument]:
    """``{"text", "spans": [{"start","end","label"}], "sentiment"}`` per line, or doccano's
    ``"label": [[s, e, "PER"], ...]`` (NER) / ``"label": ["positive"]`` (classification).
    Other keys are kept as metadata and written back on export."""
    for number, line in read_lines(path):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise FormatError(path, number, f"not valid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(record, dict):
            raise FormatError(path, number, "each line must be a JSON object")
        text = record.pop("text", None)
        if not isinstance(text, str) or not text.strip():
            raise FormatError(path, number, 'missing "text" (a non-empty string)')
        spans = sentiment = None
        if "spans" in record:
            spans = _jsonl_spans(path, number, record.pop("spans"), doccano=False)
        if "sentiment" in record:
            sentiment = record.pop("sentiment")
            if sentiment is not None and not isinstance(sentiment, str):
                raise FormatError(path, number, '"sentiment" must be a class name (a string)')
        if "label" in record and (spans is None or sentiment is None):
            raw = record.pop("label")
            if isinstance(raw, list) and raw and all(isinstance(x, list) for x in raw):
                spans = _jsonl_spans(path, number, raw, doccano=True)
            elif isinstance(raw, list) and len(raw) == 1 and isinstance(raw[0], str):
                sentiment = raw[0]
            elif isinstance(raw, str):
                sentiment = raw
            elif raw == []:
                spans = []
            else:
                raise FormatError(path, number, f'"label" {raw!r} is neither spans [[start, end, label], ...] nor a class')
        if spans is not None:
            try:
                spans = validate_spans(text, spans)
            except SpanError as exc:
                raise FormatError(path, number, str(exc)) from None
        ext = record.get("id", "")
        yield NewDocument(text, source=path.name, external_id=str(ext) if ext is not None else "", split=split,
                          meta=record, spans=spans, sentiment=sentiment, line=number)


# ---- CSV / TSV -----------------------------------------------------------------------
def read_csv(
    path: pathlib.Path,
    *,
    split: str | None = None,
    text_column: str | None = None,
    label_column: str | None = None,
    header: bool = True,
    label_map: dict[str, str] | None = None,
) -> Iterator[NewDocument]:
    """A text column and an optional label column (the sentiment class).

    Tab-separated when the file ends in .tsv (or its first line has a tab and
    no comma).  Without a header, columns are named by their 0-based position.
    """
    lines = list(read_lines(path))
    first = next((l for _, l in lines if l.strip()), "")
    delimiter = "\t" if path.suffix.lower() == ".tsv" or ("\t" in first and "," not in first) else ","
    reader = csv.reader(io.StringIO("\n".join(l for _, l in lines)), delimiter=delimiter)
    columns: list[str] | None = None
    text_idx = label_idx = -1
    for row in _rows(reader, path, "TSV" if delimiter == "\t" else "CSV"):
        number = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if columns is None:
            columns = [c.strip() for c in row] if header else [str(i) for i in range(len(row))]
            want_text = text_column or ("text" if "text" in columns else None)
            if want_text is None and not header:
                want_text = str(len(row) - 1)
            if want_text not in columns:
                raise FormatError(path, number, f"no text column {want_text or 'text'!r}; columns: {', '.join(columns)}")
            text_idx = columns.index(want_text)
            if label_column is not None:
                if label_column not in columns:
                    raise FormatError(path, number, f"no label column {label_column!r}; columns: {', '.join(columns)}")
                label_idx = columns.index(label_column)
            if header:
                continue
        if len(row) != len(columns):
            raise FormatError(path, number, f"expected {len(columns)} fields, found {len(row)}")
        text = row[text_idx]
        if not text.strip():
            raise FormatError(path, number, "the text field is empty")
        sentiment = None
        if label_idx >= 0 and row[label_idx].strip():
            sentiment = row[label_idx].strip()
            if label_map is not None:
                if sentiment not in label_map:
                    raise FormatError(path, number, f"label {sentiment!r} is not in the label map")
                sentiment = label_map[sentiment]
        meta = {c: v for i, (c, v) in enumerate(zip(columns, row)) if i not in (text_idx, label_idx)}
        yield NewDocument(text, source=path.name, split=split, meta=meta, sentiment=sentiment, line=number)


# ---- plain text ----------------------------------------------------------------------
def read_txt(path: pathlib.Path, *, split: str | None = None) -> Iterator[NewDocument]:
    """One document per non-empty line."""
    for number, line in read_lines(path):
        if line.strip():
            yield NewDocument(line, source=path.name, split=split, line=number)


READERS = {"conll": read_conll, "jsonl": read_jsonl, "csv": read_csv, "txt": read_txt}


def guess_format(path: pathlib.Path) -> str:
    suffix = path.suffix.lower()
    return {".conll": "conll", ".iob": "conll", ".bio": "conll", ".jsonl": "jsonl", ".json": "jsonl",
            ".csv": "csv", ".tsv": "csv", ".txt": "txt"}.get(suffix, "txt")
