"""What a model folder must hold before anything loads it.

Every folder the app loads (a base model, a run's model, an imported run) is
read here first, with plain file reads: no transformers, no torch, no code
from the folder.  A problem is a :class:`~workbench.errors.UserError` that names
the file and what is wrong with it.  Safe on any thread.
"""
from __future__ import annotations

import dataclasses
import json
import pathlib
import struct
from typing import Any

from workbench import tasks as task_registry
from workbench.errors import UserError

REMOTE_CODE = "this model folder asks to run its own code; the app never runs code from a model folder"
PICKLE_PATTERNS = ("*.bin", "*.pt", "*.pth", "*.ckpt")   # torch.save files: unpickling them can run code
MAX_JSON_BYTES = 64 << 20          # a tokenizer.json of a large vocabulary is ~20 MB
MAX_HEADER_BYTES = 100 << 20       # safetensors' own limit for its JSON header


@dataclasses.dataclass(frozen=True)
class ModelInfo:
    """A trained classifier folder, as read from its config.json."""

    folder: pathlib.Path
    task: str                   # the registered task it was trained for (workbench/tasks/)
    label_names: list[str]      # id order: BIO tags (NER) or classes (sentiment)
    config: dict[str, Any]


def read_json(path: pathlib.Path, name: str | None = None) -> Any:
    """A JSON file's value; UserError naming the file (and line) when it is missing or not JSON."""
    shown = name or str(path)
    if not path.exists() and not path.is_symlink():
        raise UserError(f"{shown}: missing")
    if not path.is_file():
        raise UserError(f"{shown}: not a regular file")
    if path.stat().st_size > MAX_JSON_BYTES:
        raise UserError(f"{shown}: too large for this kind of file ({path.stat().st_size:,} bytes)")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(f"{shown}: not UTF-8 text (byte {exc.start})") from exc
    except OSError as exc:
        raise UserError(f"{shown}: cannot be read ({exc.strerror or exc})") from exc
    try:
        return json.loads(text)
    except RecursionError as exc:
        raise UserError(f"{shown}: its JSON is nested too deeply") from exc
    except ValueError as exc:   # JSONDecodeError; also integers too long to convert
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        msg = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise UserError(f"{shown}: not valid JSON{where}: {msg}") from exc


def _json_object(path: pathlib.Path, name: str) -> dict[str, Any]:
    value = read_json(path, name)
    if not isinstance(value, dict):
        raise UserError(f"{name}: not a JSON object (it holds a {type(value).__name__})")
    return value


def refuse_remote_code(folder: str | pathlib.Path, shown: str | None = None) -> dict[str, Any]:
    """The folder's config.json, after checking that neither it nor tokenizer_config.json names
    code of its own (``auto_map``); UserError with :data:`REMOTE_CODE` when one does."""
    folder = pathlib.Path(folder)
    shown = shown or str(folder)
    config = _json_object(folder / "config.json", f"{shown}/config.json")
    if "auto_map" in config:
        raise UserError(f"{shown}/config.json: {REMOTE_CODE} (it has an auto_map entry)")
    tok_config = folder / "tokenizer_config.json"
    if tok_config.exists() or tok_config.is_symlink():
        tok = _json_object(tok_config, f"{shown}/tokenizer_config.json")
        if "auto_map" in tok:
            raise UserError(f"{shown}/tokenizer_config.json: {REMOTE_CODE} (it has an auto_map entry)")
    return config


