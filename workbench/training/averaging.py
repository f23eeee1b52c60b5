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
from typing import Iterator

import torch
from torch import nn


class WeightAverage:
    """Exponential moving average of a model's trainable weights."""

    def __init__(self, model: nn.Module, decay: float) -> None:
        if not 0.0 < decay < 1.0:
            raise ValueError(f"decay must be between 0 and 1, got {decay}")
        self.decay = decay
        self.params = [(name, p) for name, p in model.named_parameters() if p.requires_grad]
        self.average = {name: p.detach().clone() for name, p in self.params}
        self.updates = 0

    @torch.no_grad()
    def update(self) -> None:
        """Fold the current weights in (after an optimizer step).  The decay ramps up over the
        first steps, so a short run does not keep the untrained head it started from."""
        self.updates += 1
        keep = min(self.decay, (1 + self.updates) / (10 + self.updates))
        for name, p in self.params:
            self.average[name].lerp_(p.detach(), 1.0 - keep)

    @contextlib.contextmanager
    def swapped_in(self) -> Iterator[None]:
        """The model carries the averaged weights inside the block and its own ones after it."""
        raw = {name: p.detach().clone() for name, p in self.params}
        self._copy_into(self.average)
        try:
            yield
        finally:
            self._copy_into(raw)

    def state(self) -> dict[str, torch.Tensor]:
        """A CPU copy of the averaged weights (same form as ``model.trainable_state``)."""
        return {name: value.to("cpu", copy=True) for name, value in self.average.items()}

    @torch.no_grad()
    def _copy_into(self, values: dict[str, torch.Tensor]) -> None:
        for name, p in self.params:
            p.copy_(values[name])
