"""Any file either imports completely, and comes back the same through an export, or is
refused with its file and line, leaving every table exactly as it was."""
import csv
import io
import json
import os
import pathlib
import tempfile

from hypothesis import HealthCheck, event, given, settings, strategies as st

from table_contents import records, table_contents
from workbench.formats import FormatError, export_file, import_file
from workbench.spans import Span, bio_to_spans, tokenize
from workbench.store import Store, queries

# Fragments that look like the real formats, so the fuzzer reaches deep into the parsers,
# and the hostile inputs of issue 14: no-break spaces, near-DOCSTART lines, booleans as
# offsets, NaN, lone surrogates, stray quotes, unnamed columns.
FRAGMENTS = st.sampled_from([
    "Tim B-PER", "Cook I-PER", "runs O", "Apple S-ORG", "x E-LOC", "-DOCSTART- -X- O", "", " ", "bad",
    "a X-PER", "b B-", '{"text": "Tim Cook", "spans": [{"start": 0, "end": 8, "label": "PER"}]}',
    '{"text": "abc", "spans": [[0, 9, "PER"]]}', '{"text": "ok", "sentiment": "positive"}',
    '{"text": "a b", "label": [[0, 1, "ORG"]]}', '{"text": 5}', "[1]", "{", "text,label", "hello,positive",
    '"open quote,neg', "only text", "\t", "é ü", "a\tb\tc",
    "New\u00a0York B-PER", "\u3000 O", "\u00a0 B-ORG", "York B-PER\u00a0", "-DOCSTART-x B-PER", "-DOCSTART-",
    '{"text": "ab", "spans": [{"start": 0, "end": true, "label": "PER"}]}', '{"text": "ab", "label": [[0, true, "PER"]]}',
    '{"text": "ab", "score": NaN}', '{"text": "ab", "score": -Infinity}', '{"text": "ab", "score": 1e999}',
    '{"text": "ab", "text": "cd"}', '{"text": "a\\u0000b"}', '{"text": "New\\u00a0York", "label": [[0, 8, "ORG"]]}',
    '{"text": "ok", "sentiment": "negative", "label": "positive"}', '{"text": "ab", "id": 7, "x": [1.5, null, {}]}',
    '"a ""quoted"" word",positive', '"two\r\nlines",negative', '"ab"c,positive', "text,label,", "text,x,x",
    "x,y,", "caf\u00e9,negative,",
])
SURROGATES = st.integers(0xD800, 0xDFFF).flatmap(lambda c: st.sampled_from([
    f'{{"text": "x\\u{c:04x}y"}}', f'{{"text": "ab", "spans": [{{"start": 0, "end": 1, "label": "P\\u{c:04x}"}}]}}',
    f'{{"text": "ab", "\\u{c:04x}": 1}}', f'{{"text": "ab", "sentiment": "\\u{c:04x}"}}',
]))
HUGE_NUMBERS = st.integers(1, 6000).map(lambda n: '{"text": "ab", "id": ' + "7" * n + "}")
NESTING = st.integers(1, 3000).map(lambda n: '{"text": "ab", "x": ' + "[" * n + "]" * n + "}")
LINES = st.lists(st.one_of(FRAGMENTS, SURROGATES, HUGE_NUMBERS, NESTING, st.text(max_size=30)), max_size=12)
# line ends of today, of Windows and of old Macs
ENDINGS = st.sampled_from(["\n", "\r\n", "\r"])
# file names: plain, Chinese, and bytes that are not UTF-8 (a name from another system)
NAMES = st.sampled_from([b"input", "输入".encode(), b"caf\xe9", b"\xff\xfe name"])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(fmt=st.sampled_from(["conll", "jsonl", "csv", "txt"]), lines=LINES, ending=ENDINGS, name=NAMES,
       raw=st.one_of(st.just(b""), st.binary(max_size=20)), add_labels=st.booleans(),
       unit=st.sampled_from(["sentence", "document"]))
