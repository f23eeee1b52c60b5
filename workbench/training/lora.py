"""LoRA: train small low-rank adapters beside a big base model's weights instead of the weights.

Every linear layer inside the transformer blocks (attention and feed-forward) gets a pair of
rank-r matrices from the ``peft`` library (``inject_adapter_in_model``: the model stays the same
Hugging Face class, so training, scoring and the checkpoints see no wrapper); the pretrained
weights stay frozen, and what sits outside the blocks and the embeddings (the new
classification head, a pooler) trains fully.  Saving merges the adapters into the weights
(``modeling.loading.save_model``), so a run's folder is an ordinary
model folder that prediction, explanations and ONNX export load as any other.  Measured:
docs/training-defaults.md, "LoRA".  Runs on the training thread.
"""
from __future__ import annotations

import torch
from torch import nn

from workbench.training.model import encoder_layers

LORA_ALPHA_PER_RANK = 2.0     # alpha = 2 r: the adapters' update is scaled by alpha / r = 2
# the model attribute naming the parameters that store_frozen_compact narrowed, for restore_fp32
_NARROWED = "_workbench_narrowed"


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def finetune_mode(requested: str, model: nn.Module, device_kind: str) -> str:
    """"full" or "lora" for a run that asked for ``requested`` ("auto", "full" or "lora").

    "auto" is full fine-tuning for every model and device: measured on the CPU, LoRA was no
    faster on the bundled model (0.95x) and cost 1.2 F1 points; on a BERT-base-sized model its
    training loop peaked 35% lower (bf16 body) at about the same speed: a way to fit a model
    that does not fit, not a reason to give up full fine-tuning's score unasked
    (docs/training-defaults.md, "LoRA").  ``model`` and ``device_kind`` are what a
    size threshold would read once a measurement supports one.
    """
    if requested != "auto":
        return requested
    return "full"


def add_lora(model: nn.Module, rank: int) -> int:
    """Give every linear layer of the transformer blocks a rank-``rank`` adapter and freeze the
    pretrained body; returns how many layers got one (0: no transformer blocks found, nothing done).

    What trains afterwards: the adapters, and every parameter outside the embeddings and the
    blocks (the task's head).  Call before freezing lower blocks, so that their adapters freeze too.
    """
    from peft import LoraConfig, inject_adapter_in_model

    layers = encoder_layers(model)
    if layers is None:
        return 0
    in_blocks = {id(m) for m in layers.modules()}
    targets = [name for name, m in model.named_modules() if isinstance(m, nn.Linear) and id(m) in in_blocks]
    if not targets:
        return 0
    body = {id(p) for p in layers.parameters()}
    emb = getattr(getattr(model, "base_model", model), "embeddings", None)
    body |= {id(p) for p in (emb.parameters() if emb is not None else ())}
    body |= {id(p) for p in model.get_input_embeddings().parameters()}
    head = [p for p in model.parameters() if id(p) not in body]
    config = LoraConfig(r=rank, lora_alpha=LORA_ALPHA_PER_RANK * rank, lora_dropout=0.0, bias="none",
                        target_modules=targets)
    inject_adapter_in_model(config, model)
    for p in head:
        p.requires_grad_(True)
    return len(targets)


def store_frozen_compact(model: nn.Module, dtype: torch.dtype) -> int:
    """Keep the frozen linear layers' weights and biases and the frozen embedding tables in
    ``dtype`` (bf16 under bf16 autocast); returns how many values were narrowed.

    Under autocast every linear layer computes in bf16 anyway: it casts an fp32 weight to bf16 at
    each use, and for a frozen weight it does so anew every step (autocast caches only the casts
    of weights that train), keeping each cast alive from the forward to the backward pass.  A
    frozen weight needs no fp32 master copy either (no optimizer updates it), so storing it in
    bf16 gives the same linear-layer results with half the weight memory and no per-step copies.
    The embedding tables are looked up outside autocast: they round to bf16 once (measured: no
    change in dev F1, docs/training-defaults.md, "LoRA").  LayerNorm weights, the adapters and
    everything that trains stay fp32.  :func:`restore_fp32` undoes it before a model is saved.
    """
    narrowed = []
    for name, module in model.named_modules():
        compact = isinstance(module, (nn.Linear, nn.Embedding)) and ".lora_" not in f".{name}"
        for pname, p in module.named_parameters(recurse=False):
            if compact and not p.requires_grad and p.dtype == torch.float32:
                p.data = p.data.to(dtype)
                narrowed.append(f"{name}.{pname}")
            else:
                # transformers maps the model file into memory, and the mapping (with every page
                # read through it: the whole fp32 model after one step) lives while one tensor
                # views it; copies of the rest let it go (measured: 440 MB for a base-sized model)
                p.data = p.data.clone()
        for bname, buffer in list(module.named_buffers(recurse=False)):
            setattr(module, bname, buffer.clone())
    setattr(model, _NARROWED, getattr(model, _NARROWED, []) + narrowed)
    params = dict(model.named_parameters())
    return sum(params[n].numel() for n in narrowed if n in params)


def restore_fp32(model: nn.Module) -> None:
    """Put what :func:`store_frozen_compact` narrowed back to fp32 (the values it held, widened
    exactly), so that merging adapters adds them in fp32 and the saved folder is an fp32 model."""
    names = set(getattr(model, _NARROWED, ()))
    if not names:
        return
    for name, module in model.named_modules():
        for pname, p in module.named_parameters(recurse=False):
            if f"{name}.{pname}" in names:
                p.data = p.data.float()
    delattr(model, _NARROWED)
