"""Data-parallel training under ``torchrun`` (PyTorch DistributedDataParallel).

``torchrun --nproc_per_node=K -m workbench.cli train-bundle BUNDLE`` starts K
copies of the same command; each reads RANK / WORLD_SIZE / LOCAL_RANK from its
environment.  Semantics (documented in README "Train on a server"):

- every rank walks the same seeded, length-grouped batch order and takes every
  K-th batch, so one optimizer step consumes K batches: the global batch is
  K x batch size and an epoch has about 1/K of the single-process steps
  (the learning rate is not scaled);
- gradients are averaged by DDP; the reported train loss and token counts are
  reduced across ranks;
- dev and test are scored on rank 0 and its report is broadcast, so every rank
  takes the same early-stopping decision and keeps the same best checkpoint;
- only rank 0 writes the model and the run card.
"""
from __future__ import annotations

import dataclasses
import os
from typing import Any, Sequence, TypeVar

import torch
import torch.distributed as torch_dist

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class Dist:
    rank: int
    world: int
    local_rank: int

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def shard(self, batches: Sequence[T]) -> list[T]:
        """This rank's share of an epoch's batches; the list is first padded (by repeating
        its start) to a multiple of the world size, since every rank must step equally often."""
        items = list(batches)
        if not items:
            return items
        items += items[: (-len(items)) % self.world]
        return items[self.rank::self.world]

    def mean(self, value: torch.Tensor) -> torch.Tensor:
        out = value.detach().clone()
        torch_dist.all_reduce(out, op=torch_dist.ReduceOp.SUM)
        return out / self.world

    def total(self, value: float) -> float:
        out = torch.tensor([float(value)], dtype=torch.float64)
        torch_dist.all_reduce(out, op=torch_dist.ReduceOp.SUM)
        return float(out.item())

    def share(self, obj: Any) -> Any:
        """Rank 0's ``obj`` on every rank."""
        box = [obj if self.is_main else None]
        torch_dist.broadcast_object_list(box, src=0)
        return box[0]

    def barrier(self) -> None:
        torch_dist.barrier()


def from_env() -> Dist | None:
    """The process group when launched by torchrun (WORLD_SIZE > 1), else None.

    gloo on CPU, nccl when every rank has its own CUDA device.
    """
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return None
    rank = int(os.environ["RANK"])
    local_rank = int(os.environ.get("LOCAL_RANK", rank))
    if not torch_dist.is_initialized():
        use_nccl = torch.cuda.is_available() and torch.cuda.device_count() > local_rank
        if use_nccl:
            torch.cuda.set_device(local_rank)
        torch_dist.init_process_group(backend="nccl" if use_nccl else "gloo")
    return Dist(rank, world, local_rank)


def close(dist: Dist | None) -> None:
    if dist is not None and torch_dist.is_initialized():
        torch_dist.destroy_process_group()
