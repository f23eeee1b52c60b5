"""When the background learner ("Learn as I label") trains, and what it remembers between rounds.

Everything lives in two project settings, so the app, the CLI and a benchmark script see the
same learner:

- ``learning.learner``: per task, the user's choice (``"on"``, ``"off"``, or absent: no choice
  made), whether it is paused, and the last round (when, on how many accepted documents, how
  long it trained, which run, what came of it).
- ``learning.default_on``: set by the app's New project dialog (:func:`mark_new_project`).  In
  such a project the learner is on for a task once it has :attr:`LearnerPolicy.start_at`
  accepted documents, unless the user said otherwise: a recorded "off" always wins, so
  switching it off sticks.  Projects made elsewhere (imports, scripts, tests, older versions)
  start with it off.

A round is due after N newly accepted documents, N chosen so that training takes at most
about a third of the user's labeling time: ``N = train_s / (share * seconds per document)``,
clamped to ``[min_every, max_every]``.  The labeling pace is measured between rounds' starts
on the policy's clock (injectable for tests).  Any thread, with a Store opened on it; the
read-modify-write of the setting is one transaction, so the UI's Pause and a round ending on
another thread never undo each other.
"""
from __future__ import annotations

import dataclasses
import math
import time
from typing import Any, Callable

from workbench.store import Store
from workbench.store import tallies

LEARNER_SETTING = "learning.learner"        # {task: {"choice", "paused", "last", "pace_s", "model_run", ...}}
DEFAULT_ON_SETTING = "learning.default_on"  # True in projects made by the app's New project dialog
OPTIONS_SETTING = "learning.options"        # what a round trains: {"base_model", "budget_s", "train": {field: value}}
LEARNER_MARK = "learner"                    # a learner run's counts say so (learning/recorder.py)


def is_learner_run(counts: dict[str, Any]) -> bool:
    """Whether a run (by its recorded counts) was trained by the learner."""
    return bool(counts.get(LEARNER_MARK))


def mark_new_project(store: Store) -> None:
    """A project the user just made in the app: its learner turns on by itself at ``start_at`` labels."""
    store.set_setting(DEFAULT_ON_SETTING, True)


def task_state(store: Store, task: str) -> dict[str, Any]:
    """The learner's saved state for ``task`` (a copy; {} when it never ran nor was switched)."""
    value = (store.setting(LEARNER_SETTING, {}) or {}).get(task)
    return dict(value) if isinstance(value, dict) else {}


def update_state(store: Store, task: str, **changes: Any) -> dict[str, Any]:
    """Merge ``changes`` into ``task``'s state in one transaction; returns the new state."""
    with store.transaction():
        every = dict(store.setting(LEARNER_SETTING, {}) or {})
        state = dict(every.get(task) or {})
        state.update(changes)
        every[task] = state
        store._set(LEARNER_SETTING, every)   # inside the transaction: no other writer in between
    return state


def set_enabled(store: Store, task: str, on: bool) -> None:
    """The user's switch: recorded as a choice, so default-on never overrides an "off"."""
    update_state(store, task, choice="on" if on else "off", paused=False)


def set_paused(store: Store, task: str, paused: bool) -> None:
    update_state(store, task, paused=bool(paused))


def options(store: Store) -> dict[str, Any]:
    value = store.setting(OPTIONS_SETTING, {}) or {}
    return dict(value) if isinstance(value, dict) else {}


def set_options(store: Store, **values: Any) -> None:
    """``base_model`` (a folder, a hub id or "default"), ``budget_s`` (seconds per round) and ``train``
    (TrainConfig fields for every round's run, such as ``{"lr": 5e-3}``: experiments and tests)."""
    with store.transaction():
        current = options(store)
        current.update(values)
        store._set(OPTIONS_SETTING, current)


def accepted(store: Store, task: str) -> int:
    """Accepted documents of ``task``, every split (a kept count: no scan)."""
    return sum(tallies.accepted_per_split(store.conn, task).values())


