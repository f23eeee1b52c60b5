"""Run folders for the run tests, made in about a second without training.

:func:`make_run_folder` writes what ``train-bundle`` writes: ``model/`` (a tiny
BERT classifier with random weights, saved with ``save_pretrained``, and its
fast tokenizer) and ``run_card.json`` in the shape ``training/card.py`` writes.
The tests then damage copies of it the ways a hostile or unlucky folder can be.
"""
from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
from typing import Any

from workbench.spans import bio_label_names
from workbench.store import Store
from tiny_bert import TOY_WORDS, make_tiny_bert, toy_ner_docs, toy_sentiment_docs

ROOT = pathlib.Path(__file__).resolve().parents[1]


def report(labels: list[str], task: str) -> dict[str, Any]:
    row = {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 4}
    out = {"task": task, "per_label": {lab: dict(row) for lab in labels}, "macro": dict(row), "f1": 0.5,
           "score": 0.5, "accuracy": 0.75, "loss": 0.9}
    if task == "ner":
        out["micro"] = dict(row)
    return out


def make_run_folder(dest: pathlib.Path, task: str = "ner", labels: tuple[str, ...] = ("PER", "LOC")) -> pathlib.Path:
    """A finished run folder for ``task`` predicting ``labels``."""
    from transformers import AutoModelForSequenceClassification, AutoModelForTokenClassification, AutoTokenizer

    from workbench.modeling.loading import quiet_transformers

    base = make_tiny_bert(dest.parent / f".{dest.name}-base", TOY_WORDS)
    names = bio_label_names(labels) if task == "ner" else list(labels)
    cls = AutoModelForTokenClassification if task == "ner" else AutoModelForSequenceClassification
    with quiet_transformers():    # the new head is "missing" from the base: expected
        model = cls.from_pretrained(str(base), num_labels=len(names), id2label=dict(enumerate(names)),
                                    label2id={n: i for i, n in enumerate(names)})
        model.save_pretrained(str(dest / "model"))
    AutoTokenizer.from_pretrained(str(base)).save_pretrained(str(dest / "model"))
    card = {
        "run_id": 1, "task": task, "status": "done", "created": "2026-01-02T03:04:05+00:00",
        "base_model": str(base), "device": "CPU (1 thread, fp32)", "config": {"epochs": 2, "max_length": 128},
        "labels": list(labels), "label_names": names, "data": {"train": 24, "dev": 8, "test": 0},
        "duration_s": 1.5, "best_epoch": 2,
        "history": [{"epoch": 1.0, "step": 2, "loss": 1.2, "f1": 0.4, "accuracy": 0.6, "score": 0.4},
                    {"epoch": 2.0, "step": 4, "loss": 0.9, "f1": 0.5, "accuracy": 0.75, "score": 0.5}],
        "metrics": {"dev": report(list(labels), task), "test": None},
        "summary": {"epochs": 2.0, "steps": 4},
        "points": [["train_loss", 2, 1.0, 1.5], ["dev_f1", 2, 1.0, 0.4], ["dev_f1", 4, 2.0, 0.5]],
    }
    (dest / "run_card.json").write_text(json.dumps(card, indent=2), encoding="utf-8")
    return dest


def make_project(path: pathlib.Path, tasks: tuple[str, ...] = ("ner",)) -> pathlib.Path:
    """A small project: toy NER (PER, LOC) and/or sentiment (negative, positive) documents, train and dev."""
    with Store.create(path, list(tasks), ["PER", "LOC"] if "ner" in tasks else [],
                      ["negative", "positive"] if "sentiment" in tasks else []) as store:
        if "ner" in tasks:
            store.add_documents(toy_ner_docs(16, split="train") + toy_ner_docs(6, split="dev", offset=16))
        if "sentiment" in tasks:
            store.add_documents(toy_sentiment_docs(16, split="train") + toy_sentiment_docs(6, split="dev", offset=16))
    return path


def cli(*args: Any, stdin: str | None = None, env: dict[str, str] | None = None,
        timeout: float = 300) -> subprocess.CompletedProcess:
    """``workbench-cli ARGS`` in a fresh process (the user's data folder from the test's environment)."""
    full = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "workbench.cli", *map(str, args)], capture_output=True, text=True,
                          input=stdin, env=full, timeout=timeout, cwd=ROOT)


def runs_table(project: pathlib.Path) -> list[tuple]:
    """Every row of the runs table, raw (status included), without opening a Store."""
    import sqlite3

    with sqlite3.connect(str(project)) as conn:
        rows = conn.execute("SELECT id, task, status, model_dir, error FROM runs ORDER BY id").fetchall()
    conn.close()
    return rows
