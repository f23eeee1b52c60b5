"""One thread that owns the model and predicts the texts of many HTTP requests together.

A :class:`~workbench.inference.predictor.Predictor` is used by one thread at a time, and a
batch of 16 short texts costs little more than one: requests put their texts on a queue, the
worker takes whatever is waiting (up to ``max_batch`` texts), predicts it as one batch and
hands each request its share.  A batch that fails is retried request by request, so one bad
request fails alone.  Pure threading; no web framework here.
"""
from __future__ import annotations

import concurrent.futures
import queue
import threading
from typing import Any, Callable, Sequence

PredictFn = Callable[[Sequence[str]], list[Any]]
_STOP = object()


class BatchQueue:
    """``submit(texts)`` from any thread; the predictions arrive on the returned future."""

    def __init__(self, predict: PredictFn, max_batch: int = 64) -> None:
        self._predict = predict
        self.max_batch = max(1, max_batch)
        self._queue: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._work, name="serve-predict", daemon=True)
        self._thread.start()
        self.batches = 0            # batches predicted (how much requests were merged: texts / batches)
        self.texts = 0

    def submit(self, texts: Sequence[str]) -> concurrent.futures.Future:
        future: concurrent.futures.Future = concurrent.futures.Future()
        if not self._thread.is_alive():
            future.set_exception(RuntimeError("the prediction thread has stopped"))
            return future
        self._queue.put((list(texts), future))
        return future

    def close(self, timeout: float = 30.0) -> None:
        """Finish what is queued, then stop the thread."""
        self._queue.put(_STOP)
        self._thread.join(timeout)

    # ---- the worker thread ---------------------------------------------------------------
    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            jobs, stop = [item], False
            size = len(item[0])
            while size < self.max_batch:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is _STOP:
                    stop = True
                    break
                jobs.append(nxt)
                size += len(nxt[0])
            # a request whose client has gone (its future cancelled) is not predicted
            self._run([job for job in jobs if job[1].set_running_or_notify_cancel()])
            if stop:
                return

    def _run(self, jobs: list[tuple[list[str], concurrent.futures.Future]]) -> None:
        if not jobs:
            return
        texts = [t for job_texts, _ in jobs for t in job_texts]
        try:
            preds = self._predict(texts)
        except BaseException as exc:  # noqa: BLE001 - handed to the request(s); the thread goes on
            if len(jobs) > 1:         # which request was it? each one alone, so only that one fails
                for job in jobs:
                    self._run_one(job)
            else:
                jobs[0][1].set_exception(exc)
            return
        self.batches += 1
        self.texts += len(texts)
        at = 0
        for job_texts, future in jobs:
            future.set_result(preds[at: at + len(job_texts)])
            at += len(job_texts)

    def _run_one(self, job: tuple[list[str], concurrent.futures.Future]) -> None:
        texts, future = job
        try:
            future.set_result(self._predict(texts))
            self.batches += 1
            self.texts += len(texts)
        except BaseException as exc:  # noqa: BLE001
            future.set_exception(exc)
