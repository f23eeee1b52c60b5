"""Dictionaries: a user's term lists become suggestions wherever the terms occur.

A list with a bad line is refused naming file and line and stores nothing; matching follows
the case and whole-word options, with each Chinese character a word of its own."""
from __future__ import annotations

import json

import pytest

from runs_support import cli
from workbench.dictionaries.matcher import Matcher, TermRule, find_occurrences, fold
from workbench.dictionaries.project_terms import (
    add_terms, clear_terms, count_occurrences, match_project, remove_terms, signature, term_lists, term_rules,
)
from workbench.dictionaries.terms_file import read_term_list
from workbench.formats.errors import FormatError
from workbench.jobs import Cancelled
from workbench.spans import tokenize
from workbench.store import NewDocument, Store


def _terms(store: Store) -> list[tuple]:
    return store.conn.execute("SELECT term, case_sensitive, whole_word, source FROM dictionary_terms").fetchall()


def _found(matcher: Matcher, text: str) -> list[tuple[str, str]]:
    return [(text[m.start:m.end], m.label) for m in matcher.match(text)]


# ---- reading a list ---------------------------------------------------------------------------
@pytest.mark.parametrize("content, line, problem", [
    (b"Berlin\n\nParis\n", 2, "empty term"),
    (b"Berlin\n   \t\n", 2, "empty term"),
    (b"Berlin\nPar\xffis\n", 2, "not UTF-8 text"),
    (b"Berlin\nParis\x00\n", 2, "NUL byte"),
    (b"Berlin\n" + b"x" * 2000 + b"\n", 2, "longer than 1,000 characters"),
    (b"Berlin\n" + b"x" * 70000 + b"\n", 2, "longer than 65,536 bytes"),
])
def test_a_bad_line_of_a_plain_list_is_refused_with_its_line_and_nothing_is_stored(project, tmp_path, content, line,
                                                                                    problem):
    path = tmp_path / "places.txt"
    path.write_bytes(content)
    with pytest.raises(FormatError) as err:
        read_term_list(path, project.label_names("ner"), label="LOC")
    assert str(err.value).startswith(f"{path}:{line}: ") and problem in str(err.value)
    out = cli("dictionary", project.path, "add", path, "--label", "LOC")
    assert out.returncode == 1 and f"{path}:{line}: " in out.stderr and problem in out.stderr
    assert _terms(project) == []


@pytest.mark.parametrize("rows, line, problem", [
    ("term,label\nBerlin,LOC\nAcme,COMPANY\n", 3, "unknown label 'COMPANY'"),
    ("Berlin,LOC\n,PER\n", 2, "empty term"),
    ("Berlin,LOC\nParis\n", 2, "expected 2 fields term,label, found 1"),
    ("Berlin,LOC\nParis,LOC,extra\n", 2, "found 3"),
    ("Berlin,LOC\n\nParis,LOC\n", 2, "an empty line"),
    ('Berlin,LOC\n"Paris,LOC\n', 2, "not a CSV row"),
])
def test_a_bad_csv_row_is_refused_with_its_line_and_nothing_is_stored(project, tmp_path, rows, line, problem):
    path = tmp_path / "terms.csv"
    path.write_text(rows, encoding="utf-8")
    out = cli("dictionary", project.path, "add", path, "--csv")
    assert out.returncode == 1, out.stdout
    assert out.stderr.strip().startswith(f"error: {path}:{line}: ") and problem in out.stderr
    assert _terms(project) == []


def test_a_folder_a_missing_file_the_project_itself_and_an_unknown_label_are_refused(project, tmp_path):
    for path, said in ((tmp_path, "is a folder"), (tmp_path / "nope.txt", "no such file"),
                       (project.path, ".db:1: ")):
        out = cli("dictionary", project.path, "add", path, "--label", "LOC")
        assert out.returncode == 1 and said in out.stderr, out.stderr
    (tmp_path / "ok.txt").write_text("Berlin\n", encoding="utf-8")
    out = cli("dictionary", project.path, "add", tmp_path / "ok.txt", "--label", "CITY")
    assert out.returncode == 1 and "unknown label 'CITY'" in out.stderr
    assert _terms(project) == []


