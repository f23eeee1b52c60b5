"""``workbench-cli apply`` benchmark: prints figures (asserts nothing), against a peer measured in
the same run.

    flock /work/notes/bench.lock .venv/bin/python tests/benchmarks/bench_apply.py [--n 3000]

Target (issue #17, CPU, bundled MiniLM base model with a CoNLL NER head): >= 400 CoNLL-sized
sentences/s, and >= 3x the ``transformers`` ``pipeline("token-classification",
aggregation_strategy="simple")`` on the same model folder, same sentences, same threads.
The file is a .txt of CoNLL dev sentences (one per line) applied to a .jsonl output through
:func:`workbench.inference.apply_job.apply_job`, the CLI's and the app's one path: the run's
checked int8 ONNX copy, length-sorted windows.  The first apply of a run also makes its ONNX
export (once per run): a second, timed, apply shows the steady state.  The peer runs twice:
as called plainly (one sentence at a time) and with ``batch_size=64``.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=3000, help="CoNLL dev sentences")
    ap.add_argument("--peer-n", type=int, default=1000, help="sentences for each peer pipeline call")
    args = ap.parse_args()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="bench-apply-"))
    os.environ["WORKBENCH_HOME"] = str(tmp)

    import torch
    from transformers import pipeline

    from bench_inference import conll_sentences, make_run
    from workbench.inference.apply_job import apply_job
    from workbench.inference.run_model import open_run
    from workbench.store import Store

    texts = conll_sentences(args.n)
    src = tmp / "sentences.txt"
    src.write_text("\n".join(texts) + "\n", encoding="utf-8")
    project = tmp / "bench.db"
    with Store.create(project, ["ner"], ["PER", "ORG", "LOC", "MISC"], []) as store:
        run = open_run(store, make_run(store, tmp, "ner"))
    r: dict[str, object] = {"cpu": "AMD EPYC, 2 cores, AVX-512 BF16", "threads": torch.get_num_threads(),
                            "load_avg": round(os.getloadavg()[0], 2), "sentences": len(texts),
                            "mean_words": round(sum(len(t.split()) for t in texts) / len(texts), 1)}
    t0 = time.perf_counter()
    first = apply_job(project, run.run_id, src, tmp / "first.jsonl", device="cpu")
    r["first_apply_wall_s_incl_onnx_export"] = round(time.perf_counter() - t0, 2)
    t0 = time.perf_counter()
    again = apply_job(project, run.run_id, src, tmp / "again.jsonl", device="cpu")
    wall = time.perf_counter() - t0
    r["engine"] = again.engine
    r["apply_sentences_per_s"] = round(again.per_second, 1)
    r["apply_wall_s_incl_model_load"] = round(wall, 2)
    r["apply_sentences_per_s_wall"] = round(again.rows / wall, 1)
    assert first.rows == again.rows == len(texts)

    pipe = pipeline("token-classification", model=str(run.model_dir), device="cpu", aggregation_strategy="simple")
    peer = texts[: args.peer_n]
    pipe(peer[:16])                       # warm-up
    for name, kwargs in (("plain", {}), ("batch64", {"batch_size": 64})):
        t0 = time.perf_counter()
        pipe(peer, **kwargs)
        r[f"peer_pipeline_{name}_sentences_per_s"] = round(len(peer) / (time.perf_counter() - t0), 1)
    for name in ("plain", "batch64"):
        r[f"speedup_vs_pipeline_{name}"] = round(r["apply_sentences_per_s_wall"]
                                                 / r[f"peer_pipeline_{name}_sentences_per_s"], 2)
    print(json.dumps(r, indent=1))


if __name__ == "__main__":
    main()