def test_any_input_imports_and_round_trips_or_fails_cleanly(fmt, lines, ending, name, raw, add_labels, unit):
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        with Store.create(tmp / "p.db", ["ner", "sentiment"], ["PER", "ORG"], ["positive", "negative"]) as store:
            import_file(store, _write(tmp / "seed.txt", b"a seed document\n"), "txt")
            before = table_contents(store)
            path = os.fsdecode(os.fsencode(tmp) + b"/" + name + b"." + fmt.encode())
            _write(path, ending.join(lines).encode("utf-8") + raw)
            options = {"label_column": "label"} if fmt == "csv" else {"unit": unit} if fmt == "conll" else {}
            try:
                report = import_file(store, path, fmt, add_labels=add_labels, **options)
            except FormatError as exc:
                shown = os.fsencode(path).decode("utf-8", "backslashreplace")
                assert str(exc).startswith(shown)
                str(exc).encode("utf-8")  # the message can be printed
                assert isinstance(exc.line, int) and exc.line >= 0
                assert table_contents(store) == before
                event(f"{fmt}: refused")
                return
            event(f"{fmt}: imported")
            assert store.document_count() == 1 + report.documents
            for doc, ann in _documents(store):  # what went in is well-formed: every span lies on its text
                for s in ann["ner"] or []:
                    assert 0 <= s.start < s.end <= len(doc.text) and doc.text[s.start:s.end].strip()
            # what was imported comes back the same from an export: JSONL always (it does not
            # say which documents came pretokenized), CoNLL with the tokens too
            metadata_keys = {k for doc, _ in _documents(store) for k in doc.meta}
            if not metadata_keys & {"text", "spans", "sentiment", "label"}:  # see the report: a writer's job
                _assert_round_trip(store, tmp, "jsonl", records(store, tokenization=False), tokenization=False)
            if fmt == "conll":
                _assert_round_trip(store, tmp, "conll", records(store)[1:], unit=unit)  # [1:]: not the seed


# ---- well-formed files with hostile content must import exactly -----------------------------
NOT_TEXT = "\x00"
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=NOT_TEXT), min_size=1,
               max_size=40).filter(str.strip)
# a CoNLL token: anything but the ASCII blanks that separate columns (a no-break space is fine)
TOKEN = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=" \t\n\r\f\v\x00"), min_size=1,
                max_size=8).filter(lambda t: t.strip() and t != "-DOCSTART-") | st.sampled_from(
                ["New\u00a0York", "北京", "-DOCSTART-x", "O", "\u00a0x"])
TAG = st.sampled_from(["O", "O", "B-PER", "I-PER", "E-PER", "S-ORG", "B-LOC", "I-LOC", "B-城市"])
COLUMN_GAP = st.sampled_from([" ", "\t", " -X- ", "  "])
SENTENCE = st.lists(st.tuples(TOKEN, TAG), min_size=1, max_size=6)
CONLL = st.lists(st.tuples(st.booleans(), st.lists(SENTENCE, min_size=1, max_size=3)), min_size=1, max_size=3)
JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers(-(10 ** 200), 10 ** 200) | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3), max_leaves=8)
RECORD = st.tuples(TEXT, st.lists(st.tuples(st.integers(0, 40), st.integers(1, 6), st.sampled_from(["PER", "ORG"])),
                                  max_size=3),
                   st.none() | st.sampled_from(["positive", "negative"]),
                   st.dictionaries(TEXT.filter(lambda k: k not in ("text", "spans", "sentiment", "label")),
                                   JSON_VALUE, max_size=3))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fmt=st.sampled_from(["conll", "jsonl", "csv", "txt"]), data=st.data(), name=NAMES,
       unit=st.sampled_from(["sentence", "document"]))
