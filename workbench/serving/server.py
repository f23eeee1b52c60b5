"""A finished run over HTTP: FastAPI endpoints served by uvicorn (``workbench-cli serve``).

- ``POST /predict`` with ``{"texts": ["...", ...]}``: per text the task's prediction record
  (``TaskSpec.prediction_record``: a class with every class's probability, or spans with
  their text and confidence), in the order given.
- ``GET /health``: the server is up and the model loaded.
- ``GET /model``: run id, task, labels, base model, dev scores, limits.

Input is bounded (:class:`Limits`): too many texts, a text too long or a body too large is a
413, a body that is not the JSON asked for a 422, each with ``{"error": "..."}`` saying what
was wrong; a failed prediction is a 500 for that request only, the server goes on.  Texts of
concurrent requests are predicted together on one thread (``batch_queue.py``).  Listens on
loopback unless told otherwise; there is no authentication.
"""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import pathlib
import socket
from typing import Any, AsyncIterator, Sequence

from fastapi import FastAPI, Request           # the `serve` extra: commands/serve_cmd.py checks for it
from fastapi.responses import JSONResponse

from workbench.errors import UserError
from workbench.inference.limits import MAX_DOC_CHARS
from workbench.serving.batch_queue import BatchQueue


@dataclasses.dataclass(frozen=True)
class Limits:
    max_texts: int = 64          # per request
    max_chars: int = 10_000      # per text (a long document is cut at the run's max length anyway)
    max_batch: int = 64          # texts predicted together

    @property
    def max_body_bytes(self) -> int:
        """A request can be no larger than its texts written as JSON escapes (6 bytes a character)."""
        return self.max_texts * (self.max_chars * 6 + 8) + 65_536

    def check(self) -> None:
        if self.max_texts < 1 or self.max_chars < 1 or self.max_batch < 1:
            raise UserError("--max-texts, --max-chars and --max-batch must be at least 1")
        if self.max_chars > MAX_DOC_CHARS:
            raise UserError(f"--max-chars can be at most {MAX_DOC_CHARS:,} (the longest text the app predicts)")


class ServedModel:
    """A run's model loaded for serving, and what ``GET /model`` says about it.  Made on any
    thread; it then predicts only on its :class:`BatchQueue`'s thread."""

    def __init__(self, project: str | pathlib.Path, run_id: int | None, task: str | None = None, *,
                 device: str | None = None, engine: str = "auto") -> None:
        """``engine``: "auto" (ONNX Runtime on a CPU where the export can be had, else torch) or "torch"."""
        from workbench.inference.run_model import open_run
        from workbench.store import Store
        from workbench.training.runs import get_run

        with Store(pathlib.Path(project)) as store:
            self.run = open_run(store, run_id, task)
            row = get_run(store, self.run.run_id)
        self.spec = self.run.spec
        self.predictor = self.run.predictor(device=device)
        self.engine = "torch"
        if engine == "auto" and self.predictor.device.type == "cpu":
            from workbench.inference.onnx_export import use_onnx_runtime

            # the run's checked fp32 ONNX export (made once, next to the model): the same
            # probabilities within 1e-3 of a logit, about 1.5 times faster on a CPU
            path = use_onnx_runtime(self.predictor)
            self.engine = f"onnx-{path}" if path else "torch"
        metrics = row.metrics if row is not None else {}
        config = row.config if row is not None else {}
        self.info = {
            "run_id": self.run.run_id, "task": self.spec.name, "task_title": self.spec.title,
            "labels": self.run.entity_labels, "model_labels": self.run.label_names,
            "base_model": row.base_model if row is not None else "", "parent_run": config.get("from_run"),
            "trained": row.started if row is not None else "", "max_length": self.run.max_length,
            "dev": _scores(metrics.get("dev")), "test": _scores(metrics.get("test")),
            "engine": self.engine, "device": str(self.predictor.device),
        }

    def predict(self, texts: Sequence[str]) -> list[dict[str, Any]]:
        """Prediction records of ``texts`` (one thread at a time: the batch queue's)."""
        from workbench.inference.predictor import as_document

        preds = self.predictor.predict([as_document(t, i) for i, t in enumerate(texts)], batch_size=64)
        return [self.spec.prediction_record(p, t, all_scores=True) for p, t in zip(preds, texts)]


