"""Learning-rate schedule (linear warm-up, linear decay to zero) and the time-budget planner.

Pure arithmetic: safe on any thread.
"""
from __future__ import annotations

import math


class LinearSchedule:
    """``lr(step)`` for optimizer step ``step`` (0-based) of ``total`` steps."""

    def __init__(self, peak: float, total: int, warmup_ratio: float) -> None:
        self.peak = peak
        self.warmup_ratio = warmup_ratio
        self.total = max(1, total)
        self.warmup = math.ceil(warmup_ratio * self.total)

    def lr(self, step: int) -> float:
        if step < self.warmup:
            return self.peak * (step + 1) / (self.warmup + 1)
        span = max(1, self.total - self.warmup)
        return self.peak * max(0.0, (self.total - step) / span)

    def retarget(self, total: int, step: int) -> None:
        """Shorten or lengthen the run from ``step`` on (the time budget re-planned it)."""
        self.total = max(step + 1, total)
        if step < self.warmup:
            self.warmup = math.ceil(self.warmup_ratio * self.total)


def steps_that_fit(budget_s: float, elapsed_s: float, step: int, s_per_step: float, steps_per_epoch: int,
                   eval_s: float, max_steps: int, margin: float = 0.02) -> int:
    """How many optimizer steps in all (``step`` done so far) fit in what is left of the budget
    (``step`` itself when nothing more does).

    Scoring the dev set after each finished epoch and once at the end costs ``eval_s`` each
    time; a small margin keeps the run inside the budget when a step runs slow.
    """
    left = budget_s * (1 - margin) - elapsed_s
    if s_per_step <= 0:
        return max_steps
    best = step
    n = step
    while n < max_steps:
        nxt = min(max_steps, (n // steps_per_epoch + 1) * steps_per_epoch)   # the next epoch end
        evals_after = (nxt // steps_per_epoch) - (step // steps_per_epoch)
        cost_to_next = (nxt - step) * s_per_step + evals_after * eval_s
        if cost_to_next <= left:
            best = n = nxt
            continue
        # part of the next epoch, then one final scoring
        done_evals = (n // steps_per_epoch) - (step // steps_per_epoch)
        spare = left - done_evals * eval_s - eval_s - (n - step) * s_per_step
        extra = int(spare // s_per_step) if spare > 0 else 0
        best = n + max(0, min(extra, nxt - n - 1))
        break
    return best   # == step: not even one more step fits, stop now
