"""What a training run is asked to do, and the defaults that fill what the user left out.

The defaults were chosen by measurement (see docs/training-defaults.md for the
figures); a field left as None takes the default for the device that trains.
Plain data: safe on any thread.
"""
from __future__ import annotations

import dataclasses
import math
import pathlib
from typing import Any, Callable, Mapping

from workbench.errors import UserError
from workbench.modeling.device import DEVICES, PRECISIONS
from workbench.output_paths import check_output_root
from workbench import tasks as task_registry
from workbench.training.fewshot_choice import FEWSHOT_UP_TO, METHOD_WORDS as FEWSHOT_METHOD_WORDS
from workbench.training.fewshot_choice import METHODS as FEWSHOT_METHODS

# the defaults and choices live in defaults.py; importers of this module keep finding them here
from workbench.training.defaults import (  # noqa: F401
    CONTINUE_SHARE, CPU_DEFAULTS, EMBEDDING_MODES, FINETUNE_MODES, GPU_DEFAULTS, LENGTH_GROUP, LORA_LR_SCALE,
    POOLING_MODES, Defaults, defaults_for,
)


def task_names() -> tuple[str, ...]:
    """The tasks a config may name: ``--task``'s choices, :meth:`TrainConfig.check`, the "auto"
    descriptions.  The one place this module reads them."""
    return task_registry.names()


COMMANDS = ("train", "train-bundle", "export-bundle", "k-fold")   # where a setting can be offered


@dataclasses.dataclass(frozen=True)
class Setting:
    """How one TrainConfig field is offered to people: its words, its command-line flag, its knob.

    Kept as the field's metadata; workbench/training/config_fields.py turns it into argparse
    arguments and into the Train screen's knob descriptions.  ``None`` is the one "auto" value:
    a field whose ``auto`` says what None does may be left as None (typed and shown as
    ``none_word``)."""

    help: str                            # plain words: the knob's tooltip and the CLI's help
    term: str = ""                       # technical words added to the CLI's help only
    label: str = ""                      # the knob's row label
    knob: str = ""                       # "basic" or "advanced" (a row of the Train screen); "" none
    no_knob: str = ""                    # why a setting a user may change has no knob
    internal: str = ""                   # why no user sets it (no flag, no knob)
    auto: str = ""                       # what None does, in words ("" : None is not a value)
    recipe: bool = False                 # None takes the measured recipe's value (Defaults): show its figures
    none_word: str = "auto"              # how None is typed and shown ("auto", "none", "all")
    none_number: float | None = None     # a number the CLI also reads as None (--max-eval-docs 0)
    shown: tuple[tuple[Any, str], ...] = ()   # words for some values in the "auto" descriptions
    choices: tuple[Any, ...] | Callable[[], tuple[Any, ...]] = ()   # a callable is read when asked
    choice_words: tuple[str, ...] = ()   # the knob's words for the choices
    range: tuple[float, float] | None = None   # a spin box's bounds, in the knob's unit; None: a text box
    step: float = 1
    decimals: int = 2
    unit: tuple[str, float] = ("", 1)    # the knob's suffix and its size in the field's unit (min = 60 s)
    special: str = ""                    # the knob's word for its lowest value, or its check box text
    flag: str = ""                       # the CLI flag when not the name's (--time-budget)
    metavar: str = ""
    commands: tuple[str, ...] = COMMANDS
    notes: Mapping[str, str] = dataclasses.field(default_factory=dict)   # per command, added to the help
    bound: str = ""                      # "project" or "machine": not carried in a training bundle


def _s(default: Any = dataclasses.MISSING, **setting: Any) -> Any:
    """A TrainConfig field with its Setting as metadata."""
    return dataclasses.field(default=default, metadata={"setting": Setting(**setting)})


