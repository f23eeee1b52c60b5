"""Serving benchmark: requests/s and p50/p95 latency of ``workbench-cli serve``, at 1 and 16
texts per request, one client and 8 concurrent clients.  Prints figures, asserts nothing.

    flock /work/notes/bench.lock .venv/bin/python tests/benchmarks/bench_serve.py [--requests 200]

Model: the bundled MiniLM with a fresh NER head (CoNLL tags), registered as a run of a
throw-away project, served by the real CLI in its own process on 127.0.0.1 (its default
engine: the run's checked ONNX export on a CPU).  Texts: CoNLL-2003 dev sentences.  Client:
urllib, a new connection per request (what a plain script does).  Peer, measured in the same
run: the same sentences through the app's Predictor in-process, one call per request (what
the server's HTTP, JSON and queue add).
"""
from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from bench_inference import TAGS, conll_sentences  # noqa: E402


def make_run(project: pathlib.Path, root: pathlib.Path) -> tuple[int, pathlib.Path]:
    from workbench.modeling.loading import load_model, load_tokenizer, save_model
    from workbench.paths import default_base_model_dir
    from workbench.store import Store
    from workbench.tasks import get
    from workbench.training import runs

    source = str(default_base_model_dir())
    tok = load_tokenizer(source)
    folder = root / "ner-model"
    save_model(load_model(source, get("ner"), TAGS, tok), tok, folder)
    with Store.create(project, ["ner"], ["PER", "ORG", "LOC", "MISC"], []) as store:
        run_id = runs.start_run(store, "ner", "default", "cpu", {"max_length": 128}, {})
        runs.finish_run(store, run_id, "done", model_dir=str(folder))
    return run_id, folder


def post(url: str, texts: list[str]) -> float:
    body = json.dumps({"texts": texts}).encode()
    t0 = time.perf_counter()
    req = urllib.request.Request(url + "/predict", data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as resp:
        assert len(json.loads(resp.read())["predictions"]) == len(texts)
    return time.perf_counter() - t0


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def line(name: str, latencies: list[float], wall: float, texts_per_request: int) -> str:
    n = len(latencies)
    return (f"{name:<34} {n / wall:8.1f} req/s {n * texts_per_request / wall:8.1f} texts/s   "
            f"p50 {1000 * statistics.median(latencies):7.1f} ms   p95 {1000 * pct(latencies, 0.95):7.1f} ms")


def run_clients(url: str, batches: list[list[str]], clients: int) -> tuple[list[float], float]:
    t0 = time.perf_counter()
    if clients == 1:
        lat = [post(url, b) for b in batches]
    else:
        with concurrent.futures.ThreadPoolExecutor(clients) as pool:
            lat = list(pool.map(lambda b: post(url, b), batches))
    return lat, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=200, help="requests per single-text setting")
    args = ap.parse_args()
    sentences = conll_sentences(2000)
    root = pathlib.Path(tempfile.mkdtemp(prefix="bench-serve-"))
    project = root / "bench.db"
    run_id, model_dir = make_run(project, root)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "WORKBENCH_HOME": str(root / "home")}
    proc = subprocess.Popen([sys.executable, "-m", "workbench.cli", "serve", str(project), "--run", str(run_id),
                             "--port", "0"], stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        first = proc.stdout.readline()
        url = re.search(r"(http://127\.0\.0\.1:\d+)", first).group(1)
        print(f"CPU: {os.cpu_count()} cores (AMD EPYC with AVX-512 BF16); {first.strip()}")
        n1, n16 = args.requests, max(10, args.requests // 4)
        singles = [[sentences[i % len(sentences)]] for i in range(n1)]
        sixteens = [sentences[(16 * i) % 1984:(16 * i) % 1984 + 16] for i in range(n16)]
        post(url, sentences[:16])      # warm-up
        results = [("1 text/request, 1 client", singles, 1, 1), ("16 texts/request, 1 client", sixteens, 1, 16),
                   ("1 text/request, 8 clients", singles, 8, 1), ("16 texts/request, 8 clients", sixteens, 8, 16)]
        for name, batches, clients, size in results:
            lat, wall = run_clients(url, batches, clients)
            print(line(name, lat, wall, size))
        health = json.loads(urllib.request.urlopen(url + "/health", timeout=30).read())
        done = health["predicted"]
        print(f"server: {done['texts']:,} texts in {done['batches']:,} model batches "
              f"({done['texts'] / max(1, done['batches']):.1f} texts per batch: concurrent requests merged)")
    finally:
        proc.terminate()
        proc.wait(30)
    # the peer: the same sentences through the app's predictor in this process, no HTTP
    from workbench.inference.onnx_export import use_onnx_runtime
    from workbench.inference.predictor import Predictor, as_document

    pred = Predictor(model_dir, device="cpu", max_length=128)
    use_onnx_runtime(pred)
    pred.predict([as_document(t) for t in sentences[:16]])
    for name, batches, size in (("peer: predictor, 1 text/call", singles, 1),
                                ("peer: predictor, 16 texts/call", sixteens, 16)):
        lat = []
        t0 = time.perf_counter()
        for b in batches:
            t1 = time.perf_counter()
            pred.predict([as_document(t, i) for i, t in enumerate(b)])
            lat.append(time.perf_counter() - t1)
        print(line(name, lat, time.perf_counter() - t0, size))


if __name__ == "__main__":
    main()
