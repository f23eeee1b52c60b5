"""Which training method a run uses: fine-tuning, or few-shot (SetFit) when a classification
task has few labels, and why, in the words the Train screen and the CLI show.

Few-shot training (training/fewshot.py) pools each document into one vector, so it is open to a
task whose spec pools documents (``TaskSpec.pools_document``: sentiment and the user's own class
tasks), never to a task named here.  ``auto`` takes few-shot when the base model is a
sentence-embedding model (the bundled one is) and the smallest class has at most
:data:`FEWSHOT_UP_TO` training labels (the figures: docs/training-defaults.md, "Few-shot
(SetFit)").  No torch; any thread.
"""
from __future__ import annotations

from typing import Sequence

from workbench.errors import UserError
from workbench.tasks.base import Example, TaskSpec

METHODS = ("auto", "finetune", "fewshot")
METHOD_WORDS = ("auto (few-shot when few labels)", "fine-tuning", "few-shot (SetFit)")
# auto: few-shot while the smallest class has at most this many training labels.  Measured on
# SST-2 (tests/benchmarks/bench_fewshot.py; docs/training-defaults.md, "Few-shot (SetFit)"):
# few-shot was ahead of fine-tuning at 16, 32 and 64 labels per class (0.686 / 0.757 / 0.772
# against 0.658 / 0.736 / 0.756, seed 13) and behind it at 128 and 256 (0.759 / 0.770 against
# 0.815 / 0.817): few-shot levels off where fine-tuning keeps gaining
FEWSHOT_UP_TO = 64
# contrastive pairs need a partner of the same class: a class with fewer labels has none
FEWSHOT_MIN_PER_CLASS = 2
FEWSHOT_NAME = "Few-shot (SetFit)"
FINETUNE_NAME = "Fine-tuning"


def smallest_class(spec: TaskSpec, train: Sequence[Example]) -> tuple[str, int]:
    """The class with the fewest training labels and its count (``("", 0)`` when none)."""
    counts = spec.label_counts(train)
    if not counts:
        return "", 0
    name = min(counts, key=lambda k: (counts[k], k))
    return name, counts[name]


def _labels(n: int) -> str:
    return f"{n} label{'s' if n != 1 else ''}"


def _per_class(spec: TaskSpec, train: Sequence[Example]) -> str:
    """"16 labels per class", or with classes of different sizes "12 labels in the smallest class"."""
    counts = spec.label_counts(train)
    name, fewest = smallest_class(spec, train)
    if len(set(counts.values())) <= 1:
        return f"{_labels(fewest)} per {spec.noun}"
    return f"{_labels(fewest)} in the smallest {spec.noun} ({name})"


def choose_method(requested: str, spec: TaskSpec, train: Sequence[Example], *, sentence_model: bool = True,
                  continued: bool = False, processes: int = 1, finetune: str = "auto") -> tuple[str, str]:
    """``("fewshot" | "finetune", why)`` for a run that asked for ``requested``; UserError when
    few-shot was asked for and cannot work.  ``sentence_model``: the base model was trained as a
    sentence-embedding model (what SetFit's body is; auto takes few-shot only then);
    ``continued``: the run starts from an earlier run's model; ``processes``: how many train
    together (torchrun); ``finetune``: the run's finetune field."""
    if requested not in METHODS:
        raise UserError(f"method must be one of {', '.join(METHODS)} (got {requested!r})")
    if requested == "finetune":
        return "finetune", f"{FINETUNE_NAME}: as asked"
    name, fewest = smallest_class(spec, train)
    blockers = []
    if not spec.pools_document:
        blockers.append(f"few-shot training classifies whole documents, and the {spec.title} task marks spans "
                        "inside them")
    if continued:
        blockers.append("a continued run fine-tunes its run's model further")
    if processes > 1:
        blockers.append("few-shot training runs in one process")
    if finetune == "lora":
        blockers.append("LoRA adapters are a way of fine-tuning")
    if spec.pools_document and fewest < FEWSHOT_MIN_PER_CLASS:
        blockers.append(f"few-shot training needs at least {FEWSHOT_MIN_PER_CLASS} training labels in every "
                        f"{spec.noun} (pairs of the same {spec.noun}); {name!r} has {fewest}")
    if requested == "fewshot":
        if blockers:
            raise UserError(blockers[0] + "; use --method finetune (or auto)")
        return "fewshot", f"{FEWSHOT_NAME}: as asked ({_per_class(spec, train)})"
    if not sentence_model:     # any BERT-like body can train few-shot when asked; auto keeps to what it is made for
        blockers.append("the base model is not a sentence-embedding model (few-shot: --method fewshot)")
    if blockers:
        return "finetune", f"{FINETUNE_NAME}: {blockers[0]}"
    if fewest <= FEWSHOT_UP_TO:
        return "fewshot", f"{FEWSHOT_NAME}: {_per_class(spec, train)}, {FEWSHOT_UP_TO} or fewer"
    return "finetune", f"{FINETUNE_NAME}: {_per_class(spec, train)}, more than {FEWSHOT_UP_TO}"
