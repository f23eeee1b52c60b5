"""The counts the store keeps as it is written (per split, per task and status, per label) always
equal a full recount, whatever an annotator, an import, a deletion, a label merge or an upgrade did."""
import random
import sqlite3

from store_support import make_schema3_project, write_corpus
from workbench.formats import import_file
from workbench.spans import Span
from workbench.store import NewDocument, Store, queries, schema
from workbench.store.models import STATUSES
from workbench.training import runs


def scanned_counts(store: Store) -> dict:
    """The counts by scanning every table (what the app did before it kept them)."""
    conn = store.conn
    out: dict = {"documents": conn.execute("SELECT count(*) FROM documents").fetchone()[0], "tasks": {},
                 "labels": {}, "splits": {}}
    for task in store.tasks:
        out["tasks"][task] = dict.fromkeys(STATUSES, 0)
        out["labels"][task] = dict.fromkeys(store.label_names(task), 0)
    for task, status, n in conn.execute("SELECT task, status, count(*) FROM annotations GROUP BY task, status"):
        out["tasks"][task][status] = n
    for task, name, n in conn.execute(
            "SELECT l.task, l.name, count(*) FROM spans s JOIN labels l ON l.id = s.label_id GROUP BY l.id"
            " UNION ALL SELECT l.task, l.name, count(*) FROM annotations a JOIN labels l ON l.id = a.class_id"
            " GROUP BY l.id"):
        out["labels"][task][name] += n
    out["splits"] = dict(conn.execute("SELECT split, count(*) FROM documents GROUP BY split").fetchall())
    return out


def scanned_accepted(store: Store, task: str) -> dict:
    out = dict.fromkeys(("train", "dev", "test", "unassigned"), 0)
    out.update(store.conn.execute("SELECT d.split, count(*) FROM annotations a JOIN documents d ON d.id = a.doc_id"
                                  " WHERE a.task = ? AND a.status = 'accepted' GROUP BY d.split", (task,)).fetchall())
    return out


def assert_counts_true(store: Store) -> None:
    assert queries.counts(store) == scanned_counts(store)
    for task in store.tasks:    # what the Train screen shows: accepted documents per split
        assert runs.labeled_counts(store, task) == scanned_accepted(store, task)
    # and a second connection (another process) reads the same committed counts
    with Store.open(store.path) as other:
        assert queries.counts(other) == scanned_counts(store)


def random_edits(store: Store, rng: random.Random, rounds: int) -> None:
    """What annotators do: spans, classes, statuses, splits, in random order and mixtures."""
    ner, classes = store.label_names("ner"), store.label_names("sentiment")
    ids = [r[0] for r in store.conn.execute("SELECT id FROM documents")]
    for _ in range(rounds):
        doc = rng.choice(ids)
        move = rng.randrange(5)
        if move == 0:
            text = store.document(doc).text
            cut = rng.randint(1, max(1, min(len(text) - 1, 6)))
            spans = [Span(0, cut, rng.choice(ner))] if rng.random() < 0.8 else []
            store.set_spans(doc, spans, status=rng.choice(STATUSES), annotator="ann")
        elif move == 1:
            store.set_class(doc, "sentiment", rng.choice(classes + [None]), status=rng.choice(STATUSES))
        elif move == 2:
            store.set_status(doc, rng.choice(["ner", "sentiment"]), rng.choice(STATUSES))
        elif move == 3:
            store.set_split([doc, rng.choice(ids)], rng.choice(["train", "dev", "test", "unassigned"]))
        else:
            store.set_class(doc, "sentiment", rng.choice(classes), status="accepted")


def test_counts_follow_edits_imports_deletions_and_merges(project, tmp_path):
    rng = random.Random(20)
    project.add_documents([NewDocument(f"Ada met Bob number {i}.") for i in range(60)])
    assert_counts_true(project)
    random_edits(project, rng, 300)
    assert_counts_true(project)

    corpus = tmp_path / "more.jsonl"
    write_corpus(corpus, 500, label="PER")
    import_file(project, corpus, "jsonl", add_labels=True)      # new classes "bad"/"good" come with it
    assert_counts_true(project)
    random_edits(project, rng, 300)
    assert_counts_true(project)

    ids = [r[0] for r in project.conn.execute("SELECT id FROM documents")]
    assert project.delete_documents(rng.sample(ids, 120)) == 120
    assert_counts_true(project)

    project.merge_label("ner", "ORG", "PER")
    project.merge_label("sentiment", "bad", "negative")
    assert "ORG" not in queries.counts(project)["labels"]["ner"]
    assert_counts_true(project)

    # a failed write changes no count
    before = queries.counts(project)
    try:
        with project.transaction():
            project.set_status(ids[-1], "ner", "accepted")
            project.delete_documents(ids[:50])
            raise RuntimeError("the disk went away")
    except RuntimeError:
        pass
    assert queries.counts(project) == before
    assert_counts_true(project)


def test_an_import_adds_its_counts_and_keeps_the_counting_triggers(project, tmp_path):
    corpus = tmp_path / "docs.jsonl"
    write_corpus(corpus, 300)
    import_file(project, corpus, "jsonl", add_labels=True)
    counted = queries.counts(project)
    assert counted["documents"] == 300 and counted["tasks"]["ner"]["accepted"] == 100
    assert_counts_true(project)
    triggers = {r[0] for r in project.conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert {"tally_documents_ai", "tally_annotations_au", "tally_spans_ad"} <= triggers
    # ... so a label written after the import still counts
    project.set_spans(1, [Span(0, 3, "LOC")], status="accepted")
    assert queries.counts(project)["labels"]["ner"]["LOC"] == 1
    assert_counts_true(project)


def test_an_upgraded_project_starts_with_its_counts(tmp_path):
    path = tmp_path / "old.db"
    make_schema3_project(path)
    with Store.open(path) as store:
        assert schema.user_version(store.conn) == schema.LATEST
        counted = queries.counts(store)
        assert counted["documents"] == 2
        assert counted["tasks"]["ner"] == {"unlabeled": 1, "draft": 0, "accepted": 1, "skipped": 0}
        assert counted["labels"] == {"ner": {"PER": 1}, "sentiment": {"good": 1}}
        assert_counts_true(store)
        random_edits(store, random.Random(3), 40)
        assert_counts_true(store)
    with sqlite3.connect(path.with_name("old.db.bak-v3")) as conn:   # the backup is the file as it was
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 3


def test_an_import_that_fails_while_publishing_leaves_counts_and_triggers_as_they_were(project, tmp_path, monkeypatch):
    import pytest

    from workbench.store import staging

    project.add_documents([NewDocument("Ada met Bob.")])
    before = queries.counts(project)
    real = staging.ImportStage._insert

    def half_then_fail(self, *args):
        real(self, *args)          # every row in, the count triggers off ...
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(staging.ImportStage, "_insert", half_then_fail)
    corpus = tmp_path / "docs.jsonl"
    write_corpus(corpus, 50)
    with pytest.raises(Exception, match="space"):
        import_file(project, corpus, "jsonl", add_labels=True)
    assert queries.counts(project) == before
    triggers = {r[0] for r in project.conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert "tally_annotations_au" in triggers           # ... and back, with the rollback
    project.set_status(1, "ner", "accepted")
    assert_counts_true(project)
