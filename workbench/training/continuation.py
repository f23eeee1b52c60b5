"""Training again from a finished run (``TrainConfig.from_run``): its weights, its head rows.

The parent run's model is loaded as it was saved (word case and pooling included) and its
head is matched to the project's labels *by name*: every label the parent knew keeps its
row (weights and bias), a label added since gets a fresh row (drawn as transformers draws a
new head: normal with the config's ``initializer_range``, zero bias), and a label the
project no longer has is refused before anything trains (the model would go on predicting
it).  The run row and card record the parent (``config.from_run``), so the history shows the
lineage.  Runs on the training thread; reads the store on the caller's.
"""
from __future__ import annotations

import dataclasses
import pathlib
from typing import Any, Sequence

from torch import nn

from workbench.errors import UserError
from workbench.modeling.model_folder import check_model_folder
from workbench.store import Store
from workbench.tasks.base import TaskSpec
from workbench.training import runs

USABLE = ("done", "cancelled")      # statuses of runs that saved a model


@dataclasses.dataclass(frozen=True)
class Parent:
    """The run a new run continues."""

    run_id: int
    task: str
    model_dir: pathlib.Path
    label_names: list[str]          # the parent model's labels in id order (BIO tags or classes)
    base_model: str                 # where its line began ("default", a folder, a hub id)


def find_parent(store: Store, run_id: int, task: str) -> Parent:
    """The finished run ``run_id`` of ``task`` with a loadable model; UserError saying why not."""
    row = runs.get_run(store, int(run_id))
    if row is None:
        raise UserError(f"cannot continue from run {run_id}: there is no run {run_id} in this project")
    if row.task != task:
        raise UserError(f"cannot continue from run {run_id}: it is a {row.task} run, not {task}")
    if row.status not in USABLE or not row.model_dir:
        raise UserError(f"cannot continue from run {run_id}: it saved no model (status: {row.status})")
    try:
        info = check_model_folder(row.model_dir, f"run {run_id}'s model")
    except OSError as exc:
        raise UserError(f"cannot continue from run {run_id}: its model folder cannot be read "
                        f"({exc.strerror or exc})") from None
    if info.task != task:
        raise UserError(f"cannot continue from run {run_id}: its model is a {info.task} model")
    return Parent(row.id, task, pathlib.Path(row.model_dir), info.label_names, row.base_model or "default")


def check_labels(parent: Parent, spec: TaskSpec, label_names: Sequence[str]) -> list[str]:
    """The project's labels the parent did not know (they get new head rows); UserError when the
    project lost a label the parent predicts."""
    now = set(spec.project_labels(label_names))
    before = spec.project_labels(parent.label_names)
    removed = [lab for lab in before if lab not in now]
    if removed:
        many = len(removed) > 1
        raise UserError(
            f"cannot continue from run {parent.run_id}: it was trained to predict the {spec.noun}"
            f"{'s' if many else ''} {', '.join(removed)}, which {'are' if many else 'is'} no longer in this "
            f"project's {spec.set_name}; a continued run keeps every label of its parent. Add "
            f"{'them' if many else 'it'} back, or train from a base model")
    return [lab for lab in spec.project_labels(label_names) if lab not in before]


def load_parent_model(parent: Parent, spec: TaskSpec, label_names: Sequence[str]) -> nn.Module:
    """The parent's model with its head rows arranged for ``label_names`` (new ones fresh)."""
    from workbench.modeling.loading import first_line, quiet_transformers
    from workbench.modeling.pooling import restore_pooling

    try:
        with quiet_transformers():
            model = spec.model_class().from_pretrained(str(parent.model_dir), use_safetensors=True,
                                                       trust_remote_code=False, local_files_only=True)
    except (OSError, ValueError, RuntimeError) as exc:
        raise UserError(f"cannot continue from run {parent.run_id}: its model cannot be loaded "
                        f"({first_line(exc)})") from exc
    restore_pooling(model)
    grow_head(model, parent.label_names, label_names)
    return model


def head_layer(model: nn.Module, n_labels: int) -> tuple[nn.Module, str, nn.Linear]:
    """The head's output layer: the last Linear outside the encoder with one output per label,
    as (its parent module, its attribute name, the layer)."""
    prefix = getattr(model, "base_model_prefix", "") + "."
    found = None
    for name, module in model.named_modules():
        if isinstance(module, nn.Linear) and module.out_features == n_labels and not name.startswith(prefix):
            found = name
    if found is None:
        raise UserError(f"cannot find the model's classification head ({n_labels} outputs)")
    owner_name, _, attr = found.rpartition(".")
    owner = model.get_submodule(owner_name) if owner_name else model
    return owner, attr, getattr(owner, attr)


def grow_head(model: nn.Module, old_names: Sequence[str], new_names: Sequence[str]) -> list[str]:
    """Give the head one row per name of ``new_names``: a known name's row is copied from its old
    place, an unknown one is drawn fresh (from the current torch seed).  Returns the new names."""
    import torch

    old_names, new_names = list(old_names), list(new_names)
    if old_names == new_names:
        return []
    owner, attr, head = head_layer(model, len(old_names))
    fresh = nn.Linear(head.in_features, len(new_names), bias=head.bias is not None, device=head.weight.device,
                      dtype=head.weight.dtype)
    std = float(getattr(model.config, "initializer_range", 0.02) or 0.02)
    index = {name: i for i, name in enumerate(old_names)}
    added = []
    with torch.no_grad():
        fresh.weight.normal_(0.0, std)
        if fresh.bias is not None:
            fresh.bias.zero_()
        for i, name in enumerate(new_names):
            if name not in index:
                added.append(name)
                continue
            fresh.weight[i] = head.weight[index[name]]
            if fresh.bias is not None:
                fresh.bias[i] = head.bias[index[name]]
    setattr(owner, attr, fresh)
    _relabel(model, new_names)
    return added


def _relabel(model: Any, names: Sequence[str]) -> None:
    model.config.id2label = dict(enumerate(names))
    model.config.label2id = {n: i for i, n in enumerate(names)}
    model.config.num_labels = len(names)
    if hasattr(model, "num_labels"):      # the task heads' forward reshapes the loss input by it
        model.num_labels = len(names)
