"""What a run reports while it trains: progress events for the window or the CLI, and the
curve points and per-epoch history that go to the recorder (the project) and the run card.

Runs on the training thread.
"""
from __future__ import annotations

import math
from typing import Any

from workbench.jobs import ProgressFn
from workbench.training.events import event
from workbench.training.recorder import Point


class RunLog:
    """The curves and history of one run, sent on as they grow."""

    def __init__(self, emit: ProgressFn, recorder: Any, run_id: int) -> None:
        self.emit, self.recorder, self.run_id = emit, recorder, run_id
        self.pending: list[Point] = []     # not yet handed to the recorder
        self.points: list[Point] = []      # every point so far, for the run card
        self.history: list[dict[str, Any]] = []

    def step(self, step: int, total: int, spe: int, loss: float, lr: float, tokens: int, train_s: float,
             elapsed: float, eval_s: float | None) -> None:
        """A training-loss and learning-rate point, and a progress event with speed and ETA."""
        s_per_step = train_s / max(1, step)
        evals_left = max(0, math.ceil(total / spe) - step // spe)
        eta = (total - step) * s_per_step + evals_left * (eval_s if eval_s is not None else 0.0)
        self.pending.append(("train_loss", step, step / spe, loss))
        self.pending.append(("lr", step, step / spe, lr))
        self.emit(event("step", step=step, total_steps=total, epoch=step / spe, epochs=math.ceil(total / spe),
                        loss=loss, lr=lr, tokens_per_s=tokens / train_s if train_s else 0.0, eta_s=eta,
                        elapsed_s=elapsed, run_id=self.run_id))

    def epoch(self, step: int, epoch_f: float, report: dict[str, Any]) -> None:
        """A dev check's figures: curve points, a history row and an "epoch" event."""
        self.pending += [("dev_loss", step, epoch_f, report["loss"]), ("dev_f1", step, epoch_f, report["f1"]),
                         ("dev_accuracy", step, epoch_f, report["accuracy"])]
        self.history.append({"epoch": round(epoch_f, 3), "step": step, "loss": report["loss"], "f1": report["f1"],
                             "accuracy": report["accuracy"], "score": report["score"]})
        self.flush()
        self.emit(event("epoch", step=step, epoch=epoch_f, report=report, run_id=self.run_id,
                        message=f"epoch {epoch_f:.2f}: dev loss {report['loss']:.4f}, F1 {report['f1']:.4f}"))

    def flush(self) -> None:
        """Hand the points gathered since the last flush to the recorder."""
        self.points += self.pending
        self.recorder.add_points(self.run_id, self.pending)
        self.pending = []
