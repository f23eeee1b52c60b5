"""Inference benchmark: prints figures (asserts nothing), each set against a peer measured
in the same run.

    .venv/bin/python tests/benchmarks/bench_inference.py [--n 2000] [--steps 24] [--peer-steps 50]

Targets (issue #5, CPU, bundled MiniLM base model), one sentence of <= 64 word pieces:
prediction with attention <= 30 ms; integrated gradients <= 1 s; batch pre-annotation
>= 300 sentences/s.  Models: the bundled base with a fresh NER head (CoNLL tags) and a
sentiment head, saved and registered as runs in a throw-away project, so the timings go
through the same path the app uses (run lookup, cache writes included).  Peers: the stock
``transformers`` pipelines (token-classification, text-classification) on the same
sentences and threads; SDPA prediction without attention; Captum called plainly with its
default 50 steps.  The app's integrated gradients attribute the model's score (logit) with 24
steps, which converge there (see workbench/inference/attribution.py); pre-annotation of
unlabeled documents runs the run's checked int8 ONNX export (workbench/inference/onnx_export.py).
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
TAGS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]


def conll_sentences(n: int) -> list[str]:
    out, words = [], []
    for line in (DATA / "conll2003" / "dev.txt").read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if not parts or parts[0] == "-DOCSTART-":
            if words:
                out.append(" ".join(words))
                words = []
            if len(out) >= n:
                break
            continue
        words.append(parts[0])
    return out[:n]


def sst2_sentences(n: int) -> list[str]:
    lines = (DATA / "sst2" / "dev.tsv").read_text(encoding="utf-8").splitlines()
    lines += (DATA / "sst2" / "train.tsv").read_text(encoding="utf-8").splitlines()
    return [ln.split("\t", 1)[1] for ln in lines if "\t" in ln][:n]


def make_run(store, root: pathlib.Path, task: str) -> int:
    """The bundled base with a fresh head, saved like a finished run and registered in ``store``."""
    from workbench import tasks as task_registry
    from workbench.paths import default_base_model_dir
    from workbench.training import runs
    from workbench.modeling.loading import load_model, load_tokenizer, save_model

    names = TAGS if task == "ner" else ["negative", "positive"]
    source = str(default_base_model_dir())
    tok = load_tokenizer(source)
    folder = root / f"{task}-model"
    save_model(load_model(source, task_registry.get(task), names, tok), tok, folder)
    run_id = runs.start_run(store, task, "default", "cpu", {"max_length": 128}, {})
    runs.finish_run(store, run_id, "done", model_dir=str(folder))
    return run_id


def timed(fn, repeat: int, warmup: int = 2) -> list[float]:  # noqa: ANN001
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def ms(xs: list[float]) -> dict[str, float]:
    xs = sorted(xs)
    return {"median_ms": round(statistics.median(xs) * 1000, 1), "p90_ms": round(xs[int(0.9 * (len(xs) - 1))] * 1000, 1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000, help="sentences for batch pre-annotation")
    ap.add_argument("--steps", type=int, default=24, help="integrated-gradients steps (the app's default)")
    ap.add_argument("--peer-steps", type=int, default=50, help="the peer's steps (Captum's default n_steps)")
    ap.add_argument("--threads", type=int, help="torch intra-op threads (default: torch's, one per core)")
    ap.add_argument("--tasks", default="ner,sentiment")
    ap.add_argument("--batch-only", action="store_true", help="only the pre-annotation figures")
    args = ap.parse_args()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="bench-inference-"))
    os.environ["WORKBENCH_HOME"] = str(tmp)

    import torch
    from transformers import pipeline

    from workbench.inference.batch import predict_job
    from workbench.inference.predictor import as_document
    from workbench.inference.run_model import open_run
    from workbench.store import NewDocument, Store

    if args.threads:
        torch.set_num_threads(args.threads)
    results: dict[str, object] = {"threads": torch.get_num_threads(), "load_avg": round(os.getloadavg()[0], 2)}
    texts = {"ner": conll_sentences(args.n), "sentiment": sst2_sentences(args.n)}
    for task in args.tasks.split(","):
        project = tmp / f"{task}.db"
        with Store.create(project, [task], ["PER", "ORG", "LOC", "MISC"] if task == "ner" else [],
                          ["negative", "positive"] if task == "sentiment" else []) as store:
            store.add_documents([NewDocument(t, pretokenized=(task == "ner")) for t in texts[task]])
            run = open_run(store, make_run(store, tmp, task))
        pred = run.predictor("cpu")
        # one sentence of at most 64 word pieces: the longest such among the first 200
        lengths = [(len(pred.encode([as_document(t)])[0].input_ids), t) for t in texts[task][:200]]
        n_pieces, sentence = max((ln, t) for ln, t in lengths if ln <= 64)
        doc = as_document(sentence, pretokenized=(task == "ner"))
        r: dict[str, object] = {"sentence_pieces": n_pieces}
        if not args.batch_only:
            explain_figures(r, pred, doc, task, args.steps, args.peer_steps)
        del pred
        t0 = time.perf_counter()
        summary = predict_job(project, run.run_id, "unlabeled", device="cpu")
        wall = time.perf_counter() - t0
        # the first job of a run also exports it to ONNX (once per run): time a second job too
        with Store(project) as store:
            store.conn.execute("DELETE FROM predictions")
        t0 = time.perf_counter()
        again = predict_job(project, run.run_id, "unlabeled", device="cpu")
        wall2 = time.perf_counter() - t0
        r["preannotate"] = {"sentences": summary.predicted, "first_job_wall_s_incl_onnx_export": round(wall, 2),
                            "first_job_sentences_per_s": round(summary.predicted / summary.seconds, 1),
                            "model_s": round(again.seconds, 2), "wall_s_incl_load_and_cache": round(wall2, 2),
                            "sentences_per_s": round(again.predicted / again.seconds, 1),
                            "sentences_per_s_wall": round(again.predicted / wall2, 1)}
        kind = "token-classification" if task == "ner" else "text-classification"
        pipe = pipeline(kind, model=str(run.model_dir), device="cpu")
        t0 = time.perf_counter()
        pipe(texts[task], batch_size=64)
        peer_s = time.perf_counter() - t0
        r["peer_pipeline_sentences_per_s"] = round(len(texts[task]) / peer_s, 1)
        r["speedup_vs_pipeline"] = round(r["preannotate"]["sentences_per_s_wall"] / r["peer_pipeline_sentences_per_s"], 2)
        results[task] = r
        print(task, json.dumps(r), flush=True)
    print(json.dumps(results))


def explain_figures(r: dict, pred, doc, task: str, steps: int, peer_steps: int) -> None:  # noqa: ANN001
    """Single-sentence latency: prediction (SDPA, then eager with attention) and integrated
    gradients, against Captum called plainly on the same model."""
    import torch
    from captum.attr import LayerIntegratedGradients

    from workbench.inference.attribution import integrated_gradients

    r["predict_sdpa"] = ms(timed(lambda: pred.predict_one(doc), 30))
    pred.use_eager_attention()
    r["predict_with_attention"] = ms(timed(lambda: pred.predict_with_attention(doc), 30))
    word = len(doc.text.split()) // 2 if task == "ner" else None
    ig = integrated_gradients(pred, doc, word=word, steps=steps)
    r["ig_delta"] = round(ig.delta, 4)
    r["ig_output_minus_baseline"] = round(ig.output - ig.baseline_output, 4)
    r["integrated_gradients"] = ms(timed(lambda: integrated_gradients(pred, doc, word=word, steps=steps), 5, 1))
    r["integrated_gradients_one_batch"] = ms(timed(lambda: integrated_gradients(
        pred, doc, word=word, steps=steps, internal_batch_size=steps), 5, 1))
    # peer: Captum called plainly on the same model with its default steps (logits, one batch)
    enc = pred._tensors(pred.encode([doc]))
    special = torch.isin(enc["input_ids"], torch.tensor(pred.tokenizer.all_special_ids))
    base = torch.where(special, enc["input_ids"], torch.zeros_like(enc["input_ids"]))

    def peer_forward(ids, mask):  # noqa: ANN001, ANN202
        out = pred.model(input_ids=ids, attention_mask=mask).logits
        return out[:, 1, :] if task == "ner" else out

    lig = LayerIntegratedGradients(peer_forward, pred.model.get_input_embeddings())
    r["peer_captum_plain"] = ms(timed(lambda: lig.attribute(
        enc["input_ids"], base, additional_forward_args=(enc["attention_mask"],), target=0, n_steps=peer_steps), 5, 1))
    r["peer_steps"] = peer_steps


if __name__ == "__main__":
    main()
