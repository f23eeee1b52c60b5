"""Hostile files (issue 14): each is imported exactly, and comes back the same through an
export, or is refused with ``file:line: problem`` and the project is left as it was."""
import json
import os
import pathlib
import subprocess
import sys
import tracemalloc

import pytest

import workbench
from table_contents import records, table_contents
from workbench.formats import FormatError, export_file, import_file
from workbench.spans import Span, tokenize
from workbench.store import Store


def refused(project, path, fmt=None, **options) -> str:
    """Import ``path``, expect a refusal that changes no row; the message."""
    before = table_contents(project)
    with pytest.raises(FormatError) as err:
        import_file(project, path, fmt, **options)
    assert table_contents(project) == before
    return str(err.value)


def assert_round_trips(project, tmp_path, fmt, *, tokenization=True, **options):
    """Export the project as ``fmt``, import that into a new project: the same records."""
    out = tmp_path / f"export.{fmt}"
    export_file(project, out, fmt)
    with Store.create(tmp_path / f"again-{fmt}.db", project.tasks, project.label_names("ner"),
                      project.label_names("sentiment")) as again:
        import_file(again, out, fmt, **options)
        assert records(again, tokenization=tokenization) == records(project, tokenization=tokenization)


def write(path, data: bytes):
    path.write_bytes(data)
    return path


def doc_and_spans(project, doc_id):
    return project.document(doc_id), project.annotation(doc_id, "ner").spans


# ---- CoNLL ---------------------------------------------------------------------------
def test_an_old_mac_conll_file_with_cr_line_endings_imports_every_token(project, tmp_path):
    seven = b"EU B-ORG\rrejects O\rGerman B-MISC\rcall O\rto O\rboycott O\rBritish B-MISC\r"
    report = import_file(project, write(tmp_path / "mac.conll", seven + b"\rPeter B-PER\r"), "conll")
    assert report.documents == 2
    doc, spans = doc_and_spans(project, report.first_id)
    assert doc.text == "EU rejects German call to boycott British"
    assert [t.text for t in tokenize(doc.text, doc.pretokenized)] == "EU rejects German call to boycott British".split()
    assert spans == (Span(0, 2, "ORG"), Span(11, 17, "MISC"), Span(34, 41, "MISC"))
    assert_round_trips(project, tmp_path, "conll")
    # CR, CRLF and LF mixed: each ends one line, and an error names the right one
    path = write(tmp_path / "mixed.conll", b"Tim B-PER\r\nCook I-PER\rruns\nO O\n")
    assert refused(project, path, "conll").startswith(f"{path}:3: expected a token and a tag")


def test_a_token_with_a_no_break_space_stays_one_token_through_export_and_training_words(project, tmp_path):
    path = write(tmp_path / "nbsp.conll", "New\u00a0York B-LOC\nis O\nbig O\n\n\u3000 O\n北京 B-LOC\n".encode())
    report = import_file(project, path, "conll")
    doc, spans = doc_and_spans(project, report.first_id)
    assert doc.text == "New\u00a0York is big" and spans == (Span(0, 8, "LOC"),)
    # the words training and the labeling screen use are the file's tokens
    assert [t.text for t in tokenize(doc.text, doc.pretokenized)] == ["New\u00a0York", "is", "big"]
    doc, spans = doc_and_spans(project, report.last_id)
    assert doc.text == "\u3000 北京" and spans == (Span(2, 4, "LOC"),)
    export_file(project, tmp_path / "out.conll", "conll")
    assert "New\u00a0York B-LOC\n" in (tmp_path / "out.conll").read_text(encoding="utf-8")
    assert_round_trips(project, tmp_path, "conll")
    assert_round_trips(project, tmp_path, "jsonl", tokenization=False)
    # a no-break space that glues the tag to its token, or an entity of only a space: refused
    bad = write(tmp_path / "bad.conll", "Tim B-PER\nNew York\u00a0B-LOC\n".encode())
    assert refused(project, bad, "conll").startswith(f"{bad}:2: tag 'York\\xa0B-LOC' is not O or B-")
    bad = write(tmp_path / "bad2.conll", "Tim B-PER\n\n\u00a0 B-LOC\nx I-LOC\n\n\u3000 B-LOC\n".encode())
    assert refused(project, bad, "conll").startswith(f"{bad}:6: span 0-1 (LOC) covers only whitespace")


