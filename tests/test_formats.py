"""Import and export as a user does them: round trips, and bad files that change nothing."""
import json

import pytest

from shared_data import shared_file
from workbench.formats import FormatError, export_file, import_file, preview_file
from workbench.spans import Span
from workbench.store import Store
from workbench.store import queries


def conll_sentences(path):
    out, cur = [], []
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if not line or line.startswith("-DOCSTART-"):
            if cur:
                out.append(cur)
            cur = []
            continue
        cols = line.split()
        cur.append((cols[0], cols[-1]))
    if cur:
        out.append(cur)
    return out


@pytest.mark.parametrize("unit", ["sentence", "document"])
def test_conll_dev_set_round_trips_token_for_token(project, tmp_path, unit):
    dev = shared_file("conll2003", "dev.txt")
    report = import_file(project, dev, "conll", unit=unit, split="dev")
    starts = open(dev).read().count("-DOCSTART-")
    assert report.documents == (3250 if unit == "sentence" else max(1, starts))
    export_file(project, tmp_path / "out.conll", "conll")
    assert conll_sentences(tmp_path / "out.conll") == conll_sentences(dev)
    # the export keeps document boundaries too
    assert open(tmp_path / "out.conll").read().count("-DOCSTART-") == starts


def test_iob1_and_bioes_files_become_the_same_spans(project, tmp_path):
    iob1 = tmp_path / "a.iob"
    iob1.write_text("Tim I-PER\nCook I-PER\nJane B-PER\nruns O\nApple I-ORG\n")
    bioes = tmp_path / "b.bioes"
    bioes.write_text("Tim B-PER\nCook E-PER\nJane S-PER\nruns O\nApple S-ORG\n")
    a = import_file(project, iob1, "conll").first_id
    b = import_file(project, bioes, "conll").first_id
    want = (Span(0, 8, "PER"), Span(9, 13, "PER"), Span(19, 24, "ORG"))
    assert project.annotation(a, "ner").spans == want == project.annotation(b, "ner").spans


def test_jsonl_round_trip_gives_identical_records(project, tmp_path):
    records = [
        {"text": "Tim Cook runs Apple.", "spans": [{"start": 0, "end": 8, "label": "PER"},
                                                  {"start": 14, "end": 19, "label": "ORG"}],
         "sentiment": "positive", "id": "r1", "source_url": "https://example.com/a"},
        {"text": "Nothing here.", "spans": [], "sentiment": "negative", "id": "r2"},
        {"text": "Unlabeled text about Paris.", "id": "r3", "extra": {"nested": [1, 2]}},
        {"text": "Only a class, ünïcödé.", "sentiment": "negative"},
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    import_file(project, src, "jsonl")
    export_file(project, tmp_path / "out.jsonl", "jsonl")
    back = [json.loads(l) for l in open(tmp_path / "out.jsonl", encoding="utf-8")]
    assert back == records


def test_doccano_jsonl_is_understood(project, tmp_path):
    src = tmp_path / "doccano.jsonl"
    src.write_text(json.dumps({"text": "Tim Cook runs Apple.", "label": [[0, 8, "PER"], [14, 19, "ORG"]]}) + "\n"
                   + json.dumps({"text": "Great phone", "label": ["positive"]}) + "\n")
    report = import_file(project, src)
    assert project.annotation(report.first_id, "ner").spans == (Span(0, 8, "PER"), Span(14, 19, "ORG"))
    assert project.annotation(report.last_id, "sentiment").choice == "positive"


def test_sst2_tsv_imports_with_a_label_map_and_exports_to_csv(project, tmp_path):
    sst = shared_file("sst2", "dev.tsv")
    report = import_file(project, sst, "csv", header=False, text_column="1", label_column="0",
                         label_map={"0": "negative", "1": "positive"}, split="dev")
    assert report.documents == 872 and report.labeled["sentiment"] == 872
    lines = [l.rstrip("\n").split("\t", 1) for l in open(sst, encoding="utf-8") if l.strip()]
    got = [(ann["sentiment"], doc.text) for doc, ann in queries.iter_documents(project)]
    assert got == [({"0": "negative", "1": "positive"}[lab], text) for lab, text in lines]
    assert export_file(project, tmp_path / "out.csv", "csv") == 872


def test_csv_with_header_and_new_classes(project, tmp_path):
    src = tmp_path / "reviews.csv"
    src.write_text('id,review,stars\n1,"Battery life is great, truly",good\n2,Screen cracked,bad\n')
    with pytest.raises(FormatError, match=r"reviews.csv:2: unknown sentiment class 'good'"):
        import_file(project, src, text_column="review", label_column="stars")
    report = import_file(project, src, text_column="review", label_column="stars", add_labels=True)
    assert report.new_labels["sentiment"] == ("good", "bad")
    doc = project.document(report.first_id)
    assert doc.text == "Battery life is great, truly" and doc.meta == {"id": "1"}


def test_a_stray_carriage_return_in_a_csv_names_its_line_and_imports_nothing(project, tmp_path):
    src = tmp_path / "notes.csv"
    src.write_bytes(b"text,label\nfine,positive\nbroken\rline,negative\n")
    before = queries.counts(project)
    # a CR ends a line (as in old Mac files), so line 3 is "broken", one field of two
    with pytest.raises(FormatError, match=r"notes.csv:3: expected 2 fields, found 1"):
        import_file(project, src, label_column="label")
    assert queries.counts(project) == before


def test_hf_export_has_splits_and_class_labels(project, tmp_path):
    import datasets

    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"text": "Tim Cook runs Apple.", "spans": [{"start": 0, "end": 8, "label": "PER"}],
                    "sentiment": "positive"}) + "\n" + json.dumps({"text": "Bad.", "sentiment": "negative"}) + "\n")
    import_file(project, src, split="dev")
    for split in ("train", "test"):
        import_file(project, _write(tmp_path / f"{split}.jsonl", '{"text": "x y", "spans": []}\n'), split=split)
    export_file(project, tmp_path / "hf", "hf")
    dd = datasets.load_from_disk(str(tmp_path / "hf"))
    assert set(dd) == {"train", "dev", "test"} and len(dd["dev"]) == 2
    assert dd["train"][0]["sentiment"] == -1  # no class given: missing, not a wrong class
    tags = dd["dev"].features["ner_tags"].feature
    row = dd["dev"][0]
    assert row["tokens"] == ["Tim", "Cook", "runs", "Apple", "."]
    assert [tags.int2str(t) for t in row["ner_tags"]] == ["B-PER", "I-PER", "O", "O", "O"]
    assert dd["dev"].features["sentiment"].int2str(row["sentiment"]) == "positive"


