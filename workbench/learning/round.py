"""One round of the background learner: train, compare on dev, and maybe become the suggester.

:func:`run_round` is a plain call (a script or the effort benchmark calls it directly);
:func:`round_job` is the same with the job contract's names (workbench/jobs.py) for the UI's
JobHost.  A round

1. reads a snapshot of the accepted labels in one read transaction (labels the user writes
   meanwhile are never read half-way, never written, never reordered: a round writes only
   runs, predictions and settings);
2. trains at a lower thread priority and off one core (the UI's), with a time budget, continuing from the learner's last
   model when the label set is unchanged, else from the base model; the run is an ordinary
   run of the runs list, marked ``counts["learner"]``;
3. scores the current suggester on the same dev documents (:mod:`workbench.learning.compare`)
   and, when the new model is better (or nothing suggests yet), pre-annotates the unlabeled
   documents into the prediction cache and makes the new run the suggester.

A failure is reported in the result (and the learner's state), never raised: the labels and
the current suggester stay as they were.  A stop raises Cancelled (the job contract) carrying
the RoundResult so far.  Runs on any thread that may block (never the UI's); opens its own Store.
"""
from __future__ import annotations

import dataclasses
import os
import pathlib
import time
from typing import Any

from workbench.errors import UserError
from workbench.jobs import CancelFn, Cancelled, Progress, ProgressFn, check_cancelled, never, no_progress
from workbench.learning.policy import LearnerPolicy, accepted, options, task_state, update_state
from workbench.learning.status import score_word
from workbench.store import Store

MAX_EVAL_DOCS = 300     # dev documents scored after each epoch of a round (the final score uses all)
SCORE_TIE = 1e-9        # a new model must beat the suggester by more than this


@dataclasses.dataclass(frozen=True)
class RoundResult:
    run_id: int | None              # the round's run (None: it failed before training started)
    dev_score: float | None         # the new model's dev score (the task's: entity F1, macro F1)
    replaced: bool                  # the new model is now the suggester
    train_s: float                  # the training run's wall time (loading, training, scoring, saving)
    labels: int                     # accepted documents in the snapshot it trained on
    incumbent_run: int | None = None      # the suggester before the round
    incumbent_score: float | None = None  # its score on the same dev documents
    continued_from: int | None = None     # the learner's model it continued, or None (a base model)
    predicted: int = 0              # unlabeled documents pre-annotated
    seconds: float = 0.0            # the whole round
    message: str = ""               # what happened, in words
    error: str = ""                 # why it failed ("" when it did not)


def read_snapshot(store: Store, task: str, seed: int, min_docs: int) -> tuple[Any, int]:
    """The training examples and the accepted count, read in one read transaction (a consistent
    snapshot whatever the UI writes meanwhile)."""
    from workbench.training.data import load_splits

    store.conn.execute("BEGIN")
    try:
        splits = load_splits(store, task, seed=seed, min_docs=min_docs)
        return splits, accepted(store, task)
    finally:
        store.conn.execute("COMMIT")    # a read: ends the snapshot


def run_round(project_path: str | pathlib.Path, task: str, *, budget_s: float | None = None,
              base_model: str | None = None, device: str = "auto", policy: LearnerPolicy | None = None,
              progress: ProgressFn = no_progress, should_stop: CancelFn = never,
              low_priority: bool = True, **settings: Any) -> RoundResult:
    """One round for ``task`` of the project at ``project_path`` (see the module's docstring).

    ``budget_s``: the training time limit (default: the project's learner option, else the
    policy's); ``base_model``: where a fresh line starts (default: the project's learner option,
    else the bundled model); ``low_priority``: lower this thread's priority first (Linux: the
    thread's own nice value, which cannot be raised again, so a script may say False);
    ``settings``: TrainConfig fields for the round's run (``lr=...``, ``epochs=...``: experiments)."""
    t0 = time.perf_counter()
    policy = policy or LearnerPolicy()
    if low_priority:
        from workbench.training.jobs import lower_thread_priority

        lower_thread_priority()
        leave_a_core_free()
    try:
        store = Store(project_path)
    except Exception as exc:  # noqa: BLE001 - a round reports, never raises
        return RoundResult(None, None, False, 0.0, 0, seconds=time.perf_counter() - t0,
                           message="the learner could not open the project", error=_why(exc))
    with store:
        state = task_state(store, task)
        try:
            return _round(store, task, state, policy, budget_s, base_model, device, progress, should_stop, t0,
                          settings)
        except Cancelled as stop:
            try:
                update_state(store, task, running_since=None)
            except Exception:  # noqa: BLE001 - a read-only or full project: the stop is what matters
                pass
            partial = stop.partial if isinstance(stop.partial, RoundResult) else None
            raise Cancelled("learner round stopped; the labels and the suggester are unchanged", partial) from None
        except Exception as exc:  # noqa: BLE001 - reported in the result and the chip, never raised
            error = _why(exc)
            labels = accepted(store, task)
            try:   # the failed round counts: the next try waits for N more accepts, not the next key
                policy.round_finished(store, task, labels, (state.get("last") or {}).get("started_at"),
                                      time.perf_counter() - t0, error=error)
            except Exception:  # noqa: BLE001 - a read-only or full project: the result still says why
                pass
            return RoundResult(None, None, False, 0.0, labels, seconds=time.perf_counter() - t0,
                               message=f"the learner's update failed: {error}", error=error)


