"""Fine-tuning: dataset building, label alignment, batching, the loop, metrics, run history.

No Qt here.  ``train(config, *, progress, cancelled) -> RunResult`` is the
entry point; torch and transformers load only when it (or a submodule) is used,
so importing this package is cheap.
"""
from __future__ import annotations

import os
import sys
from typing import Any

# OpenMP threads that wait for each other sleep instead of spinning.  torch runs
# thousands of small parallel regions per training step; with the default spin-wait,
# one core taken by anything else (a browser, a build) makes every region wait for a
# descheduled thread, and a 2-thread step measured 12x slower (4.6 s instead of
# 0.35 s, docs/training-defaults.md).  libgomp reads this once, when torch loads.
if "torch" not in sys.modules:
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

_LAZY = {
    "train": "workbench.training.loop",
    "TrainingDiverged": "workbench.training.run_end",
    "TrainConfig": "workbench.training.config",
    "CPU_DEFAULTS": "workbench.training.config",
    "GPU_DEFAULTS": "workbench.training.config",
    "RunEvent": "workbench.training.events",
    "RunResult": "workbench.training.events",
    "pick_device": "workbench.modeling.device",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'workbench.training' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
