"""A finished run's folder and its run card (JSON): what the model is, how it was made, how good it is."""
from __future__ import annotations

import datetime as _dt
import json
import pathlib

import torch

from workbench.paths import runs_dir
from workbench.training.config import TrainConfig
from workbench.training.data import Splits
from workbench.training.run_folders import new_run_folder
from workbench.training.events import RunResult


def run_folder(cfg: TrainConfig, run_id: int, stem: str) -> pathlib.Path:
    """Make the run's folder: always a new one (run_folders.new_run_folder), never an existing one."""
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    root = cfg.output_dir or runs_dir()
    return new_run_folder(root, f"{stem}-run{run_id}-{cfg.task}-{stamp}")


def write_card(result: RunResult, source: str, splits: Splits, path: pathlib.Path,
                points: list[tuple[str, int, float, float]]) -> None:
    """The run card: everything needed to know what this model is and how good it was."""
    card = {
        "run_id": result.run_id, "task": result.task, "status": result.status,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "base_model": result.base_model, "base_model_source": source, "device": result.device,
        "parent_run": result.config.get("from_run"),     # a continued run's parent (training/continuation.py)
        "config": result.config, "labels": splits.labels, "label_names": splits.label_names,
        "data": result.counts, "duration_s": round(result.wall_seconds, 3),
        "train_seconds": round(result.train_seconds, 3), "train_tokens": result.train_tokens,
        "tokens_per_s": round(result.tokens_per_s, 1), "epochs": round(result.epochs_done, 3),
        "steps": result.steps, "best_epoch": result.best_epoch, "history": result.history,
        "metrics": {"dev": result.dev, "test": result.test}, "torch": torch.__version__,
        "summary": result.summary(), "points": [list(p) for p in points],
    }
    path.write_text(json.dumps(card, indent=2, default=float), encoding="utf-8")
