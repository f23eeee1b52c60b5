"""The document list a page at a time: every filter (status, label, split, search and their
mixtures) gives, page after page, exactly the documents that pass it, in id order."""
import itertools
import random

from workbench.spans import Span
from workbench.store import DocFilter, NewDocument, queries
from workbench.store.listing import ids_after

WORDS = "apple pear berry grape lemon melon".split()


def labeled_project(project, rng: random.Random) -> None:
    docs = [NewDocument(" ".join(rng.choices(WORDS, k=5))) for _ in range(300)]
    ids = project.add_documents(docs)
    for doc_id in ids:
        if rng.random() < 0.5:
            n = rng.randint(1, 2)   # some documents have two spans of the same label
            spans = [Span(6 * k, 6 * k + 4, rng.choice(["PER", "ORG"])) for k in range(n)]
            project.set_spans(doc_id, spans, status=rng.choice(["draft", "accepted"]))
        if rng.random() < 0.4:
            project.set_class(doc_id, "sentiment", rng.choice(["negative", "positive"]),
                              status=rng.choice(["accepted", "skipped"]))
        if rng.random() < 0.3:
            project.set_split([doc_id], rng.choice(["dev", "test"]))
    project.delete_documents(rng.sample(ids, 20))


def expected(project, flt: DocFilter) -> list[int]:
    """What passes the filter, decided document by document."""
    out = []
    for doc_id in sorted(r[0] for r in project.conn.execute("SELECT id FROM documents")):
        doc = project.document(doc_id)
        notes = {t: project.annotation(doc_id, t) for t in project.tasks}
        if flt.status:
            want = "accepted" if flt.status == "labeled" else flt.status
            if not any(notes[t].status == want for t in ([flt.task] if flt.task else project.tasks)):
                continue
        if flt.label and not (any(s.label == flt.label for s in notes["ner"].spans)
                              or notes["sentiment"].choice == flt.label):
            continue
        if flt.split and doc.split != flt.split:
            continue
        if flt.search and not all(any(w.startswith(q) for w in doc.text.split()) for q in flt.search.split()):
            continue
        out.append(doc_id)
    return out


def paged(project, flt: DocFilter, size: int) -> list[int]:
    got, after = [], 0
    while page := ids_after(project, flt, after, size):
        assert page == sorted(page) and len(page) <= size
        got += page
        after = page[-1]
    return got


def test_every_filter_pages_through_exactly_its_documents(project):
    labeled_project(project, random.Random(5))
    statuses = [None, "unlabeled", "draft", "labeled", "skipped"]
    labels = [None, "PER", "positive", "nope"]
    splits = [None, "dev", "train"]
    searches = [None, "pea", "lemon grape", "kiwi"]
    tried = 0
    for status, label, split, search in itertools.product(statuses, labels, splits, searches):
        for task in ([None, "ner"] if status else [None]):
            flt = DocFilter(task=task, status=status, label=label, split=split, search=search)
            want = expected(project, flt)
            assert paged(project, flt, 7) == want, flt
            assert queries.document_ids(project, flt) == want
            tried += 1
    assert tried > 300


def test_search_ranks_the_best_matches_first(project):
    ids = project.add_documents([NewDocument("lemon"), NewDocument("pear " * 30 + "lemon"),
                                 NewDocument("lemon lemon lemon"), NewDocument("grape")])
    best = queries.search(project, "lemon", limit=2)
    assert best[0] == ids[2] and len(best) == 2
    assert set(queries.search(project, "lemon")) == set(ids[:3])
