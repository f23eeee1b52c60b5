"""What the learner's chip says: which model suggests, how old, on how many labels, how good,
and when the next update comes ("model from 5 min ago, 120 labels, dev F1 0.78; next update
after 12 more").  Any thread, with a Store opened on it; no torch."""
from __future__ import annotations

import dataclasses
import datetime as _dt
import json

from workbench import tasks as task_registry
from workbench.inference.queue import SUGGESTIONS_SETTING
from workbench.learning.policy import LearnerPolicy, is_learner_run, task_state
from workbench.store import Store


@dataclasses.dataclass(frozen=True)
class LearnerStatus:
    enabled: bool
    paused: bool
    suggester_run: int | None     # the run whose suggestions Annotate shows, or None
    from_learner: bool            # that run was trained by the learner
    model_age_s: float | None     # how long ago it finished training
    labels: int | None            # accepted documents it learned from (train and dev)
    score: float | None           # its dev score (the task's score: entity F1, macro F1)
    score_name: str
    remaining: int                # accepted documents until the next round
    last_error: str               # the last round's failure, in words ("" when it did not fail)
    text: str                     # the chip's line
    model_text: str = ""          # its first part: what suggests ("model from 5 min ago, 120 labels, dev F1 0.78")


def ago(seconds: float) -> str:
    """"just now", "40 s ago", "5 min ago", "3 h ago", "2 days ago"."""
    s = max(0.0, seconds)
    if s < 10:
        return "just now"
    if s < 90:
        return f"{round(s)} s ago"
    if s < 90 * 60:
        return f"{round(s / 60)} min ago"
    if s < 36 * 3600:
        return f"{round(s / 3600)} h ago"
    return f"{round(s / 86400)} days ago"


def score_word(task: str) -> str:
    """The task's dev score in a word or two for short lines ("F1", "macro F1" -> "F1")."""
    name = task_registry.get(task).score_name
    return "F1" if "F1" in name else name


def _epoch(iso: str | None) -> float | None:
    try:
        stamp = _dt.datetime.fromisoformat(iso or "")
    except ValueError:
        return None
    return (stamp if stamp.tzinfo else stamp.replace(tzinfo=_dt.timezone.utc)).timestamp()


@dataclasses.dataclass(frozen=True)
class _Row:
    id: int
    counts: dict
    score: float | None
    finished: str | None


def _suggester(store: Store, run_id: object) -> _Row | None:
    """The suggesting run's figures, read straight from its row (no numpy on the UI thread)."""
    if not isinstance(run_id, int):
        return None
    found = store.conn.execute("SELECT id, counts, metrics, finished FROM runs WHERE id = ?", (run_id,)).fetchone()
    if found is None:
        return None
    counts, metrics = (_object(found[i]) for i in (1, 2))
    score = (metrics.get("dev") or {}).get("score") if isinstance(metrics.get("dev"), dict) else None
    return _Row(found[0], counts, float(score) if isinstance(score, (int, float)) else None, found[3])


def _object(text: object) -> dict:
    try:
        value = json.loads(text) if isinstance(text, str) else None
    except (ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def status(store: Store, task: str, now: float | None = None, policy: LearnerPolicy | None = None) -> LearnerStatus:
    """The learner of ``task`` as of ``now`` (the policy's clock when None)."""
    policy = policy or LearnerPolicy()
    now = policy.now() if now is None else now
    state = task_state(store, task)
    enabled, paused = policy.enabled(store, task), policy.paused(store, task)
    remaining = policy.remaining(store, task)
    score_name = score_word(task)
    run_id = (store.setting(SUGGESTIONS_SETTING, {}) or {}).get(task)
    row = _suggester(store, run_id)
    age = labels = score = None
    learner = False
    if row is not None:
        learner = is_learner_run(row.counts)
        finished = _epoch(row.finished)
        age = None if finished is None else now - finished
        labels = sum(int(row.counts.get(k) or 0) for k in ("train", "dev")) or None
        score = row.score
    error = str((state.get("last") or {}).get("error") or "")
    parts = []
    if row is None:
        parts.append("no model suggests yet")
    else:
        model = "model" if learner else f"model #{row.id}"
        said = [f"{model} from {ago(age)}" if age is not None else model]
        if labels:
            said.append(f"{labels:,} labels")
        if score is not None:
            said.append(f"dev {score_name} {score:.2f}")
        parts.append(", ".join(said))
    if not enabled:
        parts.append("learning is off")
    elif paused:
        parts.append("paused")
    elif remaining:
        parts.append(f"next update after {remaining:,} more")
    else:
        parts.append("update due")
    text = "; ".join(parts)
    if error and enabled:
        text += f" (last update failed: {error})"
    return LearnerStatus(enabled, paused, row.id if row is not None else None, learner, age, labels, score,
                         score_name, remaining, error, text, parts[0])
