"""Parsers: a file in, :class:`NewDocument` records out.  They never touch the store.

Every problem raises :class:`FormatError` with the file and line, so an import
can refuse the whole file before writing anything.  What a reader accepts it
keeps exactly (text, tokens, metadata), so an export gives the same records back.
"""
from __future__ import annotations

import csv
import itertools
import pathlib
import re
from typing import Any, Iterator, Sequence

from workbench import tasks as task_registry
from workbench.formats.encodings import Decoding
from workbench.formats.errors import FormatError, display_path
from workbench.formats.json_values import parse_record, short
from workbench.formats.lines import MAX_CONLL_LINE_BYTES, MAX_FIELD_CHARS, read_lines, text_lines
from workbench.spans import Span, SpanError, bio_to_spans, is_cjk_unit, join_tokens, tokenize, validate_spans
from workbench.store.models import NewDocument

_TAG_PREFIXES = ("B", "I", "E", "S")

# ---- CoNLL ---------------------------------------------------------------------------
# Columns are separated by ASCII blanks only, and spans.tokenize(pretokenized=True) splits on
# the same blanks: a token may hold a no-break space (New\u00a0York) and stays one token.
_ASCII_BLANKS = " \t\f\v"
_CONLL_COLUMNS = re.compile(r"[ \t\f\v]+")


def _conll_tag(path: pathlib.Path, number: int, tag: str) -> str:
    prefix, dash, label = tag.partition("-")
    if tag != "O" and not (dash and label and prefix in _TAG_PREFIXES):
        raise FormatError(path, number, f"tag {tag!r} is not O or B-/I-/E-/S- followed by a label")
    if not label.isascii() and any(c.isspace() for c in label):
        raise FormatError(path, number, f"tag {tag!r} holds a space character; labels have no spaces")
    return tag


def conll_text(sentences: Sequence[Sequence[str]]) -> tuple[str, bool]:
    """A CoNLL document's text (sentences on their own lines) and whether it is pretokenized.

    Tokens are joined by single spaces and kept as they are (pretokenized), except in text
    with single CJK characters as tokens (the character-per-line layout of Chinese NER
    corpora): there the text is written as the language writes it, 张三在北京 rather than
    张 三 在 北 京, whenever :func:`tokenize` gives exactly the file's tokens back from it,
    so an export writes the same lines.  A document where it would not (a word-segmented
    token such as 北京 beside single characters) keeps its spaces.
    """
    if any(is_cjk_unit(tok) for ws in sentences for tok in ws):
        text = "\n".join(join_tokens(ws) for ws in sentences)
        if [t.text for t in tokenize(text)] == [tok for ws in sentences for tok in ws]:
            return text, False
    return "\n".join(" ".join(ws) for ws in sentences), True


def read_conll(path: pathlib.Path, *, unit: str = "sentence", split: str | None = None,
               decoding: Decoding | None = None) -> Iterator[NewDocument]:
    """CoNLL-2003 style: token first, tag last, blank line between sentences,
    ``-DOCSTART-`` (exactly, as the first column) between documents; IOB1, IOB2 or BIOES tags.

    ``unit="sentence"`` makes one document per sentence (its CoNLL document
    number kept in metadata); ``unit="document"`` one per ``-DOCSTART-`` block,
    sentences on their own lines.  Lines end with LF, CRLF or CR.
    """
    if unit not in ("sentence", "document"):
        raise FormatError(path, 0, f"unit must be 'sentence' or 'document', not {unit!r}")
    source = display_path(path.name)
    sentences: list[tuple[list[str], list[str]]] = []
    words: list[str] = []
    tags: list[str] = []
    first_line = doc_line = docstart_line = 0
    doc_no = 0

    def make_doc(sents: list[list[str]], all_tags: list[str], line: int) -> NewDocument:
        text, pretokenized = conll_text(sents)
        try:
            spans = validate_spans(text, bio_to_spans(tokenize(text, pretokenized=pretokenized), all_tags))
        except SpanError as exc:
            raise FormatError(path, line, str(exc)) from None
        return NewDocument(text, source=source, split=split, meta={"conll_document": doc_no},
                           pretokenized=pretokenized, spans=spans, line=line)

    def end_sentence() -> Iterator[NewDocument]:
        nonlocal words, tags
        if words:
            if unit == "sentence":
                yield make_doc([words], tags, first_line)
            else:
                sentences.append((words, tags))
            words, tags = [], []

    def end_document() -> Iterator[NewDocument]:
        nonlocal sentences
        if unit == "document" and sentences:
            yield make_doc([ws for ws, _ in sentences], [t for _, ts in sentences for t in ts], doc_line)
            sentences = []

    hint = " (a CoNLL line holds one token and its tags)"
    for number, line, _ in text_lines(path, MAX_CONLL_LINE_BYTES, hint=hint, decoding=decoding):
        if not line.strip():
            yield from end_sentence()
            continue
        cols = _CONLL_COLUMNS.split(line.strip(_ASCII_BLANKS))
        if cols[0] == "-DOCSTART-":
            yield from end_sentence()
            yield from end_document()
            docstart_line = number
            continue
        if len(cols) < 2:
            raise FormatError(path, number, f"expected a token and a tag separated by a space or tab, got {short(line)}")
        tag = _conll_tag(path, number, cols[-1])
        # Documents are numbered when their first token comes, so empty ones leave no gap
        # and an export writes the same -DOCSTART- lines back.
        if docstart_line:
            doc_no += 1
            doc_line, docstart_line = docstart_line, 0
        if not words:
            first_line = number
            if not doc_line:
                doc_line = number
        words.append(cols[0])
        tags.append(tag)
    yield from end_sentence()
    yield from end_document()


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
            raise FormatError(path, number, f"span {short(item)} is not {want}") from None
        # bool is a subclass of int in Python, but true is not an offset
        if (not all(isinstance(x, int) and not isinstance(x, bool) for x in (start, end))
                or not isinstance(label, str)):
            raise FormatError(path, number, f"span {short(item)}: start and end must be integers, label a string")
        out.append(Span(start, end, label))
    return out