def _scores(report: dict[str, Any] | None) -> dict[str, Any] | None:
    """A report's headline figures and per-label F1 (not its confusion matrix)."""
    if not report:
        return None
    out = {k: report[k] for k in ("score", "f1", "accuracy") if k in report}
    out["per_label"] = {name: {k: r[k] for k in ("precision", "recall", "f1", "support") if k in r}
                        for name, r in (report.get("per_label") or {}).items()}
    return out


class RequestProblem(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def parse_texts(body: bytes, limits: Limits) -> list[str]:
    """The request's texts; RequestProblem (413 or 422) saying what is wrong."""
    try:
        value = json.loads(body)
    except UnicodeDecodeError as exc:
        raise RequestProblem(422, f"the body is not UTF-8 (byte {exc.start})") from None
    except RecursionError:
        raise RequestProblem(422, "the body's JSON is nested too deeply") from None
    except ValueError as exc:
        where = f" at line {exc.lineno}, column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise RequestProblem(422, f"the body is not valid JSON{where}; send {{\"texts\": [\"...\"]}}") from None
    texts = value.get("texts") if isinstance(value, dict) else None
    if not isinstance(texts, list):
        raise RequestProblem(422, 'send a JSON object with "texts": a list of strings')
    if len(texts) > limits.max_texts:
        raise RequestProblem(413, f"at most {limits.max_texts:,} texts per request (got {len(texts):,}); "
                                  "send them in several requests")
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise RequestProblem(422, f"texts[{i}] is not a string")
        if len(text) > limits.max_chars:
            raise RequestProblem(413, f"texts[{i}] has {len(text):,} characters; the limit is "
                                      f"{limits.max_chars:,} per text")
    return texts


def create_app(served: Any, limits: Limits = Limits()) -> Any:
    """The FastAPI application over ``served`` (a :class:`ServedModel`, or anything with
    ``info`` and ``predict(texts)``).  Its batch queue starts and stops with the app."""
    state: dict[str, BatchQueue] = {}

    @contextlib.asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        state["queue"] = BatchQueue(served.predict, limits.max_batch)
        try:
            yield
        finally:
            await asyncio.to_thread(state["queue"].close)

    app = FastAPI(title="Text Workbench model", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)

    def problem(status: int, message: str) -> JSONResponse:
        return JSONResponse({"error": message}, status_code=status)

    @app.get("/health")
    async def health() -> dict[str, Any]:
        q = state["queue"]
        return {"status": "ok", "run_id": served.info["run_id"], "task": served.info["task"],
                "predicted": {"texts": q.texts, "batches": q.batches}}

    @app.get("/model")
    async def model() -> dict[str, Any]:
        return {**served.info, "limits": dataclasses.asdict(limits)}

    @app.post("/predict")
    async def predict(request: Request) -> Any:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limits.max_body_bytes:
            return problem(413, f"the request body is {int(declared):,} bytes; the limit is "
                                f"{limits.max_body_bytes:,}")
        chunks, size = [], 0
        async for chunk in request.stream():       # read no more than the limit, whatever it declared
            size += len(chunk)
            if size > limits.max_body_bytes:
                return problem(413, f"the request body is over the limit of {limits.max_body_bytes:,} bytes")
            chunks.append(chunk)
        try:
            texts = parse_texts(b"".join(chunks), limits)
        except RequestProblem as exc:
            return problem(exc.status, str(exc))
        if not texts:
            return {"run_id": served.info["run_id"], "task": served.info["task"], "predictions": []}
        try:
            records = await asyncio.wrap_future(state["queue"].submit(texts))
        except UserError as exc:
            return problem(422, str(exc))
        except Exception as exc:  # noqa: BLE001 - this request fails, the server goes on
            return problem(500, f"prediction failed: {type(exc).__name__}: {exc}")
        return {"run_id": served.info["run_id"], "task": served.info["task"], "predictions": records}

    return app


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: a free one); UserError when it cannot be had."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        raise UserError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def is_loopback(host: str) -> bool:
    return host in ("localhost", "::1") or host.startswith("127.")


def run_server(app: Any, sock: socket.socket) -> None:
    """Serve until Ctrl+C or SIGTERM (uvicorn's graceful shutdown: requests in flight finish)."""
    import uvicorn

    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on", timeout_graceful_shutdown=10)
    uvicorn.Server(config).run(sockets=[sock])