def _check_safetensors(path: pathlib.Path, shown: str, parse: bool = True) -> None:
    """The file starts as safetensors do: an 8-byte header length, then (``parse``) a JSON object."""
    if not path.is_file():
        raise UserError(f"{shown}: not a regular file")
    size = path.stat().st_size
    with path.open("rb") as f:
        head = f.read(8)
        n = struct.unpack("<Q", head)[0] if len(head) == 8 else -1
        if n <= 1 or n > min(size - 8, MAX_HEADER_BYTES):
            raise UserError(f"{shown}: not a safetensors file (it is {size:,} bytes and has no valid header)")
        if not parse:
            return
        try:
            header = json.loads(f.read(n).decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise UserError(f"{shown}: not a safetensors file (its header is not JSON)") from exc
    if not isinstance(header, dict):
        raise UserError(f"{shown}: not a safetensors file (its header is not a JSON object)")


def check_weights(folder: pathlib.Path, shown: str, thorough: bool = True) -> None:
    """Weights as safetensors (one file, or shards listed in an index); pickled weights are refused."""
    single = folder / "model.safetensors"
    index = folder / "model.safetensors.index.json"
    if single.exists() or single.is_symlink():
        _check_safetensors(single, f"{shown}/model.safetensors", thorough)
        return
    if index.exists() or index.is_symlink():
        listing = _json_object(index, f"{shown}/model.safetensors.index.json")
        shards = listing.get("weight_map")
        if not isinstance(shards, dict) or not shards or not all(isinstance(v, str) for v in shards.values()):
            raise UserError(f"{shown}/model.safetensors.index.json: no weight_map of shard file names")
        for name in sorted(set(shards.values())):
            shard = folder / name
            if pathlib.PurePosixPath(name).name != name or not name.endswith(".safetensors"):
                raise UserError(f"{shown}/model.safetensors.index.json: {name!r} is not a shard file name")
            if not shard.exists():
                raise UserError(f"{shown}/{name}: missing (listed in model.safetensors.index.json)")
            _check_safetensors(shard, f"{shown}/{name}", thorough)
        return
    pickled = sorted({p.name for pattern in PICKLE_PATTERNS for p in folder.glob(pattern)})
    if pickled:
        raise UserError(f"{shown}: the weights are only in {', '.join(pickled)}, a pickle format that "
                        "can run code when loaded, so the app never loads it; save the model again with "
                        "safetensors (save_pretrained(..., safe_serialization=True))")
    raise UserError(f"{shown}: no weights (model.safetensors is missing)")


def check_model_folder(folder: str | pathlib.Path, shown: str | None = None, *, thorough: bool = False) -> ModelInfo:
    """A trained token or sequence classifier that the app can load: config.json with its
    architecture and labels, safetensors weights, a fast tokenizer, no code of its own.
    ``thorough`` also parses tokenizer.json and the weights' header (megabytes: on import and
    before loading, not on every listing)."""
    folder = pathlib.Path(folder)
    shown = shown or str(folder)
    if not folder.is_dir():
        raise UserError(f"{shown}: the model folder is missing")
    config = refuse_remote_code(folder, shown)
    arch = config.get("architectures")
    if not isinstance(arch, list) or not all(isinstance(a, str) for a in arch):
        raise UserError(f"{shown}/config.json: 'architectures' should be a list of class names")
    spec = task_registry.for_model(config)
    if spec is None:
        named = config.get(task_registry.TASK_KEY)
        if named is not None:
            raise UserError(f"{shown}/config.json: a model for the task {str(named)[:40]!r}, which this app does "
                            f"not have (its tasks: {', '.join(task_registry.names())})")
        raise UserError(f"{shown}/config.json: not a token or sequence classifier "
                        f"({', '.join(arch) or 'no architecture named'})")
    if not isinstance(config.get("model_type"), str) or not config["model_type"]:
        raise UserError(f"{shown}/config.json: 'model_type' is missing")
    names = _label_names(config, f"{shown}/config.json")
    check_weights(folder, shown, thorough)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        path = folder / name
        if not path.exists() and not path.is_symlink():
            raise UserError(f"{shown}/{name}: missing (the app needs the model's fast tokenizer)")
        if not path.is_file():
            raise UserError(f"{shown}/{name}: not a regular file")
    if thorough and not isinstance(read_json(folder / "tokenizer.json", f"{shown}/tokenizer.json"), dict):
        raise UserError(f"{shown}/tokenizer.json: not a JSON object")
    return ModelInfo(folder, spec.name, names, config)


def _label_names(config: dict[str, Any], shown: str) -> list[str]:
    """id2label as a list in id order: its keys must be the ids 0..n-1, its values distinct names."""
    id2label = config.get("id2label")
    if not isinstance(id2label, dict) or not id2label:
        raise UserError(f"{shown}: 'id2label' (the model's labels) is missing")
    by_id: dict[int, Any] = {}
    for key, name in id2label.items():
        if not (key.isascii() and key.isdigit()) or str(int(key)) != key:
            raise UserError(f"{shown}: 'id2label' has a key that is not a label id ({key[:40]!r})")
        by_id[int(key)] = name
    if sorted(by_id) != list(range(len(by_id))):
        raise UserError(f"{shown}: 'id2label' should number its labels 0 to {len(by_id) - 1}")
    names = [by_id[i] for i in range(len(by_id))]
    if not all(isinstance(n, str) and n for n in names) or len(set(names)) != len(names):
        raise UserError(f"{shown}: 'id2label' should map each id to a distinct label name")
    label2id = config.get("label2id")
    if label2id is not None and (not isinstance(label2id, dict)
                                 or any(label2id.get(n) != i for i, n in enumerate(names))):
        raise UserError(f"{shown}: 'label2id' does not match 'id2label'")
    num = config.get("num_labels")
    if num is not None and num != len(names):
        raise UserError(f"{shown}: 'num_labels' is {num!r} but 'id2label' has {len(names)} labels")
    return names
