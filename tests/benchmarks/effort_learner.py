"""The model in ``bench_effort.py``'s loop is the app's own background learner
(workbench/learning/, issue #18 section 2), driven as the Annotate screen drives it: switched
on, asked after each round of accepted documents whether a round is due (``LearnerPolicy.due``:
N adaptive to the last round's time and the labeling pace), and run (``run_round``: train on
the accepted labels continuing from its last model, compare with the suggester on dev, and
when better pre-annotate the unlabeled documents and become the suggestion run).

The policy's clock is simulated: each labeled document advances it by ``pace_s`` (a person's
labeling time) and each round by its real seconds, so N follows a person's pace, not the
script's.  The baseline's trainings are fresh default ones (``workbench.training.train``).
Main thread only.
"""
from __future__ import annotations

import dataclasses
import pathlib
import time
from typing import Any

from workbench.store import Store


@dataclasses.dataclass
class Update:
    """What happened after a round of labeling."""

    due: bool                    # the policy started a learner round
    run_id: int | None = None
    score: float | None = None   # the round's run, on the benchmark's metric (dev F1 / accuracy)
    replaced: bool = False       # it became the suggester
    seconds: float = 0.0         # the whole learner round (train, compare, pre-annotate)
    train_s: float = 0.0
    note: str = ""


class BackgroundLearner:
    """The app's learner for one task of a benchmark project."""

    def __init__(self, project: pathlib.Path, task: str, metric: str, *, budget_s: float, pace_s: float,
                 seed: int) -> None:
        from workbench.inference.queue import set_next_order
        from workbench.learning import LearnerPolicy, set_enabled, set_options

        self.project, self.task, self.metric, self.pace_s, self.seed = project, task, metric, pace_s, seed
        self.clock_s = 0.0
        self.policy = LearnerPolicy(clock=lambda: self.clock_s)
        self._names: dict[int, list[str]] = {}
        with Store(project) as store:
            set_enabled(store, task, True)                # "Learn as I label" on
            set_options(store, budget_s=budget_s)         # the learner's time limit per round
            set_next_order(store, "least_confidence")     # "Next: uncertain first" on the suggestion bar

    def labeled(self, n: int) -> None:
        """``n`` documents were labeled at a person's pace."""
        self.clock_s += n * self.pace_s

    def after_labeling(self, store: Store) -> Update:
        """Run a learner round when the policy says one is due (as the Annotate screen does)."""
        from workbench.learning import run_round

        if not self.policy.due(store, self.task):
            return Update(False, note=f"not due ({self.policy.remaining(store, self.task)} more)")
        r = run_round(self.project, self.task, policy=self.policy, low_priority=False, seed=self.seed)
        self.clock_s += r.seconds
        score = self.score(store, r.run_id) if r.run_id is not None else None
        return Update(True, r.run_id, score, r.replaced, r.seconds, r.train_s, r.error[:90])

    def score(self, store: Store, run_id: int | None) -> float | None:
        """A run's recorded dev score on the benchmark's metric (the whole dev split)."""
        from workbench.training import runs

        row = runs.get_run(store, run_id) if run_id is not None else None
        dev = (row.metrics.get("dev") or {}) if row else {}
        return float(dev[self.metric]) if self.metric in dev else None

    def current(self, store: Store) -> tuple[int | None, list[str]]:
        """The suggestion run and its label names (what the Annotate screen shows)."""
        from workbench.inference.batch import suggestion_run
        from workbench.inference.run_model import open_run

        run_id = suggestion_run(store, self.task)
        if run_id is None:
            return None, []
        if run_id not in self._names:
            self._names[run_id] = open_run(store, run_id, self.task).label_names
        return run_id, self._names[run_id]


def fresh_training(project: pathlib.Path, task: str, metric: str, *, seed: int, runs_dir: pathlib.Path) -> dict[str, Any]:
    """One default training from the base model on every accepted document (the baseline's)."""
    from workbench.training import TrainConfig, train

    t0 = time.perf_counter()
    result = train(TrainConfig(store_path=project, task=task, seed=seed, output_dir=runs_dir))
    return {"run_id": result.run_id, "score": float((result.dev or {}).get(metric, 0.0)),
            "wall_s": time.perf_counter() - t0, "epochs": result.epochs_done, "best_epoch": result.best_epoch}
