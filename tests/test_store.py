"""The project file: what an annotator's actions leave in it, and what the screens read back."""
import sqlite3

import pytest

from workbench.spans import Span
from workbench.store import DocFilter, NewDocument, Store, StoreError, assign_split
from workbench.store import queries, schema


def add(store, *texts, **kw):
    return store.add_documents([NewDocument(t, **kw) for t in texts])


def test_a_new_project_remembers_tasks_labels_and_keys(project):
    assert project.tasks == ["ner", "sentiment"]
    assert [(l.name, l.shortcut) for l in project.labels("ner")] == [("PER", "1"), ("ORG", "2"), ("LOC", "3"), ("MISC", "4")]
    assert [(l.name, l.shortcut) for l in project.labels("sentiment")] == [("negative", "q"), ("positive", "w")]
    path = project.path
    project.close()
    with Store.open(path) as again:
        assert again.label_names("ner") == ["PER", "ORG", "LOC", "MISC"]
        conn = again.conn
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert schema.user_version(conn) == schema.LATEST


def test_labeling_a_document_is_saved_at_once(project):
    (doc,) = add(project, "Tim Cook runs Apple.")
    project.set_spans(doc, [Span(0, 8, "PER")], annotator="ann")
    project.set_class(doc, "sentiment", "positive", status="accepted", annotator="ann")
    # a second connection (another thread or process) sees it without any save step
    with Store.open(project.path) as other:
        ner = other.annotation(doc, "ner")
        assert (ner.status, ner.spans, ner.annotator) == ("draft", (Span(0, 8, "PER"),), "ann")
        assert other.annotation(doc, "sentiment").choice == "positive"


def test_bad_spans_are_refused_and_change_nothing(project):
    (doc,) = add(project, "Tim Cook runs Apple.")
    project.set_spans(doc, [Span(0, 8, "PER")])
    for bad in ([Span(0, 80, "PER")], [Span(0, 8, "PER"), Span(4, 12, "ORG")], [Span(0, 3, "CEO")]):
        with pytest.raises(StoreError, match=f"document {doc}"):
            project.set_spans(doc, bad)
        assert project.annotation(doc, "ner").spans == (Span(0, 8, "PER"),)


def test_next_unlabeled_skips_done_documents_and_wraps(project):
    ids = add(project, "one", "two", "three", "four")
    project.set_status(ids[0], "ner", "accepted")
    project.set_status(ids[1], "ner", "skipped")
    assert queries.next_document(project, "ner") == ids[2]
    assert queries.next_document(project, "ner", after_id=ids[3]) == ids[2]  # wraps to the start
    project.set_status(ids[2], "ner", "accepted")
    project.set_status(ids[3], "ner", "accepted")
    assert queries.next_document(project, "ner") is None
    assert queries.next_document(project, "sentiment") == ids[0]


def test_counts_filters_and_search(project):
    ids = project.add_documents([
        NewDocument("Tim Cook runs Apple.", spans=[Span(0, 8, "PER"), Span(14, 19, "ORG")], classes={"sentiment": "positive"},
                    split="train"),
        NewDocument("Shares of Apple fell.", spans=[Span(10, 15, "ORG")], split="dev"),
        NewDocument("Nothing to see here.", split="test"),
    ])
    c = queries.counts(project)
    assert c["documents"] == 3
    assert c["tasks"]["ner"]["accepted"] == 2 and c["tasks"]["ner"]["unlabeled"] == 1
    assert c["labels"]["ner"] == {"PER": 1, "ORG": 2, "LOC": 0, "MISC": 0}
    assert c["labels"]["sentiment"] == {"negative": 0, "positive": 1}
    assert c["splits"] == {"train": 1, "dev": 1, "test": 1}
    assert queries.document_ids(project, DocFilter(search="appl")) == ids[:2]
    assert queries.document_ids(project, DocFilter(search='"; DROP')) == []  # typed text is never SQL
    assert queries.documents_with_label(project, "PER") == ids[:1]
    assert queries.documents_with_label(project, "positive") == ids[:1]
    assert queries.document_ids(project, DocFilter(task="ner", status="unlabeled")) == ids[2:]
    assert queries.document_ids(project, DocFilter(status="labeled", split="dev")) == ids[1:2]
    rows = queries.doc_rows(project, ids[::-1])
    assert [r.id for r in rows] == ids[::-1]
    assert (rows[-1].entity_count, rows[-1].classes.get("sentiment"), rows[-1].preview) == (2, "positive", "Tim Cook runs Apple.")


