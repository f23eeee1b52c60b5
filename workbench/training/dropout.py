"""Dropout whose masks are cheap to draw on a CPU.

``nn.Dropout`` on the CPU draws one Bernoulli sample per element: 3.1 ms of CPU time for
one BERT hidden state of 16 x 26 x 384 values on the development machine, so dropout 0.1
made a sentiment training step of the bundled MiniLM 11-14% dearer.  :class:`ByteDropout`
takes eight mask bytes from each 64-bit random integer instead and keeps an element when
its byte is at least ``round(256 p)``: 0.7 ms for the same tensor.  The probability is
rounded to a multiple of 1/256 (0.1 becomes 26/256 = 0.1016), and the kept values are
scaled by the exact inverse of the kept share, as ``nn.Dropout`` does.

Only the training copy of a model carries it (the saved model is a stock one: dropout has
no weights), and only on the CPU: a GPU draws Bernoulli masks fast.  Attention dropout is
done inside the attention kernel, which reads ``.p`` of the module it owns; a
``ByteDropout`` keeps ``.p`` so that still works.  Runs on the training thread.
"""
from __future__ import annotations

import torch
from torch import nn


class ByteDropout(nn.Dropout):
    """``nn.Dropout`` with masks from random bytes (``p`` rounded to 1/256)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        cut = round(self.p * 256)
        if not self.training or cut == 0:
            return x
        if cut >= 256:
            return torch.zeros_like(x)
        n = x.numel()
        # the full signed range: every one of the eight bytes is uniform (``random_()`` without
        # bounds leaves the top bit 0, so the last byte would be)
        words = torch.randint(-2**63, 2**63 - 1, ((n + 7) // 8,), dtype=torch.int64, device=x.device)
        keep = words.view(torch.uint8)[:n].view(x.shape) >= cut
        return x * keep * (256.0 / (256 - cut))


def use_byte_dropout(model: nn.Module) -> int:
    """Swap every ``nn.Dropout`` of ``model`` for a :class:`ByteDropout` of the same ``p``;
    returns how many were swapped."""
    swaps = [(parent, name, child) for parent in model.modules() for name, child in parent.named_children()
             if type(child) is nn.Dropout]
    for parent, name, child in swaps:
        setattr(parent, name, ByteDropout(child.p))
    return len(swaps)
