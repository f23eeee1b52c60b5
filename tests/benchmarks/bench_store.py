"""Store benchmark on a generated 100,000-document corpus.  Prints figures; asserts nothing.

    .venv/bin/python tests/benchmarks/bench_store.py [--docs 100000]

Targets (issue #2, this machine): import <= 5 s, next-unlabeled <= 2 ms,
one annotation write <= 5 ms p95, counts <= 100 ms.  Issue #20, at 1,000,000 documents
(--docs 1000000): counts <= 10 ms at any size, the list's first page of a filter (status, label,
split) or of a full-text search <= 100 ms, import <= 30 s with memory that does not grow with
the file (peak resident memory printed).  For scale: Label Studio
advises staying under 100k tasks per project; Argilla's UI took 24 s to load 38k records.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import random
import resource
import statistics
import tempfile
import time

from workbench.formats import import_file
from workbench.spans import Span
from workbench.store import DocFilter, Store
from workbench.store import listing, queries

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


def uncertain_first(store: Store) -> dict[str, float]:
    """"Uncertain first" with a prediction for every document (as after pre-annotating all of
    them): the first page of the order and the next document, fresh and after the 5,000 most
    uncertain were labeled (what the order walks past)."""
    from workbench.inference import cache
    from workbench.inference.batch import set_suggestion_run
    from workbench.inference.queue import next_uncertain, set_next_order
    from workbench.training import runs

    run_id = runs.start_run(store, "ner", "bench", "cpu", {}, {})
    with store.transaction():
        store.conn.execute(
            "INSERT INTO predictions (run_id, doc_id, text_hash, probs, label, confidence, margin, created, exact)"
            " SELECT ?, id, hash, x'', NULL, (abs(random()) % 1000000) / 1e6, (abs(random()) % 1000000) / 1e6,"
            " '2026-01-01', 0 FROM documents", (run_id,))
    set_suggestion_run(store, "ner", run_id)
    set_next_order(store, "least_confidence")
    out = {}
    for when in ("fresh", "after_5000_labeled"):
        page = timed(lambda: cache.uncertain_unlabeled(store, run_id, "ner", limit=300), 10)
        nxt = timed(lambda: next_uncertain(store, 0), 20)
        out[f"uncertain_first_page_{when}_ms_median"] = ms(statistics.median(page))
        out[f"uncertain_next_{when}_ms_median"] = ms(statistics.median(nxt))
        with store.transaction():
            store.conn.execute("UPDATE annotations SET status = 'accepted' WHERE task = 'ner' AND doc_id IN"
                               " (SELECT doc_id FROM predictions WHERE run_id = ? ORDER BY confidence LIMIT 5000)",
                               (run_id,))
    out["uncertain_predictions"] = store.conn.execute("SELECT count(*) FROM predictions").fetchone()[0]
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
    import_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
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
    first = 300    # the list's first read (ui/annotate/doc_list.py FIRST_IDS)
    page_times = {name: timed(lambda f=flt: listing.ids_after(store, f, 0, first), 10) for name, flt in (
        ("unlabeled", DocFilter(task="ner", status="unlabeled")), ("labeled_any_task", DocFilter(status="labeled")),
        ("split_dev", DocFilter(split="dev")), ("label_PER", DocFilter(label="PER")),
        ("search", DocFilter(search="Nadella europe")), ("search_common_word", DocFilter(search="the")),
        ("search_split_status", DocFilter(search="Nadella", split="test", status="labeled")))}
    ranked_times = timed(lambda: queries.search(store, "Nadella europe", 100), 5)
    uncertain = uncertain_first(store)
    rows_times = timed(lambda: queries.doc_rows(store, list(range(40_000, 40_050))), 50)
    store.close()

    def p(values: list[float], q: float) -> float:
        return ms(sorted(values)[min(len(values) - 1, int(q * len(values)))])

    figures = {
        "documents": report.documents,
        "import_s": round(import_s, 3), "import_target_s": 5, "import_peak_rss_mb": round(import_rss_mb),
        "open_ms": open_ms,
        "next_unlabeled_ms_p50": p(next_times, 0.5), "next_unlabeled_ms_p95": p(next_times, 0.95),
        "next_unlabeled_target_ms": 2,
        "write_spans_ms_p50": p(write_times, 0.5), "write_spans_ms_p95": p(write_times, 0.95),
        "write_sentiment_ms_p50": p(sent_times, 0.5), "write_sentiment_ms_p95": p(sent_times, 0.95),
        "write_target_ms_p95": 5,
        "counts_ms_median": ms(statistics.median(count_times)), "counts_target_ms": 10,
        "filter_unlabeled_ids_ms_median": ms(statistics.median(list_times)),
        "fulltext_search_ms_median": ms(statistics.median(search_times)),
        **{f"first_page_{name}_ms_median": ms(statistics.median(v)) for name, v in page_times.items()},
        "first_page_target_ms": 100,
        "search_best_100_by_rank_ms_median": ms(statistics.median(ranked_times)),
        "list_rows_50_ms_median": ms(statistics.median(rows_times)),
        **uncertain,
        "file_mb": round(db.stat().st_size / 1e6, 1),
    }
    for key, value in figures.items():
        print(f"{key:34s} {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