def test_renaming_a_label_reaches_existing_annotations(project):
    (doc,) = project.add_documents([NewDocument("Tim Cook", spans=[Span(0, 8, "PER")])])
    project.update_label("ner", "PER", new_name="PERSON", color="#ff0000", shortcut="p")
    assert project.annotation(doc, "ner").spans == (Span(0, 8, "PERSON"),)
    assert project.labels("ner")[0].color == "#ff0000"
    with pytest.raises(StoreError, match="already exists"):
        project.update_label("ner", "ORG", new_name="PERSON")
    with pytest.raises(StoreError, match="used by 1"):
        project.delete_label("ner", "PERSON")
    project.reorder_labels("ner", ["MISC", "LOC", "ORG", "PERSON"])
    assert project.label_names("ner") == ["MISC", "LOC", "ORG", "PERSON"]


def test_split_assignment_is_deterministic_and_roughly_80_10_10():
    splits = [assign_split(f"{i:040x}") for i in range(5000)]
    assert splits == [assign_split(f"{i:040x}") for i in range(5000)]
    share = {s: splits.count(s) / len(splits) for s in ("train", "dev", "test")}
    assert 0.77 < share["train"] < 0.83 and 0.08 < share["dev"] < 0.12 and 0.08 < share["test"] < 0.12


def test_enabling_a_task_later_gives_every_document_a_queue_entry(tmp_path):
    store = Store.create(tmp_path / "p.db", ["ner"], ["PER"])
    ids = add(store, "a", "b")
    store.enable_task("sentiment")
    store.add_label("sentiment", "positive")
    assert queries.next_document(store, "sentiment") == ids[0]
    store.close()


def test_a_failed_transaction_leaves_nothing(project):
    add(project, "kept")
    with pytest.raises(RuntimeError):
        with project.transaction():
            add(project, "lost")
            raise RuntimeError("boom")
    assert project.document_count() == 1


def test_migration_backs_the_file_up_first(tmp_path, monkeypatch):
    path = tmp_path / "p.db"
    Store.create(path, ["ner"], ["PER"]).close()

    def to_next(conn):
        conn.execute("CREATE TABLE extra (x INTEGER)")

    monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS + [to_next])
    before = schema.LATEST
    with Store.open(path) as store:
        assert schema.user_version(store.conn) == before + 1
    backup = tmp_path / f"p.db.bak-v{before}"
    assert backup.exists()
    with sqlite3.connect(backup) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == before


def test_a_file_from_a_newer_app_or_not_a_project_is_refused(tmp_path):
    path = tmp_path / "p.db"
    Store.create(path, ["ner"], ["PER"]).close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 999")
    with pytest.raises(StoreError, match="newer version"):
        Store.open(path)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a workbench project"):
        Store.open(junk)
    with pytest.raises(StoreError, match="no such project"):
        Store.open(tmp_path / "missing.db")


def test_text_that_cannot_be_stored_is_refused_by_name(project):
    """Half of a surrogate pair is not a character: SQLite cannot store it (UTF-8)."""
    add(project, "kept")
    with pytest.raises(StoreError, match=r"the text holds '\\ud800' \(U\+D800\)"):
        add(project, "fine", "broken \ud800 text")
    assert project.document_count() == 1
