"""Dictionary matching benchmark: 100,000 terms against a 100,000-document project.  Prints
figures; asserts nothing.

    flock /work/notes/bench.lock .venv/bin/python tests/benchmarks/bench_dictionary.py [--docs N] [--terms N]

Target (issue #18): storing the list and matching every document finishes in under a minute.
The documents are CoNLL-2003 sentences (train, dev, test, repeated to the count, unlabeled); the
terms are the CoNLL entity strings plus made-up names to the count, half of them any case.  The
peer, measured in the same run on a slice (1,000 terms x 2,000 documents, then scaled), is what
the issue rules out: one regular expression per term (``\\b`` edges, any case).
"""
from __future__ import annotations

import argparse
import os
import pathlib
import platform
import random
import re
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from shared_data import SHARED_DATA  # noqa: E402

from workbench.dictionaries.matcher import Matcher, TermRule  # noqa: E402
from workbench.dictionaries.project_terms import add_terms, match_project, term_rules  # noqa: E402
from workbench.formats.readers import read_conll  # noqa: E402
from workbench.store import NewDocument, Store  # noqa: E402


def conll_documents(n: int) -> tuple[list[NewDocument], list[tuple[str, str]]]:
    """``n`` unlabeled documents from CoNLL-2003 sentences, and the entity strings they label."""
    docs, entities = [], {}
    for part in ("train.txt", "dev.txt", "test.txt"):
        for d in read_conll(SHARED_DATA / "conll2003" / part):
            docs.append(NewDocument(d.text, pretokenized=d.pretokenized))
            for s in d.spans:
                entities.setdefault(d.text[s.start:s.end], s.label)
    out = [docs[i % len(docs)] for i in range(n)]
    return out, list(entities.items())


def made_up_terms(n: int, seed: int = 18) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    syllables = "ka lo mi ren to sha vel dor quin bex zu ar ith mon pel".split()
    out = set()
    while len(out) < n:
        out.add(" ".join("".join(rng.choices(syllables, k=rng.randint(2, 3))).capitalize()
                         for _ in range(rng.randint(1, 3))))
    return [(t, rng.choice(["PER", "ORG", "LOC", "MISC"])) for t in sorted(out)]


def regex_per_term(terms: list[tuple[str, str]], texts: list[str]) -> int:
    patterns = [(re.compile(rf"\b{re.escape(t)}\b", re.IGNORECASE), lab) for t, lab in terms]
    return sum(1 for text in texts for rx, _lab in patterns for _ in rx.finditer(text))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--terms", type=int, default=100_000)
    args = ap.parse_args()
    docs, entities = conll_documents(args.docs)
    terms = entities[: args.terms] + made_up_terms(max(0, args.terms - len(entities)))
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="bench_dictionary_"))
    store = Store.create(tmp / "bench.db", ["ner"], ["PER", "ORG", "LOC", "MISC"])
    t = time.perf_counter()
    store.add_documents(docs)
    setup_s = time.perf_counter() - t

    began = time.perf_counter()
    half = len(terms) // 2
    add_terms(store, terms[:half], source="any-case.txt")
    add_terms(store, terms[half:], case_sensitive=True, source="as-written.csv")
    stored_s = time.perf_counter() - began
    t = time.perf_counter()
    matcher = Matcher(term_rules(store))
    build_s = time.perf_counter() - t
    summary = match_project(store, matcher)
    total_s = time.perf_counter() - began

    # the same slice for both: ours and one regex per term
    slice_terms, slice_texts = terms[:: max(1, len(terms) // 1000)][:1000], [d.text for d in docs[:2000]]
    small = Matcher([TermRule(term, label) for term, label in slice_terms])
    t = time.perf_counter()
    ours_n = sum(len(small.match(text)) for text in slice_texts)
    ours_slice = time.perf_counter() - t
    t = time.perf_counter()
    peer_n = regex_per_term(slice_terms, slice_texts)
    peer_slice = time.perf_counter() - t
    scale = (len(terms) / len(slice_terms)) * (len(docs) / len(slice_texts))

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores "
          "(AMD EPYC with AVX-512 BF16), one thread")
    print(f"project: {len(docs):,} CoNLL-2003 sentences (stored in {setup_s:.1f} s, not counted); "
          f"terms: {len(terms):,} ({min(len(entities), len(terms)):,} CoNLL entity strings)")
    print(f"store the lists: {stored_s:.2f} s; build the matcher: {build_s:.2f} s; "
          f"match every document: {summary.seconds:.2f} s")
    print(f"TOTAL {total_s:.1f} s (target < 60 s): {summary.summary()}")
    print(f"slice {len(slice_terms):,} terms x {len(slice_texts):,} documents: Aho-Corasick {ours_slice * 1000:.0f} ms "
          f"({ours_n:,} matches, leftmost-longest), a regex per term {peer_slice * 1000:.0f} ms ({peer_n:,} matches, "
          f"overlaps counted); ratio {peer_slice / max(ours_slice, 1e-9):.0f}x")
    print(f"a regex per term scaled to {len(terms):,} x {len(docs):,}: about {peer_slice * scale / 3600:.1f} hours")
    store.close()


if __name__ == "__main__":
    main()
