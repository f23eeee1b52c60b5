"""Fine-tuning: dataset building, label alignment, batching, the loop, metrics, run history.

No Qt here.  ``train(config, *, on_progress, cancelled) -> RunResult`` is the
entry point; torch and transformers load only when it (or a submodule) is used,
so importing this package is cheap.
"""
from __future__ import annotations

from typing import Any

_LAZY = {
    "train": "workbench.training.loop",
    "TrainingDiverged": "workbench.training.loop",
    "TrainConfig": "workbench.training.config",
    "CPU_DEFAULTS": "workbench.training.config",
    "GPU_DEFAULTS": "workbench.training.config",
    "Progress": "workbench.training.events",
    "RunResult": "workbench.training.events",
    "pick_device": "workbench.training.device",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'workbench.training' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
