"""Any file either imports completely or is refused with a line number, leaving the store as it was."""
import pathlib
import tempfile

from hypothesis import HealthCheck, given, settings, strategies as st

from workbench.formats import FormatError, import_file
from workbench.store import Store
from workbench.store import queries

# Fragments that look like the real formats, so the fuzzer reaches deep into the parsers.
FRAGMENTS = st.sampled_from([
    "Tim B-PER", "Cook I-PER", "runs O", "Apple S-ORG", "x E-LOC", "-DOCSTART- -X- O", "", " ", "bad",
    "a X-PER", "b B-", '{"text": "Tim Cook", "spans": [{"start": 0, "end": 8, "label": "PER"}]}',
    '{"text": "abc", "spans": [[0, 9, "PER"]]}', '{"text": "ok", "sentiment": "positive"}',
    '{"text": "a b", "label": [[0, 1, "ORG"]]}', '{"text": 5}', "[1]", "{", "text,label", "hello,positive",
    '"open quote,neg', "only text", "\t", "é ü", "a\tb\tc",
])
LINES = st.lists(st.one_of(FRAGMENTS, st.text(max_size=30)), max_size=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fmt=st.sampled_from(["conll", "jsonl", "csv", "txt"]), lines=LINES, raw=st.binary(max_size=20),
       add_labels=st.booleans())
def test_any_input_imports_or_fails_cleanly(fmt, lines, raw, add_labels):
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        with Store.create(tmp / "p.db", ["ner", "sentiment"], ["PER", "ORG"], ["positive", "negative"]) as store:
            store.add_documents([])
            import_file(store, _write(tmp / "seed.txt", b"a seed document\n"), "txt")
            before = (queries.counts(store), store.label_names("ner"), store.label_names("sentiment"))
            path = _write(tmp / f"input.{fmt}", "\n".join(lines).encode("utf-8") + raw)
            try:
                report = import_file(store, path, fmt, add_labels=add_labels,
                                     label_column="label" if fmt == "csv" else None)
            except FormatError as exc:
                assert str(exc).startswith(str(path))
                assert isinstance(exc.line, int) and exc.line >= 0
                assert (queries.counts(store), store.label_names("ner"), store.label_names("sentiment")) == before
            else:
                assert store.document_count() == 1 + report.documents
                # what went in is well-formed: every span lies on its text
                for doc, ann in queries.iter_documents(store):
                    for s in ann["ner"] or []:
                        assert 0 <= s.start < s.end <= len(doc.text)


def _write(path, data: bytes):
    path.write_bytes(data)
    return path