def _label_shape(raw: Any) -> str:
    """What doccano's ``"label"`` holds: "spans" ([[s, e, L], ...] or []), "class" ("pos" or ["pos"]), or ""."""
    if isinstance(raw, list) and all(isinstance(x, list) for x in raw):
        return "spans"
    if isinstance(raw, str) or (isinstance(raw, list) and len(raw) == 1 and isinstance(raw[0], str)):
        return "class"
    return ""


def read_jsonl(path: pathlib.Path, *, split: str | None = None, label_task: str | None = None,
               decoding: Decoding | None = None) -> Iterator[NewDocument]:
    """``{"text", "spans": [{"start","end","label"}], "sentiment": "positive"}`` per line: each
    task's annotation under its own key (``TaskSpec.jsonl_key``), or doccano's
    ``"label": [[s, e, "PER"], ...]`` (entities) / ``"label": ["positive"]`` (the class of
    ``label_task``, by default the first classification task).  Other keys are kept as
    metadata and written back on export.  Records are separated by LF (or CRLF), as JSON
    Lines defines."""
    span_spec = next((t for t in task_registry.specs() if t.storage is task_registry.Storage.SPANS), None)
    class_specs = task_registry.class_tasks(task_registry.names())
    label_task = label_task or (class_specs[0].name if class_specs else None)
    source = display_path(path.name)
    for number, line in read_lines(path, universal=False, hint=" (one JSON record)", decoding=decoding):
        if not line.strip():
            continue
        record = parse_record(path, number, line)
        if not isinstance(record, dict):
            raise FormatError(path, number, "each line must be a JSON object")
        text = record.pop("text", None)
        if not isinstance(text, str) or not text.strip():
            raise FormatError(path, number, 'missing "text" (a non-empty string)')
        spans = None
        classes: dict[str, str] = {}
        if span_spec is not None and span_spec.jsonl_key in record:
            spans = _jsonl_spans(path, number, record.pop(span_spec.jsonl_key), doccano=False)
        for spec in class_specs:
            if spec.jsonl_key in record:
                value = record.pop(spec.jsonl_key)
                if value is not None and not isinstance(value, str):
                    raise FormatError(path, number, f'"{spec.jsonl_key}" must be a class name (a string)')
                if value is not None:
                    classes[spec.name] = value
        # doccano's "label" fills what the task keys left open; with both given it is metadata
        if "label" in record and (spans is None or (label_task is not None and label_task not in classes)):
            raw = record["label"]
            shape = _label_shape(raw)
            if not shape:
                raise FormatError(path, number, f'"label" {short(raw)} is neither spans [[start, end, label], ...] '
                                                "nor a class")
            if shape == "spans" and spans is not None:
                raise FormatError(path, number, '"label" holds entity spans but "spans" does too; keep one')
            if shape == "class" and label_task is None:
                raise FormatError(path, number, '"label" holds a class, but there is no classification task')
            if shape == "class" and label_task in classes:
                key = task_registry.get(label_task).jsonl_key
                raise FormatError(path, number, f'"label" holds a class but "{key}" does too; keep one')
            del record["label"]
            if shape == "spans":
                spans = _jsonl_spans(path, number, raw, doccano=True)
            else:
                classes[label_task] = raw if isinstance(raw, str) else raw[0]
        if spans is not None:
            try:
                spans = validate_spans(text, spans)
            except SpanError as exc:
                raise FormatError(path, number, str(exc)) from None
        ext = record.get("id", "")
        yield NewDocument(text, source=source, external_id=str(ext) if ext is not None else "", split=split,
                          meta=record, spans=spans, classes=classes, line=number)