BAD_FILES = [
    ("conll", "Tim B-PER\nCook\n", 2, "expected a token and a tag"),
    ("conll", "Tim B-PER\nCook X-PER\n", 2, "is not O or B-/I-/E-/S-"),
    ("conll", "Tim B-PERSON\n", 1, "unknown entity label 'PERSON'"),
    ("jsonl", '{"text": "a"}\n{"text": "b"\n', 2, "not valid JSON"),
    ("jsonl", '{"text": "abc", "spans": [{"start": 0, "end": 9, "label": "PER"}]}\n', 1, "outside the text"),
    ("jsonl", '{"text": "abc def", "spans": [[0, 3, "PER"]]}\n', 1, "is not {"),
    ("jsonl", '{"spans": []}\n', 1, 'missing "text"'),
    ("jsonl", '[1, 2]\n', 1, "must be a JSON object"),
    ("csv", "text,label\nfine,positive\n\"unclosed,positive\n", 3, "quoted field that opens on this line is never closed"),
    ("csv", "text,label\n,positive\n", 2, "text field is empty"),
]


@pytest.mark.parametrize("fmt,content,line,problem", BAD_FILES)
def test_a_bad_line_names_file_and_line_and_writes_nothing(project, tmp_path, fmt, content, line, problem):
    import_file(project, _write(tmp_path / "good.txt", "kept document\n"), "txt")
    before = queries.counts(project)
    path = _write(tmp_path / f"bad.{fmt}", content)
    with pytest.raises(FormatError) as err:
        import_file(project, path, fmt, label_column="label" if fmt == "csv" else None)
    assert str(err.value).startswith(f"{path}:{line}: ")
    assert problem in str(err.value)
    assert queries.counts(project) == before


def test_non_utf8_file_names_its_line(project, tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("fine\ncaf\xe9 au lait\n".encode("latin-1"))
    with pytest.raises(FormatError, match=r"latin1.txt:2: not UTF-8"):
        import_file(project, path, "txt")
    assert project.document_count() == 0


def test_preview_shows_the_first_records(tmp_path):
    path = _write(tmp_path / "many.txt", "".join(f"line {i}\n" for i in range(50)))
    docs = preview_file(path, "txt", limit=5)
    assert [d.text for d in docs] == [f"line {i}" for i in range(5)]
    assert docs[2].line == 3


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path
