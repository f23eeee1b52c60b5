"""Length-grouped batches with dynamic padding.

Each epoch shuffles the examples, cuts them into mega-batches (100 batches by
default; the run's ``length_group``), sorts each mega-batch by length and cuts it
into batches, so a batch holds examples of similar length and is padded only to
its own longest one.  The
batches are then shuffled (the longest first, so an out-of-memory shows up at
once rather than an hour in).  Examples are turned into tensors once.

Runs on the training thread.
"""
from __future__ import annotations

import random
from typing import Iterator, Sequence

import datasets
import torch
from torch.nn.utils.rnn import pad_sequence

from workbench.training.config import LENGTH_GROUP
from workbench import tasks as task_registry

GPU_PAD_MULTIPLE = 16


class Batcher:
    """Index batches and their padded tensors for one encoded dataset."""

    def __init__(self, ds: datasets.Dataset, task: str, pad_id: int) -> None:
        cols = ds[:] if len(ds) else {"input_ids": [], "labels": [], "length": []}
        self.task = task
        self.spec = task_registry.get(task)
        self.pad_id = pad_id
        self.ids = [torch.tensor(x, dtype=torch.long) for x in cols["input_ids"]]
        self.lengths: list[int] = list(cols["length"])
        # one label tensor per example: a piece's label per position (token tasks), or a class id
        self.labels = [torch.tensor(x, dtype=torch.long) for x in cols["labels"]]
        # word case ids (casing.py), when the model takes them
        self.type_ids = [torch.tensor(x, dtype=torch.long) for x in cols["token_type_ids"]] \
            if "token_type_ids" in cols else None

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def total_tokens(self) -> int:
        return sum(self.lengths)

    def train_batches(self, batch_size: int, seed: int, epoch: int, group: int = LENGTH_GROUP) -> list[list[int]]:
        """This epoch's batches (lists of example indices), length-grouped in pools of ``group``
        batches and shuffled."""
        rng = random.Random(seed * 1000003 + epoch)
        order = list(range(len(self.ids)))
        rng.shuffle(order)
        mega = batch_size * max(1, group)
        batches: list[list[int]] = []
        for m in range(0, len(order), mega):
            chunk = sorted(order[m:m + mega], key=lambda i: -self.lengths[i])
            batches += [chunk[k:k + batch_size] for k in range(0, len(chunk), batch_size)]
        rng.shuffle(batches)
        if batches:
            longest = max(range(len(batches)), key=lambda b: self.lengths[batches[b][0]])
            batches[0], batches[longest] = batches[longest], batches[0]
        return batches

    def eval_batches(self, batch_size: int, indices: Sequence[int] | None = None) -> list[list[int]]:
        """Batches for scoring: sorted by length, so padding is minimal."""
        idx = sorted(indices if indices is not None else range(len(self.ids)), key=lambda i: self.lengths[i])
        return [idx[k:k + batch_size] for k in range(0, len(idx), batch_size)]

    def collate(self, batch: Sequence[int], device: str = "cpu") -> dict[str, torch.Tensor]:
        """Padded ``input_ids``, ``attention_mask`` and ``labels`` for these examples."""
        ids = pad_sequence([self.ids[i] for i in batch], batch_first=True, padding_value=self.pad_id)
        # On a GPU every new tensor shape costs a one-off kernel search (about 0.25 s per shape
        # in bf16 on an H100, measured), so widths are rounded up to a multiple of 16; on the
        # CPU that padding would only be wasted work.
        extra = (-ids.shape[1]) % GPU_PAD_MULTIPLE if device != "cpu" else 0
        if extra:
            ids = torch.nn.functional.pad(ids, (0, extra), value=self.pad_id)
        lengths = torch.tensor([self.lengths[i] for i in batch])
        mask = (torch.arange(ids.shape[1])[None, :] < lengths[:, None]).long()
        labels = self.spec.collate_labels([self.labels[i] for i in batch], ids.shape[1])
        out = {"input_ids": ids, "attention_mask": mask, "labels": labels}
        if self.type_ids is not None:
            out["token_type_ids"] = pad_sequence([self.type_ids[i] for i in batch], batch_first=True,
                                                 padding_value=0)
            if extra:
                out["token_type_ids"] = torch.nn.functional.pad(out["token_type_ids"], (0, extra), value=0)
        if device != "cpu":
            out = {k: v.to(device, non_blocking=True) for k, v in out.items()}
        return out

    def iter_collated(self, batches: Sequence[Sequence[int]], device: str = "cpu") -> Iterator[tuple[list[int], dict]]:
        for b in batches:
            yield list(b), self.collate(b, device)