def _round(store: Store, task: str, state: dict[str, Any], policy: LearnerPolicy, budget_s: float | None,
           base_model: str | None, device: str, progress: ProgressFn, should_stop: CancelFn, t0: float,
           settings: dict[str, Any]) -> RoundResult:
    from workbench.inference.batch import predict_into_cache, select_documents, set_suggestion_run, suggestion_run
    from workbench.inference.run_model import open_run
    from workbench.learning.compare import score_on_dev
    from workbench.learning.recorder import LearnerRecorder
    from workbench.training.config import TrainConfig
    from workbench.training.continuation import find_parent
    from workbench.training.loop import train_splits     # torch loads here, on the round's thread

    opts = options(store)
    train_options = opts.get("train") if isinstance(opts.get("train"), dict) else {}
    settings = {**train_options, **settings}     # the project's (experiments, tests), then the caller's
    config = TrainConfig(store_path=store.path, task=task, time_budget_s=budget_s or policy.budget(store),
                         device=device, max_eval_docs=MAX_EVAL_DOCS)
    config = dataclasses.replace(config, **settings)
    progress(Progress(0, 0, "Reading the labels"))
    splits, labels = read_snapshot(store, task, config.seed, config.min_docs)
    parent = None
    if state.get("model_run") is not None and state.get("labels") == splits.labels:
        try:
            parent = find_parent(store, int(state["model_run"]), task)
        except UserError:   # deleted since, or its folder is gone: start a fresh line
            parent = None
    if parent is None:
        config = dataclasses.replace(config, base_model=str(base_model or opts.get("base_model") or "default"))
    else:
        config = dataclasses.replace(config, from_run=parent.run_id)
    started = policy.round_started(store, task, labels)
    check_cancelled(should_stop)

    def training(p: Progress) -> None:
        progress(Progress(p.done, p.total, f"Training: {p.message}" if p.message else "Training", p.detail))

    result = train_splits(config, splits, LearnerRecorder(store), progress=training, cancelled=should_stop,
                          parent=parent)
    score = float(result.dev["score"]) if result.dev else None
    partial = RoundResult(result.run_id, score, False, result.wall_seconds, labels,
                          continued_from=parent.run_id if parent else None)
    incumbent = suggestion_run(store, task)
    incumbent_score = None
    if incumbent is not None:
        progress(Progress(0, 0, f"Comparing with the current suggester (run #{incumbent})"))
        incumbent_score = score_on_dev(store, incumbent, task, splits, device, should_stop)
        check_cancelled(should_stop, partial=partial)
    replaced = bool(result.model_dir) and score is not None and (
        incumbent_score is None or score > incumbent_score + SCORE_TIE)
    predicted = 0
    if replaced:
        run = open_run(store, result.run_id, task)
        ids = select_documents(store, task, "unlabeled")
        try:
            summary = predict_into_cache(store, run, ids, device=None if device == "auto" else device, int8=True,
                                         progress=progress, cancelled=should_stop)
        except Cancelled:
            raise Cancelled("stopped", partial) from None
        predicted = summary.predicted + summary.cached
        set_suggestion_run(store, task, result.run_id)
    seconds = time.perf_counter() - t0
    model = {"model_run": result.run_id, "model_labels": splits.labels} if result.model_dir else {}
    policy.round_finished(store, task, labels, started, seconds, run_id=result.run_id, score=score, replaced=replaced,
                          **model)
    message = _said(result.run_id, score, incumbent, incumbent_score, replaced, predicted, score_word(task))
    return dataclasses.replace(partial, replaced=replaced, incumbent_run=incumbent, incumbent_score=incumbent_score,
                               predicted=predicted, seconds=seconds, message=message)


def _said(run_id: int, score: float | None, incumbent: int | None, incumbent_score: float | None, replaced: bool,
          predicted: int, name: str) -> str:
    shown = f"dev {name} {score:.3f}" if score is not None else "no dev score"
    if replaced and incumbent is None:
        return f"run #{run_id} ({shown}) now suggests; {predicted:,} unlabeled documents pre-annotated"
    against = f"run #{incumbent}'s {incumbent_score:.3f}" if incumbent_score is not None else f"run #{incumbent}"
    if replaced:
        return f"run #{run_id} ({shown}) beat {against} and now suggests; {predicted:,} documents pre-annotated"
    return f"run #{run_id} ({shown}) did not beat {against}; the suggestions stay"


def leave_a_core_free() -> None:
    """Keep the calling (round's) thread, and the torch threads it starts, off one core, so the
    UI thread always finds one free (Linux: an affinity set with pid 0 is the calling thread's
    alone; the device then counts one core less).  Elsewhere, or on one core, nothing changes."""
    if not hasattr(os, "sched_setaffinity"):
        return
    try:
        cores = sorted(os.sched_getaffinity(0))
        if len(cores) >= 2:
            os.sched_setaffinity(0, cores[1:])
    except OSError:
        pass


def _why(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, UserError) else f"{type(exc).__name__}: {exc}"


def round_job(project_path: str | pathlib.Path, task: str, *, progress: ProgressFn = no_progress,
              cancelled: CancelFn | None = None, **options: Any) -> RoundResult:
    """:func:`run_round` under the job contract's names (``cancelled``), for ``ui/workers.py``."""
    return run_round(project_path, task, progress=progress, should_stop=cancelled or never, **options)