# ---- CSV / TSV -----------------------------------------------------------------------
def _rows(reader: Any, path: pathlib.Path, kind: str) -> Iterator[list[str]]:
    """The (strict) csv reader's rows; what it cannot parse becomes a FormatError that
    names the line: a quote that is never closed, a field over the size limit, ..."""
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                raise FormatError(path, start, f"not valid {kind}: the quoted field that opens on this line "
                                               "is never closed (a stray \")") from None
            if "field larger than field limit" in str(exc):
                raise FormatError(path, max(1, reader.line_num), f"a field is longer than {MAX_FIELD_CHARS:,} "
                                                                 "characters") from None
            raise FormatError(path, max(1, reader.line_num), f"not valid {kind}: {exc} (a quote inside a quoted "
                                                             'field is written twice: "")') from None
        if any(len(cell) > MAX_FIELD_CHARS for cell in row):
            raise FormatError(path, reader.line_num, f"a field is longer than {MAX_FIELD_CHARS:,} characters")
        yield row


def read_csv(
    path: pathlib.Path,
    *,
    split: str | None = None,
    text_column: str | None = None,
    label_column: str | None = None,
    header: bool = True,
    label_map: dict[str, str] | None = None,
    label_task: str | None = None,
    decoding: Decoding | None = None,
) -> Iterator[NewDocument]:
    """A text column and an optional label column: the class of ``label_task`` (by default
    the first classification task).

    Tab-separated when the file ends in .tsv (or its first line has a tab and
    no comma).  Without a header, columns are named by their 0-based position.
    Line endings inside quoted fields are kept as they are in the file.
    """
    source = display_path(path.name)
    lines = text_lines(path, decoding=decoding)
    head = []
    first = ""
    for item in lines:  # up to the first non-blank line, which decides the delimiter
        head.append(item)
        if item[1].strip():
            first = item[1]
            break
    delimiter = "\t" if path.suffix.lower() == ".tsv" or ("\t" in first and "," not in first) else ","
    # The limit is process-wide; raising it to ours cannot break another reader.
    if csv.field_size_limit() < MAX_FIELD_CHARS + 1:
        csv.field_size_limit(MAX_FIELD_CHARS + 1)
    reader = csv.reader((text + ending for _, text, ending in itertools.chain(head, lines)),
                        delimiter=delimiter, strict=True)
    columns: list[str] | None = None
    text_idx = label_idx = -1
    unnamed: set[int] = set()
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
            for name in {columns[text_idx], columns[label_idx] if label_idx >= 0 else columns[text_idx]}:
                if columns.count(name) > 1:
                    raise FormatError(path, number, f"two columns are named {name!r}; rename one")
            # a column without a name, or with another's name, cannot be kept as metadata:
            # its values must be empty (Excel's trailing commas), never silently dropped
            unnamed = {i for i, c in enumerate(columns) if not c or columns.count(c) > 1} - {text_idx, label_idx}
            if header:
                continue
        if len(row) != len(columns):
            raise FormatError(path, number, f"expected {len(columns)} fields, found {len(row)}")
        for i in sorted(unnamed):
            if row[i].strip():
                name = f"has the name {columns[i]!r} twice" if columns[i] else "has no name"
                raise FormatError(path, number, f"column {i + 1} {name} in the header but holds {short(row[i])} "
                                                "here; give every column its own name")
        text = row[text_idx]
        if not text.strip():
            raise FormatError(path, number, "the text field is empty")
        classes: dict[str, str] = {}
        if label_idx >= 0 and row[label_idx].strip():
            value = row[label_idx].strip()
            if label_map is not None:
                if value not in label_map:
                    raise FormatError(path, number, f"label {value!r} is not in the label map")
                value = label_map[value]
            classes[label_task or _default_class_task(path)] = value
        meta = {c: v for i, (c, v) in enumerate(zip(columns, row)) if i not in (text_idx, label_idx, *unnamed)}
        yield NewDocument(text, source=source, external_id=meta.get("id", ""), split=split, meta=meta,
                          classes=classes, line=number)


def _default_class_task(path: pathlib.Path) -> str:
    specs = task_registry.class_tasks(task_registry.names())
    if not specs:
        raise FormatError(path, 0, "a label column needs a classification task, and none is registered")
    return specs[0].name


# ---- plain text ----------------------------------------------------------------------
def read_txt(path: pathlib.Path, *, split: str | None = None, decoding: Decoding | None = None
             ) -> Iterator[NewDocument]:
    """One document per non-empty line (lines end with LF, CRLF or CR)."""
    source = display_path(path.name)
    for number, line in read_lines(path, decoding=decoding):
        if line.strip():
            yield NewDocument(line, source=source, split=split, line=number)


READERS = {"conll": read_conll, "jsonl": read_jsonl, "csv": read_csv, "txt": read_txt}


def guess_format(path: pathlib.Path) -> str:
    suffix = path.suffix.lower()
    return {".conll": "conll", ".iob": "conll", ".bio": "conll", ".jsonl": "jsonl", ".json": "jsonl",
            ".csv": "csv", ".tsv": "csv", ".txt": "txt"}.get(suffix, "txt")
