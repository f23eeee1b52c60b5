"""``workbench-cli serve``: the real server (uvicorn) started on 127.0.0.1 in its own process,
asked over real HTTP (urllib): the app's predictions, concurrent clients, bad and oversized
input, a port in use, and a clean shutdown."""
from __future__ import annotations

import concurrent.futures
import json
import os
import pathlib
import queue
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from typing import Any

import pytest

from inference_support import one_cpu
from serving_support import plain_runs

ROOT = pathlib.Path(__file__).resolve().parents[1]
LIMITS = ("--max-texts", "8", "--max-chars", "1000")
START_S = 120


class Server:
    """``workbench-cli serve`` in a child process; ``url`` once it listens."""

    def __init__(self, project: pathlib.Path, run_id: int, *extra: str, port: int = 0) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "workbench.cli", "serve", str(project), "--run", str(run_id), "--port", str(port),
             *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.first = self.next_line(START_S)
        found = re.search(r"on (http://127\.0\.0\.1:\d+)", self.first or "")
        self.url = found.group(1) if found else ""

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def next_line(self, timeout: float) -> str | None:
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            return None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
            raise


def call(url: str, path: str, body: Any = None, raw: bytes | None = None) -> tuple[int, Any]:
    """(status, parsed JSON) of one request; an error status is returned, not raised."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(url + path, data=data, method="POST" if data is not None else "GET",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def _dev_texts(project: pathlib.Path) -> list[str]:
    from workbench.store import Store, queries

    with Store(project) as store:
        return [doc.text for doc, _ in queries.iter_documents(store, split="dev", task="ner")]


def _app_records(model_dir: str, texts: list[str]) -> list[dict]:
    from workbench.inference.predictor import Predictor, as_document
    from workbench.tasks import get

    with one_cpu():
        predictor = Predictor(model_dir, device="cpu")
        preds = predictor.predict([as_document(t, i) for i, t in enumerate(texts)])
    spec = get(predictor.task)
    return [spec.prediction_record(p, t, all_scores=True) for p, t in zip(preds, texts)]


def _same_spans(got: dict, want: dict) -> bool:
    key = lambda s: (s["start"], s["end"], s["label"], s["text"])  # noqa: E731
    if [key(s) for s in got["spans"]] != [key(s) for s in want["spans"]]:
        return False
    return all(abs(a["confidence"] - b["confidence"]) < 0.01 for a, b in zip(got["spans"], want["spans"]))


@pytest.fixture(scope="module")
def ner_server():
    built = plain_runs()
    server = Server(built["project"], built["ner"].run_id, *LIMITS)
    assert server.url, f"no address: {server.first!r} {server.proc.stderr.read() if server.proc.poll() else ''}"
    texts = _dev_texts(built["project"])
    yield server, texts, _app_records(built["ner"].model_dir, texts)
    server.stop()


def test_health_and_model_describe_the_run(ner_server):
    server, _, _ = ner_server
    built = plain_runs()
    status, health = call(server.url, "/health")
    assert (status, health["status"], health["run_id"], health["task"]) == (200, "ok", built["ner"].run_id, "ner")
    status, info = call(server.url, "/model")
    assert status == 200
    assert info["run_id"] == built["ner"].run_id and info["task"] == "ner"
    assert info["labels"] == ["PER", "ORG", "LOC"] and info["model_labels"][0] == "O"
    assert info["base_model"] == str(built["base"])
    assert info["dev"]["score"] == pytest.approx(built["ner"].dev["score"])
    assert set(info["dev"]["per_label"]) == {"PER", "ORG", "LOC"}
    assert info["limits"]["max_texts"] == 8 and info["engine"] in ("onnx-fp32", "torch")


def test_predictions_are_the_apps(ner_server):
    server, texts, want = ner_server
    got = []
    for i in range(0, len(texts), 8):
        status, body = call(server.url, "/predict", {"texts": texts[i:i + 8]})
        assert status == 200, body
        got += body["predictions"]
    assert len(got) == len(texts)
    assert sum(len(r["spans"]) for r in want) >= len(texts)      # the model finds entities
    assert all(_same_spans(g, w) for g, w in zip(got, want))
    status, body = call(server.url, "/predict", {"texts": []})
    assert (status, body["predictions"]) == (200, [])


def test_eight_clients_fifty_requests_each(ner_server):
    server, texts, want = ner_server

    def client(seed: int) -> int:
        rng = random.Random(seed)
        right = 0
        for _ in range(50):
            picked = rng.sample(range(len(texts)), rng.choice([1, 1, 2, 4, 8]))
            status, body = call(server.url, "/predict", {"texts": [texts[i] for i in picked]})
            right += status == 200 and all(_same_spans(g, want[i]) for g, i in zip(body["predictions"], picked))
        return right

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(client, range(8)))
    assert results == [50] * 8


def test_bad_and_oversized_requests_get_a_clear_answer_and_the_server_goes_on(ner_server):
    server, texts, _ = ner_server
    status, body = call(server.url, "/predict", raw=b'{"texts": ["a", }')
    assert status == 422 and "not valid JSON at line 1, column 17" in body["error"]
    assert call(server.url, "/predict", raw=b"\xff\xfe{}")[0] == 422
    status, body = call(server.url, "/predict", {"text": "one"})
    assert status == 422 and '"texts": a list of strings' in body["error"]
    status, body = call(server.url, "/predict", {"texts": ["fine", 3]})
    assert status == 422 and "texts[1] is not a string" in body["error"]
    status, body = call(server.url, "/predict", {"texts": ["x"] * 9})
    assert status == 413 and "at most 8 texts per request (got 9)" in body["error"]
    status, body = call(server.url, "/predict", {"texts": ["ok", "y" * 1001]})
    assert status == 413 and "texts[1] has 1,001 characters; the limit is 1,000" in body["error"]
    status, body = call(server.url, "/predict", raw=b" " * 200_000)      # a body over the byte limit
    assert status == 413 and "limit" in body["error"]
    assert call(server.url, "/nowhere")[0] == 404
    assert call(server.url, "/predict", {"texts": texts[:2]})[0] == 200
    assert server.proc.poll() is None


def test_a_sentiment_run_answers_with_every_class_probability_then_stops_cleanly():
    built = plain_runs()
    server = Server(built["project"], built["sentiment"].run_id, "--engine", "torch")
    try:
        assert server.url, server.first
        texts = ["the film was great", "it was awful and boring"]
        status, body = call(server.url, "/predict", {"texts": texts})
        want = _app_records(built["sentiment"].model_dir, texts)
        assert status == 200 and [p["sentiment"] for p in body["predictions"]] == [w["sentiment"] for w in want]
        for got, exp in zip(body["predictions"], want):
            assert set(got["scores"]) == {"negative", "positive"}
            assert got["scores"] == pytest.approx(exp["scores"], abs=1e-4)
            assert sum(got["scores"].values()) == pytest.approx(1.0, abs=1e-3)
    finally:
        code = server.stop(signal.SIGTERM)
    assert code == 0
    assert server.next_line(5) == "stopped\n"
    port = int(server.url.rsplit(":", 1)[1])
    with socket.socket() as s:            # the port is free again
        assert s.connect_ex(("127.0.0.1", port)) != 0


def test_a_port_in_use_is_refused_before_the_model_loads():
    built = plain_runs()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        server = Server(built["project"], built["ner"].run_id, port=port)
        code = server.proc.wait(60)
    assert code == 1 and server.url == ""
    assert f"cannot listen on 127.0.0.1:{port}" in server.proc.stderr.read()
