"""Runs a stock ``transformers.pipeline`` can reproduce, for the export and serve tests.

The inference tests' NER run uses word case (the tiny tokenizer lowercases), which a
stock pipeline cannot give the model; these runs are trained without it, on the same
project and tiny base model (``inference_support``).  Built once per test session.
"""
from __future__ import annotations

import atexit
import pathlib
import shutil
import tempfile
from typing import Any

from inference_support import TINY_OVERRIDES, make_project, one_cpu, tiny_base

_BUILT: dict[str, Any] = {}


def plain_runs() -> dict[str, Any]:
    """``{"root", "project", "base", "ner", "sentiment"}`` (RunResults; NER without word case)."""
    if not _BUILT:
        from workbench.training import TrainConfig, train

        root = pathlib.Path(tempfile.mkdtemp(prefix="serving-tests-"))
        atexit.register(shutil.rmtree, root, True)
        project = make_project(root / "project.db")
        base = tiny_base(root / "base")
        results = {}
        for task, epochs, lr in (("ner", 12, 3e-3), ("sentiment", 18, 1e-3)):
            cfg = TrainConfig(project, task, base_model=str(base), epochs=epochs, batch_size=16, lr=lr,
                              embeddings="full", device="cpu", patience=0, output_dir=root / "runs",
                              word_case=False, **TINY_OVERRIDES)
            with one_cpu():
                results[task] = train(cfg)
        _BUILT.update(root=root, project=project, base=base, **results)
    return _BUILT
