"""Sentiment on a sentence-embedding base model classifies from the mean of the pieces (pooling.py)."""
from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

from workbench.store import Store
from workbench.training.config import TrainConfig
from workbench.training.loop import train
from tiny_bert import TOY_WORDS, make_tiny_bert, toy_sentiment_docs


@pytest.fixture(scope="module")
def mean_pooled_base(tmp_path_factory) -> pathlib.Path:
    """A tiny BERT that says, as sentence-transformers models do, it was trained with mean pooling."""
    folder = make_tiny_bert(tmp_path_factory.mktemp("st"), TOY_WORDS, hidden=32, layers=2)
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode_mean_tokens": True}))
    return folder


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> pathlib.Path:
    path = tmp_path_factory.mktemp("p") / "s.db"
    with Store.create(path, ["sentiment"], [], ["negative", "positive"]) as store:
        store.add_documents(toy_sentiment_docs(30))
        store.add_documents(toy_sentiment_docs(10, split="dev", offset=30))
    return path


def run(project: pathlib.Path, base: pathlib.Path, **kw):
    # about pooling, not the recipe: the tiny model learns the toy words fastest with plain weights
    # (fine-tuning: on auto, a sentence model with 15 labels per class would train few-shot)
    recipe = {"dropout": 0.0, "weight_average": 0.0, "method": "finetune", **kw}
    return train(TrainConfig(store_path=project, task="sentiment", base_model=str(base), epochs=15, batch_size=4,
                             lr=5e-3, patience=0, seed=3, **recipe))


def test_a_mean_pooled_base_gives_a_mean_pooled_classifier_that_loads_back(project, mean_pooled_base, tmp_path):
    result = run(project, mean_pooled_base)
    assert result.dev["accuracy"] == 1.0
    model_dir = pathlib.Path(result.model_dir)
    assert json.loads((model_dir / "config.json").read_text())["workbench_pooling"] == "mean"

    from workbench.inference.onnx_export import export_onnx
    from workbench.inference.predictor import Predictor, as_document

    pred = Predictor(model_dir, device="cpu")
    short, long = "the film was great", "the film with anna and mark and eva was awful"
    together = pred.predict([as_document(short, 1), as_document(long, 2)])
    alone = pred.predict([as_document(short, 1)])
    # padding the short sentence next to a long one must not change its mean
    assert np.allclose(together[0].probs, alone[0].probs, atol=1e-5)
    assert [p.label for p in together] == ["positive", "negative"]
    assert export_onnx(model_dir, tmp_path / "onnx").ok


def test_the_first_piece_when_asked_or_when_the_base_model_has_no_pooling_config(project, mean_pooled_base):
    asked = run(project, mean_pooled_base, pooling="cls")
    assert "workbench_pooling" not in json.loads((pathlib.Path(asked.model_dir) / "config.json").read_text())
    plain = make_tiny_bert(project.parent / "plain", TOY_WORDS, hidden=32, layers=2)
    stock = run(project, plain)
    assert "workbench_pooling" not in json.loads((pathlib.Path(stock.model_dir) / "config.json").read_text())
