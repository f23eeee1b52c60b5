"""What a run reports while it trains (:class:`RunEvent`) and when it ends (:class:`RunResult`).

A run's reports are the one progress type of every job (workbench/jobs.py): a
``jobs.Progress`` of steps done out of the steps planned, with a :class:`RunEvent` as its
``detail`` (made by :func:`event`).  Plain data, safe to hand from the training thread to
the UI thread.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from workbench.jobs import Progress


@dataclasses.dataclass(frozen=True)
class RunEvent:
    """What one report says about the run.  ``kind``: ``status`` (a phase starts: message),
    ``step`` (train loss, learning rate, speed, ETA: a curve point), ``epoch`` (the dev
    report after an epoch: curve points and the per-label table), ``method`` (which training
    method the run uses and why: message), ``done``."""

    kind: str
    step: int = 0
    total_steps: int = 0
    epoch: float = 0.0
    epochs: int = 0
    loss: float | None = None         # mean train loss over the steps since the last report
    lr: float = 0.0
    tokens_per_s: float = 0.0
    eta_s: float | None = None
    elapsed_s: float = 0.0
    message: str = ""
    report: dict[str, Any] | None = None   # kind == "epoch": the dev metrics (with "loss")
    run_id: int | None = None
    method: str = ""                  # kind == "method": "finetune" or "fewshot" (fewshot_choice.py)

    @property
    def fraction(self) -> float:
        return min(1.0, self.step / self.total_steps) if self.total_steps else 0.0


def event(kind: str, **fields: Any) -> Progress:
    """A run's report: the :class:`RunEvent` as the ``detail`` of a jobs.Progress, whose
    done / total are the steps and whose message says the same in plain words."""
    e = RunEvent(kind, **fields)
    message = e.message
    if not message and kind == "step":
        message = f"epoch {e.epoch:.1f} of {e.epochs}, step {e.step} of {e.total_steps}"
    return Progress(e.step, e.total_steps, message, e)


@dataclasses.dataclass
class RunResult:
    run_id: int
    status: str                       # done, cancelled, failed
    task: str
    model_dir: str                    # "" when no model was saved
    card_path: str
    device: str
    base_model: str
    config: dict[str, Any]
    counts: dict[str, Any]
    dev: dict[str, Any] | None        # the best checkpoint's dev report
    test: dict[str, Any] | None
    best_epoch: int | None
    epochs_done: float
    steps: int
    train_seconds: float              # optimizer steps only (no scoring): what throughput divides by
    wall_seconds: float               # the whole run, loading and saving included
    train_tokens: int                 # real (non-padding) tokens the steps processed
    loop_seconds: float = 0.0         # the training loop with its dev scoring: what a time budget limits
    message: str = ""
    history: list[dict[str, Any]] = dataclasses.field(default_factory=list)   # per-epoch dev figures

    @property
    def tokens_per_s(self) -> float:
        return self.train_tokens / self.train_seconds if self.train_seconds > 0 else 0.0

    def summary(self) -> dict[str, Any]:
        """The CLI's ``--json`` object."""
        dev = self.dev or {}
        return {
            "run_id": self.run_id, "status": self.status, "task": self.task, "model_dir": self.model_dir,
            "card": self.card_path, "device": self.device, "base_model": self.base_model,
            "train_examples": self.counts.get("train", 0), "dev_examples": self.counts.get("dev", 0),
            "epochs": round(self.epochs_done, 3), "steps": self.steps, "best_epoch": self.best_epoch,
            "train_seconds": round(self.train_seconds, 3), "loop_seconds": round(self.loop_seconds, 3),
            "wall_seconds": round(self.wall_seconds, 3),
            "train_tokens": self.train_tokens, "tokens_per_s": round(self.tokens_per_s, 1),
            "dev_f1": round(float(dev.get("f1", 0.0)), 4) if dev else None,
            "dev_accuracy": round(float(dev.get("accuracy", 0.0)), 4) if dev else None,
            "dev_loss": round(float(dev.get("loss", 0.0)), 4) if dev else None,
            "test_f1": round(float(self.test["f1"]), 4) if self.test else None,
            "test_accuracy": round(float(self.test["accuracy"]), 4) if self.test else None,
            "lr": self.config.get("lr"), "batch_size": self.config.get("batch_size"),
            "method": self.config.get("method"), "method_why": self.counts.get("method_why", ""),
            "message": self.message,
        }
