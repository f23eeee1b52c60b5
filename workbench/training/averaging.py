"""Weight averaging: the model that is scored and kept is a moving average of the weights
training visits, not the last of them.

With a few thousand examples the last steps of an epoch pull the weights towards the
last batches they saw; an exponential moving average over the last hundred or so steps
keeps what they agree on.  Measured on SST-2 (docs/training-defaults.md, "Weight
averaging"), it is what lets sentiment use its third epoch instead of overfitting in it.

Training updates the raw weights as always; :meth:`WeightAverage.update` follows each
optimizer step, and the dev check, the best checkpoint and the saved model use the
average (:meth:`WeightAverage.swapped_in`, :meth:`WeightAverage.state`).  Every process
of a distributed run holds the same weights, so each keeps the same average.
Runs on the training thread.
"""
from __future__ import annotations

import contextlib
from typing import ContextManager, Iterator

import torch
from torch import nn


EVERY = 4   # fold the weights in every 4th step (what is folded counts for the steps in between)


class WeightAverage:
    """Exponential moving average of a model's trainable weights."""

    def __init__(self, model: nn.Module, decay: float, every: int = EVERY, total_steps: int | None = None) -> None:
        if not 0.0 < decay < 1.0:
            raise ValueError(f"decay must be between 0 and 1, got {decay}")
        if total_steps:
            # a short run averages over (about) its last quarter, not over most of itself
            decay = min(decay, 1.0 - 4.0 / max(8, total_steps))
        self.decay, self.every = decay, max(1, every)
        self.params = [(name, p) for name, p in model.named_parameters() if p.requires_grad]
        self.average = {name: p.detach().clone() for name, p in self.params}
        self.steps = 0          # optimizer steps seen
        self.folded = 0         # ... of which are in the average
        self.mass = 0.0         # the weight of the visited steps in the average: 1 - decay ** steps

    def update(self) -> None:
        """After an optimizer step.  Folding the weights in reads and writes every trained
        weight (about 1% of a CPU step), so it happens every ``every`` steps, weighted as if
        the weights it folds had stood there since the last time."""
        self.steps += 1
        if self.steps - self.folded >= self.every:
            self._fold()

    @torch.no_grad()
    def _fold(self) -> None:
        # Normalized so that only visited weights count (no share for the untrained head the
        # run started from): after n steps the average is sum(decay^(n-k) w_k) / sum(decay^(n-k)).
        n = self.steps - self.folded
        mass = 1.0 - (1.0 - self.mass) * self.decay ** n
        share = (mass - self.mass * self.decay ** n) / mass      # what the newest weights get
        self.mass, self.folded = mass, self.steps
        torch._foreach_lerp_(list(self.average.values()), [p.detach() for _, p in self.params], share)

    @contextlib.contextmanager
    def swapped_in(self) -> Iterator[None]:
        """The model carries the averaged weights inside the block and its own ones after it."""
        if self.steps > self.folded:
            self._fold()
        raw = {name: p.detach().clone() for name, p in self.params}
        self._copy_into(self.average)
        try:
            yield
        finally:
            self._copy_into(raw)

    def state(self) -> dict[str, torch.Tensor]:
        """A CPU copy of the averaged weights (same form as ``model.trainable_state``)."""
        if self.steps > self.folded:
            self._fold()
        return {name: value.to("cpu", copy=True) for name, value in self.average.items()}

    @torch.no_grad()
    def _copy_into(self, values: dict[str, torch.Tensor]) -> None:
        for name, p in self.params:
            p.copy_(values[name])


def scored_weights(average: WeightAverage | None) -> ContextManager[None]:
    """The weights a dev check scores: the average's when there is one, else the model's own."""
    return average.swapped_in() if average is not None else contextlib.nullcontext()
