"""The one contract of long work: how a job reports progress and how it is stopped.

A job is a plain function of the core (no Qt), called on whatever thread runs it::

    job(*args, progress: ProgressFn, cancelled: CancelFn, **options) -> result

- ``progress(Progress(done, total, message, detail))`` says how far it got: ``done`` of
  ``total`` units (lines, documents, pages, steps; ``total`` 0 while the amount is not
  known), a short ``message`` in plain words, and ``detail``, a job-specific payload for a
  screen that wants more (training's per-step figures and per-epoch dev report, which draw
  the Train screen's curves).  It is called on the job's thread; the UI's host
  (``ui/workers.py``) queues it to the UI thread, throttled (:func:`throttle`), the CLI
  prints it.  A job sends as few reports as makes the bar move (a chunk, a batch, a
  quarter second of training), never one per token.
- ``cancelled()`` is asked between units of work; when it says yes, the job stops at the
  next such point (:func:`check_cancelled`).

One rule for a cancel: **a cancelled job raises** :class:`Cancelled`, always.  No job
returns None, ``[]`` or a flag to say it was stopped.  Where the work done before the
cancel is kept and worth showing, the exception carries it as ``partial``, of the job's
own result type:

- ``train`` / ``train_splits`` / ``train_job``: the run's :class:`RunResult` (status
  "cancelled": its row, curves and best checkpoint so far are real data);
- ``predict_job`` / ``predict_into_cache``: the :class:`PredictSummary` of the
  predictions already cached (they are kept).

Every other job keeps nothing when cancelled (an import writes nothing, a backup keeps no
copy, a review, a suspicion ranking or an explanation is not built) and raises with
``partial`` None, its message saying so.  A job that calls another and cannot use the
other's partial result raises its own Cancelled (``from None``).

A cancel is not an error: :class:`Cancelled` is not a :class:`~workbench.errors.UserError`.
The CLI prints ``cancelled: <message>`` and exits 130, the code of a command stopped with
Ctrl+C; the UI's host hands it to the screen's ``on_cancelled``, never to ``on_failed``.

The jobs: ``formats.jobs`` (preview_job, import_job, export_job; ``formats.importer.import_file``),
``store.backups`` (backup_project, auto_backup), ``training.jobs`` (train_job, device_job;
``training.loop.train``, ``train_splits``), ``inference.batch`` (predict_job,
predict_into_cache; ``Predictor.predict``), ``inference.review.review_job``,
``inference.suspicious`` (dev_job, kfold_job), ``inference.explain`` (load_predictor,
explain_job), ``inference.apply_job`` (apply_job, preview_job).
"""
from __future__ import annotations

import dataclasses
import time
from typing import Any, Callable, Protocol


@dataclasses.dataclass(frozen=True)
class Progress:
    """How far a job got.  Plain data: safe to hand from the job's thread to the UI thread."""

    done: int = 0
    total: int = 0              # 0: not known yet (a busy bar, no percentage)
    message: str = ""           # plain words: "12,000 of 40,000 lines", "Loading the model"
    detail: Any = None          # job-specific data (training: a training.events.RunEvent)

    @property
    def fraction(self) -> float:
        """``done / total`` in [0, 1]; 0 while the total is not known."""
        return min(1.0, max(0.0, self.done / self.total)) if self.total > 0 else 0.0

    @property
    def known(self) -> bool:
        return self.total > 0


ProgressFn = Callable[[Progress], None]
CancelFn = Callable[[], bool]


class Job(Protocol):
    """The shape of every long job (the arguments before ``progress`` are the job's own)."""

    def __call__(self, *args: Any, progress: ProgressFn, cancelled: CancelFn, **options: Any) -> Any: ...


class Cancelled(Exception):
    """The user stopped a job.  ``partial``: what the job kept, of its own result type, or None."""

    def __init__(self, message: str = "cancelled", partial: Any = None) -> None:
        super().__init__(message)
        self.partial = partial


def no_progress(_: Progress) -> None:
    """A ``progress`` that reports nowhere (a job called with none)."""
    return None


def never() -> bool:
    """A ``cancelled`` that never says stop."""
    return False


def check_cancelled(cancelled: CancelFn | None, message: str = "cancelled", partial: Any = None) -> None:
    """Raise :class:`Cancelled` when ``cancelled()`` says stop (None: never)."""
    if cancelled is not None and cancelled():
        raise Cancelled(message, partial)


def throttle(progress: ProgressFn, every_s: float = 0.1,
             clock: Callable[[], float] = time.monotonic) -> ProgressFn:
    """``progress``, called at most once per ``every_s`` for reports that only move the bar.

    Never dropped: the first report, one that starts a phase (``done`` 0, or another
    ``total``), one with a ``detail`` (job-specific data a screen draws, such as a curve
    point), and the last of a phase (``done == total``).  Any thread (the job's).
    """
    last: list[Any] = [None, None]      # when the last report was passed on, and its total

    def report(p: Progress) -> None:
        now = clock()
        at, total = last
        if (at is not None and now - at < every_s and p.detail is None and p.done > 0 and p.total == total
                and not (p.known and p.done >= p.total)):
            return
        last[0], last[1] = now, p.total
        progress(p)

    return report


__all__ = ["CancelFn", "Cancelled", "Job", "Progress", "ProgressFn", "check_cancelled", "never", "no_progress",
           "throttle"]
