"""Store benchmark on a generated 100,000-document corpus.  Prints figures; asserts nothing.

    .venv/bin/python tests/benchmarks/bench_store.py [--docs 100000]

Targets (issue #2, this machine): import <= 5 s, next-unlabeled <= 2 ms,
one annotation write <= 5 ms p95, counts <= 100 ms.  For scale: Label Studio
advises staying under 100k tasks per project; Argilla's UI took 24 s to load 38k records.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import random
import statistics
import tempfile
import time

from workbench.formats import import_file
from workbench.spans import Span
from workbench.store import DocFilter, Store
from workbench.store import queries

WORDS = ("the company said its quarterly revenue rose while shares fell after analysts cut targets on weak demand "
         "for phones laptops and cloud services in europe and asia").split()
NAMES = [("Apple", "ORG"), ("Tim Cook", "PER"), ("Berlin", "LOC"), ("Samsung", "ORG"), ("Satya Nadella", "PER"),
         ("Tokyo", "LOC"), ("Galaxy S24", "MISC")]


def make_corpus(path: pathlib.Path, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            name, label = rng.choice(NAMES)
            words = rng.choices(WORDS, k=rng.randint(8, 30))
            text = f"{name} " + " ".join(words) + "."
            record = {"text": text, "id": f"doc-{i}"}
            if i % 4 == 0:  # a quarter arrive labeled
                record["spans"] = [{"start": 0, "end": len(name), "label": label}]
                record["sentiment"] = rng.choice(["negative", "positive"])
            fh.write(json.dumps(record) + "\n")


def ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=100_000)
    args = ap.parse_args()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="bench_store_"))
    corpus = tmp / "corpus.jsonl"
    make_corpus(corpus, args.docs)
    db = tmp / "bench.db"
    Store.create(db, ["ner", "sentiment"], ["PER", "ORG", "LOC", "MISC"], ["negative", "positive"]).close()

    store = Store.open(db)
    t = time.perf_counter()
    report = import_file(store, corpus, "jsonl")
    import_s = time.perf_counter() - t
    store.close()

    t = time.perf_counter()
    store = Store.open(db)
    store.label_names("ner")
    open_ms = ms(time.perf_counter() - t)

    # Label the first half so "next unlabeled" has to look past 50,000 documents.
    half = args.docs // 2
    store.conn.execute("UPDATE annotations SET status = 'accepted' WHERE doc_id <= ?", (half,))
    next_times = timed(lambda: queries.next_document(store, "ner", after_id=0), 200)

    rng = random.Random(1)
    write_times = []
    for _ in range(500):
        doc = rng.randint(half + 1, args.docs)
        t = time.perf_counter()
        store.set_spans(doc, [Span(0, 3, "ORG")], annotator="bench")
        write_times.append(time.perf_counter() - t)
    sent_times = timed(lambda: store.set_class(rng.randint(1, args.docs), "sentiment", "positive", annotator="bench"), 500)
    count_times = timed(lambda: queries.counts(store), 20)
    list_times = timed(lambda: queries.document_ids(store, DocFilter(task="ner", status="unlabeled")), 10)
    search_times = timed(lambda: queries.document_ids(store, DocFilter(search="Nadella europe")), 10)
    rows_times = timed(lambda: queries.doc_rows(store, list(range(40_000, 40_050))), 50)
    store.close()

    def p(values: list[float], q: float) -> float:
        return ms(sorted(values)[min(len(values) - 1, int(q * len(values)))])

    figures = {
        "documents": report.documents,
        "import_s": round(import_s, 3), "import_target_s": 5,
        "open_ms": open_ms,
        "next_unlabeled_ms_p50": p(next_times, 0.5), "next_unlabeled_ms_p95": p(next_times, 0.95),
        "next_unlabeled_target_ms": 2,
        "write_spans_ms_p50": p(write_times, 0.5), "write_spans_ms_p95": p(write_times, 0.95),
        "write_sentiment_ms_p50": p(sent_times, 0.5), "write_sentiment_ms_p95": p(sent_times, 0.95),
        "write_target_ms_p95": 5,
        "counts_ms_median": ms(statistics.median(count_times)), "counts_target_ms": 100,
        "filter_unlabeled_ids_ms_median": ms(statistics.median(list_times)),
        "fulltext_search_ms_median": ms(statistics.median(search_times)),
        "list_rows_50_ms_median": ms(statistics.median(rows_times)),
        "file_mb": round(db.stat().st_size / 1e6, 1),
    }
    for key, value in figures.items():
        print(f"{key:34s} {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
