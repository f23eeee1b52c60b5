"""Suspicious-label experiment: flip 5% of the gold labels on purpose and see how many of the
flipped documents k-fold ranks on top.  Prints figures (asserts nothing).

    .venv/bin/python tests/benchmarks/bench_suspicious.py [--task sentiment|ner] [--n 1500] [--rate 0.05]
        [--k 3] [--epochs E]

Sentiment: the first N SST-2 train sentences, 5% of them given the other class.  NER: the
first N CoNLL-2003 train sentences, 5% of them (among those with an entity) with one entity
given another type (PER -> ORG, ...).

Method: every sentence is scored by a model that never trained on it (k folds, each trained
with the project's own engine on the bundled MiniLM); the score is the probability that model
gives the gold label, lowest first.  Figures: precision at the number of flips (the share of
the top-F that really were flipped), recall in the top 2F, and the same for the peers measured
in the same run: random order (expected precision = the flip rate) and in-sample scoring (one
model trained on all sentences, flipped ones included, scoring its own training data).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import pathlib
import random
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data" / "sst2" / "train.tsv"
CONLL = ROOT.parent / "shared" / "data" / "conll2003" / "train.txt"
TYPES = ["LOC", "MISC", "ORG", "PER"]
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
CLASSES = ["negative", "positive"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--task", choices=["sentiment", "ner"], default="sentiment")
    ap.add_argument("--n", type=int, default=1500, help="first N train sentences")
    ap.add_argument("--rate", type=float, default=0.05, help="share of labels flipped")
    ap.add_argument("--k", type=int, default=3)
    ap.add_argument("--epochs", type=int, help="epochs per fold and for the in-sample peer "
                    "(default: the training engine's own schedule, as the app trains)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-peer", action="store_true", help="skip the in-sample peer (one more training run)")
    args = ap.parse_args()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="bench-suspicious-"))
    os.environ["WORKBENCH_HOME"] = str(tmp)

    from workbench.inference import cache
    from workbench.inference.batch import predict_into_cache
    from workbench.inference.run_model import open_run
    from workbench.inference.suspicious import KFoldSettings, kfold_job, precision_at, rank
    from workbench import tasks as task_registry
    from workbench.store import NewDocument, Store
    from workbench.training import TrainConfig, train

    task = args.task
    rng = random.Random(args.seed)
    if task == "sentiment":
        rows = [ln.split("\t", 1) for ln in DATA.read_text(encoding="utf-8").splitlines() if "\t" in ln][: args.n]
        flip_rows = set(rng.sample(range(len(rows)), round(len(rows) * args.rate)))
        true = [CLASSES[int(label)] for label, _ in rows]
        docs = [NewDocument(text, classes={"sentiment": CLASSES[1 - int(label)] if i in flip_rows else CLASSES[int(label)]},
                            split="train") for i, (label, text) in enumerate(rows)]
        project = tmp / "sst2-flipped.db"
        store = Store.create(project, ["sentiment"], [], CLASSES)
    else:
        from workbench.formats.readers import read_conll
        from workbench.spans import Span

        docs = [d for d in read_conll(CONLL, unit="sentence", split="train")][: args.n]
        true = [list(d.spans) for d in docs]
        candidates = [i for i, d in enumerate(docs) if d.spans]
        flip_rows = set(rng.sample(candidates, round(len(docs) * args.rate)))
        for i in flip_rows:
            spans = list(docs[i].spans)
            k = rng.randrange(len(spans))
            old = spans[k]
            spans[k] = Span(old.start, old.end, rng.choice([t for t in TYPES if t != old.label]))
            docs[i] = dataclasses.replace(docs[i], spans=spans)
        project = tmp / "conll-flipped.db"
        store = Store.create(project, ["ner"], TYPES)
    with store:
        ids = store.add_documents(docs)
    flipped = {ids[i] for i in flip_rows}
    f = len(flipped)
    out: dict[str, object] = {"task": task, "sentences": len(docs), "flipped": f, "k": args.k,
                              "epochs": args.epochs, "base_model": "bundled MiniLM",
                              "load_avg": round(os.getloadavg()[0], 2)}

    def figures(ranked_ids: list[int]) -> dict[str, float]:
        return {"precision_at_flips": round(precision_at(ranked_ids, flipped), 3),
                "recall_in_top_2F": round(len(set(ranked_ids[: 2 * f]) & flipped) / f, 3)}

    t0 = time.perf_counter()
    last = [0.0]

    def progress(p) -> None:  # noqa: ANN001
        if time.perf_counter() - last[0] > 15:
            last[0] = time.perf_counter()
            print(f"  {p.message} ({p.fraction:.0%}, {time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True)

    ranked = kfold_job(project, task, KFoldSettings(k=args.k, epochs=args.epochs, seed=args.seed),
                       progress=progress)
    out["kfold"] = {**figures([s.doc_id for s in ranked]), "seconds": round(time.perf_counter() - t0, 1)}
    if task == "sentiment":
        truth = dict(zip(ids, true))
        accuracy = sum(s.detail["pred"] == truth[s.doc_id] for s in ranked) / max(1, len(ranked))
        out["kfold"]["out_of_sample_accuracy_vs_true_labels"] = round(accuracy, 3)
    out["peer_random"] = {"precision_at_flips": round(args.rate, 3), "recall_in_top_2F": round(2 * f / len(docs), 3)}
    if not args.no_peer:
        t1 = time.perf_counter()
        result = train(TrainConfig(project, task, epochs=args.epochs, seed=args.seed, output_dir=tmp / "peer"))
        with Store(project) as store:
            run = open_run(store, result.run_id)
            predict_into_cache(store, run, ids)
            preds = cache.load(store, run.run_id, task, run.label_names, ids)
            gold = {d: (docs[i].classes.get("sentiment") if task == "sentiment" else list(docs[i].spans)) for i, d in enumerate(ids)}
            in_sample = rank([task_registry.get(task).suspicion(preds[d], gold[d], "in-sample") for d in ids])
        out["peer_in_sample"] = {**figures([s.doc_id for s in in_sample]),
                                 "seconds": round(time.perf_counter() - t1, 1)}
    kp = out["kfold"]["precision_at_flips"]
    out["kfold_vs_random"] = round(kp / args.rate, 1)
    if "peer_in_sample" in out:
        ip = out["peer_in_sample"]["precision_at_flips"]
        out["kfold_vs_in_sample"] = round(kp / ip, 2) if ip else None
    print(json.dumps(out))


if __name__ == "__main__":
    main()
