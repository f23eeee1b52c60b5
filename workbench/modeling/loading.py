"""Base models and run models: find them, refuse what is not a model, load them, save them.

Used by training (a base model with a fresh head) and inference (a run's saved
model).  Weights are read from safetensors only (``use_safetensors=True``) and every
load passes ``trust_remote_code=False``; a local folder whose config names code
of its own (``auto_map``) is refused before transformers reads it (DESIGN rule
6).  Any thread; a loaded model belongs to the thread that uses it.
"""
from __future__ import annotations

import contextlib
import os
import pathlib
import sys
from typing import Any, Iterator, Sequence

from torch import nn

from workbench.errors import UserError
from workbench.paths import default_base_model_dir
from workbench.modeling.model_folder import REMOTE_CODE, refuse_remote_code
from workbench.modeling.pooling import restore_pooling
from workbench.tasks.base import TaskSpec
from workbench.tasks.registry import TASK_KEY


def resolve_base_model(spec: str | os.PathLike | None) -> str:
    """A local folder path or a hub id; UserError when ``spec`` cannot be a model."""
    if spec is None or str(spec).strip() in ("", "default"):
        return str(default_base_model_dir())
    text = str(spec).strip()
    path = pathlib.Path(text).expanduser()
    if path.exists():
        if not path.is_dir():
            raise UserError(f"base model {text}: not a folder (pick the folder that holds config.json)")
        if not (path / "config.json").is_file():
            raise UserError(f"base model {text}: not a Hugging Face model folder (it has no config.json)")
        refuse_remote_code(path, f"base model {text}")
        if not any(path.glob("*.safetensors")):
            raise UserError(
                f"base model {text}: no .safetensors weights in the folder (pickled .bin weights are never loaded)"
            )
        return str(path.resolve())
    looks_like_path = text.startswith((".", "/", "~")) or "\\" in text or text.count("/") > 1
    if looks_like_path:
        raise UserError(f"base model {text}: no such folder")
    if os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0"):
        raise UserError(f"base model {text}: no such folder, and the hub cannot be reached offline")
    return text


@contextlib.contextmanager
def quiet_transformers() -> Iterator[None]:
    """Loading a base model into a classifier always "misses" the new head; that is expected."""
    from transformers.utils import logging as hf_logging

    level = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)
        if bars:
            hf_logging.enable_progress_bar()


def load_tokenizer(source: str) -> Any:
    from transformers import AutoTokenizer

    try:
        with quiet_transformers():
            tok = AutoTokenizer.from_pretrained(source, trust_remote_code=False)
    except Exception as exc:  # noqa: BLE001 - see load_model
        raise UserError(f"base model {source}: cannot load its tokenizer ({first_line(exc)})") from exc
    if not getattr(tok, "is_fast", False):
        raise UserError(f"base model {source}: needs a fast tokenizer (tokenizer.json) for character offsets")
    if tok.pad_token is None:
        if tok.eos_token is None:
            raise UserError(f"base model {source}: its tokenizer has no padding token")
        tok.pad_token = tok.eos_token
    return tok


def load_model(source: str, spec: TaskSpec, label_names: Sequence[str], tokenizer: Any) -> nn.Module:
    """The base model with a fresh (or reused, when the sizes match) head for ``spec``'s task.
    The model's config names the task (``workbench_task``), so a saved run says what it is for."""
    from transformers import AutoConfig

    id2label = {i: name for i, name in enumerate(label_names)}
    label2id = {name: i for i, name in id2label.items()}
    auto = spec.model_class()
    task = spec.name
    try:
        with quiet_transformers():
            config = AutoConfig.from_pretrained(source, num_labels=len(label_names), id2label=id2label,
                                                label2id=label2id, trust_remote_code=False)
            if getattr(config, "pad_token_id", None) is None:
                config.pad_token_id = tokenizer.pad_token_id
            setattr(config, TASK_KEY, task)
            model = auto.from_pretrained(source, config=config, use_safetensors=True, ignore_mismatched_sizes=True,
                                         trust_remote_code=False)
        restore_pooling(model)     # an earlier run's model, trained with mean pooling, keeps it
    except Exception as exc:  # noqa: BLE001 - safetensors, config and hub errors all mean "not a usable model"
        raise UserError(f"base model {source}: cannot be loaded as a {task} model ({first_line(exc)})") from exc
    return model


def first_line(exc: BaseException) -> str:
    """An exception's first line, for a message (transformers' refusal of remote code in our words)."""
    text = str(exc).strip().splitlines()
    if text and "custom code" in text[0]:
        return REMOTE_CODE
    return text[0][:300] if text else type(exc).__name__


def merge_adapters(model: nn.Module) -> int:
    """Fold LoRA adapters (training/lora.py) into their layers' weights and put the plain layers
    back, in place; returns how many were merged (0 for a model without any)."""
    if "peft" not in sys.modules:     # no adapter exists unless peft was loaded: do not import it
        return 0
    from peft.tuners.tuners_utils import BaseTunerLayer

    tuned = [(parent, name, child) for parent in model.modules() for name, child in parent.named_children()
             if isinstance(child, BaseTunerLayer)]
    for parent, name, child in tuned:
        child.merge()
        setattr(parent, name, child.get_base_layer())
    if tuned and hasattr(model, "peft_config"):
        del model.peft_config
    return len(tuned)


def save_model(model: nn.Module, tokenizer: Any, folder: pathlib.Path) -> None:
    """``save_pretrained`` (safetensors) model and tokenizer; the folder loads with from_pretrained.
    LoRA adapters are merged first, so the folder is an ordinary model whichever way it trained."""
    merge_adapters(model)
    folder.mkdir(parents=True, exist_ok=True)
    with quiet_transformers():   # no "Writing model shards" bar on the CLI's stderr
        model.save_pretrained(str(folder), safe_serialization=True)
        tokenizer.save_pretrained(str(folder))
