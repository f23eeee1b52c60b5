"""Chinese NER files as they are distributed: one character per line (MSRA, People's Daily,
Weibo NER), sometimes with broken encodings.  They import as the text the user wrote and
export back line for line."""
from __future__ import annotations

import json

import pytest

from workbench.formats import FormatError, export_file, import_file
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


# ---- encodings ------------------------------------------------------------------------
# 😀 saved by a program that wrote each UTF-16 half as UTF-8 (CESU-8), as in a Weibo NER file
SURROGATE_EMOJI = "\ud83d\ude00".encode("utf-8", "surrogatepass")
assert SURROGATE_EMOJI == b"\xed\xa0\xbd\xed\xb8\x80"


def broken_weibo(tmp_path):
    path = tmp_path / "weibo.bio"
    lines = [b"\xe5\xa5\xbd O", SURROGATE_EMOJI + b" O", b"", b"\xe5\xbc\xa0 B-PER", b"\xff O", b"\xe4\xb8\x89 I-PER", b""]
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_broken_bytes_stop_the_import_by_default_naming_the_line(project, tmp_path):
    path = broken_weibo(tmp_path)
    with pytest.raises(FormatError, match=r"weibo.bio:2: not UTF-8 text .*repair"):
        import_file(project, path, "conll")
    assert project.document_count() == 0


def test_repair_mends_surrogate_halves_replaces_the_rest_and_counts_lines(project, tmp_path):
    report = import_file(project, broken_weibo(tmp_path), "conll", repair_encoding=True)
    assert texts(project) == ["好😀", "张\ufffd三"]
    assert report.repaired_lines == 2
    assert "2 lines repaired (encoding)" in report.summary()
    assert project.annotation(report.last_id, "ner").spans == (Span(0, 1, "PER"), Span(2, 3, "PER"))


@pytest.mark.parametrize("encoding", ["gb18030", "big5", "utf-16", "utf-8-sig"])
def test_a_file_in_a_chinese_or_unicode_encoding_imports_when_named(project, tmp_path, encoding):
    path = tmp_path / "zh.txt"
    lines = ["張三在臺北工作。", "中文：「好」"]
    data = "\r\n".join(lines).encode(encoding)
    path.write_bytes(data)
    if encoding != "utf-8-sig":
        with pytest.raises(FormatError, match="zh.txt:1: not UTF-8 text|NUL"):
            import_file(project, path, "txt")
    report = import_file(project, path, "txt", encoding=encoding)
    assert report.documents == 2 and report.repaired_lines == 0
    assert texts(project) == lines


def test_gb18030_character_per_line_file_round_trips(project, tmp_path):
    path = tmp_path / "zh_gb.bio"
    path.write_bytes(conll_text(SENTENCES[:1]).encode("gb18030"))
    import_file(project, path, "conll", encoding="gb18030")
    assert texts(project) == ["张三在北京的华为公司工作。"]
    export_file(project, tmp_path / "out.conll", "conll")      # exports are UTF-8
    assert (tmp_path / "out.conll").read_text(encoding="utf-8") == conll_text(SENTENCES[:1])


def test_utf16_with_a_cut_last_character_is_refused_or_repaired(project, tmp_path):
    path = tmp_path / "cut.txt"
    path.write_bytes("第一行\n第二行\n".encode("utf-16") + b"\x41")   # an odd byte at the end
    with pytest.raises(FormatError, match=r"cut.txt:3: not UTF-16 text"):
        import_file(project, path, "txt", encoding="utf-16")
    report = import_file(project, path, "txt", encoding="utf-16", repair_encoding=True)
    assert texts(project) == ["第一行", "第二行", "\ufffd"] and report.repaired_lines == 1


def test_an_unknown_encoding_is_refused(project, tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("x\n")
    with pytest.raises(FormatError, match="unknown encoding 'ebcdic'"):
        import_file(project, path, "txt", encoding="ebcdic")


def test_cli_import_stops_strict_then_repairs_by_choice(tmp_path):
    import subprocess
    import sys

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "workbench.cli", *map(str, args)], capture_output=True,
                              text=True)

    db = tmp_path / "zh.db"
    assert cli("init", db, "--task", "ner", "--labels", "PER").returncode == 0
    path = broken_weibo(tmp_path)
    strict = cli("import", db, path)
    assert strict.returncode != 0 and "weibo.bio:2: not UTF-8 text" in strict.stderr
    repaired = cli("import", db, path, "--repair-encoding")
    assert repaired.returncode == 0, repaired.stderr
    assert "imported 2 documents" in repaired.stdout and "2 lines repaired (encoding)" in repaired.stdout
    gb = tmp_path / "gb.txt"
    gb.write_bytes("华为发布新手机\n".encode("gb18030"))
    assert "imported 1 documents" in cli("import", db, gb, "--encoding", "gb18030").stdout