_WHY_FLAG_ONLY = "a setting for experiments; the measured default suits the app's users (docs/training-defaults.md)"
_BY_TASK = "by task and device (the measured recipe)"


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """One run.  ``None`` means "auto": the measured default for the task and the device.

    The fields are in the order the command line's help and the Train screen show them."""

    store_path: pathlib.Path = _s(
        help="the project file", internal="the command's PROJECT argument; the app's open project",
        bound="project")
    task: str = _s(
        help="which labels to learn", choices=task_names, commands=("train", "export-bundle"),
        no_knob="the Train screen's Task box")
    base_model: str = _s(
        "default", help="the model to start from: 'default' (the bundled one), a local model folder, "
                        "or a hub id (online)",
        commands=("train", "export-bundle", "k-fold"), no_knob="the Train screen's Base model box",
        notes={"export-bundle": "a model folder is copied into the bundle"})
    from_run: int | None = _s(   # training/continuation.py
        None, help="start from this earlier run's model instead of a base model (same task): its labels keep "
                   "what they learned, labels added since get new rows in the head, and the schedule is shorter "
                   "(half the epochs by default); a label it knew that the project no longer has is refused",
        auto="start from the base model", none_word="none", metavar="N", commands=("train",), bound="project",
        no_knob="the Train screen's Base model box ('Continue from run #N')")
    epochs: int | None = _s(
        None, label="Epochs", knob="basic", range=(1, 200), auto="by data size, more passes for small projects",
        help="passes over the training documents; training stops early when the dev score stops improving",
        notes={"k-fold": "per fold"})
    time_budget_s: float | None = _s(   # training/schedule.py
        None, label="Time limit", knob="basic", range=(1, 24 * 60), decimals=0, unit=(" min", 60), auto="no limit",
        none_word="none", flag="--time-budget", metavar="SECONDS",
        help="plan the schedule so that the whole run (with its dev scoring) ends within this time",
        notes={"k-fold": "per fold"})
    lr: float | None = _s(
        None, recipe=True, label="Learning rate", knob="advanced", auto=_BY_TASK, help="peak learning rate")
    batch_size: int | None = _s(
        None, recipe=True, label="Batch size", knob="advanced", range=(1, 1024), auto=_BY_TASK,
        help="documents per training step", notes={"train-bundle": "per process: the global batch is K times this"})
    max_length: int | None = _s(
        None, recipe=True, label="Max length", knob="advanced", range=(8, 4096), auto="by device",
        help="word pieces per document (longer ones are cut)")
    warmup_ratio: float | None = _s(
        None, recipe=True, label="Warm-up ratio", knob="advanced", range=(0, 0.5), step=0.01, auto="by device",
        help="share of the steps over which the learning rate rises to its peak")
    weight_decay: float = _s(
        0.01, label="Weight decay", knob="advanced", range=(0, 1), step=0.005, decimals=3,
        help="pulls the weights a little toward zero at every step", term="AdamW's decoupled weight decay")
    grad_accum: int = _s(
        1, label="Grad. accumulation", knob="advanced", range=(1, 64),
        help="steps whose gradients are added up before the weights change (a larger batch in the same memory)",
        term="gradient accumulation steps")
    patience: int = _s(
        2, label="Early-stop patience", knob="advanced", range=(0, 50), special="never stop early",
        help="stop when the dev score has not improved for this many epochs (a tie counts as improved only "
             "when the dev loss fell by at least 0.01); 0: never stop early")
    seed: int = _s(
        13, label="Seed", knob="advanced", range=(0, 2**31 - 1),
        help="the random seed: the same seed, data and settings train the same model",
        notes={"k-fold": "fold i trains with seed + i"})
    freeze_layers: int | None = _s(
        None, recipe=True, label="Frozen lower layers", knob="advanced", range=(0, 48), auto=_BY_TASK,
        help="lower transformer blocks left as pretrained (with the embeddings): faster steps")
    dropout: float | None = _s(
        None, recipe=True, label="Dropout", knob="advanced", range=(0, 0.9), step=0.05, auto=_BY_TASK,
        shown=((None, "the model's own"),), term="a negative value: the base model's own",
        help="share of the model's units switched off at random while it trains, against overfitting")
    weight_average: float | None = _s(   # training/averaging.py
        None, recipe=True, label="Weight averaging", knob="advanced", range=(0, 0.999), step=0.005, decimals=3,
        auto=_BY_TASK, shown=((0.0, "off"),), metavar="DECAY",
        help="score and keep a moving average of the weights, with this decay per step (0: off)")
    embeddings: str = _s(   # training/model.py
        "sparse", label="Word embeddings", knob="advanced", choices=EMBEDDING_MODES,
        choice_words=("only words in my data (fast)", "all words", "leave as they are"),
        help="which word vectors training may change: only those of word pieces in the training data "
             "(sparse), all (full), or none (frozen); ignored while the lower layers are frozen",
        term="rows of the embedding matrix")
    method: str = _s(   # training/fewshot_choice.py, training/fewshot.py
        "auto", label="Method", knob="advanced", choices=FEWSHOT_METHODS, choice_words=FEWSHOT_METHOD_WORDS,
        help="how a classification task trains: fine-tuning, or few-shot (SetFit: learn from pairs of labeled "
             f"documents, then fit a light head); auto: few-shot up to {FEWSHOT_UP_TO} labels a class on a "
             "sentence model",
        term="SetFit: contrastive body training, then logistic regression on mean-pooled vectors",
        commands=("train", "train-bundle", "export-bundle"))   # k-fold: auto (its --method is another's)
    finetune: str = _s(   # training/lora.py
        "auto", label="Fine-tuning", knob="advanced", choices=FINETUNE_MODES,
        choice_words=("auto (every weight)", "every weight (full)", "LoRA adapters (less memory)"),
        help="which weights train: every weight of the base model (full), or small low-rank adapters "
             "beside its frozen weights (LoRA: less memory for big base models; its automatic learning rate "
             "is three times the recipe's); the task's head trains fully either way, and the saved model is "
             "an ordinary one",
        term="LoRA via peft on the linear layers of the transformer blocks")
    lora_rank: int = _s(
        16, label="LoRA rank", knob="advanced", range=(1, 256),
        help="size of each LoRA adapter: higher learns more and takes more memory (only with LoRA)")
    word_case: bool = _s(   # modeling/casing.py
        True, label="Word case", knob="advanced", special="given to the model (NER)",
        help="give the model each word's case: an uncased model cannot see capitals, the strongest clue "
             "to a name (CoNLL: +3.6 F1 points)", term="NER on a lowercasing base model")
    device: str = _s(
        "auto", label="Device", knob="advanced", choices=DEVICES,
        choice_words=("auto (GPU if present)", "CPU", "CUDA GPU", "Apple GPU (MPS)"),
        help="where to train: auto takes a CUDA GPU, else an Apple GPU, else the CPU",
        commands=("train", "train-bundle", "k-fold"), bound="machine")
    grad_clip: float = _s(
        1.0, help="largest length of the gradient; longer ones are scaled down (0: off)",
        term="clipping by global norm", no_knob=_WHY_FLAG_ONLY)
    head_lr_scale: float | None = _s(
        None, recipe=True, auto=_BY_TASK, no_knob=_WHY_FLAG_ONLY,
        help="the new classification head's learning rate, in units of the learning rate")
    length_group: int | None = _s(   # training/batching.py
        None, recipe=True, auto=_BY_TASK, metavar="N", no_knob=_WHY_FLAG_ONLY,
        help="draw each batch from a pool of N batches sorted by length (1: random batches)")
    precision: str = _s(
        "auto", choices=PRECISIONS,
        no_knob="auto takes the fastest format that trains well on this machine; the flag is for "
                "comparisons and for a GPU whose bf16 misbehaves",
        help="number format: auto takes bf16 on a CUDA GPU that has it (else fp16 with a gradient scaler) "
             "and on a CPU with a bf16 unit (AVX-512 BF16 or AMX), fp32 elsewhere; the weights stay fp32")
    pooling: str = _s(   # modeling/pooling.py
        "auto", choices=POOLING_MODES, no_knob="auto follows how the base model was trained",
        help="sentiment: classify from the first piece ([CLS]) or the mean of all pieces "
             "(auto: as the base model was trained)")
    max_train_docs: int | None = _s(
        None, auto="every train document", none_word="all", commands=("train", "export-bundle"), bound="project",
        help="train on the first N train documents in import order", metavar="N",
        no_knob="for measurements; the app trains on every labeled document")
    dev_fraction: float = _s(
        0.1, help="share of the training documents held out to check progress when the project has no dev split",
        no_knob="the Annotate screen's dev split decides; this only covers a project without one")
    max_eval_docs: int | None = _s(
        1000, auto="all of dev", none_word="all", none_number=0, metavar="N",
        help="dev documents scored after each epoch (the final score uses all of dev); 0: all",
        no_knob="only speeds up large dev sets; the final score always uses all of dev")
    output_dir: pathlib.Path | None = _s(
        None, commands=("train", "train-bundle"), bound="project", metavar="FOLDER",
        help="where run folders go", no_knob="the app keeps runs in its data folder",
        notes={"train": "default: the data folder's runs", "train-bundle": "default: BUNDLE/runs"})
    min_docs: int = _s(
        5, help="fewer labeled training documents than this: refuse",
        internal="a floor: fewer documents cannot train a model worth keeping")

    def check(self) -> None:
        """Raise UserError for values that cannot work (before anything is loaded)."""
        if not task_registry.is_task(self.task):
            raise UserError(f"unknown task {self.task!r}; use {' or '.join(task_registry.names())}")
        positive = {"epochs": self.epochs, "batch size": self.batch_size, "max length": self.max_length,
                    "gradient accumulation": self.grad_accum, "max train docs": self.max_train_docs}
        for name, value in positive.items():
            if value is not None and int(value) < 1:
                raise UserError(f"{name} must be at least 1 (got {value})")
        if self.max_length is not None and self.max_length < 8:
            raise UserError(f"max length must be at least 8 tokens (got {self.max_length})")
        if self.lr is not None and not (0 < self.lr < 1) or (self.lr is not None and math.isnan(self.lr)):
            raise UserError(f"learning rate must be between 0 and 1 (got {self.lr})")
        if self.warmup_ratio is not None and not 0 <= self.warmup_ratio < 1:
            raise UserError(f"warm-up ratio must be in [0, 1) (got {self.warmup_ratio})")
        if not 0 < self.dev_fraction < 1:
            raise UserError(f"dev fraction must be between 0 and 1 (got {self.dev_fraction})")
        if self.time_budget_s is not None and self.time_budget_s <= 0:
            raise UserError(f"time budget must be positive (got {self.time_budget_s})")
        if self.pooling not in POOLING_MODES:
            raise UserError(f"pooling must be one of {', '.join(POOLING_MODES)}")
        if self.embeddings not in EMBEDDING_MODES:
            raise UserError(f"embeddings must be one of {', '.join(EMBEDDING_MODES)}")
        if self.dropout is not None and self.dropout >= 1:
            raise UserError(f"dropout must be below 1 (got {self.dropout})")
        if self.freeze_layers is not None and self.freeze_layers < 0:
            raise UserError(f"frozen layers cannot be negative (got {self.freeze_layers})")
        if self.weight_average is not None and not 0 <= self.weight_average < 1:
            raise UserError(f"weight averaging decay must be in [0, 1) (got {self.weight_average})")
        if self.finetune not in FINETUNE_MODES:
            raise UserError(f"fine-tuning must be one of {', '.join(FINETUNE_MODES)}")
        if self.method not in FEWSHOT_METHODS:
            raise UserError(f"method must be one of {', '.join(FEWSHOT_METHODS)}")
        if self.lora_rank < 1:
            raise UserError(f"LoRA rank must be at least 1 (got {self.lora_rank})")
        if self.length_group is not None and self.length_group < 1:
            raise UserError(f"length groups must hold at least 1 batch (got {self.length_group})")
        if self.from_run is not None and self.from_run < 1:
            raise UserError(f"--from-run takes a run id (got {self.from_run})")
        if self.from_run is not None and str(self.base_model).strip() not in ("", "default"):
            raise UserError("a continued run starts from its run's model: give --from-run or --base-model, not both")
        if self.weight_decay < 0 or self.grad_clip < 0 or self.patience < 0:
            raise UserError("weight decay, gradient clipping and patience cannot be negative")
        check_output_root(self.output_dir)   # a file there: say so now, not after training

    def resolved(self, device_kind: str, train_docs: int) -> "TrainConfig":
        """A copy with every default filled in for ``device_kind`` and ``train_docs`` examples."""
        d = defaults_for(device_kind, self.task)
        batch = self.batch_size or d.batch_size
        epochs = self.epochs
        # (also with a time budget: a longer budget than the default epochs need finishes early.
        # Spreading the schedule over all of it overfits: CoNLL, 2,000 sentences, a 330 s budget
        # planned over 9.3 epochs peaked at epoch 4 and ended at dev F1 0.830, below 4 epochs' 0.846)
        if epochs is None:
            steps_per_epoch = max(1, math.ceil(train_docs / (batch * self.grad_accum)))
            epochs = min(d.max_epochs, max(d.epochs, math.ceil(d.min_steps / steps_per_epoch)))
            if self.from_run is not None:   # a model that knows the task already needs fewer passes
                epochs = max(1, math.ceil(epochs * CONTINUE_SHARE))
        return dataclasses.replace(
            self, epochs=epochs, batch_size=batch, max_length=self.max_length or d.max_length,
            lr=self.lr or round(d.lr * (LORA_LR_SCALE if self.finetune == "lora" else 1.0), 12),
            warmup_ratio=d.warmup_ratio if self.warmup_ratio is None else self.warmup_ratio,
            dropout=d.dropout if self.dropout is None else (None if self.dropout < 0 else self.dropout),
            freeze_layers=d.freeze_layers if self.freeze_layers is None else self.freeze_layers,
            head_lr_scale=d.head_lr_scale if self.head_lr_scale is None else self.head_lr_scale,
            weight_average=d.weight_average if self.weight_average is None else self.weight_average,
            length_group=self.length_group or d.length_group,
        )

    def to_json(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["store_path"] = str(self.store_path)
        out["output_dir"] = str(self.output_dir) if self.output_dir else None
        return out


def setting(name: str) -> Setting:
    """How TrainConfig's field ``name`` is offered (KeyError for a name that is not a field)."""
    return _SETTINGS[name]


_SETTINGS: dict[str, Setting] = {f.name: f.metadata["setting"] for f in dataclasses.fields(TrainConfig)}