def test_well_formed_files_with_hostile_content_import_exactly_and_round_trip(fmt, data, name, unit):
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        path = os.fsdecode(os.fsencode(tmp) + b"/" + name + b"." + fmt.encode())
        want = _write_well_formed(path, fmt, data, unit)
        with Store.create(tmp / "p.db", ["ner", "sentiment"], ["PER", "ORG"], ["positive", "negative"]) as store:
            import_file(store, path, fmt, add_labels=True, **({"label_column": "label"} if fmt == "csv" else
                                                              {"unit": unit} if fmt == "conll" else {}))
            got = []
            for doc, ann in _documents(store):
                if fmt == "conll":  # the tokens of the file, each one word for training and labeling
                    got.append(([t.text for t in tokenize(doc.text, doc.pretokenized)], ann["ner"]))
                elif fmt == "jsonl":
                    got.append((doc.text, ann["ner"], ann["sentiment"], doc.meta))
                else:
                    got.append((doc.text, ann["sentiment"]))
            assert got == want
            _assert_round_trip(store, tmp, "jsonl", records(store, tokenization=False), tokenization=False)
            if fmt == "conll":
                _assert_round_trip(store, tmp, "conll", records(store), unit=unit)


def _write_well_formed(path, fmt, data, unit):
    """Write a valid file of ``fmt`` with hostile content; what the project must hold after importing it."""
    ending = data.draw(ENDINGS if fmt != "jsonl" else st.sampled_from(["\n", "\r\n"]))
    want = []
    if fmt == "conll":
        lines, docs = [], []
        for docstart, sentences in data.draw(CONLL):
            if docstart:
                lines += ["-DOCSTART- -X- O", ""]
            if unit == "document" and (docstart or not docs):
                docs.append(([], []))
            for sentence in sentences:
                lines += [f"{tok}{data.draw(COLUMN_GAP)}{tag}" for tok, tag in sentence] + [""]
                if unit == "sentence":
                    docs.append(([], []))
                docs[-1][0].extend(tok for tok, _ in sentence)
                docs[-1][1].extend(tag for _, tag in sentence)
        text = ending.join(lines)
        want = [(toks, bio_to_spans(tokenize(" ".join(toks), True), tags)) for toks, tags in docs]
    elif fmt == "jsonl":
        lines = []
        for text, raw_spans, sentiment, meta in data.draw(st.lists(RECORD, min_size=1, max_size=4)):
            spans = _valid_spans(text, raw_spans)
            record = {"text": text, "spans": [{"start": s, "end": e, "label": lab} for s, e, lab in spans],
                      "sentiment": sentiment, **meta}
            lines.append(json.dumps(record, ensure_ascii=data.draw(st.booleans())))
            want.append((text, [Span(*sp) for sp in spans], sentiment, meta))
        text = ending.join(lines) + ending
    elif fmt == "csv":
        rows = data.draw(st.lists(st.tuples(TEXT, st.sampled_from(["positive", "negative", ""])), min_size=1,
                                  max_size=4))
        buf = io.StringIO()
        # a line break inside a field is only unambiguous in quotes (Python's writer quotes only
        # the characters of its own line terminator)
        quoting = csv.QUOTE_ALL if any(set(t) & set("\r\n") for t, _ in rows) else csv.QUOTE_MINIMAL
        csv.writer(buf, lineterminator=ending, quoting=quoting).writerows([("text", "label"), *rows])
        text = buf.getvalue()
        want = [(t, lab or None) for t, lab in rows]
    else:
        lines = data.draw(st.lists(TEXT.filter(lambda t: not set(t) & set("\r\n")), min_size=1, max_size=4))
        text = ending.join(lines)
        want = [(line, None) for line in lines]
    _write(path, text.encode("utf-8"))
    return want


def _valid_spans(text, raw):
    spans, end = [], 0
    for gap, length, label in raw:
        start = end + gap
        end = min(start + length, len(text))
        if start < end and text[start:end].strip():
            spans.append((start, end, label))
    return spans


def _assert_round_trip(store, tmp, fmt, want, *, tokenization=True, **options):
    out = tmp / f"export.{fmt}"
    export_file(store, out, fmt)
    with Store.create(tmp / f"again-{fmt}.db", store.tasks, store.label_names("ner"),
                      store.label_names("sentiment")) as again:
        import_file(again, out, fmt, **options)
        assert records(again, tokenization=tokenization) == want


def _documents(store):
    return list(queries.iter_documents(store))


def _write(path, data: bytes):
    pathlib.Path(path).write_bytes(data)
    return path
