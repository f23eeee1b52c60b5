"""Training refuses, with a reason a user can act on, when it cannot work, and leaves the store as it was."""
from __future__ import annotations

import hashlib
import pathlib

import pytest

from workbench.errors import UserError
from workbench.spans import Span
from workbench.store import NewDocument, Store
from workbench.training import runs
from workbench.training.config import TrainConfig
from workbench.training.loop import train
from tiny_bert import TOY_WORDS, make_tiny_bert, toy_ner_docs, toy_sentiment_docs


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> pathlib.Path:
    return make_tiny_bert(tmp_path_factory.mktemp("tiny"), TOY_WORDS)


def digest(path: pathlib.Path) -> str:
    with Store(path) as store:   # fold the WAL in, so the file is the whole truth
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return hashlib.sha256(path.read_bytes()).hexdigest()


def refuse(project: pathlib.Path, match: str, **kw) -> None:
    before = digest(project)
    with pytest.raises(UserError, match=match):
        train(TrainConfig(store_path=project, **{"task": "ner", "epochs": 1, **kw}))
    assert digest(project) == before
    with Store(project) as store:
        assert runs.list_runs(store) == []


def test_too_few_labeled_documents(tmp_path, tiny):
    project = tmp_path / "p.db"
    with Store.create(project, ["ner"], ["PER", "LOC"]) as store:
        store.add_documents(toy_ner_docs(3) + [NewDocument("unlabeled text", split="train")])
    refuse(project, r"too few labeled documents to train ner: 3 accepted in the train split, at least 5 needed",
           base_model=str(tiny))


def test_a_label_with_no_examples(tmp_path, tiny):
    project = tmp_path / "p.db"
    with Store.create(project, ["ner"], ["PER", "LOC", "ORG"]) as store:
        store.add_documents(toy_ner_docs(10))
    refuse(project, r"entity label 'ORG' has no examples among the 9 training documents", base_model=str(tiny))


def test_a_sentiment_class_with_no_examples(tmp_path, tiny):
    project = tmp_path / "p.db"
    with Store.create(project, ["sentiment"], [], ["negative", "positive", "neutral"]) as store:
        store.add_documents(toy_sentiment_docs(10))
    refuse(project, r"sentiment class 'neutral' has no examples", task="sentiment", base_model=str(tiny))


def test_base_model_folder_that_is_not_a_model(tmp_path):
    project = tmp_path / "p.db"
    with Store.create(project, ["ner"], ["PER", "LOC"]) as store:
        store.add_documents(toy_ner_docs(10))
    empty = tmp_path / "not-a-model"
    empty.mkdir()
    (empty / "notes.txt").write_text("hello")
    refuse(project, r"not a Hugging Face model folder \(it has no config.json\)", base_model=str(empty))
    (empty / "config.json").write_text('{"model_type": "bert"}')
    (empty / "pytorch_model.bin").write_bytes(b"pickle")
    refuse(project, r"no \.safetensors weights", base_model=str(empty))
    refuse(project, r"no such folder", base_model=str(tmp_path / "missing"))
    refuse(project, r"not a folder", base_model=str(empty / "notes.txt"))


def test_garbage_weights_are_refused_not_crashed_on(tmp_path, tiny):
    project = tmp_path / "p.db"
    with Store.create(project, ["ner"], ["PER", "LOC"]) as store:
        store.add_documents(toy_ner_docs(10))
    bad = tmp_path / "bad"
    bad.mkdir()
    for f in tiny.iterdir():
        (bad / f.name).write_bytes(f.read_bytes())
    (bad / "model.safetensors").write_bytes(b"not safetensors at all")
    refuse(project, r"base model .*cannot be loaded as a ner model", base_model=str(bad))


def test_task_the_project_does_not_have_and_bad_settings(tmp_path, tiny):
    project = tmp_path / "p.db"
    with Store.create(project, ["ner"], ["PER"]) as store:
        store.add_documents([NewDocument("Ann", split="train", spans=[Span(0, 3, "PER")])] * 6)
    refuse(project, r"this project has no sentiment task", task="sentiment", base_model=str(tiny))
    refuse(project, r"learning rate must be between 0 and 1", lr=5.0, base_model=str(tiny))
    refuse(project, r"batch size must be at least 1", batch_size=0, base_model=str(tiny))
    refuse(project, r"no CUDA GPU", device="cuda", base_model=str(tiny)) if not _has_cuda() else None


def _has_cuda() -> bool:
    import torch

    return torch.cuda.is_available()


def test_cli_prints_the_reason_on_one_line(tmp_path, tiny):
    import subprocess
    import sys

    project = tmp_path / "p.db"
    with Store.create(project, ["ner"], ["PER", "LOC", "ORG"]) as store:
        store.add_documents(toy_ner_docs(10))
    out = subprocess.run([sys.executable, "-m", "workbench.cli", "train", str(project), "--task", "ner",
                          "--base-model", str(tiny)], capture_output=True, text=True)
    assert out.returncode == 1
    assert out.stderr.strip().splitlines()[-1].startswith("error: entity label 'ORG' has no examples")
