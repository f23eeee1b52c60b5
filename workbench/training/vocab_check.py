"""Before a run: does the chosen base model know the project's training text?
(workbench/modeling/vocab_fit.py measures; this reads the project and runs it as a job.)

Used by ``workbench-cli train`` (a warning on stderr) and the Train screen (a warning under
the base model, from :func:`vocab_fit_job` on a worker thread).  Any thread that owns the
Store it opens; reads tokenizer.json with the tokenizers library (no torch, no transformers).
"""
from __future__ import annotations

import pathlib
from typing import Iterable

from workbench.jobs import CancelFn, Progress, ProgressFn, no_progress
from workbench.modeling.vocab_fit import VocabFit, load_vocab_tokenizer, measure
from workbench.paths import default_base_model_dir
from workbench.store import Store, queries


def training_texts(store: Store, task: str) -> Iterable[str]:
    """The texts a run of ``task`` learns from (its accepted documents), else every document's."""
    any_accepted = False
    for doc, _ in queries.iter_documents(store, task=task):
        any_accepted = True
        yield doc.text
    if not any_accepted:
        for doc, _ in queries.iter_documents(store):
            yield doc.text


def project_vocab_fit(store_path: str | pathlib.Path, task: str, base_model: str | None) -> VocabFit | None:
    """The fit of ``base_model`` (a folder, or "default") to the project's training text; None
    for a hub id (its tokenizer is not downloaded to check)."""
    if base_model is None or str(base_model).strip() in ("", "default"):
        source = default_base_model_dir()
    else:
        source = pathlib.Path(str(base_model).strip()).expanduser()
        if not source.is_dir():
            return None    # a hub id (or no folder: the run itself says so)
    tokenizer, unk = load_vocab_tokenizer(source)
    with Store(store_path) as store:
        return measure(tokenizer, unk, training_texts(store, task), model=str(source))


def vocab_fit_job(store_path: str, task: str, base_model: str, *, progress: ProgressFn = no_progress,
                  cancelled: CancelFn | None = None) -> VocabFit | None:
    """:func:`project_vocab_fit` as a job (workbench/jobs.py) for the Train screen: one short unit."""
    progress(Progress(0, 0, "Checking the base model's vocabulary"))
    return project_vocab_fit(store_path, task, base_model)
