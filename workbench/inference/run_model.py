"""A finished run, as inference needs it: its model folder, task, labels and max length.

Reads the run row that training wrote (``workbench.training.runs``) and the
model folder's config.json; loads no weights.  Any thread, with a Store opened
on that thread.
"""
from __future__ import annotations

import dataclasses
import json
import pathlib

from workbench.errors import UserError
from workbench.store import Store
from workbench.training import runs


def model_task(model_dir: str | pathlib.Path) -> str:
    """"ner" or "sentiment", from the folder's config (no weights loaded)."""
    cfg = json.loads((pathlib.Path(model_dir) / "config.json").read_text(encoding="utf-8"))
    arch = " ".join(cfg.get("architectures") or [])
    if "TokenClassification" in arch:
        return "ner"
    if "SequenceClassification" in arch:
        return "sentiment"
    raise UserError(f"{model_dir}: not a token or sequence classifier ({arch or 'no architecture in config'})")


def model_labels(model_dir: str | pathlib.Path) -> list[str]:
    """The label names in id order, from config.json (cheap: no weights loaded)."""
    cfg = json.loads((pathlib.Path(model_dir) / "config.json").read_text(encoding="utf-8"))
    id2label = cfg.get("id2label") or {}
    return [id2label[k] for k in sorted(id2label, key=int)]


@dataclasses.dataclass(frozen=True)
class RunModel:
    run_id: int
    task: str
    model_dir: pathlib.Path
    label_names: list[str]      # what the model predicts, in id order (BIO tags or classes)
    max_length: int
    title: str

    @property
    def entity_labels(self) -> list[str]:
        """NER: the entity types (from the B- tags); sentiment: the classes."""
        if self.task != "ner":
            return list(self.label_names)
        return [t[2:] for t in self.label_names if t.startswith("B-")]

    def predictor(self, device: str | None = None):  # -> Predictor (torch loads here, not at import)
        """Load the model (seconds for MiniLM).  Thread: the one that will use it."""
        from workbench.inference.predictor import Predictor

        return Predictor(self.model_dir, device=device, max_length=self.max_length)


def finished_runs(store: Store, task: str | None = None) -> list[RunModel]:
    """Runs that saved a model whose folder is still there, newest first."""
    out = []
    for row in runs.list_runs(store, task):
        if row.model_dir and (pathlib.Path(row.model_dir) / "config.json").is_file():
            out.append(_model(row))
    return out


def open_run(store: Store, run_id: int | None, task: str | None = None) -> RunModel:
    """The run ``run_id`` (or, when None, the newest finished run of ``task``); UserError if unusable."""
    if run_id is None:
        found = finished_runs(store, task)
        if not found:
            raise UserError(f"no finished {task or ''} run with a saved model in this project; train one first"
                            .replace("  ", " "))
        return found[0]
    row = runs.get_run(store, int(run_id))
    if row is None:
        raise UserError(f"no run {run_id} in this project")
    if not row.model_dir:
        raise UserError(f"run {run_id} saved no model (status: {row.status})")
    if not (pathlib.Path(row.model_dir) / "config.json").is_file():
        raise UserError(f"run {run_id}: its model folder {row.model_dir} is gone")
    if task is not None and row.task != task:
        raise UserError(f"run {run_id} is a {row.task} run, not {task}")
    return _model(row)


def _model(row: runs.RunRow) -> RunModel:
    max_length = int(row.config.get("max_length") or 512)
    return RunModel(row.id, row.task, pathlib.Path(row.model_dir), model_labels(row.model_dir), max_length,
                    row.title())