def test_only_an_exact_docstart_column_starts_a_document(project, tmp_path):
    path = write(tmp_path / "docs.conll", b"-DOCSTART- -X- O\n\n-DOCSTART-x B-PER\nruns O\n\n"
                                          b"-DOCSTART-\n\n-DOCSTART-\n\nTim B-PER\n")
    report = import_file(project, path, "conll")
    assert report.documents == 2
    doc, spans = doc_and_spans(project, report.first_id)
    assert doc.text == "-DOCSTART-x runs" and spans == (Span(0, 11, "PER"),)
    # documents are numbered as the export will write them: an empty one leaves no gap
    assert [project.document(i).meta for i in (report.first_id, report.last_id)] == [
        {"conll_document": 1}, {"conll_document": 2}]
    assert_round_trips(project, tmp_path, "conll")


def test_a_50_mb_line_is_refused_without_reading_it_whole(project, tmp_path):
    path = tmp_path / "huge.conll"
    with open(path, "wb") as fh:
        fh.write(b"Tim B-PER\n")
        fh.write(b"a" * (50 << 20) + b" O\n")
    tracemalloc.start()
    try:
        message = refused(project, path, "conll")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert message.startswith(f"{path}:2: the line is longer than 65,536 bytes")
    assert peak < 8 << 20, f"peak {peak:,} bytes"
    # a JSONL record may be long, but not without limit
    path = tmp_path / "huge.jsonl"
    with open(path, "wb") as fh:
        fh.write(b'{"text": "fine"}\n{"text": "' + b"a" * (20 << 20) + b'"}\n')
    assert refused(project, path, "jsonl").startswith(f"{path}:2: the line is longer than 16,777,216 bytes")


# ---- JSONL ---------------------------------------------------------------------------
NESTED = '{"text": "ab", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
BAD_JSONL = [
    ('{"text": "ab cd", "spans": [{"start": 0, "end": true, "label": "PER"}]}', "start and end must be integers"),
    ('{"text": "ab cd", "label": [[0, true, "PER"]]}', "start and end must be integers"),
    ('{"text": "ab", "spans": [{"start": 0, "end": ' + "9" * 5000 + ', "label": "PER"}]}',
     "a number with 5,000 digits is too long"),
    (NESTED, "nested deeper than 100 levels"),
    ('{"text": "ab", "x": ' + '{"a": ' * 150 + "1" + "}" * 150 + "}", "nested deeper than 100 levels"),
    ('{"text": "a\\ud800b"}', '"text" holds \\ud800 at character 1: half of a UTF-16 surrogate pair'),
    ('{"text": "ab", "spans": [{"start": 0, "end": 1, "label": "P\\udfff"}]}', '"spans"[0]["label"] holds \\udfff'),
    ('{"text": "ab", "label": [[0, 1, "\\ud83d"]]}', '"label"[0][2] holds \\ud83d'),
    ('{"text": "ab", "sentiment": "\\udc00"}', '"sentiment" holds \\udc00'),
    ('{"text": "ab", "\\udc00": 1}', 'the key "\\udc00" holds \\udc00'),
    ('{"text": "ab", "meta": {"deep": ["x\\udc80"]}}', '"meta"["deep"][0] holds \\udc80'),
    ('{"text": "a\\u0000b"}', '"text" holds a NUL character'),
    ('{"text": "ab", "score": NaN}', "NaN is not a JSON number"),
    ('{"text": "ab", "score": -Infinity}', "-Infinity is not a JSON number"),
    ('{"text": "ab", "score": 1e400}', "the number 1e400 is too large"),
    ('{"text": "ab", "text": "cd"}', 'the key "text" appears twice'),
    ('{"text": "ab", "sentiment": "negative", "label": "positive"}', '"label" holds a class but "sentiment" does too'),
    ('{"text": "ab", "spans": [], "label": [[0, 1, "PER"]]}', '"label" holds entity spans but "spans" does too'),
]


@pytest.mark.parametrize("add_labels", [False, True])
@pytest.mark.parametrize("line,problem", BAD_JSONL)
def test_a_jsonl_record_that_cannot_be_kept_exactly_is_refused_naming_its_line(project, tmp_path, line, problem,
                                                                               add_labels):
    import_file(project, write(tmp_path / "seed.txt", b"kept document\n"), "txt")
    path = write(tmp_path / "in.jsonl", b'{"text": "fine"}\n' + line.encode("utf-8") + b"\n")
    message = refused(project, path, "jsonl", add_labels=add_labels)
    assert message.startswith(f"{path}:2: ") and problem in message
    message.encode("utf-8")  # printable: no lone surrogate reaches the screen


