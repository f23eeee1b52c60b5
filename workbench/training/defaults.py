"""The defaults that fill what a training run's settings left out, per device kind, and the
choices some settings take.

Chosen by measurement (docs/training-defaults.md has the figures); a task's own recipe
(TaskSpec.training_defaults) overrides them per device kind.  Plain data: safe on any thread.
"""
from __future__ import annotations

import dataclasses

from workbench import tasks as task_registry

EMBEDDING_MODES = ("sparse", "full", "frozen")
# Batches drawn together and sorted by length (batching.py): 100 gives 1.6% padding on CoNLL
# sentences (50: 4.1%, the HF Trainer's group_by_length; 10: 16%; random batches: 130%).
LENGTH_GROUP = 100
POOLING_MODES = ("auto", "cls", "mean")
# A run continued from an earlier one (``from_run``) takes this share of a fresh run's epochs by
# default (tests/benchmarks/bench_continue.py measures it).
CONTINUE_SHARE = 0.5
# Which weights train (training/lora.py): all, or LoRA adapters beside the frozen pretrained ones.
FINETUNE_MODES = ("auto", "full", "lora")
# LoRA's adapters start at zero and learn from few steps: at the recipe's learning rate they
# learned too little (CoNLL, 2,000 sentences, 3 epochs: F1 0.661 at 2e-4, 0.848 at 6e-4, full
# fine-tuning 0.861; docs/training-defaults.md, "LoRA")
LORA_LR_SCALE = 3.0


@dataclasses.dataclass(frozen=True)
class Defaults:
    lr: float
    batch_size: int
    max_length: int
    epochs: int            # at least this many passes ...
    min_steps: int         # ... and more, up to max_epochs, until this many optimizer steps
    max_epochs: int
    warmup_ratio: float
    eval_batch_size: int
    dropout: float | None      # None: the base model's own
    freeze_layers: int         # lower transformer blocks (and the embeddings) left as they are
    head_lr_scale: float       # the new classification head's learning rate, in units of lr
    weight_average: float = 0.0  # decay of the moving average of the weights that is scored and kept; 0: off
    length_group: int = LENGTH_GROUP  # batches drawn together and sorted by length; 1: random batches


# Chosen by measurement on the bundled MiniLM (docs/training-defaults.md).
CPU_DEFAULTS = Defaults(lr=1.5e-4, batch_size=16, max_length=128, epochs=4, min_steps=300, max_epochs=40,
                        warmup_ratio=0.06, eval_batch_size=64, dropout=0.0, freeze_layers=1,
                        head_lr_scale=1.0)
GPU_DEFAULTS = Defaults(lr=1e-4, batch_size=32, max_length=256, epochs=5, min_steps=400, max_epochs=40,
                        warmup_ratio=0.06, eval_batch_size=256, dropout=None, freeze_layers=0,
                        head_lr_scale=1.0)


# Where a task's recipe differs from these (per device kind): TaskSpec.training_defaults, in the
# task's own module (workbench/tasks/ner.py, workbench/tasks/sentiment.py).


def defaults_for(device_kind: str, task: str | None = None) -> Defaults:
    kind = "gpu" if device_kind in ("cuda", "mps") else "cpu"
    base = GPU_DEFAULTS if kind == "gpu" else CPU_DEFAULTS
    recipe = task_registry.get(task).training_defaults(kind) if task_registry.is_task(task) else {}
    return dataclasses.replace(base, **recipe)
