"""Base models: find them, refuse what is not a model, build the classifier, save it.

Weights are read from safetensors only (``use_safetensors=True``) and every
load passes ``trust_remote_code=False``; a local folder whose config names code
of its own (``auto_map``) is refused before transformers reads it (DESIGN rule
6).  Runs on the training thread.
"""
from __future__ import annotations

import contextlib
import os
import pathlib
from typing import Any, Iterator, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from workbench.errors import UserError
from workbench.paths import default_base_model_dir
from workbench.training.model_folder import REMOTE_CODE, refuse_remote_code
from workbench.training.pooling import restore_pooling


def resolve_base_model(spec: str | os.PathLike | None) -> str:
    """A local folder path or a hub id; UserError when ``spec`` cannot be a model."""
    if spec is None or str(spec).strip() in ("", "default"):
        return str(default_base_model_dir())
    text = str(spec).strip()
    path = pathlib.Path(text).expanduser()
    if path.exists():
        if not path.is_dir():
            raise UserError(f"base model {text}: not a folder (pick the folder that holds config.json)")
        if not (path / "config.json").is_file():
            raise UserError(f"base model {text}: not a Hugging Face model folder (it has no config.json)")
        refuse_remote_code(path, f"base model {text}")
        if not any(path.glob("*.safetensors")):
            raise UserError(
                f"base model {text}: no .safetensors weights in the folder (pickled .bin weights are never loaded)"
            )
        return str(path.resolve())
    looks_like_path = text.startswith((".", "/", "~")) or "\\" in text or text.count("/") > 1
    if looks_like_path:
        raise UserError(f"base model {text}: no such folder")
    if os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0"):
        raise UserError(f"base model {text}: no such folder, and the hub cannot be reached offline")
    return text


@contextlib.contextmanager
def quiet_transformers() -> Iterator[None]:
    """Loading a base model into a classifier always "misses" the new head; that is expected."""
    from transformers.utils import logging as hf_logging

    level = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)
        if bars:
            hf_logging.enable_progress_bar()


def load_tokenizer(source: str) -> Any:
    from transformers import AutoTokenizer

    try:
        with quiet_transformers():
            tok = AutoTokenizer.from_pretrained(source, trust_remote_code=False)
    except Exception as exc:  # noqa: BLE001 - see load_model
        raise UserError(f"base model {source}: cannot load its tokenizer ({first_line(exc)})") from exc
    if not getattr(tok, "is_fast", False):
        raise UserError(f"base model {source}: needs a fast tokenizer (tokenizer.json) for character offsets")
    if tok.pad_token is None:
        if tok.eos_token is None:
            raise UserError(f"base model {source}: its tokenizer has no padding token")
        tok.pad_token = tok.eos_token
    return tok


def load_model(source: str, task: str, label_names: Sequence[str], tokenizer: Any) -> nn.Module:
    """The base model with a fresh (or reused, when the sizes match) classification head."""
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoModelForTokenClassification

    id2label = {i: name for i, name in enumerate(label_names)}
    label2id = {name: i for i, name in id2label.items()}
    auto = AutoModelForTokenClassification if task == "ner" else AutoModelForSequenceClassification
    try:
        with quiet_transformers():
            config = AutoConfig.from_pretrained(source, num_labels=len(label_names), id2label=id2label,
                                                label2id=label2id, trust_remote_code=False)
            if getattr(config, "pad_token_id", None) is None:
                config.pad_token_id = tokenizer.pad_token_id
            model = auto.from_pretrained(source, config=config, use_safetensors=True, ignore_mismatched_sizes=True,
                                         trust_remote_code=False)
        restore_pooling(model)     # an earlier run's model, trained with mean pooling, keeps it
    except Exception as exc:  # noqa: BLE001 - safetensors, config and hub errors all mean "not a usable model"
        raise UserError(f"base model {source}: cannot be loaded as a {task} model ({first_line(exc)})") from exc
    return model


def first_line(exc: BaseException) -> str:
    """An exception's first line, for a message (transformers' refusal of remote code in our words)."""
    text = str(exc).strip().splitlines()
    if text and "custom code" in text[0]:
        return REMOTE_CODE
    return text[0][:300] if text else type(exc).__name__


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


def save_model(model: nn.Module, tokenizer: Any, folder: pathlib.Path) -> None:
    """``save_pretrained`` (safetensors) model and tokenizer; the folder loads with from_pretrained."""
    folder.mkdir(parents=True, exist_ok=True)
    with quiet_transformers():   # no "Writing model shards" bar on the CLI's stderr
        model.save_pretrained(str(folder), safe_serialization=True)
        tokenizer.save_pretrained(str(folder))
