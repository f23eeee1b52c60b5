"""Suspicious-label experiment: flip 5% of the gold labels of SST-2 sentences on purpose and
see how many of the flipped ones k-fold ranks on top.  Prints figures (asserts nothing).

    .venv/bin/python tests/benchmarks/bench_suspicious.py [--n 1500] [--rate 0.05] [--k 3] [--epochs E]

Method: every sentence is scored by a model that never trained on it (k folds, each trained
with the project's own engine on the bundled MiniLM); the score is the probability that model
gives the gold label, lowest first.  Figures: precision at the number of flips (the share of
the top-F that really were flipped), recall in the top 2F, and the same for the peers measured
in the same run: random order (expected precision = the flip rate) and in-sample scoring (one
model trained on all sentences, flipped ones included, scoring its own training data).
"""
from __future__ import annotations

import argparse
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
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
CLASSES = ["negative", "positive"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1500, help="first N SST-2 train sentences")
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
    from workbench.inference.suspicious import KFoldSettings, kfold_job, precision_at, rank, score
    from workbench.store import NewDocument, Store
    from workbench.training import TrainConfig, train

    rows = [ln.split("\t", 1) for ln in DATA.read_text(encoding="utf-8").splitlines() if "\t" in ln][: args.n]
    rng = random.Random(args.seed)
    flip_rows = set(rng.sample(range(len(rows)), round(len(rows) * args.rate)))
    docs = []
    for i, (label, text) in enumerate(rows):
        cls = CLASSES[int(label)]
        if i in flip_rows:
            cls = CLASSES[1 - int(label)]
        docs.append(NewDocument(text, sentiment=cls, split="train"))
    project = tmp / "sst2-flipped.db"
    with Store.create(project, ["sentiment"], [], CLASSES) as store:
        ids = store.add_documents(docs)
    flipped = {ids[i] for i in flip_rows}
    f = len(flipped)
    out: dict[str, object] = {"sentences": len(rows), "flipped": f, "k": args.k, "epochs": args.epochs,
                              "base_model": "bundled MiniLM", "load_avg": round(os.getloadavg()[0], 2)}

    def figures(ranked_ids: list[int]) -> dict[str, float]:
        return {"precision_at_flips": round(precision_at(ranked_ids, flipped), 3),
                "recall_in_top_2F": round(len(set(ranked_ids[: 2 * f]) & flipped) / f, 3)}

    t0 = time.perf_counter()
    last = [0.0]

    def progress(p) -> None:  # noqa: ANN001
        if time.perf_counter() - last[0] > 15:
            last[0] = time.perf_counter()
            print(f"  {p.message} ({p.fraction:.0%}, {time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True)

    ranked = kfold_job(project, "sentiment", KFoldSettings(k=args.k, epochs=args.epochs, seed=args.seed),
                       on_progress=progress)
    true = {d: CLASSES[int(rows[i][0])] for i, d in enumerate(ids)}
    accuracy = sum(s.detail["pred"] == true[s.doc_id] for s in ranked) / max(1, len(ranked))
    out["kfold"] = {**figures([s.doc_id for s in ranked]), "seconds": round(time.perf_counter() - t0, 1),
                    "out_of_sample_accuracy_vs_true_labels": round(accuracy, 3)}
    out["peer_random"] = {"precision_at_flips": round(args.rate, 3), "recall_in_top_2F": round(2 * f / len(rows), 3)}
    if not args.no_peer:
        t1 = time.perf_counter()
        result = train(TrainConfig(project, "sentiment", epochs=args.epochs, seed=args.seed, output_dir=tmp / "peer"))
        with Store(project) as store:
            run = open_run(store, result.run_id)
            predict_into_cache(store, run, ids)
            preds = cache.load(store, run.run_id, "sentiment", run.label_names, ids)
            gold = {d: docs[i].sentiment for i, d in enumerate(ids)}
            in_sample = rank([score(preds[d], gold[d], "in-sample") for d in ids])
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
