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

from torch import nn

from workbench.training.model import encoder_layers

LORA_ALPHA_PER_RANK = 2.0     # alpha = 2 r: the adapters' update is scaled by alpha / r = 2


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def finetune_mode(requested: str, model: nn.Module, device_kind: str) -> str:
    """"full" or "lora" for a run that asked for ``requested`` ("auto", "full" or "lora").

    "auto" is full fine-tuning for every model and device: measured on the CPU, LoRA was no
    faster on the bundled model (0.95x) and cost 1.2 F1 points; on a BERT-base-sized model it
    was 1.18x faster with 18% less peak memory, too little to give up full fine-tuning's score
    unasked (docs/training-defaults.md, "LoRA").  ``model`` and ``device_kind`` are what a
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