# ---- file names ----------------------------------------------------------------------
def test_a_file_name_that_is_not_utf8_imports_or_fails_with_a_message(project, tmp_path):
    path = os.fsdecode(os.fsencode(tmp_path) + b"/caf\xe9.jsonl")
    write(pathlib.Path(path), b'{"text": "Caf\xc3\xa9 au lait", "spans": [{"start": 0, "end": 4, "label": "ORG"}]}\n')
    report = import_file(project, path)
    doc, spans = doc_and_spans(project, report.first_id)
    assert doc.source == "caf\\xe9.jsonl" and spans == (Span(0, 4, "ORG"),)
    write(pathlib.Path(path), b'{"text": 5}\n')
    assert refused(project, path).endswith('caf\\xe9.jsonl:1: missing "text" (a non-empty string)')


def test_the_cli_imports_a_file_whose_name_is_not_utf8_without_a_traceback(tmp_path):
    # PYTHONIOENCODING=utf-8: a strict stdout, as in a desktop's UTF-8 locale
    env = dict(os.environ, PYTHONPATH=str(pathlib.Path(workbench.__file__).parents[1]), PYTHONIOENCODING="utf-8")

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "workbench.cli", *args], capture_output=True, env=env)

    db = tmp_path / "p.db"
    assert cli("init", str(db), "--labels", "PER").returncode == 0
    name = os.fsencode(tmp_path) + b"/caf\xe9.jsonl"
    write(pathlib.Path(os.fsdecode(name)), b'{"text": "ok"}\n')
    done = cli("import", str(db), os.fsdecode(name))
    assert done.returncode == 0 and b"Traceback" not in done.stderr, done.stderr.decode()
    assert b"imported 1 documents from " + os.fsencode(tmp_path) + b"/caf\\xe9.jsonl" in done.stdout
    write(pathlib.Path(os.fsdecode(name)), b'{"text": "\\ud800"}\n')
    done = cli("import", str(db), os.fsdecode(name))
    assert done.returncode == 1 and b"Traceback" not in done.stderr
    assert b"error: " + os.fsencode(tmp_path) + b'/caf\\xe9.jsonl:1: "text" holds \\ud800' in done.stderr


# ---- CSV and plain text --------------------------------------------------------------
def test_long_csv_fields_import_up_to_the_limit_and_longer_ones_name_their_line(project, tmp_path):
    long_text = "word " * 40_000  # 200,000 characters: over the csv module's default limit
    report = import_file(project, write(tmp_path / "long.csv", f"id,text\n1,{long_text}\n".encode()), "csv")
    assert project.document(report.first_id).text == long_text
    assert_round_trips(project, tmp_path, "jsonl")
    huge = b"id,text\n1,fine\n2,\"" + (b"x" * (1 << 20) + b"\n") * 17 + b'"\n'
    path = write(tmp_path / "huge.csv", huge)
    message = refused(project, path, "csv")
    assert message.startswith(f"{path}:") and "a field is longer than 16,777,216 characters" in message


@pytest.mark.parametrize("name,data,line,problem", [
    ("nul.csv", b"text\nfine\na\x00b\n", 3, "holds a NUL byte"),
    ("utf16.txt", "no BOM here\n".encode("utf-16-le"), 1, "holds a NUL byte"),
    ("nul.conll", b"Tim B-PER\nCo\x00ok I-PER\n", 2, "holds a NUL byte"),
    ("unclosed.csv", b'text,label\nfine,positive\n"open,negative\nmore,positive\n', 3,
     "the quoted field that opens on this line is never closed"),
    ("stray.csv", b'text,label\n"ab"c,positive\n', 2, "not valid CSV"),
    ("columns.csv", b"text,x,x\nhello,,\nworld,1,2\n", 3, "column 2 has the name 'x' twice"),
    ("unnamed.csv", b"text,label,\nhello,positive,\nworld,negative,oops\n", 3, "column 3 has no name"),
])
def test_csv_and_text_that_would_be_mangled_are_refused_naming_the_line(project, tmp_path, name, data, line, problem):
    path = write(tmp_path / name, data)
    message = refused(project, path, label_column="label" if b"label" in data else None)
    assert message.startswith(f"{path}:{line}: ") and problem in message


def test_csv_line_endings_are_kept_inside_quotes_and_cr_ends_a_row(project, tmp_path):
    path = write(tmp_path / "notes.csv", b'id,text,label\r\n7,"first line\r\nsecond line",positive\r\n'
                                         b"8,Excel trailing comma,negative\r\n")
    report = import_file(project, path, label_column="label")
    doc = project.document(report.first_id)
    assert doc.text == "first line\r\nsecond line" and doc.external_id == "7"
    # an old Mac CSV: CR only
    mac = write(tmp_path / "mac.csv", b"text,label,\rgood day,positive,\rbad day,negative,\r")
    report = import_file(project, mac, label_column="label")
    assert report.documents == 2 and project.document(report.last_id).text == "bad day"
    assert project.annotation(report.last_id, "sentiment").choice == "negative"
    assert_round_trips(project, tmp_path, "jsonl")
