"""Chinese NER files as they are distributed: one character per line (MSRA, People's Daily,
Weibo NER), sometimes with broken encodings.  They import as the text the user wrote and
export back line for line."""
from __future__ import annotations

import json

import pytest

from workbench.formats import export_file, import_file
from workbench.spans import Span, tokenize
from workbench.store import queries

# Three sentences: pure Chinese, mixed with a Latin word and a number, and one with a
# word-segmented token (北京 as one token) that cannot be written without its spaces.
SENTENCES = [
    [("张", "B-PER"), ("三", "I-PER"), ("在", "O"), ("北", "B-LOC"), ("京", "I-LOC"), ("的", "O"), ("华", "B-ORG"),
     ("为", "I-ORG"), ("公", "I-ORG"), ("司", "I-ORG"), ("工", "O"), ("作", "O"), ("。", "O")],
    [("iPhone", "B-MISC"), ("15", "I-MISC"), ("在", "O"), ("上", "B-LOC"), ("海", "I-LOC"), ("发", "O"), ("布", "O")],
    [("我", "O"), ("爱", "O"), ("北京", "B-LOC"), ("天", "B-LOC"), ("安", "I-LOC"), ("门", "I-LOC")],
]


def conll_text(sentences) -> str:
    return "".join("".join(f"{tok} {tag}\n" for tok, tag in sent) + "\n" for sent in sentences)


@pytest.fixture
def zh_file(tmp_path):
    path = tmp_path / "msra_dev.bio"
    path.write_text(conll_text(SENTENCES), encoding="utf-8")
    return path


def texts(store):
    return [doc.text for doc, _ in queries.iter_documents(store)]


def test_character_per_line_imports_as_the_written_text(project, zh_file):
    report = import_file(project, zh_file, "conll")
    assert report.documents == 3
    assert texts(project) == ["张三在北京的华为公司工作。", "iPhone 15在上海发布", "我 爱 北京 天 安 门"]
    first = project.document(report.first_id)
    assert not first.pretokenized
    assert project.annotation(report.first_id, "ner").spans == (Span(0, 2, "PER"), Span(3, 5, "LOC"),
                                                                Span(6, 10, "ORG"))
    mixed = project.document(report.first_id + 1)
    assert mixed.text[0:9] == "iPhone 15" and project.annotation(mixed.id, "ner").spans[0] == Span(0, 9, "MISC")
    # the word-segmented sentence keeps its tokens (and so its spaces): 北京 stays one word
    seg = project.document(report.first_id + 2)
    assert seg.pretokenized and [t.text for t in tokenize(seg.text, True)] == [t for t, _ in SENTENCES[2]]


def test_import_then_export_gives_the_same_lines(project, zh_file, tmp_path):
    import_file(project, zh_file, "conll")
    out = tmp_path / "out.conll"
    export_file(project, out, "conll")
    assert out.read_text(encoding="utf-8") == zh_file.read_text(encoding="utf-8")


def test_document_unit_keeps_sentences_on_lines_and_round_trips(project, zh_file, tmp_path):
    zh_file.write_text("-DOCSTART- O\n\n" + conll_text(SENTENCES[:2]), encoding="utf-8")
    report = import_file(project, zh_file, "conll", unit="document")
    assert report.documents == 1
    assert project.document(report.first_id).text == "张三在北京的华为公司工作。\niPhone 15在上海发布"
    out = tmp_path / "out.conll"
    export_file(project, out, "conll")
    assert out.read_text(encoding="utf-8") == zh_file.read_text(encoding="utf-8")


def test_jsonl_and_csv_exports_carry_the_text_without_spaces(project, zh_file, tmp_path):
    import_file(project, zh_file, "conll")
    export_file(project, tmp_path / "out.jsonl", "jsonl")
    first = json.loads((tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert first["text"] == "张三在北京的华为公司工作。"
    assert first["spans"][1] == {"start": 3, "end": 5, "label": "LOC"}
    export_file(project, tmp_path / "out.csv", "csv")
    assert "张三在北京的华为公司工作。" in (tmp_path / "out.csv").read_text(encoding="utf-8")
