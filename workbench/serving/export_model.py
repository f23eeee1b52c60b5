"""``export_model``: a finished run as a standard Hugging Face model folder, with its model card.

The folder holds what ``from_pretrained`` and ``pipeline`` read: ``config.json`` (with
``id2label``/``label2id``), ``model.safetensors``, the tokenizer files, and ``README.md``
(``model_card.py``); with ``onnx`` also ``onnx/model.onnx`` and ``onnx/model_quantized.onnx``
(the app's checked exports, ``inference/onnx_export.py``).  Before the folder is published the
exported copy is loaded with ``transformers.pipeline`` and compared with the app's predictions
on the dev split (``pipeline_check.py``); the card states the figure.

Written through ``workbench.output_paths``: a new or empty folder, or with ``overwrite`` an
earlier export (only its files replaced); never a folder of someone else's.  A job
(``progress``, ``cancelled``: workbench/jobs.py) on any one thread.
"""
from __future__ import annotations

import dataclasses
import json
import pathlib
import shutil
from typing import Any

from workbench.jobs import CancelFn, Progress, ProgressFn, check_cancelled, no_progress
from workbench.output_paths import check_folder, writing_folder
from workbench.serving.model_card import CardFacts, app_encoding_notes, render
from workbench.serving.pipeline_check import Agreement, agreement

CHECK_DOCS = 300         # dev documents the pipeline is compared on (seconds for MiniLM on a CPU)
_MODEL_FILES = ("config.json", "model.safetensors", "model.safetensors.index.json")


@dataclasses.dataclass
class ExportedModel:
    path: pathlib.Path
    run_id: int
    task: str
    files: list[str]
    agreement: Agreement | None
    notes: list[str]            # what a stock pipeline does not reproduce (word case, mean pooling)


def _model_files(model_dir: pathlib.Path) -> list[pathlib.Path]:
    """The model folder's own files: config, weights (one file or shards) and the tokenizer's."""
    keep = []
    for p in sorted(model_dir.iterdir()):
        if p.is_symlink() or not p.is_file() or p.name.startswith("."):
            continue
        if p.name in _MODEL_FILES or p.suffix == ".safetensors" or p.name.startswith(("tokenizer", "vocab",
                "special_tokens", "added_tokens", "merges", "spiece", "sentencepiece", "chat_template")):
            keep.append(p)
    return keep


def export_model(project: str | pathlib.Path, run_id: int | None, out: str | pathlib.Path, *,
                 task: str | None = None, onnx: bool = False, overwrite: bool = False,
                 check_docs: int = CHECK_DOCS, progress: ProgressFn | None = None,
                 cancelled: CancelFn | None = None) -> ExportedModel:
    """Write the run's model folder and card at ``out``; UserError when the run or the folder
    will not do (nothing written then)."""
    from workbench.inference.predictor import Predictor
    from workbench.inference.run_model import open_run
    from workbench.store import Store, queries
    from workbench.training.runs import get_run

    emit = progress or no_progress
    project = pathlib.Path(project)
    check_folder(out, overwrite=overwrite, protect=[project])     # before anything is loaded
    with Store(project) as store:
        run = open_run(store, run_id, task)
        row = get_run(store, run.run_id)
        dev = [doc for doc, _ in queries.iter_documents(store, split="dev", task=run.task)][:check_docs]
    assert row is not None      # open_run found it
    spec = run.spec
    steps = 4 + (1 if onnx else 0)
    with writing_folder(out, kind="model", overwrite=overwrite, protect=[project]) as staging:
        emit(Progress(0, steps, "Copying the model"))
        files = []
        for p in _model_files(run.model_dir):
            shutil.copyfile(p, staging / p.name)   # a fresh file's permissions, not the run's
            files.append(p.name)
        check_cancelled(cancelled, "export cancelled")
        if onnx:
            emit(Progress(1, steps, "Exporting to ONNX and checking it against torch"))
            files += _copy_onnx(run.model_dir, staging)
            check_cancelled(cancelled, "export cancelled")
        emit(Progress(steps - 3, steps, f"Predicting {len(dev):,} dev documents with the app"))
        checked = None
        if dev:
            preds = Predictor(run.model_dir, device="cpu", max_length=run.max_length).predict(dev,
                                                                                              cancelled=cancelled)
            emit(Progress(steps - 2, steps, "Comparing with transformers.pipeline on the exported folder"))
            checked = agreement(staging, spec, [d.text for d in dev], preds, max_length=run.max_length)
        check_cancelled(cancelled, "export cancelled")
        model_config = json.loads((staging / "config.json").read_text(encoding="utf-8"))
        facts = CardFacts(spec=spec, run_id=run.run_id, label_names=run.label_names, labels=run.entity_labels,
                          base_model=_base_model_name(row, run.model_dir), config=row.config, counts=row.counts,
                          metrics=row.metrics, trained=row.started, model_config=model_config, agreement=checked,
                          parent_run=_parent(row.config), onnx=onnx)
        (staging / "README.md").write_text(render(facts), encoding="utf-8")
        files.append("README.md")
        emit(Progress(steps, steps, "Export written"))
    return ExportedModel(pathlib.Path(out), run.run_id, run.task, files, checked, app_encoding_notes(model_config))


def _copy_onnx(model_dir: pathlib.Path, staging: pathlib.Path) -> list[str]:
    """The run's checked ONNX exports (made now if missing), under ``onnx/`` in the names
    Hugging Face's ONNX tools use."""
    from workbench.inference.onnx_export import ensure_int8_onnx

    int8 = ensure_int8_onnx(model_dir)        # makes and checks the fp32 export first
    (staging / "onnx").mkdir()
    shutil.copyfile(int8.with_name("model.onnx"), staging / "onnx" / "model.onnx")
    shutil.copyfile(int8, staging / "onnx" / "model_quantized.onnx")
    return ["onnx/model.onnx", "onnx/model_quantized.onnx"]


def _base_model_name(row: Any, model_dir: pathlib.Path) -> str:
    """The base model as the run card names it (a continued run: its first ancestor's), else the row's."""
    card = model_dir.parent / "run_card.json"
    try:
        value = json.loads(card.read_text(encoding="utf-8")).get("base_model")
    except (OSError, ValueError, AttributeError):
        value = None
    return str(value) if isinstance(value, str) and value else str(row.base_model)


def _parent(config: dict[str, Any]) -> int | None:
    value = config.get("from_run")
    return value if isinstance(value, int) and not isinstance(value, bool) else None