def test_a_list_is_read_in_order_without_duplicates_with_a_header_quotes_and_a_bom(project, tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes('\ufeffterm,label\n"Merkel, Angela",PER\nBerlin,LOC\r\nBerlin,LOC\n北京,LOC'.encode("utf-8"))
    assert read_term_list(path, project.label_names("ner"), csv_rows=True) == [
        ("Merkel, Angela", "PER"), ("Berlin", "LOC"), ("北京", "LOC")]


# ---- matching ---------------------------------------------------------------------------------
def test_any_case_whole_words_by_default_and_the_longest_leftmost_term_wins():
    m = Matcher([TermRule("York", "LOC"), TermRule("New York", "LOC"), TermRule("new york times", "ORG")])
    assert _found(m, "In NEW YORK, not in Yorkshire: the New York Times.") == [
        ("NEW YORK", "LOC"), ("New York Times", "ORG")]


def test_case_sensitive_terms_match_only_as_written_and_anywhere_terms_inside_words():
    m = Matcher([TermRule("Apple", "ORG", case_sensitive=True), TermRule("phone", "MISC", whole_word=False)])
    assert _found(m, "an apple and Apple, iPhone") == [("Apple", "ORG"), ("Phone", "MISC")]


def test_chinese_terms_match_between_any_characters_and_latin_words_keep_their_edges():
    m = Matcher([TermRule("北京", "LOC"), TermRule("张三", "PER"), TermRule("Phone", "MISC")])
    text = "张三在北京发布iPhone 15，北京大学"
    assert [t.text for t in tokenize(text)][:4] == ["张", "三", "在", "北"]
    assert _found(m, text) == [("张三", "PER"), ("北京", "LOC"), ("北京", "LOC")]


def test_the_first_added_label_wins_a_term_in_two_lists_and_offsets_survive_case_folding():
    m = Matcher([TermRule("Paris", "LOC"), TermRule("paris", "PER")])
    assert _found(m, "Paris") == [("Paris", "LOC")]
    assert len(fold("İstanbul")) == len("İstanbul")
    m = Matcher([TermRule("berlin", "LOC")])
    assert _found(m, "İİ Berlin") == [("Berlin", "LOC")]


def test_occurrences_of_a_labeled_text_are_whole_tokens_as_written():
    text = "Obama met Obama, then Obama's aide; obama and Obamacare. 奥巴马说奥巴马"
    assert [text[s:e] for s, e in find_occurrences(text, tokenize(text), "Obama")] == ["Obama", "Obama"]
    assert len(find_occurrences(text, tokenize(text), "奥巴马")) == 2


# ---- in the project ----------------------------------------------------------------------------
def _docs(store: Store) -> None:
    store.add_documents([NewDocument("Angela Merkel flew to Berlin."), NewDocument("berlin is big, Berliner said"),
                         NewDocument("张三在北京工作"), NewDocument("Nothing to see.")])


def test_a_list_added_from_the_cli_is_stored_matched_listed_and_removed(project, tmp_path):
    _docs(project)
    path = tmp_path / "cities.txt"
    path.write_text("Berlin\n北京\nBerlin\n", encoding="utf-8")
    out = cli("dictionary", project.path, "add", path, "--label", "LOC", "--json")
    assert out.returncode == 0, out.stderr
    said = json.loads(out.stdout)
    assert (said["added"], said["matches"], said["documents"], said["by_label"]) == (2, 3, 3, {"LOC": 3})
    assert _terms(project) == [("Berlin", 0, 1, "cities.txt"), ("北京", 0, 1, "cities.txt")]
    again = json.loads(cli("dictionary", project.path, "add", path, "--label", "LOC", "--json").stdout)
    assert (again["added"], again["already"]) == (0, 2)
    out = cli("dictionary", project.path, "list")
    assert out.stdout.split("\t")[:3] == ["cities.txt", "LOC", "2 terms"]
    assert cli("dictionary", project.path, "remove", "--source", "cities.txt").stdout.strip() == "removed 2 terms"
    assert _terms(project) == []


def test_an_accepted_document_is_not_searched_and_a_deleted_label_takes_its_terms(project):
    _docs(project)
    add_terms(project, [("Berlin", "LOC"), ("Merkel", "PER"), ("Nothing", "MISC")])
    project.set_spans(1, [], status="accepted")
    summary = match_project(project, Matcher(term_rules(project)))
    assert (summary.matches, summary.documents, summary.searched) == (2, 2, 3)   # berlin, Nothing
    project.delete_label("ner", "MISC")
    assert [r.term for r in term_rules(project)] == ["Berlin", "Merkel"]


def test_signature_changes_with_every_add_and_remove(project):
    first = signature(project)
    ids = add_terms(project, [("Berlin", "LOC")])
    second = signature(project)
    remove_terms(project, ids)
    add_terms(project, [("Paris", "LOC")])
    assert len({first, second, signature(project)}) == 3
    assert clear_terms(project, label="LOC") == 1 and term_lists(project) == []


def test_counting_occurrences_looks_at_unlabeled_documents_only_and_can_be_cancelled(project):
    project.add_documents([NewDocument("Obama and Obama"), NewDocument("Obamacare, said Obama"),
                           NewDocument("Obama again"), NewDocument("no one")])
    project.set_spans(3, [], status="accepted")
    counted = count_occurrences(project.path, "Obama", exclude_doc=1)
    assert (counted.occurrences, counted.documents) == (1, 1)
    with pytest.raises(Cancelled):
        count_occurrences(project.path, "Obama", cancelled=lambda: True)


def test_merging_a_label_moves_its_terms(project):
    add_terms(project, [("Acme", "MISC"), ("Berlin", "LOC"), ("Berlin", "MISC")])
    project.merge_label("ner", "MISC", "ORG")
    assert sorted((r.term, r.label) for r in term_rules(project)) == [("Acme", "ORG"), ("Berlin", "LOC"),
                                                                      ("Berlin", "ORG")]


def test_a_project_without_an_entity_task_refuses_a_list(tmp_path):
    path = tmp_path / "classes.db"
    Store.create(path, ["sentiment"], classes=["negative", "positive"]).close()
    (tmp_path / "t.txt").write_text("great\n", encoding="utf-8")
    out = cli("dictionary", path, "add", tmp_path / "t.txt", "--label", "positive")
    assert out.returncode == 1 and "no span-labeling task" in out.stderr
