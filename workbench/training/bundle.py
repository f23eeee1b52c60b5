"""Training bundles: a project's labeled data, packed to train somewhere else.

A bundle is a folder that needs no project file and no app:

    bundle.json     task, label maps, training config, base model, where the data came from
    data/           a ``datasets.DatasetDict`` saved to disk (train / dev / test), labels as ClassLabel
    base_model/     a copy of the base model when it was a local folder (not for "default")

``workbench-cli train-bundle`` trains from it with the same engine as the app
(also under ``torchrun``); ``workbench-cli import-run`` brings the finished run
folder (model + run card) back into the project's run history.

No Qt; may run on any thread that owns its Store.
"""
from __future__ import annotations

import datetime as _dt
import json
import pathlib
import shutil
from typing import Any

from workbench import tasks as task_registry
from workbench.errors import UserError
from workbench.output_paths import check_folder, writing_folder
from workbench.store import Store
from workbench.strict_json import dumps as strict_json
from workbench.training import config_fields
from workbench.training.config import TrainConfig
from workbench.tasks.base import Example, TaskSpec
from workbench.training.data import Splits, load_splits

FORMAT = "workbench-training-bundle"
VERSION = 1
SPLIT_NAMES = ("train", "dev", "test")


def _config_json(config: TrainConfig) -> dict[str, Any]:
    """The fields a bundle carries (project- and machine-bound ones are left out)."""
    return config_fields.bundle_values(config)


def export_bundle(store: Store, out: str | pathlib.Path, config: TrainConfig, *,
                  overwrite: bool = False) -> dict[str, Any]:
    """Write the bundle for ``config.task``; refuses (UserError) what training would refuse.

    ``out`` is a new or empty folder, or with ``overwrite`` an earlier bundle (only the files
    it wrote are replaced): the rules are workbench.output_paths'."""
    import datasets

    check_folder(out, overwrite=overwrite, protect=[store.path])   # before the slow part
    config.check()
    splits = load_splits(store, config.task, max_train_docs=config.max_train_docs,
                         dev_fraction=config.dev_fraction, seed=config.seed, min_docs=config.min_docs)
    spec = task_registry.get(config.task)
    tag = datasets.ClassLabel(names=splits.label_names)
    features = datasets.Features({"doc_id": datasets.Value("int64"), "text": datasets.Value("string"),
                                  **spec.bundle_columns(tag)})
    with writing_folder(out, kind="training-bundle", overwrite=overwrite, protect=[store.path]) as tmp:
        parts = {}
        for name in SPLIT_NAMES:
            rows = _rows(getattr(splits, name), spec)
            if rows["doc_id"]:  # datasets cannot load an empty split back
                parts[name] = datasets.Dataset.from_dict(rows, features=features)
        datasets.DatasetDict(parts).save_to_disk(str(tmp / "data"))
        base = str(config.base_model or "default")
        base_dir = None
        if base != "default" and pathlib.Path(base).is_dir():
            shutil.copytree(base, tmp / "base_model")
            base_dir = "base_model"
        meta = {
            "format": FORMAT, "version": VERSION, "task": config.task, "project": store.name,
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "labels": splits.labels, "label_names": splits.label_names,
            "label2id": {n: i for i, n in enumerate(splits.label_names)},
            "dev_source": splits.dev_source, "counts": splits.counts(),
            "base_model": base if base_dir is None else pathlib.Path(base).name, "base_model_dir": base_dir,
            "config": _config_json(config),
        }
        (tmp / "bundle.json").write_text(strict_json(meta, indent=2, default=str), encoding="utf-8")
    return meta


def _rows(examples: list[Example], spec: TaskSpec) -> dict[str, list[Any]]:
    rows: dict[str, list[Any]] = {"doc_id": [], "text": []}
    for ex in examples:
        rows["doc_id"].append(ex.doc_id)
        rows["text"].append(ex.text)
        for key, value in spec.bundle_row(ex).items():
            rows.setdefault(key, []).append(value)
    return rows


def read_bundle(folder: str | pathlib.Path) -> tuple[dict[str, Any], Splits]:
    """The bundle's metadata and its examples, exactly as the project had them."""
    import datasets

    folder = pathlib.Path(folder)
    meta_path = folder / "bundle.json"
    if not meta_path.is_file():
        raise UserError(f"{folder}: not a training bundle (no bundle.json)")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise UserError(f"{meta_path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    if meta.get("format") != FORMAT or int(meta.get("version", 0)) > VERSION:
        raise UserError(f"{meta_path}: not a bundle this version can read "
                        f"(format {meta.get('format')!r}, version {meta.get('version')})")
    dd = datasets.load_from_disk(str(folder / "data"))
    names = meta["label_names"]
    spec = task_registry.get(meta["task"])
    out: dict[str, list[Example]] = {}
    for split in SPLIT_NAMES:
        out[split] = [spec.from_bundle_row(row, names) for row in dd[split]] if split in dd else []
    splits = Splits(out["train"], out["dev"], out["test"], meta["dev_source"], list(names), list(meta["labels"]))
    return meta, splits


def bundle_config(folder: str | pathlib.Path, meta: dict[str, Any], **overrides: Any) -> TrainConfig:
    """The bundle's training config with the command line's ``overrides`` (None there: "auto").

    Reads the config of any bundle this format version wrote: keys a later version added are
    left out, a value of the wrong type is refused (UserError naming bundle.json and the key)."""
    folder = pathlib.Path(folder)
    where = str(folder / "bundle.json")
    raw = meta.get("config")
    if not isinstance(raw, dict):
        raise UserError(f"{where}: 'config' must be an object of training settings")
    carried = set(config_fields.carried())
    values = {k: config_fields.from_json(k, v, f"{where}: config") for k, v in raw.items() if k in carried}
    values.setdefault("task", meta.get("task"))
    if meta.get("base_model_dir"):
        values["base_model"] = str(folder / meta["base_model_dir"])
    values.update(overrides)
    return TrainConfig(store_path=folder / "bundle.json", **values)
