"""How a sentiment model turns a document's word pieces into one vector.

A stock ``...ForSequenceClassification`` classifies from the first ([CLS]) piece.
Sentence-embedding models (the bundled all-MiniLM-L6-v2 is one) were instead
trained so that the *mean* of the pieces carries the sentence's meaning; their
[CLS] output was never trained for that.  When the base model says so (its
sentence-transformers ``1_Pooling/config.json`` has ``pooling_mode_mean_tokens``),
sentiment models classify from the mean of the document's pieces (padding left
out) instead, which is what the base model is good at.

The model stays a stock Hugging Face model on disk: the pooler module is swapped
for :class:`MeanPooler` (no weights) and config.json records
``workbench_pooling: "mean"``; :func:`restore_pooling` puts the swap back after
``from_pretrained`` (the app's predictor, ONNX export and attributions all load
through it).  Measured on SST-2: docs/training-defaults.md, "Mean pooling".
Any thread (model set-up happens on the thread that then uses the model).
"""
from __future__ import annotations

import json
import pathlib
from typing import Any

import torch
from torch import nn

CONFIG_KEY = "workbench_pooling"


class MeanPooler(nn.Module):
    """Mean of the piece vectors where the attention mask is 1.  The mask is handed over by
    a forward pre-hook on the whole model (the pooler itself only receives the hidden states)."""

    def __init__(self) -> None:
        super().__init__()
        self.mask: torch.Tensor | None = None

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        if self.mask is None:
            return hidden_states.mean(dim=1)
        m = self.mask[:, : hidden_states.shape[1]].to(hidden_states.dtype).unsqueeze(-1)
        return (hidden_states * m).sum(dim=1) / m.sum(dim=1).clamp(min=1.0)


def base_pools_by_mean(source: str) -> bool:
    """Whether a local base-model folder is a sentence-transformers model pooled by the mean."""
    config = pathlib.Path(source) / "1_Pooling" / "config.json"
    try:
        return bool(json.loads(config.read_text(encoding="utf-8")).get("pooling_mode_mean_tokens"))
    except (OSError, ValueError):
        return False


def use_mean_pooling(model: nn.Module) -> bool:
    """Swap the model's [CLS] pooler for :class:`MeanPooler`; False when the model has no
    pooler to swap (then it keeps its own way)."""
    base = getattr(model, "base_model", None)
    if base is None or not hasattr(base, "pooler"):
        return False
    if isinstance(base.pooler, MeanPooler):      # already swapped (an earlier run's model)
        return True
    pooler = MeanPooler()
    base.pooler = pooler

    def take_mask(_module: nn.Module, args: tuple, kwargs: dict[str, Any]) -> None:
        pooler.mask = kwargs.get("attention_mask")

    model.register_forward_pre_hook(take_mask, with_kwargs=True)
    setattr(model.config, CONFIG_KEY, "mean")
    return True


def restore_pooling(model: nn.Module) -> None:
    """After ``from_pretrained``: pool the way the model was trained to."""
    if getattr(model.config, CONFIG_KEY, None) == "mean":
        use_mean_pooling(model)


def pooled_vectors(model: nn.Module, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """The vectors a mean-pooled classifier (:func:`use_mean_pooling`) classifies from: its body's
    pooled output, before the head.  Few-shot training (training/fewshot.py) trains and fits on them."""
    base = model.base_model
    if not isinstance(base.pooler, MeanPooler):
        raise ValueError("the model does not pool by the mean")
    base.pooler.mask = attention_mask     # what the model's own pre-hook hands over in forward()
    return base(input_ids=input_ids, attention_mask=attention_mask).pooler_output
