"""What fine-tuning does to a model: which embedding rows and blocks train, dropout,
the best checkpoint's weights.  Loading and saving models: ``workbench.modeling.loading``.

Runs on the training thread.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class RowSparseEmbedding(nn.Module):
    """Word embeddings of which only the rows the training data uses are tuned.

    The pretrained table stays frozen; a small trainable ``delta`` holds one row
    per token id that occurs in the training set (plus a zero row, never updated,
    for every other id).  Full fine-tuning would give every other row no
    gradient anyway, so the model learns the same thing, but the backward pass,
    gradient clipping and AdamW touch a few thousand rows instead of the whole
    vocabulary (30k x 384 for MiniLM): the largest saving per step on CPU.
    :meth:`merged` folds the delta back into a plain ``nn.Embedding`` to save.
    """

    def __init__(self, base: nn.Embedding, used_ids: torch.Tensor) -> None:
        super().__init__()
        self.weight = base.weight
        self.weight.requires_grad_(False)
        self.padding_idx = base.padding_idx
        used = torch.unique(used_ids.to(torch.long).cpu())
        if self.padding_idx is not None:
            used = used[used != self.padding_idx]
        n = int(used.numel())
        row_map = torch.full((base.num_embeddings,), n, dtype=torch.long)
        row_map[used] = torch.arange(n)
        self.register_buffer("row_map", row_map.to(self.weight.device), persistent=False)
        self.delta = nn.Parameter(torch.zeros(n + 1, base.embedding_dim, device=self.weight.device,
                                              dtype=self.weight.dtype))
        self.n_rows = n

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        base = F.embedding(input_ids, self.weight, self.padding_idx)
        return base + F.embedding(self.row_map[input_ids], self.delta, padding_idx=self.n_rows)

    @torch.no_grad()
    def merged(self) -> nn.Embedding:
        emb = nn.Embedding(self.weight.shape[0], self.weight.shape[1], padding_idx=self.padding_idx,
                           device=self.weight.device, dtype=self.weight.dtype)
        emb.weight.copy_(self.weight + self.delta[self.row_map])
        return emb


def prepare_embeddings(model: nn.Module, mode: str, used_ids: torch.Tensor) -> None:
    """Apply the embedding mode: ``sparse`` (see RowSparseEmbedding), ``frozen`` or ``full``."""
    emb = model.get_input_embeddings()
    if mode == "full" or not isinstance(emb, nn.Embedding):
        return
    if mode == "frozen":
        emb.weight.requires_grad_(False)
        return
    model.set_input_embeddings(RowSparseEmbedding(emb, used_ids))


def set_dropout(model: nn.Module, p: float | None) -> None:
    """Set every dropout module's probability (None: keep the model's own).  Attention
    dropout in transformers' attention code reads ``self.dropout.p``, so this covers it."""
    if p is None:
        return
    for module in model.modules():
        if isinstance(module, nn.Dropout):
            module.p = p


def encoder_layers(model: nn.Module) -> nn.ModuleList | None:
    """The stack of transformer blocks (``encoder.layer`` in BERT, ``transformer.layer`` in
    DistilBERT, ...): the longest ModuleList inside the base model."""
    base = getattr(model, "base_model", model)
    best: nn.ModuleList | None = None
    for name, module in base.named_modules():
        if isinstance(module, nn.ModuleList) and name.split(".")[-1] in ("layer", "layers", "block", "blocks"):
            if best is None or len(module) > len(best):
                best = module
    return best


def freeze_lower_layers(model: nn.Module, k: int) -> int:
    """Freeze the embeddings and the first ``k`` transformer blocks; returns how many were frozen.

    Nothing below the first trainable block needs a gradient, so the backward pass
    stops there: each frozen block saves its whole backward (two thirds of its cost).
    """
    layers = encoder_layers(model)
    if k <= 0 or layers is None:
        return 0
    k = min(k, len(layers) - 1)   # always leave at least one block to tune
    emb = getattr(getattr(model, "base_model", model), "embeddings", None)
    for module in ([emb] if emb is not None else []) + list(layers[:k]):
        for p in module.parameters():
            p.requires_grad_(False)
    return k


def finalize_embeddings(model: nn.Module) -> None:
    """Undo :func:`prepare_embeddings` so the model saves and loads as a stock one."""
    emb = model.get_input_embeddings()
    if isinstance(emb, RowSparseEmbedding):
        model.set_input_embeddings(emb.merged())
    for p in model.parameters():
        p.requires_grad_(True)


def trainable_state(model: nn.Module) -> dict[str, torch.Tensor]:
    """A CPU copy of what training changes (the best checkpoint so far)."""
    return {name: p.detach().to("cpu", copy=True) for name, p in model.named_parameters() if p.requires_grad}


@torch.no_grad()
def restore_state(model: nn.Module, state: dict[str, torch.Tensor]) -> None:
    params = dict(model.named_parameters())
    for name, value in state.items():
        params[name].copy_(value.to(params[name].device))
