"""The optimizer a run steps: AdamW with the BERT recipe's parameter groups.  Runs on the
training thread."""
from __future__ import annotations

import torch

from workbench.training.config import TrainConfig
from workbench.modeling.device import DeviceInfo


def make_optimizer(model: torch.nn.Module, cfg: TrainConfig, device: DeviceInfo) -> torch.optim.Optimizer:
    """AdamW; biases and LayerNorm weights take no weight decay (the BERT recipe); the new
    classification head learns ``head_lr_scale`` times faster than the pretrained body."""
    base = getattr(model, "base_model", model)
    body_ids = {id(p) for p in base.parameters()} if base is not model else set()
    buckets: dict[tuple[bool, bool], list[torch.nn.Parameter]] = {}
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        no_decay = p.ndim < 2 or "LayerNorm" in name or "layer_norm" in name
        head = bool(body_ids) and id(p) not in body_ids
        buckets.setdefault((no_decay, head), []).append(p)
    scale = cfg.head_lr_scale or 1.0
    groups = [{"params": ps, "weight_decay": 0.0 if no_decay else cfg.weight_decay,
               "lr_scale": scale if head else 1.0} for (no_decay, head), ps in buckets.items()]
    fused = device.kind in ("cuda", "cpu")
    return torch.optim.AdamW(groups, lr=cfg.lr or 1e-4, fused=fused)