@dataclasses.dataclass
class LearnerPolicy:
    """When rounds run.  ``clock`` gives epoch seconds (time.time; a fake one in tests)."""

    start_at: int = 20           # accepted documents before the first round (and for default-on)
    min_every: int = 10          # N's bounds: never a round per document, never too rare
    max_every: int = 200
    train_share: float = 1 / 3   # training may take this share of the user's labeling time
    default_pace_s: float = 20.0  # seconds per document until a pace has been measured
    max_pace_s: float = 600.0    # a lunch break is not a labeling pace
    budget_s: float = 120.0      # a round's training time limit, unless the project says otherwise
    clock: Callable[[], float] = time.time

    def now(self) -> float:
        return float(self.clock())

    def enabled(self, store: Store, task: str) -> bool:
        """On for ``task``: the user's choice, else default-on once ``start_at`` documents are accepted."""
        choice = task_state(store, task).get("choice")
        if choice in ("on", "off"):
            return choice == "on"
        return bool(store.setting(DEFAULT_ON_SETTING, False)) and accepted(store, task) >= self.start_at

    def paused(self, store: Store, task: str) -> bool:
        return bool(task_state(store, task).get("paused"))

    def every(self, store: Store, task: str) -> int:
        """N: accepted documents between rounds, from the last round's time and the labeling pace."""
        state = task_state(store, task)
        last = state.get("last") or {}
        busy_s = float(last.get("busy_s") or 0.0)     # the last round's whole time: the CPU it took
        if busy_s <= 0:
            return self.min_every
        pace = float(state.get("pace_s") or self.default_pace_s)
        pace = min(self.max_pace_s, max(0.1, pace))
        return int(min(self.max_every, max(self.min_every, math.ceil(busy_s / (self.train_share * pace)))))

    def remaining(self, store: Store, task: str) -> int:
        """Accepted documents still to come before the next round (0: due now, when on)."""
        last = task_state(store, task).get("last") or {}
        count = accepted(store, task)
        if "accepted" not in last:
            return max(0, self.start_at - count)
        return max(0, int(last["accepted"]) + self.every(store, task) - count)

    def due(self, store: Store, task: str, now: float | None = None) -> bool:
        """A round should start now: on, not paused, and enough newly accepted documents.
        (``now`` is accepted for symmetry with :func:`status`; the rule counts documents, not
        seconds, so a script labeling at machine speed still gets its rounds.)"""
        return self.enabled(store, task) and not self.paused(store, task) and self.remaining(store, task) == 0

    def budget(self, store: Store) -> float:
        value = options(store).get("budget_s")
        return float(value) if isinstance(value, (int, float)) and value > 0 else self.budget_s

    def round_started(self, store: Store, task: str, labels: int) -> float:
        """Note a round's start (the pace since the previous start is measured here); its time."""
        state = task_state(store, task)
        now = self.now()
        last = state.get("last") or {}
        pace = state.get("pace_s")
        if "started_at" in last and labels > int(last.get("accepted", 0)):
            measured = (now - float(last["started_at"])) / (labels - int(last["accepted"]))
            measured = min(self.max_pace_s, max(0.1, measured))
            pace = measured if pace is None else 0.5 * float(pace) + 0.5 * measured   # smoothed
        update_state(store, task, pace_s=pace, running_since=now)
        return now

    def round_finished(self, store: Store, task: str, labels: int, started_at: float | None, busy_s: float,
                       **outcome: Any) -> dict[str, Any]:
        """Note a round's end: on ``labels`` accepted documents, ``busy_s`` seconds in all (the
        next N follows from it), and its ``outcome`` (run_id, score, replaced, error, or the
        learner's model: ``model_run`` and its ``model_labels``).  Returns the new state."""
        model = {k: outcome.pop(k) for k in ("model_run", "model_labels") if k in outcome}
        last = {"accepted": int(labels), "started_at": started_at, "finished_at": self.now(), "busy_s": busy_s,
                "error": "", **outcome}
        extra = {"model_run": model["model_run"], "labels": model.get("model_labels")} if "model_run" in model else {}
        return update_state(store, task, last=last, running_since=None, **extra)

